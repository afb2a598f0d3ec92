"""Email endpoints and the contact list through a real SMTP server (aiosmtpd with STARTTLS and a
trustme CA, in the test process): a 4xx then a success delivers once, a recipient's 5xx is dead
at once and shown to operators as a contact-list defect, and no message carries a code or free
text."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from services.common.clock import FrozenClock
from services.common.db import create_engine
from services.notifier.api_client import ApiClient
from services.notifier.app import create_app
from services.notifier.models import metadata
from services.notifier.settings import Settings
from tests.database import empty_tables
from tests.incident_api.world import (
    CODE,
    DEVICE,
    GAINING,
    INSTALLING,
    raise_incident,
    resolve_with_code,
    seed,
)
from tests.notifier.harness import Harness
from tests.smtp import SmtpServer, smtp_server
from tests.tokens import Tokens

OPS = f"ops@{INSTALLING.lower()}.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def mailing(
    api: httpx.AsyncClient,
    notifier_settings: Settings,
    notifier_database_url: str,
    clock: FrozenClock,
    tokens: Tokens,
    smtp: SmtpServer,
) -> AsyncIterator[Harness]:
    """The notifier stepped by hand, as `harness`, mailing through the SMTP server."""
    settings = notifier_settings.model_copy(
        update={
            "smtp_url": SecretStr(smtp.url()),
            "smtp_ca_file": Path(smtp.ca_file),
            # A first message includes the TLS handshake with a server on a thread of this
            # (loaded) process: the harness's 2 s is too tight for it.
            "attempt_timeout_seconds": 10.0,
        }
    )
    engine = create_engine(notifier_database_url)
    await empty_tables(engine, metadata)
    await engine.dispose()
    client = ApiClient(settings, transport=httpx.ASGITransport(app=api.app))  # type: ignore[attr-defined]
    app = create_app(settings, clock=clock, background=False, api=client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notifier.test") as n:
            h = Harness(api=api, notifier=n, app=app, feed=client, tokens=tokens, clock=clock)
            await seed(h.api, h.tokens)
            await h.sync()
            yield h


async def test_a_4xx_then_a_success_delivers_once(mailing: Harness, smtp: SmtpServer) -> None:
    h = mailing
    smtp.answer(OPS, "451 4.3.0 Try again later")
    incident = await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    [delivery] = await h.deliveries(INSTALLING)
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", 451)
    smtp.reset()
    h.clock.advance(minutes=1)
    assert await h.deliver() == 1
    [received] = await smtp.wait_for(1)
    assert received.rcpt_tos == [OPS]
    assert received.tls
    assert received.message["Subject"] == (
        f"[SSI] {incident['reference']} raised: Device {incident['device_id']}"
    )
    [delivery] = await h.deliveries(INSTALLING)
    assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 2)
    h.clock.advance(days=2)
    assert await h.deliver() == 0
    assert len(smtp.received) == 1


async def test_a_recipients_5xx_is_dead_at_once_and_a_contact_defect(
    mailing: Harness, smtp: SmtpServer
) -> None:
    h = mailing
    smtp.answer(OPS, "550 5.1.1 No such user")
    await raise_incident(h.api, h.tokens)
    await h.sync()
    assert await h.deliver() == 1
    [delivery] = await h.deliveries(INSTALLING)
    assert (delivery["status"], delivery["attempt_count"]) == ("dead", 1)
    detail = await h.notifier.get(
        f"/v1/deliveries/{delivery['id']}", headers=h.tokens.party(INSTALLING)
    )
    assert detail.json()["attempts"][0]["status_code"] == 550
    h.clock.advance(days=2)
    assert await h.deliver() == 0
    assert smtp.received == []

    defects = await h.notifier.get("/v1/reports/contact-defects", headers=h.tokens.operator())
    assert defects.status_code == 200, defects.text
    [defect] = defects.json()["items"]
    assert (defect["party_id"], defect["contact_role"], defect["address"]) == (
        INSTALLING,
        "ops",
        OPS,
    )
    assert defect["last_status_code"] == 550
    # A supplier sees its own defects only.
    own = await h.notifier.get("/v1/reports/contact-defects", headers=h.tokens.party(GAINING))
    assert own.json()["items"] == []

    # Corrected at the API: the next message goes to the new address, and the defect clears
    # once a message to the contact endpoint succeeds.
    fixed = await h.api.patch(
        f"/v1/parties/{INSTALLING}",
        headers=h.tokens.operator(),
        json={"ops_contact_email": "desk@installing.example"},
    )
    assert fixed.status_code == 200, fixed.text
    await h.sync()
    await h.api.post(
        f"/v1/incidents/{(await h.deliveries(INSTALLING))[0]['incident_id']}/cancel",
        headers=h.tokens.party(GAINING),
        json={},
    )
    await h.sync()
    await h.deliver()
    [received] = await smtp.wait_for(1)
    assert received.rcpt_tos == ["desk@installing.example"]
    defects = await h.notifier.get("/v1/reports/contact-defects", headers=h.tokens.operator())
    assert defects.json()["items"] == []


async def test_no_message_carries_the_code_or_free_text(mailing: Harness, smtp: SmtpServer) -> None:
    h = mailing
    raised = await h.api.post(
        "/v1/incidents",
        headers=h.tokens.party(GAINING),
        json={"device_id": DEVICE, "note": "Key safe code is behind the blue door"},
    )
    assert raised.status_code == 201, raised.text
    assert (await resolve_with_code(h.api, h.tokens, raised.json()["id"])).status_code == 200
    await h.sync()
    assert await h.deliver() == 2
    for received in await smtp.wait_for(2):
        raw = received.raw.decode(errors="replace").upper()
        assert CODE.upper() not in raw
        assert "BLUE DOOR" not in raw
