"""A party's own contact emails from the endpoints page: changed at the incident API (audited,
by the person), followed by the contact list's endpoints; a bad address is refused beside its
field and changes nothing; an untouched form changes nothing."""

import re
from typing import Any

from tests.portal.world import Portal, alerts, field_errors

OPS = "ops@isup.example"
ESCALATION = "escalations@isup.example"


async def party(portal: Portal, party_id: str = "ISUP") -> dict[str, Any]:
    answer = await portal.harness.api.get(
        f"/v1/parties/{party_id}", headers=portal.harness.tokens.admin()
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def changes(portal: Portal, party_id: str = "ISUP") -> list[dict[str, Any]]:
    answer = await portal.harness.api.get(
        f"/v1/parties/{party_id}/history", headers=portal.harness.tokens.admin()
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_party_changes_its_own_contact_emails(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP", "ivan")
    page = (await ivan.get("/endpoints")).text
    ops_field = re.search(r'<input id="ops_contact_email"[^>]*>', page)
    assert ops_field is not None
    assert f'value="{OPS}"' in ops_field.group(0)
    assert f'value="{ESCALATION}"' in page

    saved = await ivan.post(
        "/endpoints/contacts",
        data={"ops_contact_email": " desk@isup.example ", "escalation_contact_email": ESCALATION},
    )
    assert saved.status_code == 303, saved.text
    assert "Contact emails saved" in (await ivan.get(saved.headers["location"])).text
    found = await party(portal)
    assert (found["ops_contact_email"], found["escalation_contact_email"]) == (
        "desk@isup.example",
        ESCALATION,
    )
    [latest, *_] = await changes(portal)
    assert (latest["action"], latest["actor"], latest["fields"]) == (
        "contacts_changed",
        "ivan",
        ["ops_contact_email"],
    )

    # The notifier's contact endpoint follows, from the feed; the page shows it.
    await portal.harness.sync()
    page = (await ivan.get("/endpoints")).text
    contacts = page[page.index('id="contacts"') :]
    assert ">desk@isup.example<" in contacts
    assert f">{OPS}<" not in contacts

    # An operator reads who changed what on the party's page, never the old address.
    olive = await portal.sign_in("DCCO", "olive")
    history = (await olive.get("/parties/ISUP")).text
    assert "contacts changed</strong> by ivan: ops contact email" in history


async def test_an_untouched_form_changes_nothing(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    before = await changes(portal)
    saved = await ivan.post(
        "/endpoints/contacts",
        data={"ops_contact_email": OPS, "escalation_contact_email": ESCALATION},
    )
    assert saved.status_code == 303
    assert "Nothing was changed." in (await ivan.get(saved.headers["location"])).text
    assert await changes(portal) == before


async def test_a_bad_contact_email_is_refused_beside_its_field(portal: Portal) -> None:
    await portal.register()
    ivan = await portal.sign_in("ISUP")
    before = await changes(portal)
    for ops, escalation, words in (
        ("", ESCALATION, "Give an address"),
        ("not an address", ESCALATION, ""),
        (f"{OPS}\r\nBcc: everyone@example.com", ESCALATION, ""),
        (OPS, "two@isup.example three@isup.example", ""),
    ):
        answer = await ivan.post(
            "/endpoints/contacts",
            data={"ops_contact_email": ops, "escalation_contact_email": escalation},
        )
        assert answer.status_code == 422, (ops, escalation, answer.text)
        [error] = field_errors(answer.text)
        assert error.startswith(words), error
        assert alerts(answer.text)
    assert await changes(portal) == before
    found = await party(portal)
    assert (found["ops_contact_email"], found["escalation_contact_email"]) == (OPS, ESCALATION)
