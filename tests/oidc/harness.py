"""The test OpenID Connect provider (`tests.oidc.provider`) as a process, and a browser-less
sign-in through its form, for tests that need a person's token without Chromium.

    with running_provider(tmp_path, redirect_uri=f"{portal_url}/auth/callback") as provider:
        # provider.issuer, .client_id, .client_secret(_file), .jwks_file (for SSI_JWT_JWKS_FILE)
        ...
"""

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from shared.tokens import load_jwks
from tests.receiver import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60.0
REDIRECT_URI = "http://127.0.0.1:8002/auth/callback"
"""Registered by default; nothing needs to listen there for tests that read the redirect."""


@dataclass
class Provider:
    process: subprocess.Popen[bytes]
    issuer: str
    client_id: str
    client_secret: str
    client_secret_file: Path
    redirect_uri: str
    jwks_file: Path
    log: Path

    def jwks(self) -> list[dict[str, Any]]:
        return load_jwks(self.jwks_file)

    def revoke_refresh_tokens(self) -> int:
        """Every refresh token issued so far stops working (`POST /control/revoke`)."""
        response = httpx.post(f"{self.issuer}/control/revoke", timeout=10)
        response.raise_for_status()
        revoked: int = response.json()["revoked"]
        return revoked

    def age_sign_ins(self, seconds: int) -> None:
        """Every sign-in recorded so far took place `seconds` earlier (`POST /control/age`)."""
        response = httpx.post(f"{self.issuer}/control/age", params={"seconds": seconds}, timeout=10)
        response.raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_provider(
    directory: Path,
    *,
    redirect_uri: str = REDIRECT_URI,
    client_id: str = "portal",
    audience: str = "ssi",
    extra_args: Sequence[str] = (),
) -> Provider:
    """The provider on a free loopback port, once its discovery document answers."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    client_secret = secrets.token_urlsafe(24)
    secret_file = directory / "oidc-client-secret"
    secret_file.touch(mode=0o600)
    secret_file.write_text(client_secret + "\n")
    jwks_file, log = directory / "oidc-jwks.json", directory / "oidc-provider.log"
    command = [
        *(sys.executable, "-m", "tests.oidc.provider", "--host", "127.0.0.1"),
        *("--port", str(port), "--issuer", issuer, "--audience", audience),
        *("--client-id", client_id, "--client-secret-file", str(secret_file)),
        *("--redirect-uri", redirect_uri, "--jwks-out", str(jwks_file)),
        *extra_args,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    provider = Provider(
        process, issuer, client_id, client_secret, secret_file, redirect_uri, jwks_file, log
    )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited: {log.read_text()[-2000:]}")
        try:
            response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            if response.status_code == 200:
                return provider
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    provider.stop()
    raise RuntimeError(f"the OIDC provider did not start: {log.read_text()[-2000:]}")


@contextmanager
def running_provider(directory: Path, **kwargs: Any) -> Iterator[Provider]:
    provider = start_provider(directory, **kwargs)
    try:
        yield provider
    finally:
        provider.stop()


@dataclass
class Form:
    """An HTML form as a browser sees it: its fields, found by their label's text."""

    action: str = ""
    fields: list[list[str]] = field(default_factory=list)
    """[name, value] pairs, in document order (hidden fields included)."""
    labels: dict[str, str] = field(default_factory=dict)
    """label text -> the id of the control it labels"""
    names: dict[str, str] = field(default_factory=dict)
    """control id -> control name"""
    buttons: list[str] = field(default_factory=list)

    def fill(self, label: str, value: str) -> None:
        name = self.names[self.labels[label]]
        for pair in self.fields:
            if pair[0] == name:
                pair[1] = value
                return
        raise KeyError(name)

    def data(self) -> dict[str, list[str]]:
        """What the browser posts."""
        posted: dict[str, list[str]] = {}
        for name, value in self.fields:
            posted.setdefault(name, []).append(value)
        return posted


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._label_for: str | None = None
        self._label_text = ""
        self._in_button = False
        self._select: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(action=attr.get("action", ""))
        if self.form is None:
            return
        if tag == "label":
            self._label_for, self._label_text = attr.get("for", ""), ""
        elif tag in {"input", "select"} and "name" in attr:
            if attr.get("type") in {"checkbox", "radio"} and "checked" not in attr:
                return
            self.form.fields.append([attr["name"], attr.get("value", "")])
            if "id" in attr:
                self.form.names[attr["id"]] = attr["name"]
            if tag == "select":
                self._select = self.form.fields[-1]
        elif tag == "option" and self._select is not None:
            if "selected" in attr or not self._select[1]:
                self._select[1] = attr.get("value", "")
        elif tag == "button":
            self._in_button = True
            self.form.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.form is None:
            return
        if tag == "label" and self._label_for is not None:
            self.form.labels[self._label_text.strip()] = self._label_for
            self._label_for = None
        elif tag == "select":
            self._select = None
        elif tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._label_for is not None:
            self._label_text += data
        if self._in_button and self.form is not None:
            self.form.buttons[-1] += data.strip()


def parse_form(page: str) -> Form:
    parser = _FormParser()
    parser.feed(page)
    if parser.form is None:
        raise AssertionError("the page has no form")
    return parser.form


async def sign_in(
    browser: httpx.AsyncClient,
    authorization_url: str,
    *,
    person: str = "Ada Lovelace",
    party: str = "ABCD",
    role: str = "supplier",
) -> httpx.Response:
    """Opens `authorization_url` in `browser` (which must not follow redirects), fills the sign-in
    form as a person would and returns the provider's answer to it: the redirect to the client."""
    page = await browser.get(authorization_url)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    assert "Sign in" in form.buttons
    form.fill("Person", person)
    form.fill("Party", party)
    form.fill("Role", role)
    return await browser.post(urljoin(str(page.url), form.action), data=form.data())
