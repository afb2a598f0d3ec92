"""A small, real OpenID Connect provider for the portal's sign-in tests. TEST ONLY.

It runs as its own process on loopback and issues what DESIGN §8 asks of the identity provider:
RFC 9068 JWT access tokens (ES256, `typ: at+jwt`) with `iss`, `aud`, `sub` = the person,
`client_id`, `scope`, `ssi_party`, `auth_time`, `iat`, `exp` and `jti`, which the services verify
from the JWKS like any production token.

    python -m tests.oidc.provider --port 9400 --client-secret-file secret.txt \\
        --redirect-uri http://127.0.0.1:8002/auth/callback --jwks-out var/oidc-jwks.json

One confidential client (`client_secret_basic` or `client_secret_post`), the authorization code
flow with PKCE S256 (required; `plain` refused) and rotating refresh tokens. The protocol work is
authlib's (its grants, client authentication, PKCE and ID token code); this module supplies the
storage (memory), the sign-in page and the Starlette glue. A new ES256 key is generated at every
start; its public half is served at `/jwks` and written to `--jwks-out`, so the services can be
started with `SSI_JWT_JWKS_FILE` pointing at it.

Signing in asks nobody for a password: any person name, any party id of 4 upper-case letters or
digits, and a role (supplier or operator) that decides the scopes granted. The browser then holds
a provider session (cookie `test_oidc_session`): a later authorization request is answered at once
(silent single sign-on) unless it says `prompt=login` or its `max_age` has passed since the
sign-in.

Test-only control endpoints, unauthenticated (the provider only listens on loopback):
`POST /control/revoke` revokes every refresh token (the portal's next refresh fails);
`POST /control/age?seconds=N` moves every recorded sign-in (`auth_time`) N seconds back.
"""

import argparse
import html
import ipaddress
import json
import os
import re
import secrets
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import uvicorn
from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    AuthorizationServer,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Payload,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import (  # type: ignore[import-untyped, unused-ignore]
    AuthorizationCodeGrant,
    RefreshTokenGrant,
)
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc9068 import (  # type: ignore[import-untyped, unused-ignore]
    JWTBearerTokenGenerator,
)
from authlib.oidc.core import OpenIDCode  # type: ignore[import-untyped, unused-ignore]
from authlib.oidc.core.errors import (  # type: ignore[import-untyped, unused-ignore]
    LoginRequiredError,
)
from joserfc.jwk import ECKey, KeySet
from starlette.applications import Starlette
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SUPPLIER_SCOPES = (
    "incidents:raise incidents:respond incidents:read webhooks:write webhooks:read reports:read"
)
OPERATOR_SCOPES = (
    "incidents:read webhooks:read webhooks:write reports:read parties:read parties:write"
    " inventory:read inventory:write incidents:transcribe sla:reschedule"
)
CODE_SECONDS = 60
SESSION_COOKIE = "test_oidc_session"
PARTY_ID = re.compile(r"[A-Z0-9]{4}")
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


@dataclass(frozen=True)
class Config:
    issuer: str
    audience: str
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    access_token_seconds: int = 300
    id_token_seconds: int = 300
    role_scopes: Mapping[str, str] = field(
        default_factory=lambda: {"supplier": SUPPLIER_SCOPES, "operator": OPERATOR_SCOPES}
    )


# The objects authlib asks for: a user, a client, an authorization code and a refresh token, each
# with the methods authlib's mixins name.


@dataclass
class Login:
    """A person's sign-in in one browser: authlib's "user". Codes and refresh tokens share it, so
    `/control/age` moves their `auth_time` too."""

    person: str
    party: str
    role: str
    auth_time: int

    def get_user_id(self) -> str:
        return self.person


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OpenID Connect: every request names its redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str | None:
        return scope  # what is granted is decided at sign-in, by the role

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in {"authorization_code", "refresh_token"}


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    login: Login
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.login.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class RefreshToken:
    client_id: str
    scope: str
    login: Login
    family: str
    """The code the chain of tokens started from: a replayed code revokes the chain."""

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Store:
    sessions: dict[str, Login] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    spent_codes: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)

    def logins(self) -> list[Login]:
        found = [
            *self.sessions.values(),
            *(c.login for c in self.codes.values()),
            *(r.login for r in self.refresh_tokens.values()),
        ]
        return list({id(login): login for login in found}.values())


# authlib's grants and extensions, completed.


class AuthorizationCode(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        server: Server = self.server
        login: Login = request.user
        server.store.codes[code] = Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=f"openid {server.config.role_scopes[login.role]}",
            nonce=request.payload.data["nonce"],
            code_challenge=request.payload.data["code_challenge"],
            code_challenge_method=request.payload.data["code_challenge_method"],
            login=login,
            expires_at=time.time() + CODE_SECONDS,
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        """A code is spent when first presented, whatever follows (a wrong verifier included);
        presented again, it revokes the refresh tokens issued for it (RFC 6749 §4.1.2)."""
        store: Store = self.server.store
        if code in store.spent_codes:
            store.refresh_tokens = {
                t: r for t, r in store.refresh_tokens.items() if r.family != code
            }
            return None
        found = store.codes.pop(code, None)
        if found is None:
            return None
        store.spent_codes.add(code)
        if found.client_id != client.client_id or found.expires_at < time.time():
            return None
        return found

    def delete_authorization_code(self, authorization_code: Code) -> None:
        pass  # already spent by query_authorization_code

    def authenticate_user(self, authorization_code: Code) -> Login:
        return authorization_code.login


class Refresh(RefreshTokenGrant):  # type: ignore[misc]
    """Rotation: each refresh returns a new refresh token and revokes the one presented."""

    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def issue_token(self, user: Login, refresh_token: RefreshToken) -> dict[str, Any]:
        """The granted scope again, even when the request names a narrower one (authlib's client
        sends its `scope`, often just `openid`): the role decides the scope, as at sign-in."""
        token: dict[str, Any] = self.generate_token(
            user=user, scope=refresh_token.get_scope(), include_refresh_token=True
        )
        return token

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        found: RefreshToken | None = self.server.store.refresh_tokens.get(refresh_token)
        return found

    def authenticate_user(self, refresh_token: RefreshToken) -> Login:
        return refresh_token.login

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        store: Store = self.server.store
        store.refresh_tokens = {
            t: r for t, r in store.refresh_tokens.items() if r is not refresh_token
        }


class S256Required(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 on every authorization request: authlib's check lets a confidential client
    leave it out, and takes a missing method for `plain`."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]

    def validate_code_challenge(self, grant: AuthorizationCode, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class OpenIDRules:
    """What OpenID Connect adds to the authorization request: `openid` in the scope, a state."""

    def __call__(self, grant: AuthorizationCode) -> None:
        grant.register_hook("after_validate_authorization_request_payload", self.validate)

    @staticmethod
    def validate(grant: AuthorizationCode, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if "openid" not in (data.get("scope") or "").split():
            raise InvalidScopeError("The scope must include 'openid'.")
        if not data.get("state"):
            raise InvalidRequestError("Missing 'state'.")


class IdTokens(OpenIDCode):  # type: ignore[misc]
    def __init__(self, server: "Server") -> None:
        super().__init__(require_nonce=True)
        self._server = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return any(c.nonce == nonce for c in self._server.store.codes.values())

    def resolve_client_private_key(self, client: Client) -> ECKey:
        return self._server.key

    def get_client_algorithm(self, client: Client) -> str:
        return "ES256"

    def get_encode_header(self, client: Client) -> dict[str, str]:
        return {"alg": "ES256", "kid": str(self._server.key.kid)}

    def get_client_claims(self, client: Client) -> dict[str, Any]:
        config = self._server.config
        now = int(time.time())
        return {
            "iss": config.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + config.id_token_seconds,
        }

    def generate_user_info(self, user: Login, scope: str) -> dict[str, str]:
        return {"sub": user.person, "ssi_party": user.party}


class AccessTokens(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens; a KeySet lets joserfc put the key's `kid` in the header."""

    def __init__(self, server: "Server") -> None:
        super().__init__(
            issuer=server.config.issuer,
            alg="ES256",
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=server.config.access_token_seconds,
        )
        self._server = server

    def get_jwks(self) -> KeySet:
        return KeySet([self._server.key])

    def get_audiences(self, client: Client, user: Login, scope: str) -> str:
        return self._server.config.audience

    def get_auth_time(self, user: Login) -> int:
        return user.auth_time

    def get_extra_claims(
        self, client: Client, grant_type: str, user: Login, scope: str
    ) -> dict[str, str]:
        return {"ssi_party": user.party}


# The Starlette glue.


class Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, params: QueryParams | FormData) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in params.multi_items():
            if isinstance(value, str):
                self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, request: Request, params: QueryParams | FormData) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self.payload = Payload(params)

    @property
    def args(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data

    @property
    def form(self) -> dict[str, str]:
        data: dict[str, str] = self.payload.data
        return data


class Server(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.store = Store()
        self.key = ECKey.generate_key(
            "P-256", {"alg": "ES256", "use": "sig"}, private=True, auto_kid=True
        )
        self.client = Client(config.client_id, config.client_secret, config.redirect_uris)
        self.register_grant(AuthorizationCode, [S256Required(), OpenIDRules(), IdTokens(self)])
        self.register_grant(Refresh)
        self.register_token_generator("default", AccessTokens(self))

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def query_client(self, client_id: str) -> Client | None:
        return self.client if client_id == self.client.client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        if "refresh_token" not in token:
            return
        family = (
            request.authorization_code.code
            if request.authorization_code is not None
            else request.refresh_token.family
        )
        self.store.refresh_tokens[token["refresh_token"]] = RefreshToken(
            request.client.client_id, token["scope"], request.user, family
        )

    def create_oauth2_request(self, request: StarletteRequest) -> StarletteRequest:
        return request  # the handlers build it: reading a form is asynchronous

    def handle_response(
        self, status: int, body: object, headers: Sequence[tuple[str, str]]
    ) -> Response:
        content = json.dumps(body) if isinstance(body, dict) else str(body or "")
        return Response(content, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        pass


def create_app(config: Config) -> Starlette:
    server = Server(config)
    store = server.store

    async def discovery(request: Request) -> JSONResponse:
        issuer = config.issuer
        scopes = {"openid", *" ".join(config.role_scopes.values()).split()}
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/authorize",
                "token_endpoint": f"{issuer}/token",
                "jwks_uri": f"{issuer}/jwks",
                "end_session_endpoint": f"{issuer}/logout",
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
                "token_endpoint_auth_methods_supported": AUTH_METHODS,
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": sorted(scopes),
                "claims_supported": ["aud", "auth_time", "iss", "nonce", "ssi_party", "sub"],
                "prompt_values_supported": ["none", "login"],
            }
        )

    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse(server.public_jwks())

    async def authorize(request: Request) -> Response:
        params = await request.form() if request.method == "POST" else request.query_params
        refusal = _refusal(config, params)
        if refusal is not None:
            return _page("Sign-in refused", f"<p>{html.escape(refusal)}</p>", status_code=400)
        oauth_request = StarletteRequest(request, params)
        session = request.cookies.get(SESSION_COOKIE, "")
        if request.method == "POST":
            return _sign_in(oauth_request, params, session)
        login = store.sessions.get(session)
        try:
            grant = server.get_consent_grant(oauth_request, end_user=login)
            fresh = _fresh_enough(login, params.get("max_age"))
            if login is not None and fresh and grant.prompt != "login":
                return _respond(server.create_authorization_response(oauth_request, login, grant))
            if params.get("prompt") == "none":
                raise LoginRequiredError()
        except OAuth2Error as error:
            return _error(oauth_request, error)
        return _sign_in_form(params)

    def _sign_in(
        oauth_request: StarletteRequest, form: QueryParams | FormData, old_session: str
    ) -> Response:
        """The form was posted: record the sign-in, start a browser session and issue a code."""
        person, party, role = (str(form.get(name, "")).strip() for name in FORM_FIELDS)
        problems = {}
        if not person or len(person) > 100 or not person.isprintable():
            problems["person"] = "Enter a name of at most 100 characters."
        if not PARTY_ID.fullmatch(party):
            problems["party"] = "Enter a party id of 4 upper-case letters or digits, like ABCD."
        if role not in config.role_scopes:
            problems["role"] = "Choose a role."
        if problems:
            return _sign_in_form(form, problems)
        login = Login(person, party, role, auth_time=int(time.time()))
        try:
            grant = server.get_consent_grant(oauth_request, end_user=login)
        except OAuth2Error as error:
            return _error(oauth_request, error)
        response = _respond(server.create_authorization_response(oauth_request, login, grant))
        if "code" in parse_qs(urlsplit(response.headers.get("location", "")).query):
            store.sessions.pop(old_session, None)
            session = secrets.token_urlsafe(32)  # a new session id at every sign-in
            store.sessions[session] = login
            response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="lax")
        return response

    def _error(oauth_request: StarletteRequest, error: OAuth2Error) -> Response:
        # The client and its redirect_uri were checked first (`_refusal`): errors may go there.
        error.redirect_uri = oauth_request.payload.data["redirect_uri"]
        error.state = oauth_request.payload.data.get("state")
        return _respond(server.handle_error_response(oauth_request, error))

    async def token(request: Request) -> Response:
        return _respond(
            server.create_token_response(StarletteRequest(request, await request.form()))
        )

    async def logout(request: Request) -> Response:
        params = await request.form() if request.method == "POST" else request.query_params
        store.sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        target, state = params.get("post_logout_redirect_uri"), params.get("state")
        response: Response
        if isinstance(target, str) and target in config.post_logout_redirect_uris:
            if isinstance(state, str):
                target += f"{'&' if '?' in target else '?'}{urlencode({'state': state})}"
            response = RedirectResponse(target, status_code=302)
        else:
            response = _page("Signed out", "<p>You are signed out of the test provider.</p>")
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def revoke(request: Request) -> JSONResponse:
        """Test only: revoke every refresh token."""
        revoked = len(store.refresh_tokens)
        store.refresh_tokens.clear()
        return JSONResponse({"revoked": revoked})

    async def age(request: Request) -> JSONResponse:
        """Test only: move every recorded sign-in `seconds` back (for `max_age`)."""
        seconds = request.query_params.get("seconds", "")
        if not seconds.isdigit():
            return JSONResponse({"error": "seconds must be a whole number"}, status_code=400)
        logins = store.logins()
        for login in logins:
            login.auth_time -= int(seconds)
        return JSONResponse({"aged": len(logins)})

    app = Starlette(
        routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/logout", logout, methods=["GET", "POST"]),
            Route("/control/revoke", revoke, methods=["POST"]),
            Route("/control/age", age, methods=["POST"]),
        ]
    )
    app.state.jwks = server.public_jwks()
    return app


def _respond(response: object) -> Response:
    assert isinstance(response, Response)  # what Server.handle_response made
    return response


def _refusal(config: Config, params: QueryParams | FormData) -> str | None:
    """Why the request cannot be answered at its redirect_uri: shown as a page instead."""
    if params.getlist("client_id") != [config.client_id]:
        return "The client_id is missing or unknown."
    redirect_uris = params.getlist("redirect_uri")
    if len(redirect_uris) != 1 or redirect_uris[0] not in config.redirect_uris:
        return "The redirect_uri is missing or not registered for this client."
    return None


def _fresh_enough(login: Login | None, max_age: object) -> bool:
    """Whether the sign-in is recent enough for the request's `max_age` (if it has one)."""
    if max_age is None:
        return True
    if not isinstance(max_age, str) or not max_age.isdigit():
        raise InvalidRequestError("'max_age' must be a whole number of seconds.")
    return login is not None and time.time() - login.auth_time <= int(max_age)


FORM_FIELDS = ("person", "party", "role")
ROLES = ("supplier", "operator")


def _sign_in_form(
    params: QueryParams | FormData, problems: Mapping[str, str] | None = None
) -> HTMLResponse:
    """The sign-in page. Its form repeats the authorization request in hidden fields, so that
    authlib validates the posted form as the request itself."""
    problems = problems or {}
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in params.multi_items()
        if isinstance(value, str) and name not in FORM_FIELDS
    )
    person, party, role = (str(params.get(name, "")) for name in FORM_FIELDS)

    def error(name: str) -> str:
        if name not in problems:
            return ""
        return f'<p id="{name}-error" class="error">{html.escape(problems[name])}</p>'

    def described(name: str, *hints: str) -> str:
        ids = [*hints, f"{name}-error"] if name in problems else list(hints)
        invalid = ' aria-invalid="true"' if name in problems else ""
        return f' aria-describedby="{" ".join(ids)}"{invalid}' if ids else ""

    options = "".join(
        f'<option value="{r}"{" selected" if r == role else ""}>{r.capitalize()}</option>'
        for r in ROLES
    )
    summary = (
        '<div role="alert"><h2>There is a problem</h2><ul>'
        + "".join(f'<li><a href="#{n}">{html.escape(m)}</a></li>' for n, m in problems.items())
        + "</ul></div>"
        if problems
        else ""
    )
    body = f"""{summary}
<p>Test identity provider: no password is asked.</p>
<form method="post" action="/authorize">{hidden}
<div><label for="person">Person</label>{error("person")}
<input id="person" name="person" value="{html.escape(person)}" required maxlength="100"
 autocomplete="username"{described("person")}></div>
<div><label for="party">Party</label>
<span id="party-hint">4 upper-case letters or digits, like ABCD</span>{error("party")}
<input id="party" name="party" value="{html.escape(party)}" required pattern="[A-Z0-9]{{4}}"
 maxlength="4"{described("party", "party-hint")}></div>
<div><label for="role">Role</label>{error("role")}
<select id="role" name="role"{described("role")}>{options}</select></div>
<div><button type="submit">Sign in</button></div>
</form>"""
    return _page("Sign in", body, status_code=400 if problems else 200)


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - test identity provider</title></head>
<body><main><h1>{html.escape(title)}</h1>
{body}
</main></body>
</html>
"""
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(document, status_code=status_code, headers=headers)


def write_jwks(path: Path, jwks: Mapping[str, Any]) -> None:
    """Writes the public keys whole or not at all: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(jwks, indent=2) + "\n")
    os.replace(partial, path)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.oidc.provider",
        description="A test-only OpenID Connect provider issuing RFC 9068 JWT access tokens.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address (the default)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--issuer", help="default: http://HOST:PORT")
    parser.add_argument("--audience", default="ssi", help="the access tokens' aud")
    parser.add_argument("--client-id", default="portal")
    parser.add_argument(
        "--client-secret-file", type=Path, required=True, help="holds the client secret"
    )
    parser.add_argument(
        "--redirect-uri", action="append", required=True, help="registered exactly; repeatable"
    )
    parser.add_argument(
        "--post-logout-redirect-uri", action="append", default=[], help="repeatable"
    )
    parser.add_argument("--jwks-out", type=Path, help="the public JWKS is written here")
    parser.add_argument("--access-token-seconds", type=int, default=300)
    parser.add_argument("--id-token-seconds", type=int, default=300)
    parser.add_argument("--supplier-scopes", default=SUPPLIER_SCOPES)
    parser.add_argument("--operator-scopes", default=OPERATOR_SCOPES)
    args = parser.parse_args(argv)
    if not _loopback(args.host):
        parser.error("--host must be a loopback address: this provider is for tests only")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    secret = args.client_secret_file.read_text().strip()
    if not secret:
        raise SystemExit(f"{args.client_secret_file} holds no client secret")
    authority = f"[{args.host}]" if ":" in args.host else args.host
    config = Config(
        issuer=(args.issuer or f"http://{authority}:{args.port}").rstrip("/"),
        audience=args.audience,
        client_id=args.client_id,
        client_secret=secret,
        redirect_uris=tuple(args.redirect_uri),
        post_logout_redirect_uris=tuple(args.post_logout_redirect_uri),
        access_token_seconds=args.access_token_seconds,
        id_token_seconds=args.id_token_seconds,
        role_scopes={"supplier": args.supplier_scopes, "operator": args.operator_scopes},
    )
    app = create_app(config)
    if args.jwks_out is not None:
        write_jwks(args.jwks_out, app.state.jwks)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
