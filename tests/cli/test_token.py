"""`ssi token` signs with the secret the services use, found from wherever it is run; it never
makes one of its own (a fresh secret in the current directory signs tokens every service refuses).
"""

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli import devtokens
from cli.main import app
from shared.tokens import OPERATOR_SCOPES, PARTY_SCOPES, TokenVerifier

runner = CliRunner()
PYPROJECT = '[project]\nname = "ssi-incident-route"\n'
PROJECT_SECRET = "the-project-secret"


@pytest.fixture(autouse=True)
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No secret from the environment, nor from where this suite's `ssi` is installed."""
    monkeypatch.delenv("SSI_JWT_SECRET", raising=False)
    monkeypatch.delenv("SSI_DATA_DIR", raising=False)
    installed = tmp_path / "installed"
    installed.mkdir()
    monkeypatch.setattr(devtokens, "PACKAGE_ROOT", installed)
    return installed


def project(root: Path, secret: str | None = PROJECT_SECRET) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    if secret is not None:
        (root / "var").mkdir()
        (root / "var" / "jwt-secret").write_text(secret + "\n")
    return root


def mint(cwd: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Result:
    monkeypatch.chdir(cwd)
    return runner.invoke(app, ["token", "--party", "GSUP"], env=env)


def signed_with(result: Result, secret: str) -> bool:
    assert result.exit_code == 0, result.output
    verifier = TokenVerifier(audience="ssi", issuer="ssi-dev", hs256_secret=secret)
    return verifier.verify(result.stdout.strip()).subject == "GSUP"


def test_below_the_repository_root_the_projects_secret_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "repo")
    deep = root / "services" / "notifier"
    deep.mkdir(parents=True)
    assert signed_with(mint(deep, monkeypatch), PROJECT_SECRET)
    assert not (deep / "var").exists()


def test_outside_the_repository_the_installed_projects_secret_is_found(
    tmp_path: Path, nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project(nowhere, "the-installed-secret")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert signed_with(mint(elsewhere, monkeypatch), "the-installed-secret")
    assert not (elsewhere / "var").exists()


def test_without_a_secret_it_says_where_it_looked_and_makes_none(
    tmp_path: Path, nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "repo", secret=None)
    inside = root / "cli"
    inside.mkdir()
    result = mint(inside, monkeypatch)
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("ssi: error: no development secret: looked for var/jwt-secret in ")
    assert f"in {inside} and up to {root};" in line  # the walk stops at the project's root
    assert str(nowhere / "var" / "jwt-secret") in line
    assert "make run" in line
    assert not (inside / "var").exists()
    assert not (root / "var").exists()


def test_ssi_data_dir_is_the_only_place_looked_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "repo")
    data = tmp_path / "data"
    data.mkdir()
    (data / "jwt-secret").write_text("the-data-dir-secret")
    assert signed_with(mint(root, monkeypatch, SSI_DATA_DIR=str(data)), "the-data-dir-secret")

    empty = tmp_path / "empty"
    result = mint(root, monkeypatch, SSI_DATA_DIR=str(empty))
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert f"looked at {empty / 'jwt-secret'} (SSI_DATA_DIR)" in line
    assert not empty.exists()


def test_ssi_jwt_secret_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "repo")
    result = mint(root, monkeypatch, SSI_JWT_SECRET="from-the-environment")
    assert signed_with(result, "from-the-environment")


def test_operator_goes_with_a_party(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project(tmp_path / "repo"))
    result = runner.invoke(app, ["token", "--admin", "--operator"])
    assert result.exit_code == 1
    assert result.stderr == "ssi: error: --operator goes with --party\n"


def test_person_mints_a_persons_token_for_the_party(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project(tmp_path / "repo"))
    verifier = TokenVerifier(audience="ssi", issuer="ssi-dev", hs256_secret=PROJECT_SECRET)
    result = runner.invoke(app, ["token", "--party", "GSUP", "--person", "Jane Doe"])
    assert result.exit_code == 0, result.output
    claims = verifier.verify(result.stdout.strip())
    assert (claims.subject, claims.party) == ("Jane Doe", "GSUP")
    assert claims.scopes == frozenset(PARTY_SCOPES)

    result = runner.invoke(app, ["token", "--party", "DCCO", "--operator", "--person", "desk-7"])
    assert result.exit_code == 0, result.output
    claims = verifier.verify(result.stdout.strip())
    assert (claims.subject, claims.party, claims.scopes) == (
        "desk-7",
        "DCCO",
        frozenset(OPERATOR_SCOPES),
    )
    # Without --person, a party's token as before: no ssi_party.
    result = runner.invoke(app, ["token", "--party", "GSUP"])
    assert verifier.verify(result.stdout.strip()).party is None


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--admin", "--person", "jane"], "--person goes with --party"),
        (["--service", "notifier", "--person", "jane"], "--person goes with --party"),
        (["--party", "gsup", "--person", "jane"], "--party: a party id is 4 upper-case"),
        (["--party", "GSUP", "--person", "admin"], "--person: the name may not be admin"),
        (["--party", "GSUP", "--person", "svc:portal"], "--person: the name may not be admin"),
        (["--party", "GSUP", "--person", ""], "--person: the name is empty"),
        (["--party", "GSUP", "--person", "x" * 256], "--person: the name is longer than 255"),
    ],
)
def test_person_is_checked_before_anything_is_minted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], error: str
) -> None:
    monkeypatch.chdir(project(tmp_path / "repo"))
    result = runner.invoke(app, ["token", *args])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"ssi: error: {error}")
