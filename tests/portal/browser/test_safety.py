"""What another site's page cannot make a signed-in browser do, and how long a session lives."""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import expect

from tests.portal.browser.conftest import MakePerson
from tests.portal.browser.people import SESSION_COOKIE
from tests.portal.browser.stack import Stack

REFUSED = "This form was not sent from the portal"


@contextmanager
def serving(page: str) -> Iterator[int]:
    """One HTML page on a loopback port of its own (another origin than the portal's)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def attack(portal: str, device_id: str) -> str:
    """Another site's page that posts a raise to the portal as soon as it loads."""
    return (
        "<!doctype html><html lang=en><title>Win a prize</title>"
        f'<form method=post action="{portal}/incidents/new">'
        f'<input name=device_id value="{device_id}"></form>'
        "<script>document.forms[0].submit()</script></html>"
    )


def test_a_form_posted_from_another_origin_raises_nothing(stack: Stack, person: MakePerson) -> None:
    device_id = stack.device()
    gail = person("Gail Target", "GSUP")
    gail.sign_in_as()
    with serving(attack(stack.url, device_id)) as port:
        # 127.0.0.1 on another port: another origin but the same site, so SameSite=Lax still
        # sends the cookie and only the portal's Fetch Metadata check stands in the way; and
        # localhost: another site, where the cookie is not sent either.
        for origin, site, cookie in (
            (f"http://127.0.0.1:{port}", "same-site", True),
            (f"http://localhost:{port}", "cross-site", False),
        ):
            with gail.page.expect_response(f"{stack.url}/incidents/new") as posted:
                gail.page.goto(f"{origin}/")
            assert posted.value.status == 403
            sent = posted.value.request.all_headers()
            assert posted.value.request.method == "POST"
            assert sent["sec-fetch-site"] == site
            assert (SESSION_COOKIE in sent.get("cookie", "")) is cookie
            expect(gail.page.get_by_role("heading", level=1)).to_have_text(REFUSED)
            expect(gail.page).to_have_url(f"{stack.url}/incidents/new")
    assert stack.incidents(device_id=device_id) == []

    # Without Fetch Metadata (not a browser), `Origin` decides, the session cookie notwithstanding.
    request = gail.context.request
    form: dict[str, str | float | bool] = {"device_id": "not-a-device"}
    evil = request.post(
        "/incidents/new", form=form, headers={"Origin": "http://evil.example"}, max_redirects=0
    )
    assert evil.status == 403
    assert REFUSED in evil.text()
    # The same request from the portal's origin is let through to the page (which refuses the
    # Device ID beside its field): the cookie was good, the origin was not.
    own = request.post("/incidents/new", form=form, headers={"Origin": stack.url}, max_redirects=0)
    assert own.status == 422
    assert "Raise an incident" in own.text()
    # And Fetch Metadata, where a browser sends it, outranks a matching Origin.
    cross = request.post(
        "/incidents/new",
        form=form,
        headers={"Origin": stack.url, "Sec-Fetch-Site": "same-site"},
        max_redirects=0,
    )
    assert cross.status == 403
    assert stack.incidents(device_id=device_id) == []


def test_a_session_idle_for_31_minutes_is_over(stack: Stack, person: MakePerson) -> None:
    ivan = person("Ivan Idle", "ISUP")
    ivan.sign_in_as()
    ivan.open("/incidents", "Incidents")
    session = ivan.session()
    stack.age_session(session, last_seen_at=timedelta(minutes=31))
    ivan.page.goto("/incidents")
    ivan.see("Sign in")
    expect(ivan.page).to_have_url(re.compile(r"/signin\?next=/incidents$"))
    assert not stack.session_exists(session)
    ivan.page.goto("/")
    ivan.see("Sign in")
