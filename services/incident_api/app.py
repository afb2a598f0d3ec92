"""The incident API: the system of record for MP121 install-code incidents."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.clock import Clock, SystemClock
from services.common.config import ConfigurationError, build_verifier, check_database
from services.common.crypto import KeyRing
from services.common.db import (
    WalTruncator,
    create_engine,
    create_read_engine,
    session_factory,
    transaction,
)
from services.common.errors import install_problem_handlers
from services.common.lifecycle import DRAIN, start_once_database_answers
from services.common.limits import BodyLimitMiddleware
from services.common.logs import RequestIdMiddleware
from services.common.openapi import service_app
from services.common.operations import add_operational_routes
from services.common.test_clock import AdjustableClock, TestClock
from services.common.test_clock import router as test_clock_router
from services.incident_api import models
from services.incident_api.batches.endpoints import router as batches_router
from services.incident_api.devices.endpoints import router as devices_router
from services.incident_api.events.endpoints import router as events_router
from services.incident_api.events.signal import FeedSignal
from services.incident_api.incidents import service as incidents_service
from services.incident_api.incidents.endpoints import router as incidents_router
from services.incident_api.parties import service as parties_service
from services.incident_api.parties.endpoints import router as parties_router
from services.incident_api.runtime import Runtime
from services.incident_api.settings import Settings
from shared.calendar import WorkingDayCalendar
from shared.tokens import TokenVerifier

log = logging.getLogger("ssi.incident_api")


def build_runtime(
    settings: Settings, clock: Clock | None = None, engine: AsyncEngine | None = None
) -> Runtime:
    common = settings.common
    if settings.install_code_keys:
        keyring = KeyRing.parse(settings.install_code_keys)
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
        wal=WalTruncator(engine),
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    verifier: TokenVerifier | None = None,
) -> FastAPI:
    settings = settings or Settings()
    url = settings.resolved_database_url()
    check_database(settings.common, url, "INCIDENT_API_DATABASE_URL")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Callable[[], None]]]:
        adjustable = AdjustableClock(clock or SystemClock())
        engine = create_engine(url, pool_size=settings.db_pool_size)
        runtime = build_runtime(settings, adjustable, engine)
        test_clock = TestClock(adjustable, models.test_clock, engine)
        app.state.test_clock = test_clock
        app.state.runtime = runtime
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        read_engine = create_read_engine(url)
        app.state.read_sessions = read_engine and session_factory(read_engine)
        app.state.verifier = verifier or build_verifier(settings.common)
        app.state.party_lookup = parties_service.lookup

        async def prepare() -> None:
            """What needs the database at start-up; each step may repeat."""
            await runtime.wal.truncate()  # codes destroyed just before a crash
            if engine.dialect.name == "postgresql":
                dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                await runtime.signal.listen_postgres(dsn)
            if settings.common.development:
                await test_clock.load()

        scheduler = AsyncIOScheduler()
        scheduler.add_job(
            expire_resolved, "interval", seconds=settings.expiry_interval_seconds, args=[app]
        )
        scheduler.start()
        stop = asyncio.Event()
        # A database down now is an outage, not a crash: /readyz says 503 until it answers.
        starting = await start_once_database_answers(prepare, lambda: None, stop)
        refresher = None
        if settings.common.development:
            refresher = asyncio.create_task(test_clock.refresh(stop), name="test-clock")
        try:
            # services.serve calls DRAIN when the server stops accepting connections, so that
            # long-polls answer before its graceful-shutdown period runs out.
            yield {DRAIN: runtime.signal.drain}
        finally:
            stop.set()
            if starting is not None:
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            if refresher is not None:
                await refresher
            scheduler.shutdown(wait=False)
            await runtime.signal.close()
            await runtime.wal.close()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    app = service_app(
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
        large={
            "/v1/devices/import": settings.max_import_bytes,
            "/v1/incidents/batch": settings.max_batch_bytes,
            "/v1/incidents/responses/batch": settings.max_batch_bytes,
        },
    )
    routers = (parties_router, devices_router, batches_router, incidents_router, events_router)
    for router in routers:
        app.include_router(router)
    if settings.common.development:
        app.include_router(test_clock_router)
    add_operational_routes(app)
    return app


async def expire_resolved(app: FastAPI) -> None:
    """The scheduled retention sweep (also called directly by tests)."""
    async with transaction(app.state.sessions) as session:
        closed = await incidents_service.expire_resolved(session, app.state.runtime)
    if closed:
        log.info("closed expired incidents", extra={"count": closed})
