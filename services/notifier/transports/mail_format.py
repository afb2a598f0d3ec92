"""One notification as an email message: headers and body, policy SMTP.

Threading: every message about an incident carries `In-Reply-To` and `References` naming one
root per incident, `<incident.{incident_id}@{domain}>`. No message has that id: the incident's
first message is not known when a later event is mailed (another recipient, another endpoint,
perhaps a message never sent), whereas a root derived from the incident is the same for every
message, so mail clients that thread by `References` gather them all under it.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from services.notifier.transports.mail_text import Facts

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"({_LOCAL})@({_LABEL}(?:\.{_LABEL})*)")
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
_MAX_LINE = 78
"""RFC 5322's recommended line length: longer lines are sent quoted-printable."""


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, building each header's class once: the stock one makes a
    new class at every lookup, twice for each header set, most of a message's cost."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


POLICY = SMTP.clone(header_factory=_HeaderClasses())
"""Policy SMTP (CRLF; a CR or LF in a header value is refused), with the registry above."""


def valid_address(address: object) -> bool:
    """One plain `local@domain` address in ASCII: nothing a header could be split on, no display
    name, no comment, no quoted local part, no second address."""
    if not isinstance(address, str) or len(address) > 254:
        return False
    match = _ADDRESS.fullmatch(address)
    return match is not None and len(match.group(1)) <= 64


def safe_id(webhook_id: str) -> str:
    """`webhook_id` if it is safe as a file name and a Message-ID's left part (the ids the
    notifier makes are), else a digest of it, so that distinct ids never share a name."""
    if len(webhook_id) <= 128 and _SAFE_ID.fullmatch(webhook_id):
        return webhook_id
    return "x-" + hashlib.sha256(webhook_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


@dataclass(frozen=True)
class Letterhead:
    """What every message shares: its sender, the portal it links to, and the headers that
    never change, parsed once (the email package's header parsing is most of a message's cost,
    and a parsed header object is immutable, so every message may hold the same one)."""

    sender: str
    """The envelope sender: the From address alone."""
    domain: str
    """The From address's domain, which names the Message-IDs."""
    portal_url: str
    fixed: tuple[BaseHeader, ...]
    """From, Auto-Submitted and X-Auto-Response-Suppress."""
    plain_text: tuple[BaseHeader, ...]
    """The MIME headers `set_content` gives ASCII text with short lines."""

    @classmethod
    def of(cls, mail_from: str, portal_url: str) -> "Letterhead":
        header = POLICY.header_factory("From", mail_from)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        if len(addresses) != 1 or not addresses[0].domain or not addresses[0].addr_spec.isascii():
            raise ValueError("mail_from must be one ASCII address with a domain")
        fixed = (
            header,
            POLICY.header_factory("Auto-Submitted", "auto-generated"),
            # Exchange and Outlook otherwise answer with out-of-office replies nobody reads.
            POLICY.header_factory("X-Auto-Response-Suppress", "All"),
        )
        plain_text = (
            POLICY.header_factory("Content-Type", 'text/plain; charset="utf-8"'),
            POLICY.header_factory("Content-Transfer-Encoding", "7bit"),
            POLICY.header_factory("MIME-Version", "1.0"),
        )
        address = addresses[0]
        return cls(address.addr_spec, address.domain, portal_url.rstrip("/"), fixed, plain_text)


def compose(
    letterhead: Letterhead, *, address: str, webhook_id: str, body: str, now: datetime
) -> EmailMessage:
    """The message for one delivery. `address` must have passed `valid_address`."""
    payload = _load(body)
    data = payload.get("data")
    facts = Facts.read(payload.get("type"), data if isinstance(data, dict) else {})
    fixed = letterhead.fixed
    message = EmailMessage(policy=POLICY)
    message["From"] = fixed[0]
    message["To"] = address
    message["Subject"] = facts.subject()
    message["Date"] = now.astimezone(UTC)
    message["Message-ID"] = f"<{safe_id(webhook_id)}@{letterhead.domain}>"
    if facts.incident_id is not None:
        root = f"<incident.{facts.incident_id}@{letterhead.domain}>"
        message["In-Reply-To"] = root
        message["References"] = root
    for header in fixed[1:]:
        message[header.name] = header
    text = facts.body(letterhead.portal_url, safe_id(webhook_id))
    if text.isascii() and all(len(line) <= _MAX_LINE for line in text.split("\n")):
        # What set_content would make of it, without parsing its three headers again.
        for header in letterhead.plain_text:
            message[header.name] = header
        message.set_payload(text)
    else:
        message.set_content(text)
    return message


def render(
    letterhead: Letterhead, *, address: str, webhook_id: str, body: str, now: datetime
) -> bytes:
    """`compose(...).as_bytes()`, written directly when every header and line is short ASCII
    (every message the notifier makes, in practice): the email package's parsing and refolding
    of each header was most of a message's cost. Anything else goes through `compose`."""
    payload = _load(body)
    data = payload.get("data")
    facts = Facts.read(payload.get("type"), data if isinstance(data, dict) else {})
    mid = safe_id(webhook_id)
    headers = [
        f"From: {letterhead.fixed[0]}",
        f"To: {address}",
        f"Subject: {facts.subject()}",
        f"Date: {format_datetime(now.astimezone(UTC))}",
        f"Message-ID: <{mid}@{letterhead.domain}>",
    ]
    if facts.incident_id is not None:
        root = f"<incident.{facts.incident_id}@{letterhead.domain}>"
        headers += [f"In-Reply-To: {root}", f"References: {root}"]
    headers += [f"{h.name}: {h}" for h in (*letterhead.fixed[1:], *letterhead.plain_text)]
    text = facts.body(letterhead.portal_url, mid)
    lines = text.split("\n")
    if not all(
        line.isascii() and len(line) <= _MAX_LINE and "\r" not in line
        for line in (*headers, *lines)
    ):
        message = compose(letterhead, address=address, webhook_id=webhook_id, body=body, now=now)
        return message.as_bytes()
    if lines[-1] == "":
        lines.pop()
    return ("\r\n".join((*headers, "", *lines)) + "\r\n").encode("ascii")


def _load(body: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (TypeError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}
