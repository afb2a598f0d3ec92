"""Revealing an install code needs a sign-in within the last 5 minutes: an older one is sent back
through the identity provider, which asks again (`max_age=300`), and the reveal then works."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.portal.browser.conftest import MakePerson
from tests.portal.browser.stack import CODE, Stack


def test_a_reveal_long_after_sign_in_asks_to_sign_in_again(
    stack: Stack, person: MakePerson
) -> None:
    reference = stack.raise_incident(stack.device())["reference"]
    stack.answer(reference)
    gail = person("Gail Stepup", "GSUP")
    gail.sign_in()
    gail.open(f"/incidents/{reference}/reveal", f"Reveal the install code of {reference}")

    # Ten minutes pass, for the portal's session and for the provider's memory of the sign-in.
    before = gail.session()
    stack.age_session(before, auth_time=timedelta(minutes=10))
    stack.provider.age_sign_ins(600)

    gail.page.get_by_role("button", name="Reveal the install code").click()
    gail.see("Sign in again to reveal the code")
    expect(gail.page.get_by_role("alert")).to_contain_text("Nothing was revealed.")
    assert CODE not in gail.page.content()
    gail.page.get_by_role("link", name="Sign in again").click()
    gail.see("Sign in again")
    gail.page.get_by_role("link", name="Sign in with your organisation").click()
    # The provider's session is too old for max_age: it asks, it does not sign in silently.
    expect(gail.page.get_by_label("Person")).to_be_visible()
    gail.fill_provider_form()

    gail.see(f"Reveal the install code of {reference}")
    assert gail.session() != before  # a new session id at re-authentication
    assert not stack.session_exists(before)
    gail.page.get_by_role("button", name="Reveal the install code").click()
    gail.see(f"Install code of {reference}")
    expect(gail.page.get_by_label("Install code")).to_have_text(CODE)
    revealed = [h for h in stack.history(reference) if h["action"] == "install_code.revealed"]
    assert [h["actor"] for h in revealed] == ["Gail Stepup"]
    expect(gail.page).to_have_url(re.compile(f"/incidents/{reference}/reveal$"))
