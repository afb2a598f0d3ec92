"""The addressees no channel has reached: operators find them on their queue and through the
incident list's filter, and each incident says whether its addressee was reached. Reached is the
notifier's word, reported to the API once a delivery of the clock's start event succeeded (here
the mail to the addressee's ops contact, written as a file)."""

from services.notifier.sla import reached
from tests.portal.world import Portal, field_errors

SECTION = 'id="unreached"'


def unreached_section(html: str) -> str:
    start = html.index(SECTION)
    return html[start : html.index("</section>", start)]


async def test_operators_see_the_addressees_no_channel_has_reached(portal: Portal) -> None:
    await portal.register()
    gail = await portal.sign_in("GSUP")
    reference = await portal.raise_incident(gail)
    olive = await portal.sign_in("DCCO", "olive")

    queue = (await olive.get("/")).text
    assert f">{reference}<" in unreached_section(queue)
    page = (await olive.get(f"/incidents/{reference}")).text
    assert "<dt>Addressee reached</dt><dd>no: no webhook, email or inbox delivery" in page
    listed = (await olive.get("/incidents?addressee_reachable=false&status=raised")).text
    assert f">{reference}<" in listed
    assert '<option value="false" selected>not reached</option>' in listed
    assert f">{reference}<" not in (await olive.get("/incidents?addressee_reachable=true")).text

    # ISUP has no endpoint: the raise is mailed to its ops contact, which reaches it.
    assert await portal.harness.deliver() == 1
    assert await reached.ReachedReporter(portal.harness.runtime, portal.harness.feed).report() == 1

    queue = (await olive.get("/")).text
    assert reference not in unreached_section(queue)
    assert "Every open incident has reached its addressee." in queue
    page = (await olive.get(f"/incidents/{reference}")).text
    assert "<dt>Addressee reached</dt><dd>yes</dd>" in page
    assert (
        f">{reference}<"
        not in (await olive.get("/incidents?addressee_reachable=false&status=raised")).text
    )
    assert f">{reference}<" in (await olive.get("/incidents?addressee_reachable=true")).text
    # The parties see it too, on the incident's page.
    assert (
        "<dt>Addressee reached</dt><dd>yes</dd>" in (await gail.get(f"/incidents/{reference}")).text
    )


async def test_an_acknowledged_incident_not_reached_is_listed_too(portal: Portal) -> None:
    await portal.register()
    reference = await portal.raise_incident(await portal.sign_in("GSUP"))
    ivan = await portal.sign_in("ISUP")
    assert (await ivan.post(f"/incidents/{reference}/acknowledge")).status_code == 303
    await portal.harness.sync()
    olive = await portal.sign_in("DCCO", "olive")
    assert f">{reference}<" in unreached_section((await olive.get("/")).text)


async def test_suppliers_queues_have_no_unreached_section(portal: Portal) -> None:
    await portal.register()
    gail = await portal.sign_in("GSUP")
    await portal.raise_incident(gail)
    assert SECTION not in (await gail.get("/")).text


async def test_a_bad_reached_filter_is_refused_beside_it(portal: Portal) -> None:
    await portal.register()
    olive = await portal.sign_in("DCCO", "olive")
    answer = await olive.get("/incidents?addressee_reachable=maybe")
    assert answer.status_code == 422
    assert field_errors(answer.text) == ["Choose reached or not reached."]
