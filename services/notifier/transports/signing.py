"""Standard Webhooks signatures (the `standardwebhooks` library, not hand-written HMAC).

During a secret rotation both secrets sign, space-separated, so receivers that still hold the old
one keep verifying until they switch.
"""

import base64
import functools
import os
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def sign(secrets: Sequence[str], webhook_id: str, timestamp: datetime, body: str) -> str:
    # The library reads the timestamp's wall-clock fields as UTC (`replace(tzinfo=utc)`), so an
    # aware local time would sign another instant than the header carries: hand it UTC.
    timestamp = timestamp.astimezone(UTC)
    return " ".join(_signer(s).sign(webhook_id, timestamp, body) for s in secrets)


@functools.lru_cache(maxsize=256)
def _signer(secret: str) -> Webhook:
    """One `Webhook` per secret (it decodes the secret when built), not one per request."""
    return Webhook(secret)


def headers(
    secrets: Sequence[str], webhook_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (the transport adds the constant ones)."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": sign(secrets, webhook_id, timestamp, body),
    }
