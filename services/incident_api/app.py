"""The incident API: the system of record for MP121 install-code incidents."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from services.common.clock import Clock, SystemClock
from services.common.crypto import KeyRing
from services.common.db import create_engine, is_sqlite, session_factory
from services.common.errors import install_problem_handlers, problem_response
from services.common.limits import BodyLimitMiddleware
from services.common.logs import RequestIdMiddleware
from services.incident_api.devices.endpoints import router as devices_router
from services.incident_api.events.endpoints import router as events_router
from services.incident_api.events.signal import FeedSignal
from services.incident_api.incidents import service as incidents_service
from services.incident_api.incidents.endpoints import router as incidents_router
from services.incident_api.parties import service as parties_service
from services.incident_api.parties.endpoints import router as parties_router
from services.incident_api.runtime import Runtime
from services.incident_api.settings import Settings
from shared.calendar import POLICIES, WorkingDayCalendar
from shared.tokens import TokenVerifier, load_jwks

log = logging.getLogger("ssi.incident_api")


class ConfigurationError(RuntimeError):
    """The deployment's configuration is unsafe or incomplete; the service will not start."""


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    common = settings.common
    if settings.default_policy not in POLICIES:
        raise ConfigurationError(f"unknown SLA policy {settings.default_policy!r}")
    if common.install_code_keys:
        keyring = KeyRing.parse(common.install_code_keys)
    elif common.development:
        keyring = KeyRing.development(common.data_dir, "install-code-keys")
    else:
        raise ConfigurationError("SSI_INSTALL_CODE_KEYS is required outside development")
    return Runtime(
        settings=settings,
        clock=clock or SystemClock(),
        calendar=WorkingDayCalendar(common.extra_non_working_days),
        keyring=keyring,
        signal=FeedSignal(),
    )


def build_verifier(settings: Settings) -> TokenVerifier:
    common = settings.common
    if common.development:
        return TokenVerifier(
            audience=common.jwt_audience,
            issuer=common.jwt_issuer,
            hs256_secret=common.dev_jwt_secret(),
        )
    if common.jwt_secret:
        raise ConfigurationError("SSI_JWT_SECRET (HS256) is for development only")
    if common.jwt_jwks_file is not None:
        jwks = load_jwks(common.jwt_jwks_file)
    elif common.jwt_jwks_url:
        import httpx

        jwks = httpx.get(common.jwt_jwks_url, timeout=10).raise_for_status().json()["keys"]
    else:
        raise ConfigurationError("set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development")
    return TokenVerifier(audience=common.jwt_audience, issuer=common.jwt_issuer, jwks=jwks)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    settings = settings or Settings()
    url = settings.resolved_database_url()
    if not settings.common.development and is_sqlite(url):
        raise ConfigurationError("SQLite is for development: set INCIDENT_API_DATABASE_URL")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = build_runtime(settings, clock)
        engine = create_engine(url, pool_size=settings.db_pool_size)
        app.state.runtime = runtime
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.verifier = verifier or build_verifier(settings)
        app.state.party_lookup = parties_service.lookup
        if engine.dialect.name == "postgresql":
            dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            await runtime.signal.listen_postgres(dsn)
        scheduler = AsyncIOScheduler()
        scheduler.add_job(
            expire_resolved, "interval", seconds=settings.expiry_interval_seconds, args=[app]
        )
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            await runtime.signal.close()
            await engine.dispose()

    app = FastAPI(
        title="SSI incident API",
        version="1.0.0",
        summary="MP121: gaining suppliers ask installing suppliers for a Device's install code.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.max_body_bytes,
        large={"/v1/devices/import": settings.max_import_bytes},
    )
    for router in (parties_router, devices_router, incidents_router, events_router):
        app.include_router(router)
    _add_operational_routes(app)
    return app


async def expire_resolved(app: FastAPI) -> None:
    """The scheduled retention sweep (also called directly by tests)."""
    async with app.state.sessions() as session, session.begin():
        closed = await incidents_service.expire_resolved(session, app.state.runtime)
    if closed:
        app.state.runtime.signal.notify()
        log.info("closed expired incidents", extra={"count": closed})


def _add_operational_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Database down"}})
    async def readyz() -> Response:
        """The database answers."""
        try:
            async with app.state.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
        except Exception as exc:  # any failure at all means "not ready"
            log.warning("readiness check failed: %s", type(exc).__name__)
            return problem_response(503, "not-ready", "Database unreachable")
        return Response('{"status":"ready"}', media_type="application/json")

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
