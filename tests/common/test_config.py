"""`build_verifier`: development takes the HS256 secret and, where one is set, an identity
provider's JWKS as well (DESIGN §8); production takes the JWKS alone."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from services.common.config import ConfigurationError, build_verifier
from shared.settings import CommonSettings
from shared.tokens import PARTY_SCOPES, InvalidToken, Reason, mint_dev_token
from tests.tokens import TEST_SECRET, IdpKey

ISSUER = "https://idp.example/"


@pytest.fixture(scope="module")
def idp() -> IdpKey:
    return IdpKey("ES256", "idp-ec-1")


def person_claims(party: str = "GSUP") -> dict[str, object]:
    now = int(time.time())
    return {
        "sub": "jane.doe",
        "scope": " ".join(PARTY_SCOPES),
        "aud": "ssi",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 600,
        "ssi_party": party,
    }


def development(
    tmp_path: Path, jwt_jwks_file: Path | None = None, jwt_jwks_url: str | None = None
) -> CommonSettings:
    return CommonSettings(
        env="development",
        data_dir=tmp_path,
        jwt_secret=TEST_SECRET,
        jwt_issuer=ISSUER,
        jwt_jwks_file=jwt_jwks_file,
        jwt_jwks_url=jwt_jwks_url,
    )


def test_development_with_a_jwks_file_takes_both_kinds_of_token(
    tmp_path: Path, idp: IdpKey
) -> None:
    jwks = idp.write_jwks(tmp_path / "jwks.json")
    verifier = build_verifier(development(tmp_path, jwt_jwks_file=jwks))
    assert verifier.verify(idp.sign(person_claims())).party == "GSUP"
    dev = mint_dev_token(TEST_SECRET, "ISUP", PARTY_SCOPES, issuer=ISSUER)
    assert verifier.verify(dev).subject == "ISUP"
    # Both kinds answer to the one issuer: a development token minted for another is refused.
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(mint_dev_token(TEST_SECRET, "ISUP", PARTY_SCOPES))
    assert refused.value.reason is Reason.issuer


def test_development_without_a_jwks_takes_the_secret_alone(tmp_path: Path, idp: IdpKey) -> None:
    verifier = build_verifier(development(tmp_path))
    assert verifier.verify(mint_dev_token(TEST_SECRET, "ISUP", PARTY_SCOPES, issuer=ISSUER))
    with pytest.raises(InvalidToken) as refused:
        verifier.verify(idp.sign(person_claims()))
    assert refused.value.reason is Reason.algorithm


def production(jwt_jwks_file: Path) -> CommonSettings:
    """Production on a JWKS file; no secret, whatever the environment running the suite says."""
    return CommonSettings(
        env="production",
        jwt_secret=None,
        jwt_issuer=ISSUER,
        jwt_jwks_file=jwt_jwks_file,
        jwt_jwks_url=None,
    )


class _JwksHandler(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def jwks_url(idp: IdpKey) -> Iterator[str]:
    handler = type("Handler", (_JwksHandler,), {"body": json.dumps({"keys": [idp.jwk()]}).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_development_with_a_jwks_url_takes_both_kinds_of_token(
    tmp_path: Path, idp: IdpKey, jwks_url: str
) -> None:
    verifier = build_verifier(development(tmp_path, jwt_jwks_url=jwks_url))
    assert verifier.verify(idp.sign(person_claims("ISUP"))).party == "ISUP"
    assert verifier.verify(mint_dev_token(TEST_SECRET, "ISUP", PARTY_SCOPES, issuer=ISSUER))


def test_production_with_the_same_jwks_refuses_hs256(tmp_path: Path, idp: IdpKey) -> None:
    jwks = idp.write_jwks(tmp_path / "jwks.json")
    verifier = build_verifier(production(jwks))
    assert verifier.verify(idp.sign(person_claims())).party == "GSUP"
    dev = mint_dev_token(TEST_SECRET, "ISUP", PARTY_SCOPES, issuer=ISSUER)
    with pytest.raises(InvalidToken):
        verifier.verify(dev)


@pytest.mark.parametrize("content", [None, "not json", '{"no": "keys"}', '{"keys": ["x"]}'])
def test_an_unreadable_jwks_file_names_the_setting(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_text(content)
    for common in (
        development(tmp_path, jwt_jwks_file=path),
        production(path),
    ):
        with pytest.raises(ConfigurationError) as failed:
            build_verifier(common)
        assert failed.value.problems == [f"SSI_JWT_JWKS_FILE: {path} is not a readable JWKS file"]


def test_an_unreachable_jwks_url_names_the_setting_not_the_url(tmp_path: Path) -> None:
    # Port 9 on loopback (discard): nothing listens, the connection is refused at once.
    url = "http://user:hunter2@127.0.0.1:9/jwks.json"
    with pytest.raises(ConfigurationError) as failed:
        build_verifier(development(tmp_path, jwt_jwks_url=url))
    assert failed.value.problems == ["SSI_JWT_JWKS_URL: no JWKS could be read from it"]
    assert "hunter2" not in str(failed.value)
