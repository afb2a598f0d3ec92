"""Key rings for secrets at rest: AES-256-GCM with key ids, and associated data that binds each
ciphertext to what it belongs to (an install code to its incident and clock, an endpoint secret
to its endpoint), so a ciphertext copied elsewhere does not decrypt.

A key ring is `kid:base64key[,kid:base64key...]` (`SSI_INSTALL_CODE_KEYS`, `NOTIFIER_SECRET_KEYS`):
the first key encrypts, every listed key decrypts. Rotate by putting a new key first; drop a
retired key once nothing it protects can still exist (for install codes: the retention period).
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyRingError(ValueError):
    pass


@dataclass(frozen=True)
class Sealed:
    key_id: str
    nonce: bytes
    ciphertext: bytes


class KeyRing:
    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise KeyRingError("the key ring is empty")
        for kid, key in keys:
            if len(key) != 32:
                raise KeyRingError(f"key {kid!r} must be 32 bytes")
        self._active = keys[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self._raw = dict(keys)

    @classmethod
    def parse(cls, spec: str) -> "KeyRing":
        keys = []
        for item in spec.split(","):
            kid, sep, encoded = item.strip().partition(":")
            if not sep or not kid:
                raise KeyRingError("expected kid:base64key[,kid:base64key...]")
            try:
                keys.append((kid, base64.b64decode(encoded, validate=True)))
            except ValueError as exc:
                raise KeyRingError(f"key {kid!r} is not base64") from exc
        return cls(keys)

    @classmethod
    def development(cls, data_dir: Path, name: str) -> "KeyRing":
        """A key generated once under SSI_DATA_DIR, for development only."""
        path = data_dir / name
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            kid = "dev-" + secrets.token_hex(4)
            path.write_text(f"{kid}:{base64.b64encode(os.urandom(32)).decode()}")
        return cls.parse(path.read_text().strip())

    def seal(self, plaintext: bytes, context: str) -> Sealed:
        """Encrypt under the active key; `context` must be given again to open it."""
        nonce = os.urandom(12)
        aad = f"{context}|{self._active}".encode()
        return Sealed(self._active, nonce, self._keys[self._active].encrypt(nonce, plaintext, aad))

    @property
    def active_key_id(self) -> str:
        return self._active

    def derive(self, purpose: str, key_id: str | None = None) -> bytes:
        """A 32-byte key for `purpose` alone (a MAC key, say), derived with HKDF-SHA256 from the
        ring key `key_id` (the active one by default), so that the ring key itself never serves
        two algorithms. Rotating the ring rotates what is derived from it."""
        kid = self._active if key_id is None else key_id
        key = self._raw.get(kid)
        if key is None:
            raise KeyRingError(f"key {kid!r} is no longer in the ring")
        info = f"ssi-derive|{purpose}|{kid}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)

    def open(self, sealed: Sealed, context: str) -> bytes:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise KeyRingError(f"key {sealed.key_id!r} is no longer in the ring")
        return aead.decrypt(sealed.nonce, sealed.ciphertext, f"{context}|{sealed.key_id}".encode())
