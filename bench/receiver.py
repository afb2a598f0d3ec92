"""The benchmark's webhook receivers, each a separate process answering 204 and noting when each
webhook arrived (CLOCK_MONOTONIC, comparable across processes on one Linux machine).

`python -m bench.receiver aiohttp|uvicorn PORT`. GET /stats returns {"count", "arrivals": {key:
t}}, keyed by the incident id of an incident webhook (a counter for other bodies); GET /count
returns {"count"} alone, cheap enough to poll during a burst; POST /reset forgets everything.
Two kinds, because a receiver's own speed sets the floor: aiohttp's server is about as fast as
Python serves HTTP, uvicorn with Starlette is what a typical receiver runs.
"""

import json
import sys
import time
from typing import Any

arrivals: dict[str, float] = {}


def note(body: bytes) -> None:
    now = time.monotonic()
    try:
        key = json.loads(body)["data"]["incident_id"]
    except (ValueError, KeyError, TypeError):
        key = f"raw-{len(arrivals)}"
    arrivals.setdefault(key, now)


def stats() -> dict[str, Any]:
    return {"count": len(arrivals), "arrivals": arrivals}


def count() -> dict[str, Any]:
    return {"count": len(arrivals)}


def run_aiohttp(port: int) -> None:
    from aiohttp import web

    async def hook(request: web.Request) -> web.Response:
        note(await request.read())
        return web.Response(status=204)

    async def get_stats(_request: web.Request) -> web.Response:
        return web.json_response(stats())

    async def get_count(_request: web.Request) -> web.Response:
        return web.json_response(count())

    async def reset(_request: web.Request) -> web.Response:
        arrivals.clear()
        return web.Response(status=204)

    app = web.Application()
    app.add_routes(
        [
            web.post("/hook", hook),
            web.get("/stats", get_stats),
            web.get("/count", get_count),
            web.post("/reset", reset),
        ]
    )
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def run_uvicorn(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def hook(request: Request) -> Response:
        note(await request.body())
        return Response(status_code=204)

    async def get_stats(_request: Request) -> Response:
        return JSONResponse(stats())

    async def get_count(_request: Request) -> Response:
        return JSONResponse(count())

    async def reset(_request: Request) -> Response:
        arrivals.clear()
        return Response(status_code=204)

    app = Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/stats", get_stats),
            Route("/count", get_count),
            Route("/reset", reset, methods=["POST"]),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    {"aiohttp": run_aiohttp, "uvicorn": run_uvicorn}[kind](port)
