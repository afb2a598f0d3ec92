"""`python -m portal.migrate [upgrade | check | revision -m MSG]`: the portal's own database."""

import sys
from pathlib import Path

from portal.settings import Settings
from services.common import migrations
from services.common.config import ConfigurationError, check_database, load_settings

SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.main(SCRIPTS, url, ["upgrade"])


def main(argv: list[str]) -> None:
    try:
        settings = load_settings(Settings)
        url = settings.resolved_database_url()
        check_database(settings.common, url, "PORTAL_DATABASE_URL")
    except ConfigurationError as exc:
        raise SystemExit("\n".join(f"migrate: will not run: {p}" for p in exc.problems)) from None
    migrations.main(SCRIPTS, url, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
