"""Bearer tokens: scopes, development minting and verification (python-jose).

Verification always uses an explicit algorithm allow-list and requires `exp`, `aud` and `iss` to be
present as well as right: python-jose accepts a token without `aud` unless told otherwise.

A refused token says why (`Reason`), so that its holder can act. Only python-jose decides whether a
token is accepted; the reason is worked out afterwards, and a claim is only judged once the
signature over it has verified: a forger learns no more than "bad signature", never which
audience or issuer would have passed. A reason is fixed text and a claim's name, never a value
taken from the token.

A person's token (the portal's, DESIGN §4 and §8) also carries `ssi_party`, the party id the
person acts for; `sub` is then the person. A token without it is a party's, a service's or admin's.
"""

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jose import JOSEError, JWTError, jws, jwt
from jose.exceptions import JWKError

from shared.identifiers import is_party_id

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
PARTY_CLAIM = "ssi_party"
"""On a person's token: the party the person acts for (`sub` is then the person)."""
MAX_PERSON_LENGTH = 255
"""The longest person (`sub` of a person's token): the history's `actor` column holds this much."""


class Reason(StrEnum):
    """Why a token was refused, in words its holder can act on."""

    malformed = "the token is not a well-formed JWT"
    unknown_key = "the token's key id (kid) names no key of this deployment"
    algorithm = "the token's signing algorithm is not allowed here"
    signature = "the token's signature does not verify"
    missing_claim = "the token lacks a required claim"
    bad_claim = "a claim of the token has the wrong type or form"
    not_yet_valid = "the token is not valid yet (nbf)"
    expired = "the token has expired"
    too_long_lived = "the token's exp lies more than a year ahead"
    audience = "the token's audience (aud) is not accepted here"
    issuer = "the token's issuer (iss) is not accepted here"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not for this deployment: `reason` says which
    (and `claim` which claim, where one is at fault)."""

    def __init__(self, reason: Reason, claim: str | None = None) -> None:
        self.reason, self.claim = reason, claim
        super().__init__(f"{reason.value}: {claim}" if claim else reason.value)


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: frozenset[str]
    expires_at: int
    party: str | None = None
    """`ssi_party`: set on a person's token only, always a well-formed party id."""


def mint_dev_token(
    secret: str,
    subject: str,
    scopes: Iterable[str],
    *,
    audience: str = "ssi",
    issuer: str = "ssi-dev",
    ttl_seconds: int = 3600,
    now: float | None = None,
    party: str | None = None,
) -> str:
    """An HS256 token for development and tests; production tokens come from an IdP. With
    `party`, a person's token: `subject` is the person, acting for `party` (`ssi_party`)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": subject,
        "scope": " ".join(scopes),
        "aud": audience,
        "iss": issuer,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    if party is not None:
        claims[PARTY_CLAIM] = party
    return jwt.encode(claims, secret, algorithm="HS256")


def person_problem(subject: str) -> str | None:
    """What is wrong with `subject` as the person of a person's token (fixed words, never the
    subject itself), or None: printable text of at most MAX_PERSON_LENGTH characters that is not
    blank and is not a name the services give another kind of principal."""
    if not subject.strip():
        return "is empty"
    if len(subject) > MAX_PERSON_LENGTH:
        return f"is longer than {MAX_PERSON_LENGTH} characters"
    if not subject.isprintable():
        return "contains control or other non-printable characters"
    if subject == "admin" or subject.startswith("svc:"):
        return "may not be admin or a svc: subject"
    return None


def load_jwks(path: Path) -> list[dict[str, Any]]:
    keys = json.loads(path.read_text())["keys"]
    return [dict(k) for k in keys]


VERIFIED_TOKENS = 4096
"""How many verified tokens a verifier remembers (by digest)."""
MAX_REMEMBERED_TOKEN = 8192


class TokenVerifier:
    """Verifies tokens with one HS256 secret (development), asymmetric JWKS keys, or both.

    The header's `alg` chooses the key: HS256 is checked with the secret (only if there is one),
    RS256 and ES256 with the JWKS key its `kid` names; anything else is refused. Outside
    development there is no secret, so only JWKS keys count. With both (a development deployment
    testing the OIDC journey against a provider: `SSI_JWT_JWKS_FILE` or `SSI_JWT_JWKS_URL` beside
    the development secret) the two kinds of token must carry the same audience and issuer:
    set `SSI_JWT_ISSUER` (and `SSI_JWT_AUDIENCE`) to the provider's, and development tokens
    (`ssi token`, the portal's "sign in as") are minted with them too.
    """

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
        self._verified: dict[bytes, Claims] = {}

    def verify(self, token: str) -> Claims:
        """The token's claims, once its signature, audience, issuer and lifetime check out. A
        client sends the same token with each call until it expires: a token verified before is
        answered from memory while it has not expired (the check of its signature is the
        costliest part of a short request, and its bytes are the same)."""
        rememberable = len(token) <= MAX_REMEMBERED_TOKEN and "=" not in token
        key = hashlib.sha256(token.encode()).digest() if rememberable else b""
        known = self._verified.get(key) if rememberable else None
        if known is not None and known.expires_at > time.time():
            return known
        claims = self._verify(token)
        if rememberable:
            # Only a token in its one canonical form (base64url has no padding, and python-jose
            # would also take any number of "=" after it), so that one token is one entry.
            if len(self._verified) >= VERIFIED_TOKENS:
                self._verified.clear()  # bounded; the tokens in use come back at once
            self._verified[key] = claims
        return claims

    def _verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except JWTError as exc:
            raise InvalidToken(Reason.malformed) from exc
        alg = header.get("alg")
        key: str | dict[str, Any]
        if self._secret is not None and alg in DEV_ALGORITHMS:
            key, algorithms = self._secret, list(DEV_ALGORITHMS)
        elif self._keys and (self._secret is None or alg in PRODUCTION_ALGORITHMS):
            # Without a secret every token is judged as a JWKS token, as it always was: an
            # unknown kid first, then an algorithm its key does not take (HS256 among them).
            found = self._keys.get(str(header.get("kid", "")))
            if found is None:
                raise InvalidToken(Reason.unknown_key)
            key, algorithms = found, list(PRODUCTION_ALGORITHMS)
        else:
            raise InvalidToken(Reason.algorithm)
        if alg not in algorithms:
            raise InvalidToken(Reason.algorithm)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require_exp": True, "require_aud": True, "require_iss": True},
            )
        except (JOSEError, TypeError, ValueError, OverflowError) as exc:
            # Not only JWTError: python-jose raises JWKError for an alg that does not fit the kid's
            # key (ES256 under an RSA kid), TypeError for a non-numeric exp/iat/nbf (null, list)
            # and OverflowError for one JSON reads as infinite (1e400).
            raise self._refusal(token, key, algorithms, exc) from exc
        subject, scope, exp = claims.get("sub"), claims.get("scope", ""), claims["exp"]
        if subject is None:
            raise InvalidToken(Reason.missing_claim, "sub")
        if not isinstance(subject, str):
            raise InvalidToken(Reason.bad_claim, "sub")
        if not isinstance(scope, str):
            raise InvalidToken(Reason.bad_claim, "scope")
        # python-jose reads exp with int(): "1900000000" and 10**30 pass its check.
        if not _is_number(exp):
            raise InvalidToken(Reason.bad_claim, "exp")
        if exp > time.time() + MAX_LIFETIME_SECONDS:
            raise InvalidToken(Reason.too_long_lived)
        party = claims.get(PARTY_CLAIM)
        if PARTY_CLAIM in claims and not (isinstance(party, str) and is_party_id(party)):
            # Present means a person's token: null, a number or a malformed id is refused, never
            # read as "no party" (which would make `sub` the party).
            raise InvalidToken(Reason.bad_claim, PARTY_CLAIM)
        return Claims(
            subject=subject, scopes=frozenset(scope.split()), expires_at=int(exp), party=party
        )

    def _refusal(
        self, token: str, key: str | dict[str, Any], algorithms: list[str], exc: Exception
    ) -> InvalidToken:
        """Why python-jose refused `token`, checked in its own order. The refusal stands whatever
        this finds: it only chooses the words."""
        if isinstance(exc, JWKError):
            return InvalidToken(Reason.algorithm)  # an allowed alg, but not the named key's
        try:
            payload = json.loads(jws.get_unverified_claims(token))
        except (JOSEError, ValueError):
            return InvalidToken(Reason.malformed)
        if not isinstance(payload, dict):
            return InvalidToken(Reason.malformed)
        try:
            jws.verify(token, key, algorithms)
        except (JOSEError, TypeError, ValueError, OverflowError):
            return InvalidToken(Reason.signature)
        # Signed by us: now, and only now, the claims may be judged.
        return _claims_refusal(payload, self._audience, self._issuer)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _as_int(value: Any) -> int | None:
    """A time claim as python-jose reads it (with `int()`), or None where it cannot."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _claims_refusal(claims: Mapping[str, Any], audience: str, issuer: str) -> InvalidToken:
    """What python-jose's claim checks find wrong in signed `claims`, in the order it runs them."""
    for name in ("exp", "aud", "iss"):
        if name not in claims:
            return InvalidToken(Reason.missing_claim, name)
    now = time.time()
    for name in ("iat", "nbf", "exp"):
        if name in claims and _as_int(claims[name]) is None:
            return InvalidToken(Reason.bad_claim, name)
    nbf, exp = _as_int(claims.get("nbf")), _as_int(claims["exp"])
    if nbf is not None and nbf > now:
        return InvalidToken(Reason.not_yet_valid)
    if exp is not None and exp < now:
        return InvalidToken(Reason.expired)
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        return InvalidToken(Reason.bad_claim, "aud")
    if audience not in audiences:
        return InvalidToken(Reason.audience)
    if claims["iss"] != issuer:
        return InvalidToken(Reason.issuer)
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            return InvalidToken(Reason.bad_claim, name)
    return InvalidToken(Reason.bad_claim)  # a check of python-jose's this list does not know
