"""The portal's only tables: who is signed in, and sign-ins under way.

Both are keyed by the SHA-256 of a random secret that only the browser holds (the session cookie,
the OIDC `state`): a copy of this database opens no session. The tokens a session acts with are
sealed under `PORTAL_SESSION_KEYS`, bound to the row's key.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from services.common.db import new_registry, utc_column


class Table(SQLModel, registry=new_registry()):
    pass


class SessionRow(Table, table=True):
    __tablename__ = "sessions"

    id_hash: str = Field(primary_key=True, max_length=64)
    person: str = Field(max_length=255)
    party_id: str = Field(max_length=4)
    operator: bool
    scopes: str = Field(max_length=1024)
    via: str = Field(max_length=16)
    """`oidc` or `development` (a "sign in as" session, whose tokens the portal mints)."""
    started_at: datetime = utc_column()
    """The first sign-in: the absolute limit counts from here, across rotations."""
    last_seen_at: datetime = utc_column(index=True)
    auth_time: datetime = utc_column()
    access_expires_at: datetime = utc_column()
    key_id: str = Field(max_length=32)
    nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    tokens: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """Sealed JSON: the access token, and the refresh token where the provider gave one."""


class SignInRow(Table, table=True):
    """An OIDC handshake under way (state, nonce, PKCE verifier): ten minutes at most."""

    __tablename__ = "sign_ins"

    state_hash: str = Field(primary_key=True, max_length=64)
    return_to: str = Field(max_length=512)
    step_up_of: str | None = Field(default=None, max_length=64)
    """The session being re-authenticated (its id hash), which the new one replaces."""
    expires_at: datetime = utc_column(index=True)
    key_id: str = Field(max_length=32)
    nonce: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    secrets: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """Sealed JSON: the OIDC nonce and the PKCE code verifier."""
