"""Server-side sessions: opened at sign-in, rotated at step-up, ended at sign-out or expiry.

The cookie holds a random id; the row is found by its SHA-256. A session ends after
`idle_minutes` without a request or `absolute_hours` after the first sign-in, whichever comes
first; an ended session's row is deleted, so revoking one is deleting it. Functions take the
request's database session and never commit (the request dependency does).
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from portal.sessions.models import SessionRow, SignInRow
from portal.settings import Settings
from services.common.crypto import KeyRing, Sealed

TOUCH_EVERY = timedelta(minutes=1)
"""`last_seen_at` is written at most this often: a page of htmx requests is not a write each."""
SIGN_IN_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    expires_at: datetime
    refresh_token: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the provider (or the development page) vouches."""

    person: str
    party_id: str
    operator: bool
    scopes: frozenset[str]
    auth_time: datetime
    via: str


@dataclass(frozen=True)
class SignedIn:
    """The person at the screen, for one request."""

    id_hash: str
    identity: Identity
    tokens: Tokens
    started_at: datetime

    @property
    def person(self) -> str:
        return self.identity.person

    @property
    def party_id(self) -> str:
        return self.identity.party_id

    @property
    def operator(self) -> bool:
        return self.identity.operator

    def can(self, scope: str) -> bool:
        return scope in self.identity.scopes


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _seal(keys: KeyRing, payload: dict[str, object], context: str) -> Sealed:
    return keys.seal(json.dumps(payload).encode(), context)


def _open(keys: KeyRing, sealed: Sealed, context: str) -> dict[str, object]:
    opened: dict[str, object] = json.loads(keys.open(sealed, context))
    return opened


async def open_session(
    db: AsyncSession,
    keys: KeyRing,
    identity: Identity,
    tokens: Tokens,
    now: datetime,
    *,
    replacing: str | None = None,
) -> str:
    """A new session (its cookie value). `replacing` (an id hash) is deleted: a sign-in or a
    step-up always gets a fresh id, so an id seen before it is worth nothing after."""
    started_at = now
    if replacing is not None:
        old = await db.get(SessionRow, replacing)
        if old is not None:
            if old.party_id == identity.party_id and old.person == identity.person:
                started_at = old.started_at
            await db.delete(old)
    raw = secrets.token_urlsafe(32)
    id_hash = digest(raw)
    sealed = _seal(keys, _token_payload(tokens), f"session:{id_hash}")
    db.add(
        SessionRow(
            id_hash=id_hash,
            person=identity.person,
            party_id=identity.party_id,
            operator=identity.operator,
            scopes=" ".join(sorted(identity.scopes)),
            via=identity.via,
            started_at=started_at,
            last_seen_at=now,
            auth_time=identity.auth_time,
            access_expires_at=tokens.expires_at,
            key_id=sealed.key_id,
            nonce=sealed.nonce,
            tokens=sealed.ciphertext,
        )
    )
    return raw


async def current(
    db: AsyncSession, keys: KeyRing, settings: Settings, raw: str | None, now: datetime
) -> SignedIn | None:
    """The live session the cookie names, or None (and an expired one is deleted)."""
    if not raw or len(raw) > 128:
        return None
    row = await db.get(SessionRow, digest(raw))
    if row is None:
        return None
    idle = now - row.last_seen_at > timedelta(minutes=settings.idle_minutes)
    too_old = now - row.started_at > timedelta(hours=settings.absolute_hours)
    if idle or too_old:
        await db.delete(row)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    try:
        payload = _open(keys, Sealed(row.key_id, row.nonce, row.tokens), f"session:{row.id_hash}")
    except Exception:  # a key dropped from the ring, or a row tampered with: sign in again
        await db.delete(row)
        return None
    identity = Identity(
        person=row.person,
        party_id=row.party_id,
        operator=row.operator,
        scopes=frozenset(row.scopes.split()),
        auth_time=row.auth_time,
        via=row.via,
    )
    tokens = Tokens(
        access_token=str(payload["access_token"]),
        expires_at=row.access_expires_at,
        refresh_token=str(payload["refresh_token"]) if payload.get("refresh_token") else None,
    )
    return SignedIn(row.id_hash, identity, tokens, row.started_at)


async def store_tokens(db: AsyncSession, keys: KeyRing, id_hash: str, tokens: Tokens) -> None:
    """New tokens for a session (after a refresh)."""
    row = await db.get(SessionRow, id_hash)
    if row is None:
        return
    sealed = _seal(keys, _token_payload(tokens), f"session:{id_hash}")
    row.key_id, row.nonce, row.tokens = sealed.key_id, sealed.nonce, sealed.ciphertext
    row.access_expires_at = tokens.expires_at


async def end(db: AsyncSession, id_hash: str) -> None:
    await db.exec(delete(SessionRow).where(col(SessionRow.id_hash) == id_hash))


async def purge(db: AsyncSession, settings: Settings, now: datetime) -> None:
    """Deletes sessions past either limit and sign-ins past theirs."""
    idle_since = now - timedelta(minutes=settings.idle_minutes)
    started_since = now - timedelta(hours=settings.absolute_hours)
    await db.exec(
        delete(SessionRow).where(
            or_(
                col(SessionRow.last_seen_at) < idle_since,
                col(SessionRow.started_at) < started_since,
            )
        )
    )
    await db.exec(delete(SignInRow).where(col(SignInRow.expires_at) < now))


@dataclass(frozen=True)
class Handshake:
    state: str
    nonce: str
    code_verifier: str
    return_to: str
    step_up_of: str | None


async def begin_sign_in(
    db: AsyncSession, keys: KeyRing, now: datetime, return_to: str, step_up_of: str | None
) -> Handshake:
    handshake = Handshake(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        return_to=return_to,
        step_up_of=step_up_of,
    )
    state_hash = digest(handshake.state)
    sealed = _seal(
        keys,
        {"nonce": handshake.nonce, "code_verifier": handshake.code_verifier},
        f"sign-in:{state_hash}",
    )
    db.add(
        SignInRow(
            state_hash=state_hash,
            return_to=return_to,
            step_up_of=step_up_of,
            expires_at=now + SIGN_IN_LIFETIME,
            key_id=sealed.key_id,
            nonce=sealed.nonce,
            secrets=sealed.ciphertext,
        )
    )
    return handshake


async def finish_sign_in(
    db: AsyncSession, keys: KeyRing, state: str, now: datetime
) -> Handshake | None:
    """The handshake `state` names, used up (a second callback with it finds nothing)."""
    if not state or len(state) > 128:
        return None
    row = await db.get(SignInRow, digest(state))
    if row is None:
        return None
    await db.delete(row)
    if row.expires_at < now:
        return None
    try:
        opened = _open(
            keys, Sealed(row.key_id, row.nonce, row.secrets), f"sign-in:{row.state_hash}"
        )
    except Exception:
        return None
    return Handshake(
        state=state,
        nonce=str(opened["nonce"]),
        code_verifier=str(opened["code_verifier"]),
        return_to=row.return_to,
        step_up_of=row.step_up_of,
    )


def _token_payload(tokens: Tokens) -> dict[str, object]:
    return {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token}
