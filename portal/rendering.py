"""Pages from templates, with what every page's layout needs (who is signed in, the mode)."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")


def london(instant: datetime | None) -> str:
    """An instant as people in GB read it: London time, to the minute."""
    if instant is None:
        return ""
    local = instant.astimezone(LONDON) if instant.tzinfo else instant.replace(tzinfo=UTC)
    return local.strftime("%a %d %b %Y %H:%M")


HTMX_CONFIG = {
    "includeIndicatorStyles": False,  # an injected <style> the CSP would block
    "historyCacheSize": 0,  # no page, least of all one with a secret, kept in localStorage
    "refreshOnHistoryMiss": True,
    "allowEval": False,
    "allowScriptTags": False,
    # A refusal (409, 422...) is a page with the reason beside the form: swap it in as a success
    # would be, where htmx by default would show nothing.
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[4]..", "swap": True, "error": False},
        {"code": "...", "swap": False, "error": True},
    ],
}


def templates() -> Jinja2Templates:
    found = Jinja2Templates(directory=TEMPLATES)
    found.env.filters["london"] = london
    found.env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
    return found


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    runtime = request.app.state.runtime
    context.setdefault("me", getattr(request.state, "me", None))
    context.setdefault("development", runtime.settings.common.development)
    context.setdefault("oidc", runtime.provider is not None)
    response: HTMLResponse = runtime.templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    return response


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
