"""Inbox cursors: opaque, bound to one party's inbox, and unforgeable.

A cursor is the unpadded base64url of: a version byte, the key id (length first), the inbox
endpoint's id (16 bytes), the position (8 bytes), and an HMAC-SHA256 tag over those and the
party id, under a key derived from the notifier's key ring for this purpose alone. Another
party's cursor fails the tag (its party id is not the caller's), an edited or made-up one fails
it too, and one of an inbox since deleted names another endpoint. A cursor tagged with a key
since dropped from the ring no longer opens: the reader starts again without one, from its last
acknowledgement. Only the canonical encoding is accepted, so one cursor has one spelling.

Nothing here says why a cursor was refused: the answer is the same for each reason.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from services.common.crypto import KeyRing, KeyRingError
from services.notifier.inbox.errors import InvalidCursor

PURPOSE = "inbox-cursor"
VERSION = 1
_TAG = 32
_POSITION = 8
_ENDPOINT = 16


@dataclass(frozen=True)
class Place:
    endpoint_id: str
    position: int
    """The item's position in its inbox; 0 is before the first."""


def encode(keyring: KeyRing, party_id: str, place: Place) -> str:
    kid = keyring.active_key_id.encode()
    body = (
        bytes([VERSION])
        + len(kid).to_bytes(2, "big")
        + kid
        + uuid.UUID(place.endpoint_id).bytes
        + place.position.to_bytes(_POSITION, "big")
    )
    raw = body + _tag(_key(keyring, keyring.active_key_id), party_id, body)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(keyring: KeyRing, party_id: str, cursor: str) -> Place:
    """The place `cursor` names, if this service issued it to `party_id`; else `InvalidCursor`."""
    try:
        raw = base64.b64decode(
            cursor.translate(_FROM_URLSAFE) + "=" * (-len(cursor) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
        raise InvalidCursor()  # not the one spelling this service writes
    if len(raw) < 3 or raw[0] != VERSION:
        raise InvalidCursor()
    kid_end = 3 + int.from_bytes(raw[1:3], "big")
    body_end = kid_end + _ENDPOINT + _POSITION
    if len(raw) != body_end + _TAG:
        raise InvalidCursor()
    body, tag = raw[:body_end], raw[body_end:]
    try:
        key = _key(keyring, raw[3:kid_end].decode())
    except (UnicodeDecodeError, KeyRingError):
        raise InvalidCursor() from None
    if not hmac.compare_digest(tag, _tag(key, party_id, body)):
        raise InvalidCursor()
    endpoint = uuid.UUID(bytes=raw[kid_end : kid_end + _ENDPOINT])
    return Place(str(endpoint), int.from_bytes(raw[kid_end + _ENDPOINT : body_end], "big"))


_FROM_URLSAFE = str.maketrans("-_", "+/")


@functools.lru_cache(maxsize=16)
def _key(keyring: KeyRing, key_id: str) -> bytes:
    """The MAC key under ring key `key_id`: derived once, not once per item of a page. A key id
    not in the ring raises, and is not kept."""
    return keyring.derive(PURPOSE, key_id)


def _tag(key: bytes, party_id: str, body: bytes) -> bytes:
    return hmac.new(key, party_id.encode() + b"|" + body, hashlib.sha256).digest()
