"""`python -m services.incident_api.migrate [upgrade | check | revision -m MSG]`."""

import sys
from pathlib import Path

from services.common import migrations
from services.common.config import ConfigurationError, check_database, load_settings
from services.incident_api.settings import Settings

SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.main(SCRIPTS, url, ["upgrade"])


def main(argv: list[str]) -> None:
    """Refuses SQLite outside development as the service does, rather than migrate a database
    the service would then refuse to use."""
    try:
        settings = load_settings(Settings)
        url = settings.resolved_database_url()
        check_database(settings.common, url, "INCIDENT_API_DATABASE_URL")
    except ConfigurationError as exc:
        raise SystemExit("\n".join(f"migrate: will not run: {p}" for p in exc.problems)) from None
    migrations.main(SCRIPTS, url, argv)


if __name__ == "__main__":
    main(sys.argv[1:])
