"""Endpoint signing secrets: sealed with the key ring when set, opened to sign a delivery.

A secret is sealed (AES-GCM) with its endpoint's id as the context, so a sealed secret copied onto
another endpoint's row does not open. During a rotation the previous secret signs too, until it
expires.
"""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Row

from services.common.crypto import Sealed
from services.notifier.endpoints.models import Endpoint
from services.notifier.runtime import Runtime

# Decryption failures surface while the delivery worker claims: logged with its records.
log = logging.getLogger("ssi.notifier.delivery")

AnyRow = Row[*tuple[Any, ...]]
"""The delivery claim reads endpoints as plain rows of `Endpoint`'s columns, not ORM objects."""


def secret_context(endpoint_id: str) -> str:
    return f"ssi-endpoint-secret|{endpoint_id}"


def seal(rt: Runtime, endpoint_id: str, secret: str) -> dict[str, Any]:
    """The endpoint's current-secret columns for `secret`."""
    sealed = rt.keyring.seal(secret.encode(), secret_context(endpoint_id))
    return {
        "secret_key_id": sealed.key_id,
        "secret_nonce": sealed.nonce,
        "secret_ciphertext": sealed.ciphertext,
    }


def open_secret(rt: Runtime, endpoint_id: str, key_id: str, nonce: bytes, ciphertext: bytes) -> str:
    sealed = Sealed(key_id, nonce, ciphertext)
    return rt.keyring.open(sealed, secret_context(endpoint_id)).decode()


def signing_secrets(rt: Runtime, endpoint: AnyRow | Endpoint, now: datetime) -> tuple[str, ...]:
    current = open_secret(
        rt, endpoint.id, endpoint.secret_key_id, endpoint.secret_nonce, endpoint.secret_ciphertext
    )
    if (
        endpoint.previous_ciphertext is not None
        and endpoint.previous_nonce is not None
        and endpoint.previous_key_id is not None
        and endpoint.previous_expires_at is not None
        and endpoint.previous_expires_at > now
    ):
        previous = open_secret(
            rt,
            endpoint.id,
            endpoint.previous_key_id,
            endpoint.previous_nonce,
            endpoint.previous_ciphertext,
        )
        return (current, previous)
    return (current,)


class SecretCache:
    """Each endpoint's signing secrets, decrypted once per claim rather than once per delivery.
    A secret whose key has left the ring yields nothing: its jobs keep their lease and are
    skipped (tried again once it runs out), the rest go."""

    def __init__(self, rt: Runtime, now: datetime) -> None:
        self.rt = rt
        self.now = now
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, endpoint: AnyRow | Endpoint) -> tuple[str, ...]:
        if endpoint.id not in self._cache:
            try:
                self._cache[endpoint.id] = signing_secrets(self.rt, endpoint, self.now)
            except Exception:
                log.exception(
                    "endpoint secret cannot be decrypted", extra={"endpoint_id": endpoint.id}
                )
                self._cache[endpoint.id] = ()
        return self._cache[endpoint.id]
