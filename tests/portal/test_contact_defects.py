"""The contact list's defects on `/parties`, for operators: a contact address whose mail server
refused the recipient (a real SMTP server in the test process answering 550) is listed, and
marked in the contact list, until a message to it succeeds."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.notifier.settings import Settings
from tests.portal.world import Portal
from tests.smtp import SmtpServer, smtp_server

OPS = "ops@isup.example"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def notifier_settings(notifier_settings: Settings, smtp: SmtpServer) -> Settings:
    """The notifier behind the portal mails through `smtp` rather than writing files."""
    return notifier_settings.model_copy(
        update={
            "smtp_url": SecretStr(smtp.url()),
            "smtp_ca_file": Path(smtp.ca_file),
            # The TLS handshake with a server on a thread of this loaded process: not 2 s.
            "attempt_timeout_seconds": 10.0,
        }
    )


def defects_section(html: str) -> str:
    start = html.index('id="defects"')
    return html[start : html.index("</section>", start)]


async def test_operators_see_contact_addresses_that_fail(portal: Portal, smtp: SmtpServer) -> None:
    await portal.register()
    olive = await portal.sign_in("DCCO", "olive")
    assert "No contact address is failing" in defects_section((await olive.get("/parties")).text)

    smtp.answer(OPS, "550 5.1.1 No such user")
    await portal.raise_incident(await portal.sign_in("GSUP"))
    assert await portal.harness.deliver() == 1
    page = (await olive.get("/parties")).text
    section = defects_section(page)
    assert 'href="/parties/ISUP">ISUP</a>' in section
    assert f'<td class="mono">{OPS}</td>' in section
    assert "<td>550 recipient refused</td>" in section
    assert "escalations@isup.example" not in section
    assert f'{OPS}</a> <span class="badge">failing</span>' in page

    # Suppliers have no contact list page at all.
    gail = await portal.sign_in("GSUP")
    assert (await gail.get("/parties")).status_code == 403

    # Corrected by the party: a message to the new address succeeds, and the defect clears.
    ivan = await portal.sign_in("ISUP")
    saved = await ivan.post(
        "/endpoints/contacts",
        data={
            "ops_contact_email": "desk@isup.example",
            "escalation_contact_email": "escalations@isup.example",
        },
    )
    assert saved.status_code == 303
    await portal.harness.sync()
    [contact] = [
        e
        for e in (
            await portal.harness.notifier.get(
                "/v1/endpoints",
                params={"contacts": "true"},
                headers=portal.harness.tokens.party("ISUP"),
            )
        ).json()["items"]
        if e["contact_role"] == "ops"
    ]
    assert contact["address"] == "desk@isup.example"
    # The next event for ISUP goes there: the incident cancelled by its requester.
    [incident] = (
        await portal.harness.api.get("/v1/incidents", headers=portal.harness.tokens.party("GSUP"))
    ).json()["items"]
    cancelled = await portal.harness.api.post(
        f"/v1/incidents/{incident['id']}/cancel",
        headers=portal.harness.tokens.party("GSUP"),
        json={},
    )
    assert cancelled.status_code == 200, cancelled.text
    await portal.harness.sync()
    assert await portal.harness.deliver() == 1
    [received] = await smtp.wait_for(1)
    assert received.rcpt_tos == ["desk@isup.example"]
    assert "No contact address is failing" in defects_section((await olive.get("/parties")).text)
