"""The delivery pages through the real notifier and a real receiver: the list and its filters,
a delivery's attempts (the receiver's answer shown as text), and retry: of a dead delivery it
works, of a delivered one it is the notifier's refusal in words.

The notifier here has no retries (`retry_schedule_seconds=[]`): a delivery whose one attempt
fails is dead at once, so no test waits through the schedule."""

import re

import httpx
import pytest

from services.notifier.settings import Settings
from tests.portal.world import Portal, alerts, field_errors
from tests.receiver import Answer, running_receiver

INCIDENT_LINK = re.compile(r'href="/incidents/([0-9a-f-]{36})"')
DELIVERY_LINK = re.compile(r'href="/deliveries/([0-9a-f-]{36})"')


@pytest.fixture
def notifier_settings(notifier_settings: Settings) -> Settings:
    return notifier_settings.model_copy(update={"retry_schedule_seconds": []})


async def add_endpoint(browser: httpx.AsyncClient, url: str) -> str:
    answer = await browser.post("/endpoints/new", data={"url": url})
    assert answer.status_code == 201, answer.text
    link = re.search(r'href="/endpoints/([0-9a-f-]{36})"', answer.text)
    assert link is not None
    return link.group(1)


async def test_a_delivery_is_listed_and_shows_its_attempts(portal: Portal) -> None:
    await portal.register()
    installing = await portal.sign_in("ISUP")
    gaining = await portal.sign_in("GSUP")
    with running_receiver() as receiver:
        endpoint_id = await add_endpoint(installing, receiver.url)
        reference = await portal.raise_incident(gaining)
        assert await portal.harness.deliver() == 1
        receiver.wait_for(1)

    listed = await installing.get("/deliveries")
    assert listed.status_code == 200
    [incident_id] = INCIDENT_LINK.findall(listed.text)
    [delivery_id] = DELIVERY_LINK.findall(listed.text)
    assert "incident.raised" in listed.text
    assert "succeeded" in listed.text
    assert receiver.url in listed.text  # the endpoint, by its URL
    assert reference in (await installing.get(f"/incidents/{incident_id}")).text

    page = await installing.get(f"/deliveries/{delivery_id}")
    assert page.status_code == 200
    attempts = page.text.split('class="attempts"')[1]
    assert re.search(r'<th scope="row">1</th>\s*<td><time', attempts)
    assert "<td>204</td>" in attempts
    assert " ms</td>" in attempts
    assert '/retry"' not in page.text  # delivered: nothing to retry

    matching = {
        f"status=succeeded&endpoint_id={endpoint_id}": True,
        f"incident_id={incident_id}": True,
        f"incident_id={incident_id.upper()}": True,
        "status=dead": False,
        f"endpoint_id={incident_id}": False,
    }
    for query, found in matching.items():
        answer = await installing.get(f"/deliveries?{query}")
        assert answer.status_code == 200, query
        assert (delivery_id in answer.text) is found, query

    for query, field in (
        (f"incident_id={reference}", "incident_id"),
        ("status=lost", "status"),
        ("endpoint_id=first", "endpoint_id"),
    ):
        answer = await installing.get(f"/deliveries?{query}")
        assert answer.status_code == 422, query
        assert f'id="{field}-error"' in answer.text
        assert len(field_errors(answer.text)) == 1

    # The requester has no endpoint: nothing of the addressee's is shown to it.
    assert delivery_id not in (await gaining.get("/deliveries")).text
    assert (await gaining.get(f"/deliveries/{delivery_id}")).status_code == 404
    assert (await gaining.post(f"/deliveries/{delivery_id}/retry")).status_code == 404
    assert (await gaining.get("/deliveries/not-an-id")).status_code == 404


async def test_a_dead_delivery_is_retried_and_a_delivered_one_refused(portal: Portal) -> None:
    await portal.register()
    installing = await portal.sign_in("ISUP")
    with running_receiver() as receiver:
        await add_endpoint(installing, receiver.url)
        receiver.answers.append(Answer(500, body=b"<script>alert('down')</script>"))
        await portal.raise_incident(await portal.sign_in("GSUP"))
        assert await portal.harness.deliver() == 1

        dead = await installing.get("/deliveries?status=dead")
        [delivery_id] = DELIVERY_LINK.findall(dead.text)
        assert "HTTP 500" in dead.text
        page = (await installing.get(f"/deliveries/{delivery_id}")).text
        assert "<script>alert" not in page  # the receiver's answer is text, not markup
        assert "&lt;script&gt;alert(&#39;down&#39;)&lt;/script&gt;" in page
        assert f'hx-post="/deliveries/{delivery_id}/retry"' in page

        retried = await installing.post(f"/deliveries/{delivery_id}/retry")
        assert retried.status_code == 303
        page = (await installing.get(retried.headers["location"])).text
        assert "Queued again" in page
        assert "pending" in page
        assert await portal.harness.deliver() == 1
        assert len(receiver.wait_for(2)) == 2

    page = (await installing.get(f"/deliveries/{delivery_id}")).text
    assert "succeeded" in page
    assert "<td>500</td>" in page
    assert "<td>204</td>" in page
    assert f'action="/deliveries/{delivery_id}/retry"' not in page

    refused = await installing.post(f"/deliveries/{delivery_id}/retry")
    assert refused.status_code == 409
    assert "Only a dead delivery can be retried. The delivery is succeeded." in alerts(refused.text)
    # To htmx, the same refusal with a 200, which htmx swaps into the status section.
    swapped = await installing.post(
        f"/deliveries/{delivery_id}/retry", headers={"HX-Request": "true"}
    )
    assert swapped.status_code == 200
    status = swapped.text.split('id="delivery-status"')[1].split("</section>")[0]
    assert "Only a dead delivery can be retried" in status
