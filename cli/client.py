"""The two services for the commands: their typed clients (`ssi_client`), and every failure as
one readable line.

Each command calls a generated operation (`api/<tag>/<operation>.py`, `sync_detailed`) and hands
its answer to `ok()` for the typed result, or to `cli.output.show()` to print it. The generated
modules are imported by the commands that call them, not here: they bring httpx, which `ssi token`
and `ssi sla due` never need.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import typer

if TYPE_CHECKING:
    import httpx
    from ssi_client.incident_api import AuthenticatedClient as ApiClient
    from ssi_client.incident_api.models import Problem as ApiProblem
    from ssi_client.notifier import AuthenticatedClient as NotifierClient
    from ssi_client.notifier import Client as AnonymousNotifierClient
    from ssi_client.notifier.models import Problem as NotifierProblem

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
# An import or a batch of 10,000 rows is answered once every row is done: reading may take long.
CONNECT_SECONDS, READ_SECONDS = 30.0, 600.0
# Proxies and credentials from the environment are not ours to send a token through.
HTTPX_ARGS = {"trust_env": False}


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

    def bearer(self) -> str:
        if not self.token:
            raise fail(
                "no token: set SSI_TOKEN or --token (`ssi token --party ABCD` in development)"
            )
        return self.token


def target(ctx: typer.Context) -> Target:
    found: Target = ctx.find_root().obj
    return found


def _timeout() -> httpx.Timeout:
    import httpx

    return httpx.Timeout(CONNECT_SECONDS, read=READ_SECONDS)


def api(ctx: typer.Context) -> ApiClient:
    """The incident API's client, closed when the command ends."""
    from ssi_client.incident_api import AuthenticatedClient

    where = target(ctx)
    client = AuthenticatedClient(
        base_url=where.api_url, token=where.bearer(), timeout=_timeout(), httpx_args=HTTPX_ARGS
    )
    return ctx.with_resource(client)


def notifier(ctx: typer.Context) -> NotifierClient:
    """The notifier's client, closed when the command ends."""
    from ssi_client.notifier import AuthenticatedClient

    where = target(ctx)
    client = AuthenticatedClient(
        base_url=where.notifier_url, token=where.bearer(), timeout=_timeout(), httpx_args=HTTPX_ARGS
    )
    return ctx.with_resource(client)


def anonymous_notifier(ctx: typer.Context) -> AnonymousNotifierClient:
    """The notifier's client without a token, for what anyone may call (following a
    confirmation link): a token held for other commands is not sent where none is asked."""
    from ssi_client.notifier import Client

    client = Client(base_url=target(ctx).notifier_url, timeout=_timeout(), httpx_args=HTTPX_ARGS)
    return ctx.with_resource(client)


class Answer(Protocol[T_co]):
    """A service's answer: a generated operation's `Response`, or `answer_of()`'s."""

    @property
    def status_code(self) -> HTTPStatus: ...

    @property
    def content(self) -> bytes: ...

    @property
    def parsed(self) -> T_co | None: ...


def answer_of(response: httpx.Response, parse: Callable[[httpx.Response], T]) -> Answer[T]:
    """A hand-written call's answer (a route the generated client cannot call), shaped as the
    generated operations' own: `parse` reads a successful answer, `ok()` judges it."""
    from ssi_client.incident_api.types import Response

    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parse(response) if response.is_success else None,
    )


def ok(
    answer: Answer[T | ApiProblem | NotifierProblem], hints: Mapping[str, str] | None = None
) -> T:
    """The typed result of a call, or its problem as the command's one-line error.

    `hints`: by problem type (its last path segment), what to add to the error line, such as the
    option of this command that fixes it."""
    from ssi_client.incident_api.models import Problem as ApiProblem
    from ssi_client.notifier.models import Problem as NotifierProblem

    parsed, status = answer.parsed, answer.status_code
    if isinstance(parsed, ApiProblem | NotifierProblem):
        raise _refused(status, parsed.to_dict(), hints)
    if not 200 <= status < 300:
        # A status the operation does not document: its body, if a problem, still says why.
        raise _refused(status, _json_object(answer.content), hints)
    if parsed is None:
        if status == HTTPStatus.NO_CONTENT:
            return cast(T, None)  # the operations that answer 204 are typed Any
        raise fail(f"{status.value} {status.phrase}, an answer this version of ssi cannot read")
    return parsed


def _refused(
    status: HTTPStatus, problem: Mapping[str, Any] | None, hints: Mapping[str, str] | None
) -> typer.Exit:
    line = problem_line(status, problem)
    hint = (hints or {}).get(problem_slug(problem)) if problem else None
    return fail(f"{line} ({hint})" if hint else line)


def unreachable(exc: Exception) -> str | None:
    """`cannot reach URL: ConnectError` when a call got no answer at all, else None."""
    import httpx

    if not isinstance(exc, httpx.TransportError):
        return None
    try:
        url = exc.request.url
    except RuntimeError:  # raised outside a request: no URL to name
        return f"cannot reach the service: {type(exc).__name__}"
    return f"cannot reach {url.scheme}://{url.netloc.decode()}: {type(exc).__name__}"


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        problem = json.loads(content)
    except ValueError:
        return None
    return problem if isinstance(problem, dict) else None


def problem_slug(problem: Mapping[str, Any]) -> str:
    return str(problem.get("type", "")).rsplit("/", 1)[-1]


def problem_line(status: HTTPStatus, problem: Mapping[str, Any] | None) -> str:
    """`404 No such incident: ...` from an RFC 9457 problem, or the status alone."""
    if problem is None:
        return f"{status.value} {status.phrase}"
    line = f"{status.value} {problem.get('title', status.phrase)}"
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
    slug = problem_slug(problem) or "error"
    reason = problem_reason(problem)
    return f"{slug}: {reason}" if reason else slug
