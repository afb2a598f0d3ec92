"""Liveness, readiness and Prometheus metrics for the platform that runs the service (load
balancers, Kubernetes probes, Prometheus). No token is needed.

The same routes on both services.
"""

import asyncio
import logging

from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from services.common.errors import ProblemError, problem_response
from services.common.openapi import problems

log = logging.getLogger("ssi.operations")


class NotReady(ProblemError):
    status, slug, title = 503, "not-ready", "Database unreachable"


def add_operational_routes(app: FastAPI) -> None:
    @app.get(
        "/healthz",
        tags=["operations"],
        summary="Liveness",
        responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
    )
    async def check_health() -> dict[str, str]:
        """The process is up and answering. It says nothing about the database: see `/readyz`."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness",
        responses={
            200: {
                "description": "Ready",
                "content": {"application/json": {"example": {"status": "ready"}}},
            },
            **problems(NotReady),
        },
    )
    async def check_readiness() -> Response:
        """Ready to serve: the service's database answered within two seconds. 503 otherwise
        (also while the service is starting and its database is not yet there)."""
        try:
            async with app.state.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
        except Exception as exc:  # any failure at all means "not ready"
            log.warning("readiness check failed: %s", type(exc).__name__)
            return problem_response(NotReady.status, NotReady.slug, NotReady.title)
        return Response('{"status":"ready"}', media_type="application/json")

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
    )
    async def read_metrics() -> Response:
        """Prometheus text exposition of this process's `ssi_` metrics. Counters count this
        process's own work (sum them over replicas); gauges read from the database carry the
        same value on every replica (take their `max()`)."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
