"""The incident API and the notifier, as the signed-in person, through `ssi_client`.

Every call goes out with the person's own access token: the services decide what the person may
see and do, and the portal shows their answer. A problem the services answer becomes a
`ServiceProblem`: the page shows its `detail` in plain words, and each field error beside the
field it names. A service that cannot be reached is a 502 page, never a stack trace.
"""

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

import httpx
from ssi_client.incident_api import AuthenticatedClient as ApiClient
from ssi_client.notifier import AuthenticatedClient as NotifierClient
from ssi_client.notifier import Client as AnonymousNotifierClient

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
TIMEOUT = httpx.Timeout(10.0, read=120.0)
"""A bulk call of 10,000 rows is answered once every row is done."""


class Answer(Protocol[T_co]):
    """What a generated `asyncio_detailed` call returns."""

    @property
    def status_code(self) -> HTTPStatus: ...
    @property
    def content(self) -> bytes: ...
    @property
    def parsed(self) -> T_co | Any: ...


@dataclass
class ServiceProblem(Exception):
    """A service's problem answer, or its absence, in words for the page."""

    status: int
    title: str
    detail: str
    type: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    incident_id: str | None = None
    """The incident a refusal is about (an open duplicate, say), for a link to it."""

    def __str__(self) -> str:
        return self.detail

    @property
    def slug(self) -> str:
        return self.type.rsplit("/", 1)[-1]


def refused(problem: ServiceProblem) -> ServiceProblem:
    """`problem` if it is a refusal to show beside the form (a 4xx); a failure of the service
    (5xx) or of the sign-in (401) is raised on, for the app's error pages."""
    if problem.status >= 500 or problem.status == 401:
        raise problem
    return problem


UNREACHABLE = ServiceProblem(
    502, "Service unavailable", "The service is not answering just now. Try again in a minute."
)


def ok(answer: Answer[T], expected: type[T]) -> T:
    """The typed result of a 2xx answer; a `ServiceProblem` otherwise."""
    if 200 <= answer.status_code < 300 and isinstance(answer.parsed, expected):
        return answer.parsed
    raise problem_of(answer.status_code, answer.content)


def problem_of(status: int, content: bytes) -> ServiceProblem:
    if status >= 500:
        return ServiceProblem(502, "Service unavailable", UNREACHABLE.detail)
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ServiceProblem(status, "Refused", f"The service refused this ({status}).")
    fields: dict[str, str] = {}
    for error in body.get("errors") or []:
        if isinstance(error, dict) and isinstance(error.get("field"), str):
            # `body.event_types.0`: known as `event_types.0`, and as `event_types`, the form field
            path = error["field"].split(".")
            if path[0] in ("body", "query", "path") and len(path) > 1:
                path = path[1:]
            message = str(error.get("message", ""))
            fields.setdefault(".".join(path), message)
            fields.setdefault(path[0], message)
    title = str(body.get("title") or "Refused")
    return ServiceProblem(
        status=status,
        title=title,
        detail=str(body.get("detail") or title),
        type=str(body.get("type") or ""),
        fields=fields,
        incident_id=body["incident_id"] if isinstance(body.get("incident_id"), str) else None,
    )


@dataclass(frozen=True)
class Services:
    api: ApiClient
    notifier: NotifierClient


class Connections:
    """One connection pool per service for the whole process; a client per request carries the
    person's token over it. Closed with the app."""

    def __init__(
        self,
        api_url: str,
        notifier_url: str,
        *,
        api_transport: httpx.AsyncBaseTransport | None = None,
        notifier_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_url, self.notifier_url = api_url, notifier_url
        self._api = api_transport or httpx.AsyncHTTPTransport()
        self._notifier = notifier_transport or httpx.AsyncHTTPTransport()

    def for_token(self, token: str) -> Services:
        # Proxies from the environment are not ours to send a person's token through.
        return Services(
            api=ApiClient(
                base_url=self.api_url,
                token=token,
                timeout=TIMEOUT,
                httpx_args={"transport": _Shared(self._api), "trust_env": False},
            ),
            notifier=NotifierClient(
                base_url=self.notifier_url,
                token=token,
                timeout=TIMEOUT,
                httpx_args={"transport": _Shared(self._notifier), "trust_env": False},
            ),
        )

    def notifier_without_token(self) -> AnonymousNotifierClient:
        """The notifier for a route that takes no token (an email endpoint's confirmation,
        opened by whoever reads that mailbox, who may have no portal account)."""
        return AnonymousNotifierClient(
            base_url=self.notifier_url,
            timeout=TIMEOUT,
            httpx_args={"transport": _Shared(self._notifier), "trust_env": False},
        )

    async def aclose(self) -> None:
        await self._api.aclose()
        await self._notifier.aclose()


class _Shared(httpx.AsyncBaseTransport):
    """The app's transport, lent to a request's client: closing the client leaves it open."""

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self._transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._transport.handle_async_request(request)
        except httpx.TransportError as exc:
            raise UNREACHABLE from exc

    async def aclose(self) -> None:
        pass
