"""A load generator cheap enough not to be what it measures: HTTP/1.1 over kept-alive asyncio
connections, each request written as prepared bytes and each answer read by its Content-Length.

httpx spends more CPU per request than the raise it would measure, and on a two-core machine the
client's CPU is taken from the server's. This does what wrk does, in the bench's own process:
a fixed number of connections, each sending its next request as soon as the answer to the last
one is read (closed loop), all drawing from one iterator of requests.
"""

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds


def post_json(path: str, body: object, headers: dict[str, str]) -> bytes:
    """One POST request, as it goes on the wire."""
    payload = json.dumps(body).encode()
    head = [f"POST {path} HTTP/1.1", "Host: bench", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def get(path: str, headers: dict[str, str]) -> bytes:
    head = [f"GET {path} HTTP/1.1", "Host: bench", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode()


def forever(request: bytes) -> Iterator[bytes]:
    """The same request again and again (stop the run with `stop`)."""
    return itertools.repeat(request)


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def run(
    urls: str | Sequence[str],
    requests: Iterator[bytes],
    connections: int = 16,
    stop: Callable[[], bool] = lambda: False,
) -> LoadResult:
    """Send every request of `requests` (shared by the connections) and time each answer.

    Given several URLs (replicas of one service), connection n goes to URLs[n % len(URLs)]."""
    targets = [urlsplit(u) for u in ([urls] if isinstance(urls, str) else urls)]
    result = LoadResult(seconds=0.0)

    async def connection(n: int) -> None:
        target = targets[n % len(targets)]
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        try:
            for request in requests:
                if stop():
                    return
                started = time.perf_counter()
                writer.write(request)
                status = await _answer(reader)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(n) for n in range(connections)))
    result.seconds = time.perf_counter() - started
    return result
