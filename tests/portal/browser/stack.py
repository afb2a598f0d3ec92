"""The deployment the browser talks to: the incident API, the notifier and the portal as real
processes (`python -m services.serve`), and the test OpenID provider, each on a free loopback
port, on fresh databases (SQLite files, or PostgreSQL when SSI_TEST_DATABASE_URL names it).

The services accept the provider's ES256 tokens (`SSI_JWT_JWKS_FILE`) beside the suite's HS256
development tokens, so both carry the provider's issuer. Tests arrange their world over HTTP as
any client would (`admin` for parties and Devices, a party's token to raise or answer) and look
into nothing but the portal's own session rows, which they age to test time limits.
"""

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from portal import migrate as portal_migrate
from portal.sessions.models import SessionRow
from services.common.db import create_engine, session_factory
from services.incident_api import migrate as api_migrate
from services.notifier import migrate as notifier_migrate
from shared.tokens import ADMIN_SCOPE, PARTY_SCOPES
from tests.database import fresh_database
from tests.oidc.harness import Provider, running_provider
from tests.processes import (
    API_APP,
    NOTIFIER_APP,
    STARTUP_SECONDS,
    Service,
    base_env,
    launch,
    wait_ready,
)
from tests.receiver import free_port
from tests.tokens import Tokens

T = TypeVar("T")
PORTAL_APP = "portal.app:create_app"
CODE = "83FED3407A939723A5C639B26916D505"
APPS = {"api": API_APP, "notifier": NOTIFIER_APP, "portal": PORTAL_APP}
MIGRATIONS = {
    "api": api_migrate.upgrade,
    "notifier": notifier_migrate.upgrade,
    "portal": portal_migrate.upgrade,
}
PARTIES = {
    "GSUP": ("Gaining Supplies", "large_supplier"),
    "ISUP": ("Installing Supplies", "large_supplier"),
    "DCCO": ("DCC Service Desk", "operator"),
}


@dataclass
class Stack:
    api: Service
    notifier: Service
    portal: Service
    provider: Provider
    portal_database_url: str
    http: httpx.Client
    data_dir: Path
    """The three processes' `SSI_DATA_DIR`: the notifier writes its mail under `mail/` (no SMTP
    server is configured)."""

    @property
    def url(self) -> str:
        """The portal's origin, as the browser sees it (`PORTAL_PUBLIC_URL`)."""
        return self.portal.url

    def headers(self, subject: str, scopes: tuple[str, ...] | list[str]) -> dict[str, str]:
        token = Tokens().mint(subject, scopes, issuer=self.provider.issuer)
        return {"Authorization": f"Bearer {token}"}

    def admin(self) -> dict[str, str]:
        return self.headers("admin", [ADMIN_SCOPE])

    def party(self, party_id: str) -> dict[str, str]:
        return self.headers(party_id, PARTY_SCOPES)

    def call(
        self, method: str, url: str, headers: dict[str, str], expected: int = 200, **kw: Any
    ) -> Any:
        answer = self.http.request(method, url, headers=headers, **kw)
        assert answer.status_code == expected, f"{method} {url}: {answer.text}"
        return answer.json() if answer.content else None

    def register(self) -> None:
        for party_id, (name, category) in PARTIES.items():
            self.call(
                "POST",
                f"{self.api.url}/v1/parties",
                self.admin(),
                201,
                json={
                    "party_id": party_id,
                    "name": name,
                    "category": category,
                    "ops_contact_email": f"ops@{party_id.lower()}.example",
                    "escalation_contact_email": f"escalations@{party_id.lower()}.example",
                },
            )

    def device(self) -> str:
        """A new Device, installed by ISUP, GSUP its registered supplier, not yet commissioned:
        each test raises on its own, so none meets another's open incident."""
        digits = secrets.token_hex(8).upper()
        device_id = "-".join(digits[i : i + 2] for i in range(0, 16, 2))
        self.call(
            "PUT",
            f"{self.api.url}/v1/devices/{device_id}",
            self.admin(),
            201,
            json={
                "device_type": "ESME",
                "smi_status": "installed_not_commissioned",
                "installing_party_id": "ISUP",
                "registered_supplier_party_id": "GSUP",
            },
        )
        return device_id

    def raise_incident(self, device_id: str) -> dict[str, Any]:
        """Raised by GSUP's back end, addressed by the inventory to ISUP."""
        body = {"device_id": device_id}
        raised: dict[str, Any] = self.call(
            "POST", f"{self.api.url}/v1/incidents", self.party("GSUP"), 201, json=body
        )
        return raised

    def answer(self, reference: str, code: str = CODE) -> None:
        body = {"outcome": "install_code_provided", "install_code": code}
        url = f"{self.api.url}/v1/incidents/{reference}/response"
        self.call("POST", url, self.party("ISUP"), json=body)

    def incident(self, reference: str) -> dict[str, Any]:
        found: dict[str, Any] = self.call(
            "GET", f"{self.api.url}/v1/incidents/{reference}", self.party("GSUP")
        )
        return found

    def incidents(self, **filters: str) -> list[dict[str, Any]]:
        """GSUP's incidents matching `filters`, as the API lists them."""
        url = f"{self.api.url}/v1/incidents"
        found: list[dict[str, Any]] = self.call("GET", url, self.party("GSUP"), params=filters)[
            "items"
        ]
        return found

    def history(self, reference: str) -> list[dict[str, Any]]:
        url = f"{self.api.url}/v1/incidents/{reference}/history"
        found: list[dict[str, Any]] = self.call("GET", url, self.party("GSUP"))["items"]
        return found

    def deliveries(self, party_id: str) -> list[dict[str, Any]]:
        """The notifier's deliveries to the party's endpoints, newest first."""
        url = f"{self.notifier.url}/v1/deliveries"
        found: list[dict[str, Any]] = self.call("GET", url, self.party(party_id))["items"]
        return found

    def set_test_clocks(self, now: datetime) -> None:
        """Both services' SLA time, moved forward together (development only)."""
        for service in (self.api, self.notifier):
            body = {"now": now.isoformat()}
            self.call("POST", f"{service.url}/v1/test-clock", self.admin(), json=body)

    def reset_test_clocks(self) -> None:
        for service in (self.api, self.notifier):
            self.call("DELETE", f"{service.url}/v1/test-clock", self.admin())

    def age_session(self, id_hash: str, **earlier: timedelta) -> None:
        """Moves the named columns (`auth_time`, `last_seen_at`) of the portal's session row
        back by the given timedeltas, as if that much time had passed."""

        async def update(db: AsyncSession) -> None:
            row = await db.get(SessionRow, id_hash)
            assert row is not None, "no such session in the portal's database"
            for column, delta in earlier.items():
                setattr(row, column, getattr(row, column) - delta)
            await db.commit()

        self._in_portal_database(update)

    def session_exists(self, id_hash: str) -> bool:
        async def lookup(db: AsyncSession) -> bool:
            return await db.get(SessionRow, id_hash) is not None

        return self._in_portal_database(lookup)

    def _in_portal_database(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def run() -> T:
            engine = create_engine(self.portal_database_url)
            try:
                async with session_factory(engine)() as db:
                    return await work(db)
            finally:
                await engine.dispose()

        # Playwright's sync API keeps an event loop in this thread: the database work gets its own.
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, run()).result()

    def mails(self) -> list[EmailMessage]:
        """The messages the notifier has written so far, as `.eml` files, by file name."""
        return [
            message_from_bytes(path.read_bytes(), policy=default)
            for path in sorted((self.data_dir / "mail").glob("*.eml"))
        ]

    def logs(self) -> str:
        """Everything the four processes wrote so far."""
        paths = (self.api.log, self.notifier.log, self.portal.log, self.provider.log)
        return "".join(path.read_text(errors="replace") for path in paths)


@contextmanager
def running_stack(directory: Path) -> Iterator[Stack]:
    """The provider, then the three processes started side by side (the portal's port is chosen
    first: the provider redirects to it, and the portal checks `Origin` against it)."""
    with ExitStack() as resources:
        databases = {}
        for name, upgrade in MIGRATIONS.items():
            databases[name] = resources.enter_context(fresh_database(directory, f"browser{name}"))
            upgrade(databases[name])
        ports = {name: free_port() for name in APPS}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        provider = resources.enter_context(
            running_provider(directory / "oidc", redirect_uri=f"{urls['portal']}/signin/callback")
        )
        settings = {
            "PYTHONUNBUFFERED": "1",  # the logs are read while the processes run
            "SSI_JWT_ISSUER": provider.issuer,
            "SSI_JWT_JWKS_FILE": str(provider.jwks_file),
            "SSI_API_URL": urls["api"],
            "SSI_NOTIFIER_URL": urls["notifier"],
            "INCIDENT_API_DATABASE_URL": databases["api"],
            "NOTIFIER_DATABASE_URL": databases["notifier"],
            "NOTIFIER_INCIDENT_API_URL": urls["api"],
            "NOTIFIER_SLA_CHECK_INTERVAL_SECONDS": "1",
            "NOTIFIER_PORTAL_URL": urls["portal"],
            "PORTAL_DATABASE_URL": databases["portal"],
            "PORTAL_PUBLIC_URL": urls["portal"],
            "PORTAL_OIDC_ISSUER": provider.issuer,
            "PORTAL_OIDC_CLIENT_ID": provider.client_id,
            "PORTAL_OIDC_CLIENT_SECRET_FILE": str(provider.client_secret_file),
        }
        data_dir = directory / "var"
        # The developer's own PORTAL_* (session keys, say) are not this deployment's.
        env = {
            name: value
            for name, value in base_env(data_dir, **settings).items()
            if not name.startswith("PORTAL_") or name in settings
        }
        started = {}
        for name, app in APPS.items():
            started[name] = launch(app, env, directory / f"{name}.log", ports[name])
            resources.callback(started[name].stop)
        deadline = time.monotonic() + 2 * STARTUP_SECONDS  # three at once, on a busy machine
        for name, app in APPS.items():
            wait_ready(started[name], app, deadline)
        http = resources.enter_context(httpx.Client(timeout=30, trust_env=False))
        stack = Stack(
            started["api"],
            started["notifier"],
            started["portal"],
            provider,
            databases["portal"],
            http,
            data_dir,
        )
        stack.register()
        yield stack
