"""Bearer tokens: scopes, development minting and verification (python-jose).

Verification always uses an explicit algorithm allow-list and requires `exp`, `aud` and `iss` to be
present as well as right: python-jose accepts a token without `aud` unless told otherwise.
"""

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jose import JOSEError, JWTError, jwt

PARTY_SCOPES = (
    "incidents:raise",
    "incidents:respond",
    "incidents:read",
    "webhooks:write",
    "webhooks:read",
    "reports:read",
)
OPERATOR_SCOPES = (
    *PARTY_SCOPES,
    "parties:write",
    "parties:read",
    "inventory:write",
    "inventory:read",
)
SERVICE_SCOPES = ("events:read", "sla:write", "parties:read")
SERVICE_PRINCIPALS = frozenset({"svc:notifier"})
"""The services of this deployment: any other `svc:` subject is refused, not trusted."""
ADMIN_SCOPE = "admin"
SERVICE_ONLY_SCOPES = frozenset({"events:read", "sla:write"})

MAX_LIFETIME_SECONDS = 366 * 24 * 3600
"""The furthest ahead an `exp` may lie: a year covers a service's long-lived token; beyond that
it is a token that never expires, which nobody should be able to mint."""

DEV_ALGORITHMS = ("HS256",)
PRODUCTION_ALGORITHMS = ("RS256", "ES256")


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not for this deployment."""


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: frozenset[str]
    expires_at: int


def mint_dev_token(
    secret: str,
    subject: str,
    scopes: Iterable[str],
    *,
    audience: str = "ssi",
    issuer: str = "ssi-dev",
    ttl_seconds: int = 3600,
    now: float | None = None,
) -> str:
    """An HS256 token for development and tests; production tokens come from an IdP."""
    issued = int(time.time() if now is None else now)
    claims = {
        "sub": subject,
        "scope": " ".join(scopes),
        "aud": audience,
        "iss": issuer,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def load_jwks(path: Path) -> list[dict[str, Any]]:
    keys = json.loads(path.read_text())["keys"]
    return [dict(k) for k in keys]


class TokenVerifier:
    """Verifies tokens with either one HS256 secret (development) or asymmetric JWKS keys."""

    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        hs256_secret: str | None = None,
        jwks: Iterable[Mapping[str, Any]] = (),
    ) -> None:
        self._audience = audience
        self._issuer = issuer
        self._secret = hs256_secret
        # Only asymmetric keys: an "oct" key in a JWKS would let HS256 in through the back door.
        self._keys = {str(k.get("kid", "")): dict(k) for k in jwks if k.get("kty") in {"RSA", "EC"}}
        if hs256_secret is None and not self._keys:
            raise ValueError("a token verifier needs an HS256 secret or at least one JWKS key")

    def verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise InvalidToken("malformed token") from exc
        key: str | dict[str, Any]
        if self._secret is not None:
            key, algorithms = self._secret, list(DEV_ALGORITHMS)
        else:
            found = self._keys.get(str(header.get("kid", "")))
            if found is None:
                raise InvalidToken("unknown signing key")
            key, algorithms = found, list(PRODUCTION_ALGORITHMS)
        if header.get("alg") not in algorithms:
            raise InvalidToken("signing algorithm not allowed")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require_exp": True, "require_aud": True, "require_iss": True},
            )
        except (JOSEError, TypeError, ValueError) as exc:
            # Not only JWTError: python-jose raises JWKError for an alg that does not fit the kid's
            # key (ES256 under an RSA kid) and TypeError for a non-numeric exp/iat/nbf (null, list).
            raise InvalidToken(str(exc)) from exc
        subject, scope, exp = claims.get("sub"), claims.get("scope", ""), claims["exp"]
        if not isinstance(subject, str) or not isinstance(scope, str):
            raise InvalidToken("token must carry a string sub and scope")
        # python-jose reads exp with int(): "1900000000" and 10**30 pass its check.
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise InvalidToken("exp must be a number")
        if exp > time.time() + MAX_LIFETIME_SECONDS:
            raise InvalidToken("exp lies too far ahead")
        return Claims(subject=subject, scopes=frozenset(scope.split()), expires_at=int(exp))
