"""Sign-in, sessions and the rules every response follows (DESIGN §8 "Sessions", "Safety")."""

from collections.abc import AsyncIterator

import httpx
from sqlalchemy import text

from portal.sessions.service import digest
from services.common.db import create_engine
from tests.portal.world import DEVICE, Portal


def session_cookie(browser: httpx.AsyncClient) -> str:
    value = browser.cookies.get("ssi_session")
    assert value
    return value


async def rows(portal: Portal, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(portal.app.state.runtime.settings.resolved_database_url())
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def test_the_cookie_holds_a_random_id_and_the_database_only_its_hash(portal: Portal) -> None:
    await portal.register()
    browser = portal.browser()
    answer = await browser.post("/signin/dev", data={"party": "GSUP", "person": "gail"})
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    raw = session_cookie(browser)
    stored = await rows(portal, "SELECT id_hash, tokens FROM sessions")
    assert [r[0] for r in stored] == [digest(raw)]
    sealed = stored[0][1]
    assert isinstance(sealed, bytes)
    assert b"eyJ" not in sealed  # the token is sealed


async def test_signing_in_again_rotates_the_id(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    before = session_cookie(browser)
    await browser.post("/signin/dev", data={"party": "GSUP", "person": "gail"})
    after = session_cookie(browser)
    assert after != before
    replay = portal.browser()
    replay.cookies.set("ssi_session", before)
    assert (await replay.get("/")).status_code == 303  # the old id opens nothing
    assert len(await rows(portal, "SELECT id_hash FROM sessions")) == 1


async def test_idle_and_absolute_expiry(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    portal.clock.advance(minutes=29)
    assert (await browser.get("/")).status_code == 200
    portal.clock.advance(minutes=31)
    stale = await browser.get("/")
    assert stale.status_code == 303
    assert stale.headers["location"].startswith("/signin")

    busy = await portal.sign_in("GSUP")
    for _ in range(12 * 4 + 1):  # a request every 15 minutes, until past 12 hours
        portal.clock.advance(minutes=15)
        if (await busy.get("/incidents/new")).status_code != 200:
            break
    else:
        raise AssertionError("a session outlived the 12-hour limit")


async def test_signing_out_ends_the_session_for_good(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    raw = session_cookie(browser)
    assert (await browser.post("/signout")).status_code == 303
    replay = portal.browser()
    replay.cookies.set("ssi_session", raw)
    assert (await replay.get("/")).status_code == 303
    assert await rows(portal, "SELECT id_hash FROM sessions") == []


async def test_a_forged_session_is_refused(portal: Portal) -> None:
    await portal.register()
    forged = portal.browser()
    forged.cookies.set("ssi_session", "x" * 43)
    assert (await forged.get("/")).status_code == 303
    forged.cookies.set("ssi_session", "x" * 5000)
    assert (await forged.get("/")).status_code in (303, 431)


async def test_unsafe_requests_must_come_from_the_portal(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert (
        await browser.post("/incidents/new", data={"device_id": DEVICE}, headers=cross)
    ).status_code == 403
    same_site = {"Sec-Fetch-Site": "same-site"}  # a sibling subdomain is another party's page
    assert (
        await browser.post("/incidents/new", data={"device_id": DEVICE}, headers=same_site)
    ).status_code == 403
    # A browser without Fetch Metadata: Origin decides, and its absence refuses.
    bare = httpx.AsyncClient(transport=browser._transport, base_url="http://portal.test")
    bare.cookies = browser.cookies
    assert (
        await bare.post("/signout", headers={"Origin": "http://evil.example"})
    ).status_code == 403
    assert (await bare.post("/signout")).status_code == 403
    listing = await portal.harness.api.get(
        "/v1/incidents", headers=portal.harness.tokens.party("GSUP")
    )
    assert listing.json()["items"] == []  # nothing was raised
    assert (
        await bare.post("/signout", headers={"Origin": "http://portal.test"})
    ).status_code == 303


async def test_every_page_is_no_store_under_a_strict_policy(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    for path in ("/", "/incidents", "/incidents/new", "/signin", "/no-such-page"):
        answer = await browser.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
    static = await browser.get("/static/portal.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("cache-control", "")


async def test_next_never_leaves_the_site(portal: Portal) -> None:
    await portal.register()
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        browser = portal.browser()
        answer = await browser.post(
            "/signin/dev", data={"party": "GSUP", "person": "gail", "next": target}
        )
        assert answer.headers["location"] == "/", target


async def test_development_sign_in_refuses_bad_input_and_is_absent_in_production(
    portal: Portal,
) -> None:
    await portal.register()
    browser = portal.browser()
    unknown = await browser.post("/signin/dev", data={"party": "NOPE", "person": "x"})
    assert unknown.status_code == 422
    blank = await browser.post("/signin/dev", data={"party": "GSUP", "person": "  "})
    assert blank.status_code == 422
    runtime = portal.app.state.runtime
    production = runtime.settings.common.model_copy(update={"env": "production"})
    runtime.settings = runtime.settings.model_copy(update={"common": production})
    assert (await browser.get("/signin/dev")).status_code == 404
    assert (
        await browser.post("/signin/dev", data={"party": "GSUP", "person": "x"})
    ).status_code == 404
    assert (await browser.post("/signin/dev/example")).status_code == 404


async def test_an_empty_deployment_gets_the_example_in_one_click(portal: Portal) -> None:
    browser = portal.browser()
    page = await browser.get("/signin/dev")
    assert "Create the example parties and Devices" in page.text
    assert (await browser.post("/signin/dev/example")).status_code == 303
    assert (await browser.post("/signin/dev/example")).status_code == 303  # twice is harmless
    page = await browser.get("/signin/dev")
    for party in ("GSUP", "ISUP", "DCCO"):
        assert f'value="{party}"' in page.text
    gaining = await portal.sign_in("GSUP")
    reference = await portal.raise_incident(gaining, "00-DB-12-34-56-78-90-A1")
    assert reference.startswith("INC-")


async def test_a_huge_form_is_refused_before_it_is_read(portal: Portal) -> None:
    await portal.register()
    browser = await portal.sign_in("GSUP")
    huge = await browser.post("/incidents/new", data={"device_id": DEVICE, "note": "x" * 200_000})
    assert huge.status_code == 413
    assert "too large" in huge.text
    listing = await portal.harness.api.get(
        "/v1/incidents", headers=portal.harness.tokens.party("GSUP")
    )
    assert listing.json()["items"] == []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"note=" + b"x" * 1024

    streamed = await browser.post(
        "/incidents/new",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413
