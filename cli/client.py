"""HTTP for the commands: one client per service, and every failure as one readable line."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import httpx


def fail(message: str, code: int = 1) -> typer.Exit:
    """`raise fail(...)`: one line on stderr, a non-zero exit, no traceback."""
    typer.echo(f"ssi: error: {message}", err=True)
    return typer.Exit(code)


@dataclass
class Target:
    """Where the commands go, from flags or SSI_API_URL, SSI_NOTIFIER_URL, SSI_TOKEN."""

    api_url: str
    notifier_url: str
    token: str | None

    def api(self) -> "Client":
        return Client(self.api_url, self.token)

    def notifier(self) -> "Client":
        return Client(self.notifier_url, self.token)


class Client:
    def __init__(self, base_url: str, token: str | None) -> None:
        if not token:
            raise fail(
                "no token: set SSI_TOKEN or --token (`ssi token --party ABCD` in development)"
            )
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        content: bytes | Iterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        hints: Mapping[str, str] | None = None,
    ) -> "httpx.Response":
        """`hints`: by problem type (its last path segment), what to add to the error line, such
        as the option of this command that fixes it."""
        import httpx  # here, not at the top: `ssi token` and `ssi sla due` never need it

        try:
            # One connection per command: a command makes one or two calls.
            with httpx.Client(
                base_url=self.base_url,
                headers=self.headers,
                timeout=httpx.Timeout(30.0, read=600.0),
                trust_env=False,
            ) as http:
                response = http.request(
                    method,
                    path,
                    json=json_body,
                    params={k: v for k, v in (params or {}).items() if v is not None},
                    content=content,
                    headers=headers,
                )
        except httpx.HTTPError as exc:
            raise fail(f"cannot reach {self.base_url}: {type(exc).__name__}") from None
        if response.is_error:
            line = problem_line(response)
            hint = (hints or {}).get(problem_slug(response))
            raise fail(f"{line} ({hint})" if hint else line)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        return response.json() if response.content else None


def _problem(response: "httpx.Response") -> dict[str, Any] | None:
    try:
        problem = response.json()
    except (ValueError, json.JSONDecodeError):
        return None
    return problem if isinstance(problem, dict) else None


def problem_slug(response: "httpx.Response") -> str:
    problem = _problem(response)
    return str(problem.get("type", "")).rsplit("/", 1)[-1] if problem else ""


def problem_line(response: "httpx.Response") -> str:
    """`404 No such incident: ...` from an RFC 9457 problem, or the status alone."""
    problem = _problem(response)
    if problem is None:
        return f"{response.status_code} {response.reason_phrase}"
    line = f"{response.status_code} {problem.get('title', response.reason_phrase)}"
    reason = problem_reason(problem)
    return f"{line}{': ' if problem.get('detail') else ' '}{reason}" if reason else line


def problem_reason(problem: Mapping[str, Any]) -> str:
    """`detail (field: message; ...)`: all the reason a problem gives, beyond its type and title."""
    detail = str(problem.get("detail") or "")
    fields = "; ".join(
        f"{e.get('field')}: {e.get('message')}"
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    )
    return " ".join(part for part in (detail, f"({fields})" if fields else "") if part)


def row_problem(problem: Mapping[str, Any]) -> str:
    """A bulk row's error as one cell: `slug: detail (field: message)`."""
    slug = str(problem.get("type", "error")).rsplit("/", 1)[-1]
    reason = problem_reason(problem)
    return f"{slug}: {reason}" if reason else slug


def target(ctx: typer.Context) -> Target:
    found: Target = ctx.find_root().obj
    return found
