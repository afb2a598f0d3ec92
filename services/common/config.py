"""Start-up checks both services make: outside development, no shortcuts (DESIGN §5).

`production_problems` finds every reason at once, so that an operator fixes a deployment in one
round rather than one restart per missing variable; `services.serve` prints them one a line
before it starts a service, and `migrate` refuses SQLite the same way.
"""

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

from services.common.db import is_sqlite
from shared.settings import CommonSettings
from shared.tokens import TokenVerifier, load_jwks

S = TypeVar("S", bound=BaseSettings)


class ConfigurationError(RuntimeError):
    """The deployment's configuration is unsafe or incomplete; the service will not start.

    `problems` holds every reason found, each one readable line that names the setting.
    """

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))


def database_problem(common: CommonSettings, url: str, variable: str) -> str | None:
    if not common.development and is_sqlite(url):
        return f"SQLite is for development: set {variable} to a PostgreSQL URL"
    return None


def check_database(common: CommonSettings, url: str, variable: str) -> None:
    problem = database_problem(common, url, variable)
    if problem is not None:
        raise ConfigurationError(problem)


def production_problems(
    common: CommonSettings, url: str, variable: str, required: Mapping[str, object]
) -> list[str]:
    """Every reason a service may not start on these settings: its database (`url`, set by
    `variable`), the token keys, and each of `required` (setting name: value) left empty."""
    if common.development:
        return []
    problems = [p for p in (database_problem(common, url, variable),) if p is not None]
    if common.jwt_secret:
        problems.append("SSI_JWT_SECRET (HS256) is for development only: unset it")
    if common.jwt_jwks_file is None and not common.jwt_jwks_url:
        problems.append("set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development")
    elif common.jwt_jwks_file is not None and not common.jwt_jwks_file.is_file():
        problems.append(f"SSI_JWT_JWKS_FILE: there is no file {common.jwt_jwks_file}")
    problems += [f"{name} is required outside development" for name, v in required.items() if not v]
    return problems


def load_settings(settings: type[S]) -> S:
    """`settings()`, with a malformed value a ConfigurationError naming the variable: never its
    value, which may be a secret."""
    try:
        return settings()
    except ValidationError as exc:
        title = exc.title  # the model at fault: the service's settings or nested ones
        prefix = _prefix(settings, lambda model: model.__name__ == title)
        raise ConfigurationError(
            *(f"{_variable(prefix, e['loc'])}: {e['msg']}" for e in exc.errors())
        ) from None
    except SettingsError as exc:
        # pydantic-settings names the field in its message, never the value.
        found = re.search(r'field "(\w+)"', str(exc))
        field = found.group(1) if found else ""
        prefix = _prefix(settings, lambda model: field in model.model_fields)
        raise ConfigurationError(f"{_variable(prefix, (field,))}: cannot be read") from None


def _prefix(settings: type[BaseSettings], owns: Callable[[type[BaseSettings]], bool]) -> str:
    """The environment prefix of the service's settings, or of the nested ones that `owns`."""
    for field in settings.model_fields.values():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseSettings) and owns(model):
            return str(model.model_config.get("env_prefix", ""))
    return str(settings.model_config.get("env_prefix", ""))


def _variable(prefix: str, loc: tuple[int | str, ...]) -> str:
    name = str(loc[0]).upper() if loc and loc[0] else ""
    if not name:
        return f"a {prefix}* setting"
    return name if name.startswith("SSI_") else prefix + name  # an alias is the name in full


def build_verifier(common: CommonSettings) -> TokenVerifier:
    """The token verifier for these settings. Outside development: the JWKS keys alone (RS256,
    ES256). In development: the HS256 development secret, and also the keys of
    SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL where one is set, so that the portal's OpenID Connect
    journey can be tried against a provider (DESIGN §8). Both kinds of token then need the same
    audience and issuer: set SSI_JWT_ISSUER to the provider's issuer."""
    if common.development:
        return TokenVerifier(
            audience=common.jwt_audience,
            issuer=common.jwt_issuer,
            hs256_secret=common.dev_jwt_secret(),
            jwks=_jwks(common) or (),
        )
    if common.jwt_secret:
        raise ConfigurationError("SSI_JWT_SECRET (HS256) is for development only")
    jwks = _jwks(common)
    if jwks is None:
        raise ConfigurationError("set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development")
    return TokenVerifier(audience=common.jwt_audience, issuer=common.jwt_issuer, jwks=jwks)


def _jwks(common: CommonSettings) -> list[dict[str, Any]] | None:
    """The keys of SSI_JWT_JWKS_FILE, else of SSI_JWT_JWKS_URL; None when neither is set. A file
    or document that cannot be read is a ConfigurationError naming the variable."""
    if common.jwt_jwks_file is not None:
        try:
            return load_jwks(common.jwt_jwks_file)
        except (OSError, ValueError, KeyError, TypeError):
            raise ConfigurationError(
                f"SSI_JWT_JWKS_FILE: {common.jwt_jwks_file} is not a readable JWKS file"
            ) from None
    if common.jwt_jwks_url:
        try:
            keys = httpx.get(common.jwt_jwks_url, timeout=10).raise_for_status().json()["keys"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            # Not the URL itself: it may carry credentials.
            raise ConfigurationError("SSI_JWT_JWKS_URL: no JWKS could be read from it") from None
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise ConfigurationError("SSI_JWT_JWKS_URL: its `keys` is not a list of keys")
        return keys
    return None
