"""The incident pages, each role through its main journey and its refusals."""

import re

from tests.portal.world import CODE, DEVICE, Portal, alerts, field_errors


async def test_the_route_through_the_portal(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP", "gail")
    installing = await portal.sign_in("ISUP", "ivan")

    reference = await portal.raise_incident(gaining)
    queue = (await installing.get("/")).text
    assert reference in queue
    assert DEVICE in queue

    acknowledged = await installing.post(f"/incidents/{reference}/acknowledge")
    assert acknowledged.status_code == 303
    answered = await installing.post(
        f"/incidents/{reference}/respond",
        data={"outcome": "install_code_provided", "install_code": CODE},
    )
    assert answered.status_code == 303
    page = (await gaining.get(f"/incidents/{reference}")).text
    assert "Reveal the install code" in page
    assert CODE not in page

    revealed = await gaining.post(f"/incidents/{reference}/reveal")
    assert revealed.status_code == 200
    assert CODE in revealed.text
    assert revealed.headers["cache-control"] == "no-store"
    closed = await gaining.post(f"/incidents/{reference}/close")
    assert closed.status_code == 303
    timeline = (await gaining.get(f"/incidents/{reference}")).text
    for who in ("gail", "ivan"):
        assert f"by {who}" in timeline  # the person, not only the party, in the audit trail
    assert CODE not in timeline


async def test_refusals_are_shown_beside_the_field_and_change_nothing(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    bad = await gaining.post("/incidents/new", data={"device_id": "not-a-device"})
    assert bad.status_code == 422
    assert field_errors(bad.text)
    assert "not-a-device" in bad.text
    reference = await portal.raise_incident(gaining)
    again = await gaining.post("/incidents/new", data={"device_id": DEVICE.lower()})
    assert again.status_code == 409
    assert any("still open" in alert for alert in alerts(again.text))
    link = re.search(r'href="/incidents/([0-9a-f-]{36})"', again.text)
    assert link is not None
    assert reference in (await gaining.get(f"/incidents/{link.group(1)}")).text


async def test_a_wrong_install_code_is_never_echoed(portal: Portal) -> None:
    await portal.register()
    reference = await portal.raise_incident(await portal.sign_in("GSUP"))
    installing = await portal.sign_in("ISUP")
    wrong = CODE[:-2]
    answer = await installing.post(
        f"/incidents/{reference}/respond",
        data={"outcome": "install_code_provided", "install_code": wrong},
    )
    assert answer.status_code == 422
    assert wrong not in answer.text
    assert field_errors(answer.text)


async def test_a_double_submitted_action_happens_once(portal: Portal) -> None:
    await portal.register()
    reference = await portal.raise_incident(await portal.sign_in("GSUP"))
    installing = await portal.sign_in("ISUP")
    assert (await installing.post(f"/incidents/{reference}/acknowledge")).status_code == 303
    twice = await installing.post(f"/incidents/{reference}/acknowledge")
    assert twice.status_code == 409
    assert alerts(twice.text)


async def test_another_partys_incident_is_not_found(portal: Portal) -> None:
    await portal.register()
    reference = await portal.raise_incident(await portal.sign_in("GSUP"))
    stranger = await portal.sign_in("SSUP")
    assert (await stranger.get(f"/incidents/{reference}")).status_code == 404
    assert (await stranger.post(f"/incidents/{reference}/reveal")).status_code == 404
    assert (await stranger.get("/incidents/..%2F..%2Fv1%2Fparties")).status_code == 404


async def test_a_reveal_needs_a_recent_sign_in(portal: Portal) -> None:
    await portal.register()
    gaining = await portal.sign_in("GSUP")
    reference = await portal.raise_incident(gaining)
    installing = await portal.sign_in("ISUP")
    await installing.post(
        f"/incidents/{reference}/respond",
        data={"outcome": "install_code_provided", "install_code": CODE},
    )
    portal.clock.advance(minutes=6)
    stale = await gaining.post(f"/incidents/{reference}/reveal")
    assert stale.status_code == 401
    assert CODE not in stale.text
    assert "again=true" in stale.text


async def test_pages_need_a_session_and_cross_site_posts_are_refused(portal: Portal) -> None:
    await portal.register()
    anonymous = portal.browser()
    answer = await anonymous.get("/incidents")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin")
    gaining = await portal.sign_in("GSUP")
    forged = await gaining.post(
        "/incidents/new", data={"device_id": DEVICE}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    listing = await portal.harness.api.get(
        "/v1/incidents", headers=portal.harness.tokens.party("GSUP")
    )
    assert listing.json()["items"] == []  # nothing was raised


async def test_an_operator_goes_straight_to_a_reference(portal: Portal) -> None:
    await portal.register()
    reference = await portal.raise_incident(await portal.sign_in("GSUP"))
    operator = await portal.sign_in("DCCO", "olive")
    number = reference.removeprefix("INC-").lstrip("0")
    found = await operator.get("/incidents", params={"reference": number})
    assert found.status_code == 303
    assert found.headers["location"] == f"/incidents/{reference}"
    page = await operator.get(found.headers["location"])
    assert page.status_code == 200
    assert "Timeline" in page.text
    assert "Acknowledge" not in page.text  # an operator reads, the addressee answers
    bad = await operator.get("/incidents", params={"reference": "nonsense"})
    assert bad.status_code == 422
    assert field_errors(bad.text)
