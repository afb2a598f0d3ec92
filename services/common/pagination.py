"""Opaque cursors for newest-first lists: base64url of the last row's sort key."""

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import Query

from services.common.errors import Unprocessable
from services.common.negotiation import in_range

MAX_INT_KEY = 2**31 - 1
"""The largest integer key (INTEGER primary keys on PostgreSQL are 32-bit)."""


class BadCursor(Unprocessable):
    slug, title = "bad-cursor", "The cursor is not one this service issued"


def encode_cursor(key: str | int) -> str:
    return base64.urlsafe_b64encode(str(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor() from exc
    if "\x00" in raw:  # PostgreSQL text cannot hold NUL: no key we issued contains one
        raise BadCursor()
    return raw


def decode_int_cursor(cursor: str | None) -> int | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    # ASCII digits only ("²".isdigit() is true), and within the database's INTEGER range.
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_INT_KEY:
        raise BadCursor()
    return int(raw)


Cursor = Annotated[
    str | None, Query(max_length=200, description="next_cursor of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=500)]


def encode_time_cursor(created_at: datetime, key: str) -> str:
    """A cursor for lists ordered by (created_at, id), newest first."""
    return encode_cursor(f"{created_at.isoformat()}|{key}")


def decode_time_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    raw = decode_cursor(cursor)
    if raw is None:
        return None
    created_text, _, key = raw.partition("|")
    try:
        created = datetime.fromisoformat(created_text)
    except ValueError as exc:
        raise BadCursor() from exc
    if created.tzinfo is None or not in_range(created):
        raise BadCursor()
    return created, key
