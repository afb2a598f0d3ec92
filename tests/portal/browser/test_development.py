"""Development's "sign in as": no identity provider, a party chosen from the contact list."""

from playwright.sync_api import expect

from tests.portal.browser.conftest import MakePerson


def test_sign_in_as_a_party(person: MakePerson) -> None:
    olive = person("Olive Dev", "DCCO")
    olive.sign_in_as()
    expect(olive.page.locator(".who")).to_contain_text("Olive Dev for DCCO (operator)")
    expect(olive.page.get_by_role("heading", name="Breached")).to_be_visible()
    olive.page.get_by_role("button", name="Sign out").click()
    olive.see("Sign in")
    olive.page.goto("/")
    olive.see("Sign in")
