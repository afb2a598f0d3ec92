"""`python -m services.incident_api.migrate [upgrade | check | revision -m MSG]`."""

import sys
from pathlib import Path

from services.common import migrations
from services.incident_api.settings import Settings

SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.main(SCRIPTS, url, ["upgrade"])


if __name__ == "__main__":
    migrations.main(SCRIPTS, Settings().resolved_database_url(), sys.argv[1:])
