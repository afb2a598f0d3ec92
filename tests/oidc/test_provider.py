"""The test OpenID Connect provider, as a process, driven as the portal will drive it: authlib's
OAuth2 client (authorization code with PKCE S256) and a browser posting the sign-in form. Its
access tokens must pass the services' own verifier (`shared.tokens.TokenVerifier`)."""

import time
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token  # type: ignore[import-untyped, unused-ignore]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped, unused-ignore]
from joserfc import jwt
from joserfc.jwk import KeySet

from shared.tokens import TokenVerifier
from tests.oidc.harness import Provider, parse_form, running_provider, sign_in
from tests.oidc.provider import OPERATOR_SCOPES, SUPPLIER_SCOPES, parse_args

with warnings.catch_warnings():
    # authlib nudges towards httpx2 when its httpx client is imported; httpx is what we have.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped, unused-ignore]
        AsyncOAuth2Client,
        OAuthError,
    )

PERSON = "Ada Lovelace"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc")) as running:
        yield running


class Portal:
    """What the portal does: authlib's client for the protocol, a cookie jar for the browser."""

    def __init__(self, provider: Provider, auth_method: str = "client_secret_basic") -> None:
        self.provider = provider
        self.client = AsyncOAuth2Client(
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            scope="openid",
            redirect_uri=provider.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method=auth_method,
        )
        self.browser = httpx.AsyncClient(follow_redirects=False)
        self.verifier = self.state = self.nonce = ""

    async def __aenter__(self) -> "Portal":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.browser.aclose()

    def authorization_url(self, **params: str) -> str:
        self.verifier, self.nonce = generate_token(48), generate_token(20)
        url: str
        url, self.state = self.client.create_authorization_url(
            f"{self.provider.issuer}/authorize",
            code_verifier=self.verifier,
            nonce=self.nonce,
            **params,
        )
        return url

    async def fetch_token(self, location: str, **kwargs: str) -> dict[str, Any]:
        token: dict[str, Any] = await self.client.fetch_token(
            f"{self.provider.issuer}/token",
            authorization_response=location,
            state=self.state,
            code_verifier=kwargs.pop("code_verifier", self.verifier),
            **kwargs,
        )
        return token

    async def sign_in(self, role: str = "supplier", party: str = "ABCD") -> dict[str, Any]:
        answer = await sign_in(self.browser, self.authorization_url(), role=role, party=party)
        assert answer.status_code == 302, answer.text
        return await self.fetch_token(answer.headers["location"])

    async def refresh(self, refresh_token: str) -> dict[str, Any]:
        token: dict[str, Any] = await self.client.refresh_token(
            f"{self.provider.issuer}/token", refresh_token=refresh_token
        )
        return token


def redirect_params(response: httpx.Response, provider: Provider) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(f"{provider.redirect_uri}?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def verifier(provider: Provider) -> TokenVerifier:
    """As the services verify tokens: the JWKS file, the audience and the issuer."""
    return TokenVerifier(audience="ssi", issuer=provider.issuer, jwks=provider.jwks())


def decode(token: str, provider: Provider) -> jwt.Token:
    return jwt.decode(token, KeySet.import_key_set({"keys": provider.jwks()}), ["ES256"])


async def raw_token_request(provider: Provider, **form: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(
            f"{provider.issuer}/token",
            data=form,
            auth=(provider.client_id, provider.client_secret),
        )


async def test_discovery_document_and_keys(provider: Provider) -> None:
    async with httpx.AsyncClient(base_url=provider.issuer) as http:
        metadata = (await http.get("/.well-known/openid-configuration")).json()
        served = (await http.get("/jwks")).json()
    issuer = provider.issuer
    assert metadata["issuer"] == issuer
    assert metadata["authorization_endpoint"] == f"{issuer}/authorize"
    assert metadata["token_endpoint"] == f"{issuer}/token"
    assert metadata["jwks_uri"] == f"{issuer}/jwks"
    assert metadata["end_session_endpoint"] == f"{issuer}/logout"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    assert metadata["response_types_supported"] == ["code"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "refresh_token"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert served == {"keys": provider.jwks()}
    [key] = served["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert key["kid"]
    assert "d" not in key  # the public half only


async def test_the_code_flow_issues_rfc9068_access_tokens_the_services_accept(
    provider: Provider,
) -> None:
    before = int(time.time())
    async with Portal(provider) as portal:
        token = await portal.sign_in(role="operator", party="DCCO")
    after = int(time.time())

    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 300
    assert token["refresh_token"]
    granted = {"openid", *OPERATOR_SCOPES.split()}
    assert set(token["scope"].split()) == granted

    claims = verifier(provider).verify(token["access_token"])
    assert claims.subject == PERSON
    assert claims.scopes == granted

    access = decode(token["access_token"], provider)
    [key] = provider.jwks()
    assert access.header == {"alg": "ES256", "typ": "at+jwt", "kid": key["kid"]}
    assert access.claims["iss"] == provider.issuer
    assert access.claims["aud"] == "ssi"
    assert access.claims["client_id"] == "portal"
    assert access.claims["ssi_party"] == "DCCO"
    assert before <= access.claims["auth_time"] <= after
    assert access.claims["exp"] - access.claims["iat"] == 300
    assert access.claims["jti"]

    # The ID token as authlib's OpenID client checks it (the portal's `parse_id_token`).
    id_token = decode(token["id_token"], provider)
    assert id_token.header["kid"] == key["kid"]
    checked = CodeIDToken(
        id_token.claims,
        id_token.header,
        {"iss": {"values": [provider.issuer]}},
        {"nonce": portal.nonce, "client_id": "portal", "access_token": token["access_token"]},
    )
    checked.validate(leeway=0)
    assert id_token.claims["aud"] == "portal"
    assert id_token.claims["sub"] == PERSON
    assert id_token.claims["ssi_party"] == "DCCO"
    assert id_token.claims["auth_time"] == access.claims["auth_time"]


async def test_a_refresh_rotates_the_refresh_token_and_keeps_scope_and_auth_time(
    provider: Provider,
) -> None:
    async with Portal(provider, auth_method="client_secret_post") as portal:
        first = await portal.sign_in(role="supplier", party="ABCD")
        second = await portal.refresh(first["refresh_token"])
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]

        before, after = (decode(t["access_token"], provider).claims for t in (first, second))
        assert after["auth_time"] == before["auth_time"]
        assert after["jti"] != before["jti"]
        assert after["ssi_party"] == "ABCD"
        # authlib's client asks for its own `scope` ("openid"): the role's scope stays.
        granted = frozenset({"openid", *SUPPLIER_SCOPES.split()})
        assert verifier(provider).verify(second["access_token"]).scopes == granted

        reused = await raw_token_request(
            provider, grant_type="refresh_token", refresh_token=first["refresh_token"]
        )
        assert reused.status_code == 400
        assert reused.json()["error"] == "invalid_grant"
        third = await portal.refresh(second["refresh_token"])
        verifier(provider).verify(third["access_token"])


async def test_a_code_is_used_once_and_a_replay_revokes_what_it_gave(provider: Provider) -> None:
    async with Portal(provider) as portal:
        answer = await sign_in(portal.browser, portal.authorization_url())
        location = answer.headers["location"]
        token = await portal.fetch_token(location)
        with pytest.raises(OAuthError) as replay:
            await portal.fetch_token(location)
        assert replay.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as refresh:
            await portal.refresh(token["refresh_token"])
        assert refresh.value.error == "invalid_grant"


async def test_a_wrong_pkce_verifier_is_refused_and_spends_the_code(provider: Provider) -> None:
    async with Portal(provider) as portal:
        answer = await sign_in(portal.browser, portal.authorization_url())
        location = answer.headers["location"]
        with pytest.raises(OAuthError) as wrong:
            await portal.fetch_token(location, code_verifier=generate_token(48))
        assert wrong.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as right:
            await portal.fetch_token(location)
        assert right.value.error == "invalid_grant"


async def test_the_token_endpoint_refuses_bad_requests(provider: Provider) -> None:
    async with Portal(provider) as portal:
        answer = await sign_in(portal.browser, portal.authorization_url())
        code = redirect_params(answer, provider)["code"]
        exchange = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": provider.redirect_uri,
            "code_verifier": portal.verifier,
        }
        async with httpx.AsyncClient() as http:
            wrong_secret = await http.post(
                f"{provider.issuer}/token", data=exchange, auth=("portal", "not-the-secret")
            )
        assert wrong_secret.status_code == 401
        assert wrong_secret.json()["error"] == "invalid_client"
        assert "www-authenticate" in wrong_secret.headers

        unsupported = await raw_token_request(provider, grant_type="password")
        assert unsupported.status_code == 400
        assert unsupported.json()["error"] == "unsupported_grant_type"

        # A failed client authentication does not spend the code; a wrong redirect_uri does.
        wrong_uri = await raw_token_request(
            provider, **{**exchange, "redirect_uri": "http://127.0.0.1:8002/elsewhere"}
        )
        assert wrong_uri.status_code == 400
        assert wrong_uri.json()["error"] == "invalid_grant"
        assert wrong_uri.headers["cache-control"] == "no-store"
        spent = await raw_token_request(provider, **exchange)
        assert spent.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"nonce": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
async def test_a_bad_authorization_request_is_answered_at_the_redirect_uri(
    provider: Provider, change: dict[str, str | None], error: str
) -> None:
    async with Portal(provider) as portal:
        url = urlsplit(portal.authorization_url())
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        params = {k: v for k, v in {**params, **change}.items() if v is not None}
        answer = await portal.browser.get(url._replace(query="").geturl(), params=params)
    found = redirect_params(answer, provider)
    assert found["error"] == error
    assert found["state"] == portal.state
    assert "code" not in found


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://attacker.example/callback"},
        {"redirect_uri": None},
    ],
)
async def test_an_unknown_client_or_redirect_uri_gets_a_page_not_a_redirect(
    provider: Provider, change: dict[str, str | None]
) -> None:
    async with Portal(provider) as portal:
        url = urlsplit(portal.authorization_url())
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        params = {k: v for k, v in {**params, **change}.items() if v is not None}
        answer = await portal.browser.get(url._replace(query="").geturl(), params=params)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "<h1>Sign-in refused</h1>" in answer.text


async def test_the_form_is_labelled_and_refuses_a_bad_party_id(provider: Provider) -> None:
    async with Portal(provider) as portal:
        page = await portal.browser.get(portal.authorization_url())
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        form = parse_form(page.text)
        assert {"Person", "Party", "Role"} <= set(form.labels)
        assert form.buttons == ["Sign in"]
        form.fill("Person", PERSON)
        form.fill("Party", "abc1")
        answer = await portal.browser.post(f"{provider.issuer}{form.action}", data=form.data())
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert 'role="alert"' in answer.text
    again = parse_form(answer.text)
    assert ["party", "abc1"] in again.fields  # the person's input is kept for correction
    assert 'aria-invalid="true"' in answer.text


async def test_silent_sign_on_honours_prompt_and_max_age(provider: Provider) -> None:
    async with Portal(provider) as portal:
        first = await portal.sign_in()
        signed_in_at = decode(first["access_token"], provider).claims["auth_time"]

        # The browser's provider session answers at once while the sign-in is recent enough.
        for params in ({}, {"max_age": "300"}, {"prompt": "none"}):
            answer = await portal.browser.get(portal.authorization_url(**params))
            token = await portal.fetch_token(answer.headers["location"])
            assert decode(token["id_token"], provider).claims["auth_time"] == signed_in_at

        prompted = await portal.browser.get(portal.authorization_url(prompt="login"))
        assert prompted.status_code == 200
        assert parse_form(prompted.text).buttons == ["Sign in"]

        provider.age_sign_ins(301)
        too_old = await portal.browser.get(portal.authorization_url(max_age="300"))
        assert too_old.status_code == 200
        assert parse_form(too_old.text).buttons == ["Sign in"]
        silent = await portal.browser.get(portal.authorization_url(max_age="300", prompt="none"))
        assert redirect_params(silent, provider)["error"] == "login_required"

        # Signing in again records a new auth_time.
        again = await sign_in(portal.browser, portal.authorization_url(max_age="300"))
        token = await portal.fetch_token(again.headers["location"])
        assert decode(token["id_token"], provider).claims["auth_time"] >= signed_in_at


async def test_revoking_at_the_provider_makes_the_next_refresh_fail(provider: Provider) -> None:
    async with Portal(provider) as portal:
        token = await portal.sign_in()
        assert provider.revoke_refresh_tokens() >= 1
        with pytest.raises(OAuthError) as refused:
            await portal.refresh(token["refresh_token"])
        assert refused.value.error == "invalid_grant"


async def test_signing_out_ends_the_provider_session(provider: Provider) -> None:
    async with Portal(provider) as portal:
        await portal.sign_in()
        signed_out = await portal.browser.get(f"{provider.issuer}/logout")
        assert signed_out.status_code == 200
        assert "<h1>Signed out</h1>" in signed_out.text
        page = await portal.browser.get(portal.authorization_url())
        assert page.status_code == 200
        assert parse_form(page.text).buttons == ["Sign in"]


def test_the_provider_refuses_to_listen_beyond_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(
            [
                "--host",
                "192.0.2.1",
                "--port",
                "1",
                "--client-secret-file",
                "x",
                "--redirect-uri",
                "y",
            ]
        )
    assert "loopback" in capsys.readouterr().err
