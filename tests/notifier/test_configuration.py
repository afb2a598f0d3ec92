"""Outside development the notifier refuses to start on unsafe or missing configuration."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from services import serve
from services.common.config import ConfigurationError, build_verifier
from services.notifier.app import create_app
from services.notifier.settings import Settings
from shared.settings import CommonSettings
from tests.processes import NOTIFIER_APP, ROOT
from tests.receiver import free_port

POSTGRES = "postgresql+asyncpg://ssi@db.invalid/notifier"
KEYS = "k1:" + base64.b64encode(os.urandom(32)).decode()


def production(tmp_path: Path, **values: object) -> Settings:
    common = CommonSettings(env="production", data_dir=tmp_path)
    fields: dict[str, object] = {
        "common": common,
        "database_url": POSTGRES,
        "secret_keys": KEYS,
        "api_token": "a-token-from-the-identity-provider",
        **values,
    }
    return Settings(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"database_url": None}, "SQLite is for development"),
        ({"secret_keys": None}, "NOTIFIER_SECRET_KEYS is required"),
        ({"api_token": None}, "NOTIFIER_API_TOKEN is required"),
    ],
)
def test_production_refuses_what_development_would_make_up(
    tmp_path: Path, values: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app(production(tmp_path, **values))


def test_production_refuses_an_hs256_secret(tmp_path: Path) -> None:
    settings = production(tmp_path)
    common = settings.common.model_copy(update={"jwt_secret": "s3cret"})
    with pytest.raises(ConfigurationError, match="HS256"):
        build_verifier(common)


def test_production_starts_with_everything_given(tmp_path: Path) -> None:
    app = create_app(production(tmp_path))
    assert "/v1/test-clock" not in app.openapi()["paths"]


def setting_names(model: type[BaseModel]) -> set[str]:
    """Every field of a settings class, nested settings included."""
    names = set(model.model_fields)
    for field in model.model_fields.values():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names |= setting_names(field.annotation)
    return names


def test_the_notifier_has_no_install_code_key_ring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Least privilege: the notifier calls supplier-chosen URLs, so it is the service most exposed
    to SSRF; it has no setting for the key ring that opens install codes and starts without it."""
    monkeypatch.delenv("SSI_INSTALL_CODE_KEYS", raising=False)
    assert not {n for n in setting_names(Settings) if "install_code" in n}
    app = create_app(production(tmp_path))
    assert "/v1/test-clock" not in app.openapi()["paths"]


def test_a_key_ring_in_the_notifiers_environment_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should a deployment still hand it over, it stays out of the notifier's settings.
    install_code_keys = "k1:" + base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("SSI_INSTALL_CODE_KEYS", install_code_keys)
    settings = production(tmp_path)
    assert install_code_keys not in settings.model_dump_json()


def test_every_refusal_is_listed_at_once(tmp_path: Path) -> None:
    """One round of fixes, not one restart per missing variable."""
    settings = production(tmp_path, database_url=None, secret_keys=None, api_token=None)
    assert serve.refusals(settings) == [
        "SQLite is for development: set NOTIFIER_DATABASE_URL to a PostgreSQL URL",
        "set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development",
        "NOTIFIER_SECRET_KEYS is required outside development",
        "NOTIFIER_API_TOKEN is required outside development",
    ]
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    given = production(tmp_path)
    given.common = given.common.model_copy(update={"jwt_jwks_file": jwks})
    assert serve.refusals(given) == []


def test_serve_and_migrate_refuse_in_one_line_each(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INCIDENT_API_", "NOTIFIER_", "SSI_"))
    }
    env.update(SSI_ENV="production", SSI_DATA_DIR=str(tmp_path), NOTIFIER_API_TOKEN="t")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    served = run("services.serve", NOTIFIER_APP, "127.0.0.1", str(free_port()))
    assert served.returncode != 0
    assert served.stderr.splitlines() == [
        "notifier: will not start: SQLite is for development: set NOTIFIER_DATABASE_URL to a"
        " PostgreSQL URL",
        "notifier: will not start: set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development",
        "notifier: will not start: NOTIFIER_SECRET_KEYS is required outside development",
    ]
    migrated = run("services.notifier.migrate", "upgrade")
    assert migrated.returncode == 1
    assert migrated.stderr.splitlines() == [
        "migrate: will not run: SQLite is for development: set NOTIFIER_DATABASE_URL to a"
        " PostgreSQL URL"
    ]
    assert not list(tmp_path.iterdir())  # no database was made
