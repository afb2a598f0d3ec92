"""What a notification says: the subject and plain-text body of an email, from the event.

Only whitelisted fields of the event's `data` are read (`Facts.read`), each checked against the
shape it must have (a Device ID, a party id, a known status): a field the payload should never
carry, or a whitelisted one holding something else, never reaches a message. Unknown event types
and missing fields give a plainer message, never an error. Instants are shown in London time
(Working Days are London days) with UTC beside them.
"""

import functools
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from shared.calendar import LONDON

_REFERENCE = re.compile(r"INC-[0-9]{1,12}")
_DEVICE_ID = re.compile(r"[0-9A-F]{2}(?:-[0-9A-F]{2}){7}")
_PARTY_ID = re.compile(r"[A-Z0-9]{4}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SLA_POLICY = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]{0,31}\.[a-z][a-z0-9_]{0,31}")

_STATUSES = {"raised", "acknowledged", "resolved", "closed", "cancelled"}
_OUTCOMES = {
    "install_code_provided": "install code provided",
    "not_installing_supplier": "not the installing supplier",
    "rejected": "rejected as not bona fide",
}
_SLA_STATES = {"on_track", "at_risk", "breached", "met", "missed"}
_BREACH_CAUSES = {
    "addressee_unreachable": "no channel reached the addressee before the due instant",
    "not_acknowledged": "the addressee neither acknowledged nor answered",
    "acknowledged_not_answered": "the addressee acknowledged the request but did not answer",
}
_KINDS = {"webhook", "email", "inbox"}
_DISABLED_REASONS = {
    "by_party": "it was turned off by its party",
    "gone": "its receiver answered 410 Gone",
    "failing": "deliveries to it kept failing",
    "unconfirmed": "its address has not been confirmed",
}
_WORKING_DAYS = {"mp121": "five", "secas-interim": "ten"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_VERBS = {
    "incident.raised": "raised",
    "incident.acknowledged": "acknowledged",
    "incident.resolved": "answered",
    "incident.reopened": "reopened",
    "incident.readdressed": "readdressed",
    "incident.cancelled": "cancelled",
    "incident.closed": "closed",
    "incident.sla_warning": "SLA warning",
    "incident.sla_breached": "SLA breached",
    "incident.sla_escalated": "escalated",
    "incident.sla_rescheduled": "due date changed",
}
_CONFIRMATION = "endpoint.confirmation"
_WIDTH = 76
_LABEL_WIDTH = 11


def _matching(pattern: re.Pattern[str]) -> Callable[[object], str | None]:
    def read(value: object) -> str | None:
        return value if isinstance(value, str) and pattern.fullmatch(value) else None

    return read


def _one_of(allowed: set[str] | dict[str, str]) -> Callable[[object], str | None]:
    def read(value: object) -> str | None:
        return value if isinstance(value, str) and value in allowed else None

    return read


def _count(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
        return value
    return None


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _link(value: object) -> str | None:
    """A confirmation link: an http(s) URL on one line, nothing else."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    if any(not c.isprintable() or c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


_reference = _matching(_REFERENCE)
_device = _matching(_DEVICE_ID)
_party = _matching(_PARTY_ID)
_uuid = _matching(_UUID)
_sla_policy = _matching(_SLA_POLICY)
_event_type = _matching(_EVENT_TYPE)


@dataclass(frozen=True)
class Facts:
    """The whitelisted fields of one event, each checked; None where absent or malformed."""

    type: str | None
    reference: str | None
    incident_id: str | None
    device_id: str | None
    requester: str | None
    addressee: str | None
    previous_addressee: str | None
    status: str | None
    outcome: str | None
    clock: int | None
    policy: str | None
    due_at: datetime | None
    sla_state: str | None
    sla_ordinal: int | None
    breach_cause: str | None
    endpoint_id: str | None
    kind: str | None
    party_id: str | None
    reason: str | None
    failing_since: datetime | None
    disable_at: datetime | None
    confirm_url: str | None
    expires_at: datetime | None

    @classmethod
    def read(cls, type_: object, data: dict[str, Any]) -> "Facts":
        get = data.get
        return cls(
            type=_event_type(type_),
            reference=_reference(get("reference")),
            incident_id=_uuid(get("incident_id")),
            device_id=_device(get("device_id")),
            requester=_party(get("requesting_party_id")),
            addressee=_party(get("addressed_party_id")),
            previous_addressee=_party(get("previous_addressed_party_id")),
            status=_one_of(_STATUSES)(get("status")),
            outcome=_one_of(_OUTCOMES)(get("outcome")),
            clock=_count(get("clock")),
            policy=_sla_policy(get("policy")),
            due_at=_instant(get("due_at")),
            sla_state=_one_of(_SLA_STATES)(get("sla_state")),
            sla_ordinal=_count(get("sla_ordinal")),
            breach_cause=_one_of(_BREACH_CAUSES)(get("breach_cause", get("cause"))),
            endpoint_id=_uuid(get("endpoint_id")),
            kind=_one_of(_KINDS)(get("kind")),
            party_id=_party(get("party_id")),
            reason=_one_of(_DISABLED_REASONS)(get("reason")),
            failing_since=_instant(get("failing_since")),
            disable_at=_instant(get("disable_at", get("disables_at"))),
            confirm_url=_link(get("confirm_url")),
            expires_at=_instant(get("expires_at")),
        )

    # Subject

    def subject(self) -> str:
        if self.type == "endpoint.test":
            suffix = f" {self.endpoint_id}" if self.endpoint_id else ""
            return f"[SSI] Test message for endpoint{suffix}"
        if self.type == "endpoint.disabled":
            return "[SSI] Endpoint disabled"
        if self.type == "endpoint.failing":
            return "[SSI] Endpoint failing"
        if self.type == _CONFIRMATION:
            return "[SSI] Confirm this address for SSI notifications"
        verb = _VERBS.get(self.type or "")
        if verb is None and self.reference is None and self.device_id is None:
            return "[SSI] Notification"
        subject = f"[SSI] {self.reference or 'Incident'} {verb or 'update'}"
        return subject + (f": Device {self.device_id}" if self.device_id else "")

    # Body

    def body(self, portal_url: str, webhook_id: str) -> str:
        if self.type is not None and self.type.startswith("endpoint."):
            paragraphs = self._endpoint_text(portal_url)
        else:
            paragraphs = self._incident_text(portal_url)
        footer = (
            "--\n"
            "Sent automatically by the SSI notifier; replies are not read. It names the Device "
            "by its Device ID only: never an install code, a premises address, an MPxN or free "
            f"text.\nNotification id: {webhook_id}"
        )
        text = "\n\n".join([*paragraphs, footer])
        return "\n".join(_wrap(line) for line in text.split("\n")) + "\n"

    def _incident_text(self, portal_url: str) -> list[str]:
        paragraphs = [self._headline(), self._details()]
        ask = self._ask()
        if ask:
            paragraphs.append(ask)
        target = self.reference or self.incident_id
        if target:
            paragraphs.append(f"Open the incident in the portal:\n{portal_url}/incidents/{target}")
        return [p for p in paragraphs if p]

    def _headline(self) -> str:
        ref = self.reference
        incident, the_incident = (f"Incident {ref}", f"incident {ref}") if ref else ("", "")
        incident = incident or "An incident"
        the_incident = the_incident or "the incident"
        device = f"Device {self.device_id}" if self.device_id else "a Device"
        addressee = self.addressee or "The addressee"
        requester = self.requester or "The requester"
        previously = f" (it was addressed to {self.previous_addressee})"
        headlines = {
            "incident.raised": f"{incident} has been raised: {requester} asks "
            f"{self.addressee or 'the addressee'}, as the installing supplier, for the install "
            f"code of {device}.",
            "incident.acknowledged": f"{addressee} has acknowledged {the_incident}.",
            "incident.resolved": f"{addressee} has answered {the_incident}.",
            "incident.reopened": f"{requester} has reopened {the_incident}: the install code "
            "given did not work. A new clock has started.",
            "incident.readdressed": f"{incident} has been readdressed to "
            f"{self.addressee or 'another party'}"
            + (previously if self.previous_addressee else "")
            + ". A new clock has started.",
            "incident.cancelled": f"{requester} has cancelled {the_incident}.",
            "incident.closed": f"{requester} has closed {the_incident}.",
            "incident.sla_warning": f"{incident} is due soon and has not been answered.",
            "incident.sla_breached": f"{incident} was not answered by its due instant: its SLA "
            "is breached.",
            "incident.sla_escalated": f"{incident} is still not answered, past its due instant"
            + (f" (escalation {self.sla_ordinal})." if self.sla_ordinal else "."),
            "incident.sla_rescheduled": f"The due instant of {the_incident} has changed with "
            "the Working Day calendar.",
        }
        return headlines.get(self.type or "", f"{incident} has changed.")

    def _details(self) -> str:
        rows: list[tuple[str, str | None]] = [
            ("Reference", self.reference),
            ("Device ID", self.device_id),
            ("Requester", self.requester),
            ("Addressee", self.addressee),
            ("Status", self.status),
            ("Outcome", _OUTCOMES.get(self.outcome or "")),
            ("Clock", None if self.clock is None else _clock(self.clock, self.policy)),
            ("Due", None if self.due_at is None else _when(self.due_at)),
            ("SLA", self.sla_state.replace("_", " ") if self.sla_state else None),
            ("Cause", _BREACH_CAUSES.get(self.breach_cause or "")),
        ]
        return "\n".join(
            f"{name + ':':<{_LABEL_WIDTH}}{value}" for name, value in rows if value is not None
        )

    def _ask(self) -> str | None:
        days = _WORKING_DAYS.get(self.policy or "")
        within = f"within {days} Working Days" if days else "by the due instant"
        answer = (
            "give the install code, say that you were not the installing supplier, or reject "
            "the request if it is not bona fide. Answer in the portal or through the API, never "
            "by email."
        )
        if self.type in ("incident.raised", "incident.reopened", "incident.readdressed"):
            return (
                f"What to do: {self.addressee or 'the addressee'} is asked to answer {within} "
                f"(by the due instant above): {answer}"
            )
        if self.type == "incident.sla_warning":
            return f"What to do: answer before the due instant above: {answer}"
        if self.type in ("incident.sla_breached", "incident.sla_escalated"):
            return f"What to do: {self.addressee or 'the addressee'} should answer now: {answer}"
        if self.type == "incident.resolved":
            return {
                "install_code_provided": "What to do: reveal the install code in the portal or "
                "through the API (it is never sent by email), commission the Device, then close "
                "the incident; reopen it if the code does not work.",
                "not_installing_supplier": "What to do: readdress the incident to the installing "
                "supplier if you know it, or cancel it.",
                "rejected": "What to do: read the answer in the portal, then close the incident.",
            }.get(self.outcome or "")
        if self.type == "incident.acknowledged":
            return "Nothing to do yet: you will hear when the incident is answered."
        return None

    def _endpoint_text(self, portal_url: str) -> list[str]:
        endpoint = f"endpoint {self.endpoint_id}" if self.endpoint_id else "an endpoint"
        if self.kind:
            endpoint += f" ({self.kind})"
        party = f" of party {self.party_id}" if self.party_id else ""
        endpoints_page = f"Your endpoints in the portal:\n{portal_url}/endpoints"
        if self.type == _CONFIRMATION:
            registered = "This address was registered to receive SSI notifications" + (
                f" for party {self.party_id}." if self.party_id else "."
            )
            if self.confirm_url is None:
                return [registered, "The confirmation link is missing: register it again."]
            expiry = f" before {_when(self.expires_at)}" if self.expires_at else ""
            return [
                registered,
                f"To confirm it, open this link{expiry}:\n{self.confirm_url}",
                "If you did not expect this message, ignore it: nothing more is sent to this "
                "address unless the link is followed.",
            ]
        if self.type == "endpoint.test":
            return [
                f"This is a test message for {endpoint}{party}.",
                "Nothing to do: it shows that SSI notifications reach this address.",
            ]
        if self.type == "endpoint.disabled":
            why = _DISABLED_REASONS.get(self.reason or "")
            return [
                f"{endpoint[0].upper()}{endpoint[1:]}{party} has been disabled"
                + (f": {why}." if why else "."),
                "Events for it are kept while it is disabled. Once its receiver works again, "
                "recover it (in the portal, or `ssi endpoints recover`) to turn it back on and "
                "re-deliver what it missed.",
                endpoints_page,
            ]
        if self.type == "endpoint.failing":
            since = f" since {_when(self.failing_since)}" if self.failing_since else ""
            until = (
                f" It will be disabled at {_when(self.disable_at)} unless a delivery succeeds."
                if self.disable_at
                else " It will be disabled if this goes on."
            )
            return [
                f"Deliveries to {endpoint}{party} have been failing{since}.{until}",
                "What to do: check its receiver.",
                endpoints_page,
            ]
        return [f"A notification about {endpoint}{party}.", endpoints_page]


@functools.lru_cache(maxsize=4096)
def _wrap(line: str) -> str:
    """Lines short enough for 7-bit transfer, so that an `.eml` file reads as plain text; a
    detail row's continuation is indented under its value. Links are never broken."""
    if len(line) <= _WIDTH:
        return line
    head = line[:_LABEL_WIDTH]
    indent = " " * _LABEL_WIDTH if head.endswith(" ") and head.rstrip().endswith(":") else ""
    return textwrap.fill(
        line,
        width=_WIDTH,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _clock(clock: int, policy: str | None) -> str:
    return f"{clock}, policy {policy}" if policy else str(clock)


def _when(instant: datetime) -> str:
    """London time first (Working Days are London days), with UTC beside it."""
    local = instant.astimezone(LONDON)
    text = f"{local:%H:%M} {_day(local)} London time ({local.tzname()})"
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        before = local - timedelta(days=1)
        text += (
            f", the end of {_WEEKDAYS[before.weekday()]} {before.day} {_MONTHS[before.month - 1]}"
        )
    return f"{text}; {instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _day(moment: datetime) -> str:
    return f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
