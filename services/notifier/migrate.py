"""`python -m services.notifier.migrate [upgrade | check | revision -m MSG]`."""

import sys
from pathlib import Path

from services.common import migrations
from services.notifier.settings import Settings

SCRIPTS = Path(__file__).parent / "migrations"


def upgrade(url: str) -> None:
    migrations.main(SCRIPTS, url, ["upgrade"])


if __name__ == "__main__":
    migrations.main(SCRIPTS, Settings().resolved_database_url(), sys.argv[1:])
