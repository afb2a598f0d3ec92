"""Tokens for tests: development HS256 tokens, persons' tokens, an identity provider's keys, and
helpers for the malformed ones."""

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from shared.tokens import ADMIN_SCOPE, OPERATOR_SCOPES, PARTY_SCOPES, SERVICE_SCOPES, mint_dev_token

TEST_SECRET = "test-secret-for-the-suite-only-0123456789"


class Tokens:
    def mint(self, subject: str, scopes: tuple[str, ...] | list[str], **kwargs: object) -> str:
        return mint_dev_token(TEST_SECRET, subject, scopes, **kwargs)  # type: ignore[arg-type]

    def headers(self, subject: str, scopes: tuple[str, ...] | list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(subject, scopes)}"}

    def party(self, party_id: str) -> dict[str, str]:
        return self.headers(party_id, PARTY_SCOPES)

    def operator(self, party_id: str = "DCCO") -> dict[str, str]:
        return self.headers(party_id, OPERATOR_SCOPES)

    def service(self, name: str = "notifier") -> dict[str, str]:
        return self.headers(f"svc:{name}", SERVICE_SCOPES)

    def admin(self) -> dict[str, str]:
        return self.headers("admin", [ADMIN_SCOPE])

    def person(
        self, person: str, party_id: str, scopes: tuple[str, ...] | list[str] = PARTY_SCOPES
    ) -> dict[str, str]:
        """A person's token, as the portal presents: `sub` the person, `ssi_party` the party."""
        return {"Authorization": f"Bearer {self.mint(person, scopes, party=party_id)}"}


class IdpKey:
    """An identity provider's signing key (ES256 or RS256) and its public JWK."""

    def __init__(self, alg: str = "ES256", kid: str = "idp-1") -> None:
        self.alg, self.kid = alg, kid
        key = (
            ec.generate_private_key(ec.SECP256R1())
            if alg == "ES256"
            else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        )
        self.private_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        self.public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, Any]:
        return {**jwk.construct(self.public_pem, self.alg).to_dict(), "kid": self.kid, "use": "sig"}

    def write_jwks(self, path: Path) -> Path:
        path.write_text(json.dumps({"keys": [self.jwk()]}))
        return path

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private_pem, algorithm=self.alg, headers={"kid": kid or self.kid}
        )
