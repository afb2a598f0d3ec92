"""Bearer tokens: development HS256 minting and verification, and JWKS verification (DESIGN §5)."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jwt

from shared.tokens import (
    ADMIN_SCOPE,
    MAX_LIFETIME_SECONDS,
    OPERATOR_SCOPES,
    PARTY_SCOPES,
    SERVICE_ONLY_SCOPES,
    SERVICE_SCOPES,
    Claims,
    InvalidToken,
    Reason,
    TokenVerifier,
    load_jwks,
    mint_dev_token,
)

SECRET = "a-development-secret-for-these-tests-0123456789"
AUDIENCE = "ssi"
ISSUER = "ssi-dev"
IDP_ISSUER = "https://idp.example"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def hs256_by_hand(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """Sign without python-jose, which refuses PEM keys as HMAC secrets."""
    signing_input = f"{json_segment(header)}.{json_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def claims_now(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "ABCD",
        "scope": " ".join(PARTY_SCOPES),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def dev_verifier() -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, hs256_secret=SECRET)


# --- scopes ------------------------------------------------------------------------------------


def test_scope_sets_follow_the_design() -> None:
    assert set(PARTY_SCOPES) == {
        "incidents:raise",
        "incidents:respond",
        "incidents:read",
        "webhooks:write",
        "webhooks:read",
        "reports:read",
    }
    assert set(OPERATOR_SCOPES) == set(PARTY_SCOPES) | {
        "parties:write",
        "parties:read",
        "inventory:write",
        "inventory:read",
    }
    assert set(SERVICE_SCOPES) == {"events:read", "sla:write", "parties:read"}
    assert ADMIN_SCOPE == "admin"
    assert frozenset({"events:read", "sla:write"}) == SERVICE_ONLY_SCOPES
    assert not SERVICE_ONLY_SCOPES & set(OPERATOR_SCOPES)


# --- development HS256 -------------------------------------------------------------------------


def test_a_good_dev_token_verifies(dev_verifier: TokenVerifier) -> None:
    now = time.time()
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, now=now, ttl_seconds=900)
    claims = dev_verifier.verify(token)
    assert claims == Claims(
        subject="ABCD", scopes=frozenset(PARTY_SCOPES), expires_at=int(now) + 900
    )


def test_minted_token_carries_the_claims() -> None:
    token = mint_dev_token(
        SECRET, "svc:notifier", SERVICE_SCOPES, audience="aud-x", issuer="iss-y", now=1_000_000
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.get_unverified_claims(token)
    assert claims == {
        "sub": "svc:notifier",
        "scope": "events:read sla:write parties:read",
        "aud": "aud-x",
        "iss": "iss-y",
        "iat": 1_000_000,
        "exp": 1_003_600,
    }


def test_a_token_with_custom_audience_and_issuer_verifies_with_a_matching_verifier() -> None:
    verifier = TokenVerifier(audience="aud-x", issuer="iss-y", hs256_secret=SECRET)
    token = mint_dev_token(SECRET, "admin", [ADMIN_SCOPE], audience="aud-x", issuer="iss-y")
    assert verifier.verify(token).scopes == frozenset({ADMIN_SCOPE})


def test_an_empty_scope_gives_no_scopes(dev_verifier: TokenVerifier) -> None:
    assert dev_verifier.verify(mint_dev_token(SECRET, "ABCD", [])).scopes == frozenset()


def test_expired_token_is_refused(dev_verifier: TokenVerifier) -> None:
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, now=time.time() - 7200, ttl_seconds=3600)
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


def test_a_token_verified_before_is_remembered_until_it_expires(
    dev_verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its expiry a remembered token is checked afresh (and python-jose, on its own clock,
    refuses it: `test_expired_token_is_refused`)."""
    checks: list[str] = []
    check = dev_verifier._verify

    def counted(token: str) -> Claims:
        checks.append(token)
        return check(token)

    monkeypatch.setattr(dev_verifier, "_verify", counted)
    now = time.time()
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, now=now, ttl_seconds=60)
    assert dev_verifier.verify(token).subject == "ABCD"
    assert dev_verifier.verify(token).subject == "ABCD"
    assert len(checks) == 1
    monkeypatch.setattr(time, "time", lambda: now + 61)
    dev_verifier.verify(token)
    assert len(checks) == 2


def test_a_remembered_token_changed_by_a_byte_is_checked_afresh(
    dev_verifier: TokenVerifier,
) -> None:
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES)
    dev_verifier.verify(token)
    head, body, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(InvalidToken):
        dev_verifier.verify(f"{head}.{body}.{flipped}")


@pytest.mark.parametrize("missing", ["exp", "aud", "iss"])
def test_token_missing_a_required_claim_is_refused(
    dev_verifier: TokenVerifier, missing: str
) -> None:
    claims = claims_now()
    del claims[missing]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    # The same claims with the one put back verify: the missing claim is the only fault.
    assert dev_verifier.verify(jwt.encode(claims_now(), SECRET, algorithm="HS256"))
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "someone-else"},
        {"aud": ["someone-else"]},
        {"iss": "ssi-prod"},
        {"iss": ""},
    ],
)
def test_wrong_audience_or_issuer_is_refused(
    dev_verifier: TokenVerifier, overrides: dict[str, Any]
) -> None:
    token = jwt.encode(claims_now(**overrides), SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


@pytest.mark.parametrize("exp", [None, [1], {"t": 1}, "soon", ""])
def test_a_non_numeric_exp_is_refused(dev_verifier: TokenVerifier, exp: object) -> None:
    claims = claims_now()
    claims["exp"] = exp  # present, so require_exp is satisfied: the value itself must be refused
    with pytest.raises(InvalidToken):
        dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize(
    "exp",
    [
        lambda now: str(now + 600),  # a number in a string, which python-jose's int() reads
        lambda now: now + MAX_LIFETIME_SECONDS + 60,
        lambda now: 10**30,
        lambda now: True,
    ],
    ids=["string", "past-a-year", "absurd", "boolean"],
)
def test_an_exp_that_is_a_string_or_too_far_ahead_is_refused(
    dev_verifier: TokenVerifier, exp: Callable[[int], object]
) -> None:
    """Each value from the moment the test runs, not when it was collected."""
    claims = claims_now()
    claims["exp"] = exp(int(time.time()))
    with pytest.raises(InvalidToken):
        dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("ahead", [600.5, MAX_LIFETIME_SECONDS - 60])
def test_an_exp_within_a_year_is_accepted(dev_verifier: TokenVerifier, ahead: float) -> None:
    claims = claims_now(exp=time.time() + ahead)
    assert dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256")).subject == "ABCD"


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_a_non_numeric_iat_or_nbf_is_refused(dev_verifier: TokenVerifier, claim: str) -> None:
    claims = claims_now()
    claims[claim] = None
    with pytest.raises(InvalidToken):
        dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_token_not_yet_valid_is_refused(dev_verifier: TokenVerifier) -> None:
    claims = claims_now(nbf=int(time.time()) + 600)
    with pytest.raises(InvalidToken):
        dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_wrong_audience_or_issuer_via_minting_is_refused(dev_verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken):
        dev_verifier.verify(mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, audience="other"))
    with pytest.raises(InvalidToken):
        dev_verifier.verify(mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, issuer="other"))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(dev_verifier: TokenVerifier, alg: str) -> None:
    token = f"{json_segment({'alg': alg, 'typ': 'JWT'})}.{json_segment(claims_now())}."
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


def test_other_hmac_algorithms_are_refused(dev_verifier: TokenVerifier) -> None:
    token = jwt.encode(claims_now(), SECRET, algorithm="HS512")
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


def test_tampered_payload_is_refused(dev_verifier: TokenVerifier) -> None:
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES)
    header, _, signature = token.split(".")
    forged = json_segment(claims_now(sub="admin", scope=ADMIN_SCOPE))
    with pytest.raises(InvalidToken):
        dev_verifier.verify(f"{header}.{forged}.{signature}")


def test_tampered_signature_is_refused(dev_verifier: TokenVerifier) -> None:
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES)
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    with pytest.raises(InvalidToken):
        dev_verifier.verify(f"{header}.{payload}.{b64url(bytes(raw))}")
    with pytest.raises(InvalidToken):
        dev_verifier.verify(f"{header}.{payload}.")


def test_token_signed_with_another_secret_is_refused(dev_verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken):
        dev_verifier.verify(mint_dev_token(SECRET + "x", "ABCD", PARTY_SCOPES))


@pytest.mark.parametrize(
    "token", ["", "not-a-token", "a.b.c", "a.b", "....", "eyJhbGciOiJIUzI1NiJ9.e30"]
)
def test_malformed_tokens_are_refused(dev_verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(InvalidToken):
        dev_verifier.verify(token)


@pytest.mark.parametrize(
    "overrides",
    [{"sub": None}, {"sub": 1234}, {"scope": ["incidents:read"]}, {"scope": 7}],
)
def test_sub_and_scope_must_be_strings(
    dev_verifier: TokenVerifier, overrides: dict[str, Any]
) -> None:
    claims = claims_now()
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    with pytest.raises(InvalidToken):
        dev_verifier.verify(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_a_verifier_needs_a_key() -> None:
    with pytest.raises(ValueError, match="secret or at least one JWKS key"):
        TokenVerifier(audience=AUDIENCE, issuer=ISSUER)


def signed(claims: dict[str, Any], secret: str = SECRET) -> str:
    """HS256 over exactly these claims: a value of None is kept as JSON null, not dropped."""
    return hs256_by_hand({"alg": "HS256", "typ": "JWT"}, claims, secret.encode())


def with_claims(**changes: Any) -> dict[str, Any]:
    return {**claims_now(), **changes}


def without(claim: str) -> dict[str, Any]:
    return {k: v for k, v in claims_now().items() if k != claim}


def forged_with_wrong_audience() -> str:
    good = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES)
    header, _, signature = good.split(".")
    return f"{header}.{json_segment(with_claims(aud='someone-else'))}.{signature}"


def now() -> int:
    """Read when a case is built, not when the module is collected: the suite runs for minutes."""
    return int(time.time())


REFUSALS: list[tuple[str, Any, Reason, str | None]] = [
    ("not a JWT", lambda: "not-a-token", Reason.malformed, None),
    ("two segments", lambda: "a.b", Reason.malformed, None),
    (
        "payload not an object",
        lambda: f"{json_segment({'alg': 'HS256'})}.W10.",
        Reason.malformed,
        None,
    ),
    (
        "alg none",
        lambda: f"{json_segment({'alg': 'none'})}.{json_segment(claims_now())}.",
        Reason.algorithm,
        None,
    ),
    ("HS512", lambda: jwt.encode(claims_now(), SECRET, algorithm="HS512"), Reason.algorithm, None),
    ("another secret", lambda: signed(claims_now(), SECRET + "x"), Reason.signature, None),
    # A forger is told the signature is wrong, never that the audience is: no oracle for it.
    ("forged, wrong audience", forged_with_wrong_audience, Reason.signature, None),
    ("no exp", lambda: signed(without("exp")), Reason.missing_claim, "exp"),
    ("no aud", lambda: signed(without("aud")), Reason.missing_claim, "aud"),
    ("no iss", lambda: signed(without("iss")), Reason.missing_claim, "iss"),
    ("iat an object", lambda: signed(with_claims(iat={})), Reason.bad_claim, "iat"),
    ("nbf null", lambda: signed(with_claims(nbf=None)), Reason.bad_claim, "nbf"),
    ("exp a word", lambda: signed(with_claims(exp="soon")), Reason.bad_claim, "exp"),
    ("exp null", lambda: signed(with_claims(exp=None)), Reason.bad_claim, "exp"),
    ("exp infinite", lambda: signed(with_claims(exp=float("inf"))), Reason.bad_claim, "exp"),
    ("exp in a string", lambda: signed(with_claims(exp=str(now() + 600))), Reason.bad_claim, "exp"),
    ("not yet valid", lambda: signed(with_claims(nbf=now() + 600)), Reason.not_yet_valid, None),
    ("expired", lambda: signed(with_claims(exp=now() - 60)), Reason.expired, None),
    ("a century ahead", lambda: signed(with_claims(exp=10**30)), Reason.too_long_lived, None),
    ("wrong audience", lambda: signed(with_claims(aud="someone-else")), Reason.audience, None),
    ("audience list", lambda: signed(with_claims(aud=["someone-else"])), Reason.audience, None),
    ("audience a number", lambda: signed(with_claims(aud=7)), Reason.bad_claim, "aud"),
    ("wrong issuer", lambda: signed(with_claims(iss="ssi-prod")), Reason.issuer, None),
    ("sub a number", lambda: signed(with_claims(sub=1234)), Reason.bad_claim, "sub"),
    ("no sub", lambda: signed(without("sub")), Reason.missing_claim, "sub"),
    (
        "scope a list",
        lambda: signed(with_claims(scope=["incidents:read"])),
        Reason.bad_claim,
        "scope",
    ),
]


@pytest.mark.parametrize(
    ("token", "reason", "claim"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_each_refusal_says_why(
    dev_verifier: TokenVerifier, token: Any, reason: Reason, claim: str | None
) -> None:
    with pytest.raises(InvalidToken) as refused:
        dev_verifier.verify(token())
    assert (refused.value.reason, refused.value.claim) == (reason, claim)
    # Fixed words and a claim's name: nothing the token carried, nothing we expect instead.
    assert str(refused.value) == (f"{reason.value}: {claim}" if claim else reason.value)


# --- production JWKS ---------------------------------------------------------------------------


def pem_private(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def pem_public(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_jwk(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, alg: str, kid: str
) -> dict[str, Any]:
    jwk_dict = jwk.construct(pem_public(key), alg).to_dict()
    return {**jwk_dict, "kid": kid, "use": "sig"}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


OCT_SECRET = b"a-symmetric-key-that-must-never-be-trusted"


@pytest.fixture
def jwks(rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey) -> list[dict[str, Any]]:
    return [
        {"kty": "oct", "kid": "shared", "k": b64url(OCT_SECRET), "alg": "HS256"},
        public_jwk(rsa_key, "RS256", "rsa-1"),
        public_jwk(ec_key, "ES256", "ec-1"),
    ]


@pytest.fixture
def prod_verifier(jwks: list[dict[str, Any]]) -> TokenVerifier:
    return TokenVerifier(audience=AUDIENCE, issuer=IDP_ISSUER, jwks=jwks)


def idp_claims(**overrides: Any) -> dict[str, Any]:
    return claims_now(iss=IDP_ISSUER, **overrides)


def test_rsa_jwk_is_an_rsa_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    key = public_jwk(rsa_key, "RS256", "rsa-1")
    assert key["kty"] == "RSA"
    assert {"n", "e"} <= key.keys()
    assert "d" not in key


def test_rs256_with_the_right_kid_verifies(
    prod_verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(
        idp_claims(), pem_private(rsa_key), algorithm="RS256", headers={"kid": "rsa-1"}
    )
    claims = prod_verifier.verify(token)
    assert claims.subject == "ABCD"
    assert claims.scopes == frozenset(PARTY_SCOPES)


def test_es256_with_the_right_kid_verifies(
    prod_verifier: TokenVerifier, ec_key: ec.EllipticCurvePrivateKey
) -> None:
    token = jwt.encode(
        idp_claims(), pem_private(ec_key), algorithm="ES256", headers={"kid": "ec-1"}
    )
    assert prod_verifier.verify(token).subject == "ABCD"


def test_rs256_with_a_hand_built_jwk_verifies(rsa_key: rsa.RSAPrivateKey) -> None:
    numbers = rsa_key.public_key().public_numbers()

    def b64_int(value: int) -> str:
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    key = {"kty": "RSA", "kid": "by-hand", "n": b64_int(numbers.n), "e": b64_int(numbers.e)}
    verifier = TokenVerifier(audience=AUDIENCE, issuer=IDP_ISSUER, jwks=[key])
    token = jwt.encode(
        idp_claims(), pem_private(rsa_key), algorithm="RS256", headers={"kid": "by-hand"}
    )
    assert verifier.verify(token).subject == "ABCD"


def test_rs256_with_an_unknown_kid_is_refused(
    prod_verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey
) -> None:
    key = pem_private(rsa_key)
    for headers in ({"kid": "rsa-2"}, {"kid": ""}, None):
        token = jwt.encode(idp_claims(), key, algorithm="RS256", headers=headers)
        with pytest.raises(InvalidToken):
            prod_verifier.verify(token)


def test_rs256_signed_by_another_key_is_refused(
    prod_verifier: TokenVerifier, other_rsa_key: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(
        idp_claims(), pem_private(other_rsa_key), algorithm="RS256", headers={"kid": "rsa-1"}
    )
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)


def test_hs256_signed_with_the_public_key_pem_is_refused(
    prod_verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey
) -> None:
    # The classic algorithm-confusion attack: HS256 keyed with the RSA public key's PEM text.
    for kid in ("rsa-1", "ec-1"):
        token = hs256_by_hand(
            {"alg": "HS256", "typ": "JWT", "kid": kid}, idp_claims(), pem_public(rsa_key)
        )
        with pytest.raises(InvalidToken):
            prod_verifier.verify(token)


def test_oct_keys_in_the_jwks_are_ignored(prod_verifier: TokenVerifier) -> None:
    token = hs256_by_hand({"alg": "HS256", "typ": "JWT", "kid": "shared"}, idp_claims(), OCT_SECRET)
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)
    with pytest.raises(ValueError, match="at least one JWKS key"):
        TokenVerifier(
            audience=AUDIENCE,
            issuer=IDP_ISSUER,
            jwks=[{"kty": "oct", "kid": "shared", "k": b64url(OCT_SECRET)}],
        )


def test_a_dev_token_is_refused_by_a_jwks_verifier(prod_verifier: TokenVerifier) -> None:
    token = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES, issuer=IDP_ISSUER)
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)


@pytest.mark.parametrize(("kid", "alg"), [("rsa-1", "ES256"), ("ec-1", "RS256")])
def test_a_token_naming_a_key_of_another_type_is_refused(
    prod_verifier: TokenVerifier,
    rsa_key: rsa.RSAPrivateKey,
    ec_key: ec.EllipticCurvePrivateKey,
    kid: str,
    alg: str,
) -> None:
    # An allowed algorithm, but not the one the named key is for: InvalidToken, never an error
    # from python-jose escaping as a server error.
    signer = ec_key if alg == "ES256" else rsa_key
    token = jwt.encode(idp_claims(), pem_private(signer), algorithm=alg, headers={"kid": kid})
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 60},
        {"exp": None},
        {"aud": None},
        {"iss": None},
        {"aud": "someone-else"},
        {"iss": ISSUER},
    ],
)
def test_jwks_tokens_need_exp_aud_and_iss_too(
    prod_verifier: TokenVerifier, rsa_key: rsa.RSAPrivateKey, overrides: dict[str, Any]
) -> None:
    claims = idp_claims()
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    token = jwt.encode(claims, pem_private(rsa_key), algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)


def test_alg_none_is_refused_by_a_jwks_verifier(prod_verifier: TokenVerifier) -> None:
    token = f"{json_segment({'alg': 'none', 'kid': 'rsa-1'})}.{json_segment(idp_claims())}."
    with pytest.raises(InvalidToken):
        prod_verifier.verify(token)


def test_load_jwks_reads_a_jwks_file(tmp_path: Path, jwks: list[dict[str, Any]]) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": jwks}))
    assert load_jwks(path) == jwks


@pytest.mark.parametrize(
    ("what", "reason"),
    [
        ("unknown kid", Reason.unknown_key),
        ("no kid", Reason.unknown_key),
        ("HS256 keyed with the public PEM", Reason.algorithm),
        ("ES256 under the RSA key's kid", Reason.algorithm),
        ("signed by another key", Reason.signature),
        ("expired", Reason.expired),
        ("for another issuer", Reason.issuer),
    ],
)
def test_each_jwks_refusal_says_why(
    prod_verifier: TokenVerifier,
    rsa_key: rsa.RSAPrivateKey,
    other_rsa_key: rsa.RSAPrivateKey,
    ec_key: ec.EllipticCurvePrivateKey,
    what: str,
    reason: Reason,
) -> None:
    def rs256(claims: dict[str, Any], kid: str | None = "rsa-1", key: Any = rsa_key) -> str:
        headers = {"kid": kid} if kid is not None else None
        return jwt.encode(claims, pem_private(key), algorithm="RS256", headers=headers)

    tokens = {
        "unknown kid": lambda: rs256(idp_claims(), kid="rsa-2"),
        "no kid": lambda: rs256(idp_claims(), kid=None),
        "HS256 keyed with the public PEM": lambda: hs256_by_hand(
            {"alg": "HS256", "kid": "rsa-1"}, idp_claims(), pem_public(rsa_key)
        ),
        "ES256 under the RSA key's kid": lambda: jwt.encode(
            idp_claims(), pem_private(ec_key), algorithm="ES256", headers={"kid": "rsa-1"}
        ),
        "signed by another key": lambda: rs256(idp_claims(), key=other_rsa_key),
        "expired": lambda: rs256(idp_claims(exp=int(time.time()) - 60)),
        "for another issuer": lambda: rs256(claims_now()),
    }
    with pytest.raises(InvalidToken) as refused:
        prod_verifier.verify(tokens[what]())
    assert refused.value.reason is reason
    assert IDP_ISSUER not in str(refused.value)


def test_a_padded_token_is_checked_every_time_and_never_remembered(
    dev_verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python-jose takes a token with "=" appended: remembered, each padding would be an entry
    of its own, so a holder of one token could fill the memory."""
    checks: list[str] = []
    check = dev_verifier._verify

    def counted(token: str) -> Claims:
        checks.append(token)
        return check(token)

    monkeypatch.setattr(dev_verifier, "_verify", counted)
    padded = mint_dev_token(SECRET, "ABCD", PARTY_SCOPES) + "===="
    for _ in range(3):
        assert dev_verifier.verify(padded).subject == "ABCD"
    assert len(checks) == 3
    assert dev_verifier._verified == {}
