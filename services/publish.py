"""The published contract (DESIGN §9): `openapi/*.json`, written from the running code.

`python -m services.publish` rewrites them (`make openapi`); `--check` says which differ and
exits 1, as the test does. The documents describe a development deployment, so they include
the test clock's routes, which production does not mount (404 there).
"""

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.settings import CommonSettings

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ROOT / "openapi"


def _api(common: CommonSettings) -> FastAPI:
    from services.incident_api.app import create_app
    from services.incident_api.settings import Settings

    return create_app(Settings(common=common))


def _notifier(common: CommonSettings) -> FastAPI:
    from services.notifier.app import create_app
    from services.notifier.settings import Settings

    return create_app(Settings(common=common))


APPS: dict[str, Callable[[CommonSettings], FastAPI]] = {
    "incident_api": _api,
    "notifier": _notifier,
}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[Path, str]:
    """Each document's path and text, as the code describes it now."""
    with tempfile.TemporaryDirectory() as data_dir:
        common = CommonSettings(
            env="development", data_dir=Path(data_dir), jwt_secret="publish-" + "x" * 32
        )
        return {
            DOCUMENTS / f"{name}.json": render(app(common).openapi()) for name, app in APPS.items()
        }


def main(argv: list[str]) -> int:
    stale = [
        path for path, text in documents().items() if not path.exists() or path.read_text() != text
    ]
    if "--check" in argv:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} differs from the code: run `make openapi`",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path, text in documents().items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
