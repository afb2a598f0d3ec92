"""Persons' tokens (`ssi_party`, DESIGN §4 and §8), and a development verifier that takes the
HS256 secret and an identity provider's JWKS keys side by side."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from jose import jwt

from shared.tokens import (
    MAX_PERSON_LENGTH,
    PARTY_SCOPES,
    Claims,
    InvalidToken,
    Reason,
    TokenVerifier,
    mint_dev_token,
    person_problem,
)
from tests.tokens import IdpKey

SECRET = "a-development-secret-for-these-tests-0123456789"
AUDIENCE, ISSUER = "ssi", "https://idp.example/"
OCT_SECRET = b"a-symmetric-key-that-must-never-be-trusted"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_by_hand(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """HS256 over exactly these claims and header (python-jose refuses PEM keys as secrets)."""
    segments = [b64url(json.dumps(part).encode()) for part in (header, claims)]
    signing_input = ".".join(segments)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "jane.doe",
        "scope": " ".join(PARTY_SCOPES),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + 600,
        "ssi_party": "GSUP",
        **overrides,
    }


def signed(body: dict[str, Any], secret: str = SECRET, **header: Any) -> str:
    return hs256_by_hand({"alg": "HS256", "typ": "JWT", **header}, body, secret.encode())


@pytest.fixture(scope="module")
def ec_key() -> IdpKey:
    return IdpKey("ES256", "ec-1")


@pytest.fixture(scope="module")
def rsa_key() -> IdpKey:
    return IdpKey("RS256", "rsa-1")


@pytest.fixture
def dev_verifier() -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, hs256_secret=SECRET)


@pytest.fixture
def both(ec_key: IdpKey, rsa_key: IdpKey) -> TokenVerifier:
    """Development with a provider: the secret, an oct key that must never count, RSA and EC."""
    oct_key = {"kty": "oct", "kid": "shared", "k": b64url(OCT_SECRET), "alg": "HS256"}
    return TokenVerifier(
        audience=AUDIENCE,
        issuer=ISSUER,
        hs256_secret=SECRET,
        jwks=[oct_key, rsa_key.jwk(), ec_key.jwk()],
    )


@pytest.fixture
def jwks_only(ec_key: IdpKey, rsa_key: IdpKey) -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, jwks=[rsa_key.jwk(), ec_key.jwk()])


# --- the ssi_party claim -----------------------------------------------------------------------


def test_a_minted_persons_token_carries_ssi_party(dev_verifier: TokenVerifier) -> None:
    token = mint_dev_token(
        SECRET, "jane.doe", PARTY_SCOPES, issuer=ISSUER, now=1_000_000, party="GSUP"
    )
    assert jwt.get_unverified_claims(token)["ssi_party"] == "GSUP"
    fresh = mint_dev_token(SECRET, "jane.doe", PARTY_SCOPES, issuer=ISSUER, party="GSUP")
    assert dev_verifier.verify(fresh).party == "GSUP"
    assert dev_verifier.verify(fresh).subject == "jane.doe"


def test_a_token_without_ssi_party_has_no_party(dev_verifier: TokenVerifier) -> None:
    token = mint_dev_token(SECRET, "GSUP", PARTY_SCOPES, issuer=ISSUER)
    assert "ssi_party" not in jwt.get_unverified_claims(token)
    assert dev_verifier.verify(token).party is None


def test_a_persons_claims_in_full(dev_verifier: TokenVerifier) -> None:
    body = claims()
    assert dev_verifier.verify(signed(body)) == Claims(
        subject="jane.doe",
        scopes=frozenset(PARTY_SCOPES),
        expires_at=body["exp"],
        party="GSUP",
    )


@pytest.mark.parametrize(
    "party",
    [
        "gsup",
        "GSU",
        "GSUPX",
        "",
        " GSUP",
        "GS-P",
        "\uff27\uff33\uff35\uff30",  # GSUP in full-width letters
        None,
        1234,
        ["GSUP"],
        {"id": "GSUP"},
        True,
    ],
    ids=repr,
)
def test_a_malformed_ssi_party_is_refused_naming_the_claim(
    dev_verifier: TokenVerifier, party: object
) -> None:
    with pytest.raises(InvalidToken) as refused:
        dev_verifier.verify(signed(claims(ssi_party=party)))
    assert (refused.value.reason, refused.value.claim) == (Reason.bad_claim, "ssi_party")
    assert str(refused.value) == f"{Reason.bad_claim.value}: ssi_party"


def test_a_forged_ssi_party_is_a_bad_signature_not_a_bad_claim(dev_verifier: TokenVerifier) -> None:
    """The claim is only judged once the signature over it verifies."""
    with pytest.raises(InvalidToken) as refused:
        dev_verifier.verify(signed(claims(ssi_party="nope"), SECRET + "x"))
    assert refused.value.reason is Reason.signature


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("x" * (MAX_PERSON_LENGTH + 1), f"is longer than {MAX_PERSON_LENGTH} characters"),
        ("jane\ndoe", "contains control or other non-printable characters"),
        ("jane\x00", "contains control or other non-printable characters"),
        ("jane\u200bdoe", "contains control or other non-printable characters"),
        ("admin", "may not be admin or a svc: subject"),
        ("svc:notifier", "may not be admin or a svc: subject"),
        ("svc:anything", "may not be admin or a svc: subject"),
    ],
)
def test_what_a_person_may_not_be_called(subject: str, problem: str) -> None:
    assert person_problem(subject) == problem


@pytest.mark.parametrize(
    "subject",
    ["jane.doe", "Jane Doe", "248289761001", "jane@gsup.example", "Zoë Ó Súilleabháin", "x" * 255],
)
def test_what_a_person_may_be_called(subject: str) -> None:
    assert person_problem(subject) is None


# --- the secret and a JWKS side by side (development with a provider) ------------------------


def test_with_both_an_hs256_dev_token_and_jwks_tokens_verify(
    both: TokenVerifier, ec_key: IdpKey, rsa_key: IdpKey
) -> None:
    dev = mint_dev_token(SECRET, "GSUP", PARTY_SCOPES, issuer=ISSUER)
    assert both.verify(dev).subject == "GSUP"
    assert both.verify(ec_key.sign(claims())).party == "GSUP"
    assert both.verify(rsa_key.sign(claims(ssi_party="ISUP"))).party == "ISUP"
    # An HS256 token naming a JWKS key's kid is still the secret's: the kid does not matter.
    assert both.verify(signed(claims(), kid="ec-1")).subject == "jane.doe"


def refused_token(key: str, ec_key: IdpKey, rsa_key: IdpKey) -> str:
    """Tokens that no verifier with the secret and the JWKS may accept."""
    body = claims()
    forged = {
        "HS256 keyed with the RSA public PEM": lambda: signed(
            body, rsa_key.public_pem.decode(), kid="rsa-1"
        ),
        "HS256 keyed with the oct key": lambda: hs256_by_hand(
            {"alg": "HS256", "kid": "shared"}, body, OCT_SECRET
        ),
        "HS256 with another secret": lambda: signed(body, SECRET + "x"),
        "HS512 with the secret": lambda: jwt.encode(body, SECRET, algorithm="HS512"),
        "alg none": lambda: (
            f"{b64url(json.dumps({'alg': 'none', 'kid': 'ec-1'}).encode())}."
            f"{b64url(json.dumps(body).encode())}."
        ),
        "ES256 under an unknown kid": lambda: ec_key.sign(body, kid="ec-2"),
        "ES256 under the RSA key's kid": lambda: ec_key.sign(body, kid="rsa-1"),
        "ES256 by another key under the kid": lambda: IdpKey("ES256", "ec-1").sign(body),
        "ES256 for another issuer": lambda: ec_key.sign({**body, "iss": "ssi-dev"}),
        "ES256 for another audience": lambda: ec_key.sign({**body, "aud": "someone-else"}),
        "ES256 expired": lambda: ec_key.sign({**body, "exp": body["iat"] - 60}),
        "ES256 with a malformed ssi_party": lambda: ec_key.sign({**body, "ssi_party": "gsup"}),
    }
    return forged[key]()


REFUSED_BY_BOTH = [
    ("HS256 keyed with the RSA public PEM", Reason.signature),
    ("HS256 keyed with the oct key", Reason.signature),
    ("HS256 with another secret", Reason.signature),
    ("HS512 with the secret", Reason.algorithm),
    ("alg none", Reason.algorithm),
    ("ES256 under an unknown kid", Reason.unknown_key),
    ("ES256 under the RSA key's kid", Reason.algorithm),
    ("ES256 by another key under the kid", Reason.signature),
    ("ES256 for another issuer", Reason.issuer),
    ("ES256 for another audience", Reason.audience),
    ("ES256 expired", Reason.expired),
    ("ES256 with a malformed ssi_party", Reason.bad_claim),
]


@pytest.mark.parametrize(("what", "reason"), REFUSED_BY_BOTH, ids=[r[0] for r in REFUSED_BY_BOTH])
def test_with_both_each_key_only_takes_its_own_algorithm(
    both: TokenVerifier, ec_key: IdpKey, rsa_key: IdpKey, what: str, reason: Reason
) -> None:
    with pytest.raises(InvalidToken) as refused:
        both.verify(refused_token(what, ec_key, rsa_key))
    assert refused.value.reason is reason


def test_the_secret_alone_refuses_jwks_tokens(dev_verifier: TokenVerifier, ec_key: IdpKey) -> None:
    with pytest.raises(InvalidToken) as refused:
        dev_verifier.verify(ec_key.sign(claims()))
    assert refused.value.reason is Reason.algorithm


def test_the_jwks_alone_refuses_hs256_with_the_secret(jwks_only: TokenVerifier) -> None:
    """Production: no secret, so an HS256 token is judged as a JWKS token and refused."""
    with pytest.raises(InvalidToken) as refused:
        jwks_only.verify(signed(claims()))
    assert refused.value.reason is Reason.unknown_key
    with pytest.raises(InvalidToken) as refused:
        jwks_only.verify(signed(claims(), kid="ec-1"))
    assert refused.value.reason is Reason.algorithm
