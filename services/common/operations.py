"""`/healthz`, `/readyz` and `/metrics`, the same on both services."""

import asyncio
import logging

from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from services.common.errors import problem_response

log = logging.getLogger("ssi.operations")


def add_operational_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Database down"}})
    async def readyz() -> Response:
        """The database answers within two seconds."""
        try:
            async with app.state.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
        except Exception as exc:  # any failure at all means "not ready"
            log.warning("readiness check failed: %s", type(exc).__name__)
            return problem_response(503, "not-ready", "Database unreachable")
        return Response('{"status":"ready"}', media_type="application/json")

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> Response:
        """Prometheus text exposition."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
