"""POSTing one webhook: bounded in time and memory, no redirects, no proxies, guarded addresses.

Every socket comes from `AddressPolicy.open_socket`, so no packet goes to a refused address, and
a refusal is reported as such: never as a failure that would tell an open port from a closed one.

aiohttp rather than httpx: on this machine, POSTing to one local receiver, httpx's AsyncClient
managed 234 requests/s one at a time and 186/s sixteen at a time, aiohttp 998/s and 1,650/s
(encode/httpx issue 3215 describes httpx slowing down under concurrency).
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from services.notifier.transports.addresses import AddressPolicy, AddressRefused

EXCERPT_BYTES = 1024
HEADERS = {"content-type": "application/json", "user-agent": "ssi-notifier/1"}
"""Sent with every webhook: the session's default headers, merged natively by aiohttp."""


@dataclass(frozen=True)
class AttemptResult:
    status_code: int | None
    latency_ms: float
    excerpt: str | None
    error: str | None
    retry_after: str | None = None
    started_at: datetime | None = None
    permanent: bool = False
    """The answer says trying again cannot help (an SMTP 5xx for the recipient): dead at once."""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Transport:
    def __init__(
        self, policy: AddressPolicy, *, timeout: float, max_response_bytes: int, limit: int
    ) -> None:
        self._policy = policy
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_response = max_response_bytes
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self._refusals: dict[str, str | None] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                socket_factory=self._policy.open_socket, limit=self._limit, ttl_dns_cache=60
            )
            # No cookie jar: a receiver's Set-Cookie is never sent back, to it or to anyone.
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=HEADERS,
                timeout=self._timeout,
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def post(
        self, url: str, body: str, headers: dict[str, str], started_at: datetime | None = None
    ) -> AttemptResult:
        """POST `body`; `started_at` is stamped on the result as the attempt's start."""
        started = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - started) * 1000, 3)

        def failed(error: str) -> AttemptResult:
            return AttemptResult(None, elapsed(), None, error[:200], started_at=started_at)

        try:
            self._check(url)
            async with self._client().post(
                url, data=body.encode(), headers=headers, allow_redirects=False
            ) as response:
                content = await response.content.read(self._max_response)
                return AttemptResult(
                    status_code=response.status,
                    latency_ms=elapsed(),
                    excerpt=_excerpt(content),
                    error=None,
                    retry_after=response.headers.get("Retry-After"),
                    started_at=started_at,
                )
        except AddressRefused as exc:
            return failed(f"address refused: {exc}")
        except TimeoutError:
            return failed("timed out")
        except aiohttp.ClientConnectorError as exc:
            cause = exc.__cause__ or exc.os_error
            if isinstance(cause, AddressRefused):
                return failed(f"address refused: {cause}")
            return failed(f"connection failed: {exc.strerror}")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return failed(f"{type(exc).__name__}: {exc}")

    def _check(self, url: str) -> None:
        """`AddressPolicy.check_url`, remembered per URL: it depends on the URL alone, and a burst
        sends thousands of webhooks to one. Every address is still checked at each connection."""
        if url not in self._refusals:
            if len(self._refusals) >= 4096:
                self._refusals.clear()
            try:
                self._policy.check_url(url)
                self._refusals[url] = None
            except AddressRefused as exc:
                self._refusals[url] = str(exc)
        refusal = self._refusals[url]
        if refusal is not None:
            raise AddressRefused(refusal)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            await asyncio.sleep(0)


def _excerpt(content: bytes) -> str:
    text = content[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    return "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)
