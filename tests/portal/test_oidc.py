"""Signing in through a real OpenID provider (tests/oidc/provider.py, its own process): the
code flow with PKCE, step-up, refresh before expiry, and the session's end when a refresh fails.

The pages used here (`/incidents/new`) ask no service anything, so the services need not trust
this provider: what is under test is the portal's side of the handshake.
"""

from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from portal.settings import Settings
from tests.oidc.harness import Provider, running_provider, sign_in
from tests.portal.conftest import PUBLIC_URL
from tests.portal.world import Portal


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(
        tmp_path_factory.mktemp("oidc"),
        redirect_uri=f"{PUBLIC_URL}/signin/callback",
        extra_args=["--access-token-seconds", "300"],
    ) as found:
        yield found


@pytest.fixture
def portal_settings(portal_settings: Settings, provider: Provider) -> Settings:
    return portal_settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": provider.client_id,
            "oidc_client_secret_file": provider.client_secret_file,
        }
    )


@pytest.fixture
async def idp() -> AsyncIterator[httpx.AsyncClient]:
    """The person's browser at the provider (its own cookie)."""
    async with httpx.AsyncClient(trust_env=False) as browser:
        yield browser


async def oidc_sign_in(
    portal: Portal, idp: httpx.AsyncClient, *, again: bool = False, person: str = "Ada"
) -> tuple[httpx.AsyncClient, httpx.Response]:
    browser = portal.browser()
    start = await browser.get("/signin/oidc", params={"next": "/incidents/new", "again": again})
    assert start.status_code == 303
    authorize = start.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert "code_verifier" not in query
    if again:
        assert query["max_age"] == ["300"]
    back = await sign_in(idp, authorize, person=person, party="GSUP")
    assert back.status_code in (302, 303)
    callback = urlsplit(back.headers["location"])
    done = await browser.get(f"{callback.path}?{callback.query}")
    return browser, done


async def test_the_code_flow_opens_a_session_for_the_person(
    portal: Portal, idp: httpx.AsyncClient
) -> None:
    browser, done = await oidc_sign_in(portal, idp)
    assert done.status_code == 303
    assert done.headers["location"] == "/incidents/new"
    page = await browser.get("/incidents/new")
    assert page.status_code == 200
    assert "Ada for <strong>GSUP</strong>" in page.text


async def test_a_callback_is_used_once_and_a_forged_state_opens_nothing(
    portal: Portal, idp: httpx.AsyncClient
) -> None:
    browser = portal.browser()
    start = await browser.get("/signin/oidc")
    back = await sign_in(idp, start.headers["location"], party="GSUP")
    callback = urlsplit(back.headers["location"])
    first = await browser.get(f"{callback.path}?{callback.query}")
    assert first.status_code == 303
    replay = portal.browser()
    again = await replay.get(f"{callback.path}?{callback.query}")
    assert again.status_code == 400
    assert "expired or was already used" in again.text
    forged = await portal.browser().get("/signin/callback", params={"code": "x", "state": "y"})
    assert forged.status_code == 400
    refused = await portal.browser().get("/signin/callback", params={"error": "access_denied"})
    assert refused.status_code == 400


async def test_step_up_asks_again_and_replaces_the_session(
    portal: Portal, idp: httpx.AsyncClient, provider: Provider
) -> None:
    browser, _ = await oidc_sign_in(portal, idp)
    before = browser.cookies.get("ssi_session")
    provider.age_sign_ins(600)  # so max_age=300 makes the provider ask for the password again
    start = await browser.get("/signin/oidc", params={"next": "/", "again": True})
    back = await sign_in(idp, start.headers["location"], person="Ada", party="GSUP")
    callback = urlsplit(back.headers["location"])
    assert (await browser.get(f"{callback.path}?{callback.query}")).status_code == 303
    assert browser.cookies.get("ssi_session") != before
    stale = portal.browser()
    stale.cookies.set("ssi_session", before or "")
    assert (await stale.get("/incidents/new")).status_code == 303  # the old id is gone


async def test_tokens_are_refreshed_and_a_failed_refresh_ends_the_session(
    portal: Portal, idp: httpx.AsyncClient, provider: Provider
) -> None:
    browser, _ = await oidc_sign_in(portal, idp)
    portal.clock.advance(minutes=4, seconds=30)  # within a minute of the token's expiry
    assert (await browser.get("/incidents/new")).status_code == 200  # refreshed
    portal.clock.advance(minutes=4, seconds=30)
    assert (await browser.get("/incidents/new")).status_code == 200  # the rotated one works too
    provider.revoke_refresh_tokens()
    portal.clock.advance(minutes=4, seconds=30)
    ended = await browser.get("/incidents/new")
    assert ended.status_code == 303
    assert ended.headers["location"].startswith("/signin")
