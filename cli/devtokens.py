"""`ssi token`: which development secret the services are using, wherever `ssi` is run from.

A token is only useful signed with the secret the running services hold: `SSI_JWT_SECRET`, or
the `jwt-secret` file the dev server generates under its SSI_DATA_DIR (`var/` at the repository
root for `make run`). So the secret is looked for, never made: a fresh one in the current
directory would sign tokens that every service refuses.
"""

import tomllib
from pathlib import Path

from shared.settings import CommonSettings

FILE_NAME = "jwt-secret"
PROJECT = "ssi-incident-route"
"""The name in this project's pyproject.toml: how the repository root is recognised."""
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""Where `ssi` is installed from: the repository root when installed with the project."""


class SecretNotFound(Exception):
    """Where the secret was looked for, in words: `looked` lists the places."""

    def __init__(self, looked: list[str]) -> None:
        self.looked = looked
        super().__init__(
            f"no development secret: looked {'; '.join(looked)}; start the services once "
            "(`make run` writes var/jwt-secret), or set SSI_DATA_DIR or SSI_JWT_SECRET"
        )


def find_secret(common: CommonSettings, cwd: Path) -> str:
    """SSI_JWT_SECRET; else the file under SSI_DATA_DIR if that is set; else `var/jwt-secret` in
    `cwd` or the nearest directory above it (up to this project's root), then at the installed
    package's root."""
    if common.jwt_secret:
        return common.jwt_secret
    if "data_dir" in common.model_fields_set:
        # Chosen explicitly: any other secret would be another deployment's.
        path = (cwd / common.data_dir / FILE_NAME).resolve()
        if path.is_file():
            return path.read_text().strip()
        raise SecretNotFound([f"at {path} (SSI_DATA_DIR)"])
    here = cwd.resolve()
    top = here
    for top in (here, *here.parents):
        path = top / "var" / FILE_NAME
        if path.is_file():
            return path.read_text().strip()
        if _is_this_project(top / "pyproject.toml"):
            break
    looked = [f"for var/{FILE_NAME} in {here}" + (f" and up to {top}" if top != here else "")]
    walked_through = here.is_relative_to(PACKAGE_ROOT) and PACKAGE_ROOT.is_relative_to(top)
    if not walked_through:
        installed = PACKAGE_ROOT / "var" / FILE_NAME
        if installed.is_file():
            return installed.read_text().strip()
        looked.append(f"at {installed} (where ssi is installed)")
    raise SecretNotFound(looked)


def _is_this_project(pyproject: Path) -> bool:
    try:
        return bool(tomllib.loads(pyproject.read_text())["project"]["name"] == PROJECT)
    except (OSError, ValueError, KeyError, TypeError):
        return False
