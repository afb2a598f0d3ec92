"""The endpoints table: where a party hears of its events (a webhook URL, an email address or
its inbox), with sealed secrets and health."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, LargeBinary, text
from sqlmodel import Field

from services.common.db import enum_column, utc_column
from services.notifier.tables import Table


class EndpointKind(StrEnum):
    webhook = "webhook"
    email = "email"
    inbox = "inbox"
    """Held for the party to pull (`GET /v1/inbox`): never sent, never retried."""


class ContactRole(StrEnum):
    """An email endpoint kept from the party's contact list rather than registered by it."""

    ops = "ops"
    escalation = "escalation"


class DisabledReason(StrEnum):
    by_party = "by_party"
    gone = "gone"
    """The receiver answered 410."""
    failing = "failing"
    unconfirmed = "unconfirmed"
    """An email endpoint whose confirmation link has not been followed yet."""


_INBOX = text("kind = 'inbox'")


class Endpoint(Table, table=True):
    """A party's endpoint of any kind. Every endpoint has a signing secret, kept encrypted
    (AES-GCM), though only webhooks are signed: one shape of row for every kind."""

    __tablename__ = "endpoints"
    __table_args__ = (
        # One inbox per party. (One contact endpoint per party and role needs no index of its
        # own: its id is derived from the two, `parties.contacts.contact_endpoint_id`.)
        Index(
            "ux_endpoints_inbox",
            "party_id",
            unique=True,
            sqlite_where=_INBOX,
            postgresql_where=_INBOX,
        ),
    )

    id: str = Field(primary_key=True, max_length=36)
    party_id: str = Field(max_length=4, index=True)
    kind: EndpointKind = enum_column(EndpointKind)
    url: str | None = Field(default=None, max_length=2048)
    """A webhook's URL; None for the other kinds."""
    address: str | None = Field(default=None, max_length=254)
    """An email endpoint's address; None for the other kinds."""
    contact_role: ContactRole | None = enum_column(ContactRole, nullable=True)
    """Set on the email endpoints the notifier keeps from the party's contact list: the fallback
    when none of the party's own endpoints takes an event. Not the party's to change."""
    confirm_hash: str | None = Field(default=None, max_length=64)
    """SHA-256 of the pending confirmation token of an email endpoint the party registered."""
    confirm_expires_at: datetime | None = utc_column(nullable=True)
    inbox_head: int = 0
    """An inbox's newest item position: each item gets the next, in commit order."""
    inbox_acked: int = 0
    """An inbox's position acknowledged so far: reading without a cursor resumes after it."""
    failure_warned_at: datetime | None = utc_column(nullable=True)
    """When the party's ops contact was told this endpoint has been failing for half the time
    after which it is disabled; cleared by a success."""
    description: str | None = Field(default=None, max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Subscribed types; empty means every type routed to the party."""
    enabled: bool = True
    disabled_reason: DisabledReason | None = enum_column(DisabledReason, nullable=True)
    disabled_at: datetime | None = utc_column(nullable=True)
    secret_key_id: str = Field(max_length=32)
    secret_nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    secret_ciphertext: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    previous_key_id: str | None = Field(default=None, max_length=32)
    previous_nonce: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    previous_ciphertext: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    previous_expires_at: datetime | None = utc_column(nullable=True)
    failing_since: datetime | None = utc_column(nullable=True)
    """First failure since the last success; the endpoint is disabled when it gets too old."""
    created_at: datetime = utc_column(index=True)
    updated_at: datetime = utc_column()
