"""People at the portal, each in a browser context of their own (their own cookies, their own
session at the identity provider), and a journal of every page they were shown.

A person signs in as they would: through the identity provider's form ("Sign in with your
organisation") or development's "sign in as". `see(heading)` waits for a page (Playwright's
auto-waiting `expect`) and writes what the browser holds of it into the journal, so a test can
say of every page a journey went through what it showed, and what it did not.
"""

import hashlib
import re
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.portal.browser.stack import Stack

SESSION_COOKIE = "ssi_session"
"""Development on plain http: no `__Host-` prefix (the portal's `secure_cookies`)."""
TIMEOUT_MS = 20_000
"""Any wait's bound: generous for a loaded two-core machine; a pass never waits for it."""


@dataclass(frozen=True)
class Seen:
    who: str
    url: str
    html: str


@dataclass
class Journal:
    pages: list[Seen] = field(default_factory=list)

    def showing(self, text: str) -> list[Seen]:
        """The pages whose HTML holds `text` (in any letter case)."""
        return [p for p in self.pages if text.lower() in p.html.lower()]


class Person:
    def __init__(
        self, browser: Browser, stack: Stack, journal: Journal, name: str, party: str
    ) -> None:
        self.stack, self.journal, self.name, self.party = stack, journal, name, party
        self.context: BrowserContext = browser.new_context(base_url=stack.url)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()

    def see(self, heading: str | re.Pattern[str]) -> Page:
        """Waits until the page's one `h1` reads `heading`, then journals the page."""
        expect(self.page.get_by_role("heading", level=1)).to_have_text(heading)
        self.look()
        return self.page

    def look(self) -> None:
        self.journal.pages.append(Seen(self.name, self.page.url, self.page.content()))

    def open(self, path: str, heading: str | re.Pattern[str]) -> Page:
        self.page.goto(path)
        return self.see(heading)

    def sign_in(self, role: str = "supplier") -> None:
        """Through the identity provider's sign-in form, back to the queue."""
        page = self.page
        page.goto("/signin")
        self.see("Sign in")
        page.get_by_role("link", name="Sign in with your organisation").click()
        self.fill_provider_form(role)
        self.see("My queue")
        expect(page.locator(".who")).to_contain_text(f"{self.name} for {self.party}")

    def fill_provider_form(self, role: str = "supplier") -> None:
        page = self.page
        expect(page).to_have_url(re.compile(re.escape(self.stack.provider.issuer) + "/authorize"))
        page.get_by_label("Person").fill(self.name)
        page.get_by_label("Party").fill(self.party)
        page.get_by_label("Role").select_option(role)
        page.get_by_role("button", name="Sign in").click()

    def sign_in_as(self) -> None:
        """Development's "sign in as": no identity provider."""
        page = self.page
        page.goto("/signin")
        self.see("Sign in")
        page.get_by_role("link", name="Sign in as a party (development)").click()
        self.see("Sign in as a party")
        page.get_by_label("Your name").fill(self.name)
        page.get_by_label("Party").select_option(self.party)
        page.get_by_role("button", name="Sign in").click()
        self.see("My queue")

    def session(self) -> str:
        """The id hash of the portal session this browser holds (the row's key)."""
        [cookie] = [c for c in self.context.cookies(self.stack.url) if c["name"] == SESSION_COOKIE]
        return hashlib.sha256(cookie["value"].encode()).hexdigest()

    def close(self) -> None:
        self.context.close()
