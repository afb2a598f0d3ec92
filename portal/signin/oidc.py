"""OpenID Connect, authorization code with PKCE (S256), for the portal as a confidential client.

authlib builds the authorization request and the token requests (RFC 6749, RFC 7636); joserfc
checks the signatures. The provider's metadata and keys are fetched when first needed and the
keys again when a token names a `kid` not seen yet (the provider rotated). Nothing here logs a
token, a code or a verifier.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from portal.sessions.service import Handshake, Identity, Tokens

ALGORITHMS = ["ES256", "RS256"]
LEEWAY_SECONDS = 60


class SignInFailed(Exception):
    """The provider refused, or what it sent does not check out. The message is for the page."""


@dataclass
class Provider:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    audience: str
    http: httpx.AsyncClient
    _metadata: dict[str, Any] | None = None
    _keys: KeySet | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            found = await self._get_json(url)
            if found.get("issuer") != self.issuer:
                raise SignInFailed("the identity provider's metadata names another issuer")
            self._metadata = found
        return self._metadata

    async def authorization_url(self, handshake: Handshake, *, max_age: int | None) -> str:
        meta = await self.metadata()
        extra: dict[str, Any] = {
            "nonce": handshake.nonce,
            "code_challenge": create_s256_code_challenge(handshake.code_verifier),
            "code_challenge_method": "S256",
        }
        if max_age is not None:
            extra["max_age"] = max_age
        url: str = prepare_grant_uri(
            meta["authorization_endpoint"],
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope="openid",
            state=handshake.state,
            **extra,
        )
        return url

    async def exchange(self, code: str, handshake: Handshake) -> tuple[Identity, Tokens]:
        """The code for tokens; the ID token and the access token checked."""
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=handshake.code_verifier,
        )
        answer = await self._token_request(body)
        id_claims = await self._verify(str(answer.get("id_token", "")), audience=self.client_id)
        if id_claims.get("nonce") != handshake.nonce:
            raise SignInFailed("the sign-in answer does not belong to this sign-in (nonce)")
        tokens, access = await self._tokens(answer, refresh_token=None)
        if access.get("sub") != id_claims.get("sub"):
            raise SignInFailed("the access token is for someone else than the ID token")
        auth_time = id_claims.get("auth_time")
        if not isinstance(auth_time, int):
            raise SignInFailed("the identity provider did not say when you signed in")
        return _identity(access, auth_time), tokens

    async def refresh(self, refresh_token: str) -> Tokens:
        body = prepare_token_request("refresh_token", refresh_token=refresh_token)
        answer = await self._token_request(body)
        tokens, _access = await self._tokens(answer, refresh_token=refresh_token)
        return tokens

    async def _tokens(
        self, answer: dict[str, Any], refresh_token: str | None
    ) -> tuple[Tokens, dict[str, Any]]:
        access_token = str(answer.get("access_token", ""))
        access = await self._verify(access_token, audience=self.audience)
        party = access.get("ssi_party")
        if not isinstance(party, str) or not isinstance(access.get("sub"), str):
            raise SignInFailed("the access token names no party (ssi_party) or no person")
        tokens = Tokens(
            access_token=access_token,
            expires_at=datetime.fromtimestamp(int(access["exp"]), UTC),
            refresh_token=str(answer.get("refresh_token") or refresh_token or "") or None,
        )
        return tokens, access

    async def _token_request(self, body: str) -> dict[str, Any]:
        meta = await self.metadata()
        try:
            response = await self.http.post(
                meta["token_endpoint"],
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                auth=(self.client_id, self.client_secret),
            )
        except httpx.HTTPError as exc:
            raise SignInFailed("the identity provider cannot be reached") from exc
        if response.status_code != 200:
            raise SignInFailed("the identity provider refused the sign-in")
        try:
            found: dict[str, Any] = response.json()
        except ValueError as exc:
            raise SignInFailed("the identity provider's answer is not JSON") from exc
        return found

    async def _verify(self, token: str, *, audience: str) -> dict[str, Any]:
        keys = await self._key_set(token)
        try:
            decoded = jwt.decode(token, keys, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": audience},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise SignInFailed("a token from the identity provider does not verify") from exc
        claims: dict[str, Any] = dict(decoded.claims)
        if int(claims["exp"]) < time.time():
            raise SignInFailed("a token from the identity provider has expired")
        return claims

    async def _key_set(self, token: str) -> KeySet:
        kid = _kid(token)
        if self._keys is None or (kid and not any(k.kid == kid for k in self._keys.keys)):
            meta = await self.metadata()
            self._keys = KeySet.import_key_set(await self._get_json(meta["jwks_uri"]))  # type: ignore[arg-type]
        return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            found: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed("the identity provider cannot be reached") from exc
        return found


def _kid(token: str) -> str | None:
    try:
        from joserfc.jws import extract_compact

        header = extract_compact(token.encode()).protected
    except (JoseError, ValueError):
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def _identity(access: dict[str, Any], auth_time: int) -> Identity:
    scopes = frozenset(str(access.get("scope", "")).split())
    return Identity(
        person=str(access["sub"]),
        party_id=str(access["ssi_party"]),
        operator="parties:read" in scopes,
        scopes=scopes,
        auth_time=datetime.fromtimestamp(auth_time, UTC),
        via="oidc",
    )
