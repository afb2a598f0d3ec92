"""The install-code key ring: AES-256-GCM, key ids, associated data binding a code to its clock.

`SSI_INSTALL_CODE_KEYS` is `kid:base64key[,kid:base64key...]`: the first key encrypts new codes,
every listed key decrypts. Rotate by putting a new key first; drop a retired key once the
retention period has passed, since no code it protects can still exist.
"""

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


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
            raise KeyRingError("the install-code key ring is empty")
        for kid, key in keys:
            if len(key) != 32:
                raise KeyRingError(f"install-code key {kid!r} must be 32 bytes")
        self._active = keys[0][0]
        self._keys = {kid: AESGCM(key) for kid, key in keys}

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
                raise KeyRingError(f"install-code key {kid!r} is not base64") from exc
        return cls(keys)

    @classmethod
    def development(cls, data_dir: Path) -> "KeyRing":
        """A key generated once under SSI_DATA_DIR, for development only."""
        path = data_dir / "install-code-keys"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            kid = "dev-" + secrets.token_hex(4)
            path.write_text(f"{kid}:{base64.b64encode(os.urandom(32)).decode()}")
        return cls.parse(path.read_text().strip())

    @staticmethod
    def associated_data(incident_id: str, clock: int, key_id: str) -> bytes:
        return f"ssi-install-code|{incident_id}|{clock}|{key_id}".encode()

    def seal(self, code: bytes, incident_id: str, clock: int) -> Sealed:
        nonce = os.urandom(12)
        aad = self.associated_data(incident_id, clock, self._active)
        return Sealed(self._active, nonce, self._keys[self._active].encrypt(nonce, code, aad))

    def open(self, sealed: Sealed, incident_id: str, clock: int) -> bytes:
        aead = self._keys.get(sealed.key_id)
        if aead is None:
            raise KeyRingError(f"install-code key {sealed.key_id!r} is no longer in the ring")
        aad = self.associated_data(incident_id, clock, sealed.key_id)
        return aead.decrypt(sealed.nonce, sealed.ciphertext, aad)
