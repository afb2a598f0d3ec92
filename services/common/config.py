"""Start-up checks both services make: outside development, no shortcuts (DESIGN §5)."""

import httpx

from services.common.db import is_sqlite
from shared.settings import CommonSettings
from shared.tokens import TokenVerifier, load_jwks


class ConfigurationError(RuntimeError):
    """The deployment's configuration is unsafe or incomplete; the service will not start."""


def check_database(common: CommonSettings, url: str, variable: str) -> None:
    if not common.development and is_sqlite(url):
        raise ConfigurationError(f"SQLite is for development: set {variable}")


def build_verifier(common: CommonSettings) -> TokenVerifier:
    if common.development:
        return TokenVerifier(
            audience=common.jwt_audience,
            issuer=common.jwt_issuer,
            hs256_secret=common.dev_jwt_secret(),
        )
    if common.jwt_secret:
        raise ConfigurationError("SSI_JWT_SECRET (HS256) is for development only")
    if common.jwt_jwks_file is not None:
        jwks = load_jwks(common.jwt_jwks_file)
    elif common.jwt_jwks_url:
        jwks = httpx.get(common.jwt_jwks_url, timeout=10).raise_for_status().json()["keys"]
    else:
        raise ConfigurationError("set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development")
    return TokenVerifier(audience=common.jwt_audience, issuer=common.jwt_issuer, jwks=jwks)
