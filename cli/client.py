"""HTTP for the commands: one client per service, and every failure as one readable line."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    import httpx


def fail(message: str, code: int = 1) -> typer.Exit:
    """`raise fail(...)`: one line on stderr, a non-zero exit, no traceback."""
    typer.echo(f"error: {message}", err=True)
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
    ) -> "httpx.Response":
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
            raise fail(problem_line(response))
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        return response.json() if response.content else None


def problem_line(response: "httpx.Response") -> str:
    """`404 No such incident: ...` from an RFC 9457 problem, or the status alone."""
    try:
        problem = response.json()
    except (ValueError, json.JSONDecodeError):
        problem = None
    if not isinstance(problem, dict):
        return f"{response.status_code} {response.reason_phrase}"
    line = f"{response.status_code} {problem.get('title', response.reason_phrase)}"
    if problem.get("detail"):
        line += f": {problem['detail']}"
    fields = [
        f"{e.get('field')}: {e.get('message')}"
        for e in problem.get("errors") or []
        if isinstance(e, dict)
    ]
    if fields:
        line += " (" + "; ".join(fields) + ")"
    return line


def target(ctx: typer.Context) -> Target:
    found: Target = ctx.find_root().obj
    return found
