"""Outside development the API refuses to start on unsafe configuration (DESIGN §5)."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from services import serve
from services.common.clock import FrozenClock
from services.common.config import ConfigurationError, build_verifier, load_settings
from services.common.crypto import KeyRing, KeyRingError
from services.incident_api import migrate
from services.incident_api.app import build_runtime, create_app
from services.incident_api.incidents.service import code_context
from services.incident_api.settings import Settings
from shared.settings import CommonSettings
from tests.incident_api.world import raise_incident, seed
from tests.processes import API_APP, ROOT
from tests.receiver import free_port
from tests.tokens import Tokens

POSTGRES = "postgresql+asyncpg://ssi@db.invalid/ssi"
KEYS = "k1:" + base64.b64encode(os.urandom(32)).decode()


def production(tmp_path: Path, keys: str | None = None, **common: object) -> Settings:
    values: dict[str, object] = {"env": "production", "data_dir": tmp_path, **common}
    # The key ring is set by its environment name, the only one it has; given explicitly (None
    # included) so a developer's own SSI_INSTALL_CODE_KEYS never decides a test.
    return Settings(
        common=CommonSettings(**values),  # type: ignore[arg-type]
        database_url=POSTGRES,
        SSI_INSTALL_CODE_KEYS=keys,
    )


def test_sqlite_is_refused_in_production(tmp_path: Path) -> None:
    settings = production(tmp_path)
    settings.database_url = None
    with pytest.raises(ConfigurationError, match="SQLite"):
        create_app(settings)


def test_hs256_secret_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HS256"):
        build_verifier(production(tmp_path, jwt_secret="s3cret").common)


def test_a_jwks_is_required_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="JWKS"):
        build_verifier(production(tmp_path).common)


def test_install_code_keys_are_required_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SSI_INSTALL_CODE_KEYS"):
        build_runtime(production(tmp_path))
    assert not (tmp_path / "install-code-keys").exists()


def test_production_starts_with_a_key_ring(tmp_path: Path) -> None:
    runtime = build_runtime(production(tmp_path, KEYS))
    sealed = runtime.keyring.seal(b"\x01" * 16, "incident|1")
    assert runtime.keyring.open(sealed, "incident|1") == b"\x01" * 16


def test_the_key_ring_is_the_apis_own_setting_under_its_design_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Least privilege: the key ring that opens install codes is the API's alone, so the shared
    settings (which the notifier and the command line also read) have no place for it."""
    monkeypatch.setenv("SSI_INSTALL_CODE_KEYS", KEYS)
    # DESIGN fixes the name: the service's own prefix is not a second way to set it.
    monkeypatch.setenv(
        "INCIDENT_API_INSTALL_CODE_KEYS", "k9:" + base64.b64encode(bytes(32)).decode()
    )
    assert Settings().install_code_keys == KEYS
    assert "install_code_keys" not in CommonSettings.model_fields
    assert KEYS not in CommonSettings().model_dump_json()


def test_development_generates_its_keys_once(tmp_path: Path) -> None:
    settings = Settings(common=CommonSettings(env="development", data_dir=tmp_path))
    first = build_runtime(settings).keyring.seal(b"\x02" * 16, "i|1")
    assert build_runtime(settings).keyring.open(first, "i|1") == b"\x02" * 16
    assert (tmp_path / "install-code-keys").stat().st_mode & 0o077 == 0


def test_key_rotation_keeps_old_codes_readable() -> None:
    old, new = os.urandom(32), os.urandom(32)
    b64 = base64.b64encode
    before = KeyRing.parse(f"old:{b64(old).decode()}")
    sealed = before.seal(b"\x03" * 16, "i|1")
    after = KeyRing.parse(f"new:{b64(new).decode()},old:{b64(old).decode()}")
    assert after.open(sealed, "i|1") == b"\x03" * 16
    assert after.seal(b"\x03" * 16, "i|1").key_id == "new"


def test_a_code_is_bound_to_its_incident_and_clock() -> None:
    ring = KeyRing.parse(KEYS)
    sealed = ring.seal(b"\x04" * 16, code_context("incident-a", 1))
    with pytest.raises(InvalidTag):
        ring.open(sealed, code_context("incident-b", 1))
    with pytest.raises(InvalidTag):
        ring.open(sealed, code_context("incident-a", 2))


@pytest.mark.parametrize("spec", ["", "nokey", "k1:not-base64!", "k1:" + "QUFB"])
def test_malformed_key_rings_are_refused(spec: str) -> None:
    with pytest.raises(KeyRingError):
        KeyRing.parse(spec)


@pytest.fixture
def empty_database(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'own.db'}"
    migrate.upgrade(url)
    return url


async def test_the_policy_for_new_clocks_is_a_setting(
    api_settings: Settings, clock: FrozenClock, tokens: Tokens, empty_database: str
) -> None:
    settings = api_settings.model_copy(
        update={"default_policy": "secas-interim", "database_url": empty_database}
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as api:
            await seed(api, tokens)
            incident = await raise_incident(api, tokens)
    # Raised Wednesday 10 June 2026: ten Working Days later is the end of Wednesday 24 June.
    assert (incident["policy"], incident["due_at"]) == ("secas-interim", "2026-06-24T23:00:00Z")


@pytest.mark.parametrize(
    "values",
    [
        {"default_policy": "fortnight"},
        {"policies": {"mp121": 0}},
        {"warn_remaining_working_days": [0]},
    ],
)
def test_bad_sla_settings_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**values)  # type: ignore[arg-type]


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The process's environment without any setting of ours, as a deployment that forgot them."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INCIDENT_API_", "NOTIFIER_", "SSI_"))
    }
    return {**env, "SSI_ENV": "production", "SSI_DATA_DIR": str(data_dir), **extra}


def test_every_refusal_is_listed_at_once(tmp_path: Path) -> None:
    """One round of fixes, not one restart per missing variable."""
    settings = production(tmp_path, jwt_secret="s3cret")
    settings.database_url = None
    assert serve.refusals(settings) == [
        "SQLite is for development: set INCIDENT_API_DATABASE_URL to a PostgreSQL URL",
        "SSI_JWT_SECRET (HS256) is for development only: unset it",
        "set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside development",
        "SSI_INSTALL_CODE_KEYS is required outside development",
    ]
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    complete = production(tmp_path, KEYS, jwt_jwks_file=jwks)
    assert serve.refusals(complete) == []
    missing_file = production(tmp_path, KEYS, jwt_jwks_file=tmp_path / "nowhere.json")
    assert serve.refusals(missing_file) == [
        f"SSI_JWT_JWKS_FILE: there is no file {tmp_path / 'nowhere.json'}"
    ]
    assert serve.refusals(Settings(common=CommonSettings(env="development"))) == []


def test_serve_prints_each_refusal_on_a_line_of_its_own(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.serve", API_APP, "127.0.0.1", str(free_port())],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert done.stderr.splitlines() == [
        "incident_api: will not start: SQLite is for development: set INCIDENT_API_DATABASE_URL"
        " to a PostgreSQL URL",
        "incident_api: will not start: set SSI_JWT_JWKS_FILE or SSI_JWT_JWKS_URL outside"
        " development",
        "incident_api: will not start: SSI_INSTALL_CODE_KEYS is required outside development",
    ]
    assert not list(tmp_path.iterdir())  # no database, no generated key


def test_a_malformed_setting_is_named_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENT_API_RETENTION_DAYS", "k1-secretish")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(Settings)
    [problem] = refused.value.problems
    assert problem.startswith("INCIDENT_API_RETENTION_DAYS: ")
    assert "secretish" not in problem
    monkeypatch.delenv("INCIDENT_API_RETENTION_DAYS")
    monkeypatch.setenv("SSI_EXTRA_NON_WORKING_DAYS", "not json, k1-secretish")
    with pytest.raises(ConfigurationError) as refused:
        load_settings(Settings)
    assert refused.value.problems == ["SSI_EXTRA_NON_WORKING_DAYS: cannot be read"]


def test_migrate_refuses_sqlite_outside_development(tmp_path: Path) -> None:
    """As the service does: a migrated SQLite file would only be refused at start."""
    done = subprocess.run(
        [sys.executable, "-m", "services.incident_api.migrate", "upgrade"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "migrate: will not run: SQLite is for development: set INCIDENT_API_DATABASE_URL to a"
        " PostgreSQL URL"
    ]
    assert not list(tmp_path.iterdir())
    # In development, SQLite is the embedded default.
    developing = production_env(tmp_path, SSI_ENV="development")
    subprocess.run(
        [sys.executable, "-m", "services.incident_api.migrate", "upgrade"],
        cwd=ROOT,
        env=developing,
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert (tmp_path / "incident_api.db").exists()
