"""`/endpoints/confirm`: the link mailed to a new email endpoint, followed by someone with no
portal session. Opening it confirms nothing; its button does, once. A link cut short, forged or
used is a plain refusal; the token leaves no trace in a referrer, a cache or the access log, and
a confirmation posted from another site's page is refused."""

import logging
import re
import secrets

import httpx
import pytest

from portal.logs import ACCESS_LOGGER
from tests.portal.test_channels import QUEUE, add_kind
from tests.portal.test_endpoints import api_endpoints
from tests.portal.world import Portal, alerts

NOT_VALID = "This confirmation link is not valid."


async def mailed_link(portal: Portal) -> str:
    """Adds an email endpoint for ISUP, delivers its confirmation, and returns the link's path
    and query as the message gives it."""
    await add_kind(await portal.sign_in("ISUP"), "email", address=QUEUE)
    await portal.harness.deliver()
    [message] = [m for m in portal.harness.mails() if str(m["To"]) == QUEUE]
    found = re.search(r"https?://[^/\s]+(/endpoints/confirm\?token=[\w-]+)", message.get_content())
    assert found is not None, message.get_content()
    return found.group(1)


async def enabled(portal: Portal) -> bool:
    [endpoint] = await api_endpoints(portal, "ISUP")
    return endpoint["enabled"] is True


async def test_the_link_confirms_nothing_until_its_button_is_pressed(portal: Portal) -> None:
    await portal.register()
    link = await mailed_link(portal)
    token = link.split("token=", 1)[1]
    stranger = portal.browser()  # no session: the mailbox's reader may have no account

    page = await stranger.get(link)
    assert page.status_code == 200, page.text
    assert "Confirm this address" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]
    assert 'action="/endpoints/confirm"' in page.text
    assert f'name="token" value="{token}"' in page.text
    assert "Sign out" not in page.text
    await stranger.get(link)  # a mail scanner fetching it again
    assert not await enabled(portal)

    confirmed = await stranger.post("/endpoints/confirm", data={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    assert "<h1>Address confirmed</h1>" in confirmed.text
    assert QUEUE in confirmed.text
    assert token not in confirmed.text
    assert confirmed.headers.get_list("referrer-policy") == ["no-referrer"]
    assert await enabled(portal)

    again = await stranger.post("/endpoints/confirm", data={"token": token})
    assert again.status_code == 422
    assert any(a.startswith(NOT_VALID) for a in alerts(again.text))
    assert token not in again.text

    # The owner's page shows it on; its test event now goes out.
    ivan = await portal.sign_in("ISUP")
    [endpoint] = await api_endpoints(portal, "ISUP")
    page = await ivan.get(f"/endpoints/{endpoint['id']}")
    assert "awaiting confirmation" not in page.text
    assert "Send a test event" in page.text


async def test_a_signed_in_person_may_confirm_too(portal: Portal) -> None:
    await portal.register()
    link = await mailed_link(portal)
    someone = await portal.sign_in("GSUP", "gail")  # another party's person reads that mailbox
    page = await someone.get(link)
    assert page.status_code == 200
    assert "Sign out" in page.text
    token = link.split("token=", 1)[1]
    assert (await someone.post("/endpoints/confirm", data={"token": token})).status_code == 200
    assert await enabled(portal)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?token=",
        "?token=short",
        "?token=" + "a" * 101,
        "?token=abc%20def%3Cscript%3E" + "x" * 20,
    ],
)
async def test_a_link_cut_short_or_changed_is_refused(portal: Portal, query: str) -> None:
    await portal.register()
    page = await portal.browser().get(f"/endpoints/confirm{query}")
    assert page.status_code == 422
    assert any(a.startswith(NOT_VALID) for a in alerts(page.text))
    assert "Confirm this address" not in page.text
    assert "<script>" not in page.text
    assert page.headers.get_list("referrer-policy") == ["no-referrer"]


async def test_a_forged_or_malformed_token_confirms_nothing(portal: Portal) -> None:
    await portal.register()
    await mailed_link(portal)
    stranger = portal.browser()
    for token in (secrets.token_urlsafe(32), "Xq7", "x" * 5000, "a\r\nb" * 10):
        answer = await stranger.post("/endpoints/confirm", data={"token": token})
        assert answer.status_code == 422, token
        assert token not in answer.text
    assert not await enabled(portal)


async def test_a_confirmation_posted_from_another_site_is_refused(portal: Portal) -> None:
    await portal.register()
    link = await mailed_link(portal)
    token = link.split("token=", 1)[1]
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        answer = await portal.browser().post(
            "/endpoints/confirm", data={"token": token}, headers=headers
        )
        assert answer.status_code == 403
    bare = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=portal.app), base_url="http://portal.test"
    )
    async with bare:
        answer = await bare.post(
            "/endpoints/confirm", data={"token": token}, headers={"Origin": "https://evil.example"}
        )
    assert answer.status_code == 403
    assert not await enabled(portal)


async def test_the_access_log_leaves_the_token_out(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    """The line uvicorn writes for each request, as it writes it, once the portal is made."""
    token = secrets.token_urlsafe(32)
    access = logging.getLogger(ACCESS_LOGGER)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        for path in (f"/endpoints/confirm?token={token}", "/incidents?status=raised"):
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    assert token not in caplog.text
    assert '"GET /endpoints/confirm?(hidden) HTTP/1.1" 200' in caplog.text
    assert '"GET /incidents?status=raised HTTP/1.1" 200' in caplog.text
