"""The portal's app: `create_app(settings, clock=, api_transport=, notifier_transport=)`.

Tests pass their own settings and clock, and may route the service clients to apps in the same
process; `python -m services.serve portal.app:create_app HOST PORT` serves it as in production.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.dependencies import SignInRequired
from portal.logs import hide_secret_queries
from portal.pages import PAGES
from portal.rendering import is_htmx, render, templates
from portal.runtime import Runtime
from portal.security import SecurityMiddleware
from portal.services import Connections, ServiceProblem
from portal.sessions import service as sessions
from portal.settings import Settings
from portal.signin.endpoints import router as signin_router
from portal.signin.oidc import Provider
from services.common.clock import Clock, SystemClock
from services.common.config import ConfigurationError, check_database
from services.common.crypto import KeyRing
from services.common.db import create_engine, session_factory
from services.common.logs import RequestIdMiddleware
from services.common.operations import add_operational_routes

log = logging.getLogger("ssi.portal")
STATIC = Path(__file__).parent / "static"
PURGE_SECONDS = 300


def session_keys(settings: Settings) -> KeyRing:
    if settings.session_keys:
        return KeyRing.parse(settings.session_keys)
    if settings.common.development:
        return KeyRing.development(settings.common.data_dir, "portal-session-keys")
    raise ConfigurationError("PORTAL_SESSION_KEYS is required outside development")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    api_transport: httpx.AsyncBaseTransport | None = None,
    notifier_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()
    url = settings.resolved_database_url()
    check_database(settings.common, url, "PORTAL_DATABASE_URL")
    keys = session_keys(settings)
    hide_secret_queries()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(url)
        connections = Connections(
            settings.api_url,
            settings.notifier_url,
            api_transport=api_transport,
            notifier_transport=notifier_transport,
        )
        oidc_http = httpx.AsyncClient(timeout=10.0, trust_env=False)
        provider = None
        if settings.oidc_issuer and settings.oidc_client_id:
            provider = Provider(
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret() or "",
                redirect_uri=settings.public_url + "/signin/callback",
                audience=settings.common.jwt_audience,
                http=oidc_http,
            )
        runtime = Runtime(
            settings=settings,
            clock=clock or SystemClock(),
            keys=keys,
            connections=connections,
            templates=templates(),
            database=session_factory(engine),
            provider=provider,
        )
        app.state.runtime = runtime
        app.state.engine = engine
        scheduler = AsyncIOScheduler()
        scheduler.add_job(purge, "interval", seconds=PURGE_SECONDS, args=[runtime])
        scheduler.start()
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            await oidc_http.aclose()
            await connections.aclose()
            await engine.dispose()

    app = FastAPI(
        title="SSI portal",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.add_middleware(RequestIdMiddleware)
    upload = settings.max_upload_bytes + 64 * 1024  # the file and the multipart framing around it
    app.add_middleware(
        SecurityMiddleware,
        public_origin=settings.public_url,
        large={"/incidents/upload": upload, "/incidents/upload/results.csv": upload},
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(signin_router)
    for router in PAGES:
        app.include_router(router)
    add_operational_routes(app)
    install_error_pages(app)
    return app


async def purge(runtime: Runtime) -> None:
    """Ended sessions and abandoned sign-ins leave the database."""
    async with runtime.transaction() as db:
        await sessions.purge(db, runtime.settings, runtime.clock.now())


def install_error_pages(app: FastAPI) -> None:
    """Every failure is a page in plain words: never a stack trace, never a JSON body."""

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        target = "/signin?next=" + quote(request.url.path if request.method == "GET" else "/")
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(ServiceProblem)
    async def service_problem(request: Request, exc: ServiceProblem) -> Response:
        if exc.status == 401:
            return await sign_in_required(request, SignInRequired())
        return render(request, "error.html", exc.status, title=exc.title, detail=exc.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_form(request: Request, exc: RequestValidationError) -> Response:
        # The fields at fault by name only: never the value sent, which may be an install code.
        names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        detail = "Check these fields: " + ", ".join(names) + "." if names else "Check the form."
        return render(request, "error.html", 422, title="The form is not complete", detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Not allowed here", 413: "Too large"}
        title = titles.get(exc.status_code, "Refused")
        detail = "There is no such page." if exc.status_code == 404 else str(exc.detail)
        return render(request, "error.html", exc.status_code, title=title, detail=detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error", exc_info=(type(exc), exc, None))
        return render(
            request,
            "error.html",
            500,
            title="Something went wrong",
            detail="The portal could not finish this. Nothing more was changed. Try again.",
        )
