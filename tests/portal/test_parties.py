"""The contact list: operators read and keep it through the portal; suppliers are refused."""

import re
from typing import Any

from tests.portal.world import PARTIES, Portal, alerts, field_errors


async def party(portal: Portal, party_id: str) -> dict[str, Any]:
    """The party as the API holds it."""
    answer = await portal.harness.api.get(
        f"/v1/parties/{party_id}", headers=portal.harness.tokens.admin()
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_an_operator_reads_the_contact_list(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO", "olga")
    page = await operator.get("/parties")
    assert page.status_code == 200
    listed = re.findall(r'<th scope="row"><a class="mono" href="/parties/(\w+)">', page.text)
    assert listed == sorted(PARTIES)
    for party_id in PARTIES:
        assert f"{party_id} Ltd" in page.text
        assert f"ops@{party_id.lower()}.example" in page.text
        assert f"escalations@{party_id.lower()}.example" in page.text
    assert "small supplier" in page.text
    assert "<caption>" in page.text

    details = await operator.get("/parties/SSUP")
    assert details.status_code == 200
    assert "ops@ssup.example" in details.text
    assert 'action="/parties/SSUP"' in details.text


async def test_the_list_pages_by_cursor(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    first = await operator.get("/parties", params={"limit": 25})
    assert "Next page" not in first.text  # four parties fit
    bad = await operator.get("/parties", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert alerts(bad.text)
    assert "First page" in bad.text


async def test_a_supplier_is_refused_in_plain_words(portal: Portal) -> None:
    await portal.register()
    supplier = await portal.sign_in("GSUP")
    for path in ("/parties", "/parties/GSUP", "/parties/ISUP", "/parties/new"):
        answer = await supplier.get(path)
        assert answer.status_code == 403, path
        assert "Operators only" in answer.text
        assert "ops@" not in answer.text
    home = (await supplier.get("/")).text
    assert 'href="/parties"' not in home
    refused = await supplier.post("/parties/GSUP", data={"ops_contact_email": "me@gsup.example"})
    assert refused.status_code == 403
    assert (await party(portal, "GSUP"))["ops_contact_email"] == "ops@gsup.example"


async def test_an_operator_changes_a_contact_email(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    before = await party(portal, "ISUP")
    changed = await operator.post(
        "/parties/ISUP",
        data={
            "name": "ISUP Ltd",
            "ops_contact_email": "ssi-desk@isup.example",
            "escalation_contact_email": "escalations@isup.example",
        },
    )
    assert changed.status_code == 303
    assert changed.headers["location"] == "/parties/ISUP?done=updated"
    after = await party(portal, "ISUP")
    assert after["ops_contact_email"] == "ssi-desk@isup.example"
    assert after["escalation_contact_email"] == before["escalation_contact_email"]
    assert after["name"] == before["name"]
    page = (await operator.get(changed.headers["location"])).text
    assert "Changes saved." in page
    assert "ssi-desk@isup.example" in page

    untouched = await operator.post(
        "/parties/ISUP",
        data={
            "name": "ISUP Ltd",
            "ops_contact_email": "ssi-desk@isup.example",
            "escalation_contact_email": "escalations@isup.example",
        },
    )
    assert untouched.headers["location"] == "/parties/ISUP?done=unchanged"
    assert (await party(portal, "ISUP"))["updated_at"] == after["updated_at"]


async def test_a_malformed_email_is_shown_beside_its_field_and_changes_nothing(
    portal: Portal,
) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    before = await party(portal, "ISUP")
    bad = await operator.post(
        "/parties/ISUP",
        data={
            "name": "ISUP Trading Ltd",
            "ops_contact_email": "not an email",
            "escalation_contact_email": "escalations@isup.example",
        },
    )
    assert bad.status_code == 422
    assert field_errors(bad.text)
    assert 'id="ops_contact_email-error"' in bad.text
    assert 'aria-invalid="true" aria-describedby="ops_contact_email-error"' in bad.text
    assert 'value="not an email"' in bad.text  # kept in the form to be corrected
    assert 'value="ISUP Trading Ltd"' in bad.text
    assert await party(portal, "ISUP") == before


async def test_an_operator_deactivates_and_reactivates_a_party(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    off = await operator.post("/parties/SSUP/active", data={"active": "false"})
    assert off.status_code == 303
    assert (await party(portal, "SSUP"))["active"] is False
    page = (await operator.get(off.headers["location"])).text
    assert "Party deactivated" in page
    assert "Reactivate SSUP" in page
    on = await operator.post("/parties/SSUP/active", data={"active": "true"})
    assert on.status_code == 303
    assert (await party(portal, "SSUP"))["active"] is True

    own = await operator.post("/parties/DCCO/active", data={"active": "false"})
    assert own.status_code == 409
    assert alerts(own.text)
    assert (await party(portal, "DCCO"))["active"] is True


async def test_an_operator_adds_a_party(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    form = await operator.get("/parties/new")
    assert form.status_code == 200
    body = {
        "party_id": "nsup",
        "name": "New Supply Ltd",
        "category": "small_supplier",
        "ops_contact_email": "ops@nsup.example",
        "escalation_contact_email": "escalations@nsup.example",
    }
    added = await operator.post("/parties/new", data=body)
    assert added.status_code == 303
    assert added.headers["location"] == "/parties/NSUP?done=created"
    assert (await party(portal, "NSUP"))["ops_contact_email"] == "ops@nsup.example"

    again = await operator.post("/parties/new", data=body)
    assert again.status_code == 409
    assert alerts(again.text)
    bad = await operator.post("/parties/new", data=body | {"party_id": "N!", "category": ""})
    assert bad.status_code == 422
    assert 'id="category-error"' in bad.text
    worse = await operator.post("/parties/new", data=body | {"party_id": "N!"})
    assert worse.status_code == 422
    assert 'id="party_id-error"' in worse.text


async def test_a_party_id_that_is_not_one_is_not_found(portal: Portal) -> None:
    await portal.register()
    operator = await portal.sign_in("DCCO")
    assert (await operator.get("/parties/isup")).status_code == 404
    assert (await operator.get("/parties/ZZZZ")).status_code == 404
