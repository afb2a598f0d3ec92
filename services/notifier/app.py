"""The notifier: the incident API's events, to every party's endpoints (signed webhooks, email,
an inbox to pull), delivered until they land, and the SLA enforced."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import col, select

from services.common.clock import Clock, SystemClock
from services.common.config import ConfigurationError, build_verifier, check_database
from services.common.crypto import KeyRing
from services.common.db import create_engine, session_factory, transaction
from services.common.errors import install_problem_handlers
from services.common.lifecycle import DRAIN, start_once_database_answers
from services.common.limits import BodyLimitMiddleware
from services.common.logs import RequestIdMiddleware
from services.common.openapi import service_app
from services.common.operations import add_operational_routes
from services.common.test_clock import AdjustableClock, TestClock
from services.common.test_clock import router as test_clock_router
from services.notifier import models
from services.notifier.api_client import ApiClient
from services.notifier.delivery.endpoints import endpoint_router as endpoint_deliveries_router
from services.notifier.delivery.endpoints import router as deliveries_router
from services.notifier.delivery.models import Delivery, DeliveryStatus
from services.notifier.delivery.tasks import DeliveryWorker, FallbackSweeper
from services.notifier.endpoints.endpoints import router as endpoints_router
from services.notifier.endpoints.models import Endpoint
from services.notifier.feed import service as feed_service
from services.notifier.feed.tasks import Follower
from services.notifier.inbox.endpoints import router as inbox_router
from services.notifier.inbox.tasks import InboxExpiry
from services.notifier.metrics import (
    CONTACT_DEFECTS,
    DEAD,
    INCIDENTS_OPEN,
    QUEUE_DEPTH,
    UNREACHABLE,
)
from services.notifier.parties.service import PartyCheckUnavailable, PartyDirectory
from services.notifier.parties.tasks import ContactBackfill
from services.notifier.reports.endpoints import router as reports_router
from services.notifier.runtime import Runtime
from services.notifier.settings import Settings
from services.notifier.sla import reached
from services.notifier.sla import service as sla_service
from services.notifier.sla.tasks import SlaScheduler
from services.notifier.transports.addresses import AddressPolicy
from services.notifier.transports.email import Mailer
from services.notifier.transports.webhook import Transport
from shared.calendar import WorkingDayCalendar
from shared.tokens import TokenVerifier

log = logging.getLogger("ssi.notifier")


def build_keyring(settings: Settings) -> KeyRing:
    if settings.secret_keys:
        return KeyRing.parse(settings.secret_keys)
    if settings.common.development:
        return KeyRing.development(settings.common.data_dir, "notifier-secret-keys")
    raise ConfigurationError("NOTIFIER_SECRET_KEYS is required outside development")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    verifier: TokenVerifier | None = None,
    background: bool = True,
    api: ApiClient | None = None,
) -> FastAPI:
    """`background=False` leaves the feed follower and delivery worker to the caller (tests)."""
    settings = settings or Settings()
    url = settings.resolved_database_url()
    check_database(settings.common, url, "NOTIFIER_DATABASE_URL")
    if not settings.common.development:
        # Development generates what these would hold; production must be given them.
        if not settings.secret_keys:
            raise ConfigurationError("NOTIFIER_SECRET_KEYS is required outside development")
        if not settings.api_token:
            raise ConfigurationError("NOTIFIER_API_TOKEN is required outside development")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Callable[[], None]]]:
        engine = create_engine(url, pool_size=settings.db_pool_size)
        sessions = session_factory(engine)
        policy = AddressPolicy(allow_loopback_http=settings.loopback_allowed())
        transport = Transport(
            policy,
            timeout=settings.attempt_timeout_seconds,
            max_response_bytes=settings.max_response_bytes,
            limit=settings.total_concurrency,
        )
        real_clock = clock or SystemClock()
        runtime = Runtime(
            settings=settings,
            clock=real_clock,
            sla_clock=AdjustableClock(real_clock),
            calendar=WorkingDayCalendar(settings.common.extra_non_working_days),
            keyring=build_keyring(settings),
            policy=policy,
            transport=transport,
            mailer=Mailer(settings),
            sessions=sessions,
        )
        app.state.runtime = runtime
        app.state.engine = engine
        app.state.sessions = sessions
        app.state.verifier = verifier or build_verifier(settings.common)
        test_clock = TestClock(
            runtime.sla_clock, models.test_clock, engine, on_change=lambda: runtime.sla_due_at(None)
        )
        app.state.test_clock = test_clock
        client = api or ApiClient(settings)
        # The party table, and the API for a party it does not hold yet (DESIGN §7).
        app.state.party_lookup = PartyDirectory(client, real_clock)
        worker = DeliveryWorker(runtime)
        app.state.worker = worker
        app.state.api = client
        scheduler = SlaScheduler(runtime, client)
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        feed: asyncio.Task[None] | None = None
        scheduling = False

        async def prepare() -> None:
            """What must have reached the database before any work: both steps may repeat."""
            async with transaction(sessions) as session:
                await feed_service.ensure_cursor(session, runtime.clock.now())
            if settings.common.development:
                await test_clock.load()  # the SLA clock's offset, before anything reads it

        def begin() -> None:
            nonlocal feed, scheduling
            if settings.common.development:
                tasks.append(asyncio.create_task(test_clock.refresh(stop), name="test-clock"))
            if not background:
                return
            feed = asyncio.create_task(Follower(runtime, client, worker).run(stop), name="feed")
            tasks.extend(
                [
                    feed,
                    asyncio.create_task(worker.run(stop), name="deliveries"),
                    asyncio.create_task(_refresh_gauges(runtime, stop), name="gauges"),
                    asyncio.create_task(
                        reached.ReachedReporter(runtime, client).run(stop), name="reached"
                    ),
                    asyncio.create_task(FallbackSweeper(runtime).run(stop), name="fallback"),
                    asyncio.create_task(InboxExpiry(runtime).run(stop), name="inbox-expiry"),
                    asyncio.create_task(
                        ContactBackfill(runtime, client).run(stop), name="contacts"
                    ),
                ]
            )
            scheduler.start()
            scheduling = True

        if background:
            # A service process: what startup built (modules, the app, the engine) lives as long
            # as the process. Frozen, it is no longer re-scanned by every full collection, which
            # otherwise took ~0.1 s once per few thousand webhooks in a burst.
            gc.collect()
            gc.freeze()
            # A database down now is an outage, not a crash: /readyz says 503 until it answers.
            starting = await start_once_database_answers(prepare, begin, stop)
        else:
            # Tests that drive the work themselves: their database is there, or they fail here.
            await prepare()
            begin()
            starting = None
        try:
            # services.serve calls DRAIN when the server stops accepting connections, so that
            # waiting inbox reads answer then rather than hold the shutdown up.
            yield {DRAIN: runtime.drain}
        finally:
            stop.set()
            if starting is not None:
                starting.cancel()  # still waiting for the database: nothing has begun
                with contextlib.suppress(asyncio.CancelledError):
                    await starting
            # The follower first: it hands the worker what it routes, so it must be done before
            # the worker drains. It gives up its long-poll at once and finishes a page it was
            # recording (cancelled only if that takes longer than an attempt may).
            if feed is not None:
                with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                    await asyncio.wait_for(feed, timeout=settings.attempt_timeout_seconds)
            if scheduling:
                await scheduler.shutdown(grace_seconds=settings.attempt_timeout_seconds)
            runtime.wake_deliveries()
            await worker.drain(grace_seconds=settings.attempt_timeout_seconds)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await client.close()
            await transport.close()
            await runtime.mailer.close()
            await engine.dispose()

    app = service_app(
        authentication_problems=[PartyCheckUnavailable],
        title="SSI notifier",
        version="1.0.0",
        summary="Signed webhooks for MP121 install-code incidents, delivered until they land.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, default_limit=settings.max_body_bytes, large={})
    app.add_middleware(RequestIdMiddleware)
    app.include_router(endpoints_router)
    app.include_router(endpoint_deliveries_router)
    app.include_router(deliveries_router)
    app.include_router(reports_router)
    app.include_router(inbox_router)
    if settings.common.development:
        app.include_router(test_clock_router)
    add_operational_routes(app)
    return app


async def refresh_gauges(rt: Runtime) -> None:
    """The database-derived gauges (the same on every replica: aggregate with max())."""
    async with rt.sessions() as session:
        counts = dict(
            (
                await session.exec(
                    select(Delivery.status, func.count())
                    .where(col(Delivery.status).in_([DeliveryStatus.pending, DeliveryStatus.dead]))
                    .group_by(col(Delivery.status))
                )
            ).all()
        )
        by_state = await sla_service.open_by_state(session, rt.sla_clock.now())
        unreachable = await reached.unreachable_addressees(session)
        defects = (
            await session.exec(
                select(func.count()).where(
                    col(Endpoint.contact_role).is_not(None),
                    col(Endpoint.failing_since).is_not(None),
                )
            )
        ).one()
    QUEUE_DEPTH.set(counts.get(DeliveryStatus.pending, 0))
    DEAD.set(counts.get(DeliveryStatus.dead, 0))
    for state, count in by_state.items():
        INCIDENTS_OPEN.labels(state.value).set(count)
    UNREACHABLE.set(unreachable)
    CONTACT_DEFECTS.set(defects)


async def _refresh_gauges(rt: Runtime, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):
            await refresh_gauges(rt)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 15)
