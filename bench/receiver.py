"""The benchmark's webhook receiver: a separate aiohttp process that answers 204 and notes when
each webhook arrived (CLOCK_MONOTONIC, comparable across processes on one Linux machine).

`python -m bench.receiver PORT`; GET /stats returns {"count", "arrivals": {key: t}} where the key
is the incident id of an incident webhook (or a counter for other bodies).
"""

import json
import sys
import time

from aiohttp import web

arrivals: dict[str, float] = {}


async def hook(request: web.Request) -> web.Response:
    body = await request.read()
    now = time.monotonic()
    try:
        key = json.loads(body)["data"]["incident_id"]
    except (ValueError, KeyError, TypeError):
        key = f"raw-{len(arrivals)}"
    arrivals.setdefault(key, now)
    return web.Response(status=204)


async def stats(_request: web.Request) -> web.Response:
    return web.json_response({"count": len(arrivals), "arrivals": arrivals})


async def reset(_request: web.Request) -> web.Response:
    arrivals.clear()
    return web.Response(status=204)


def main() -> None:
    app = web.Application()
    app.add_routes([web.post("/hook", hook), web.get("/stats", stats), web.post("/reset", reset)])
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
