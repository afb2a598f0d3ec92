"""`make run`: the services on the embedded default (SQLite under SSI_DATA_DIR), development mode.

Migrates each database, prints how to mint a token, then serves the incident API on :8000.
Ctrl-C stops everything.
"""

import os

import uvicorn

from services.common.logs import configure_logging
from services.incident_api import migrate
from services.incident_api.settings import Settings
from shared.settings import CommonSettings


def main() -> None:
    os.environ.setdefault("SSI_ENV", "development")
    common = CommonSettings()
    common.dev_jwt_secret()  # generated once under SSI_DATA_DIR unless SSI_JWT_SECRET is set
    api = Settings()
    migrate.upgrade(api.resolved_database_url())
    print(
        "\nSSI development services (SSI_ENV=development, data in "
        f"{common.data_dir}/)\n"
        "  incident API  http://127.0.0.1:8000   docs: http://127.0.0.1:8000/docs\n\n"
        "Mint a token (signed with the development secret):\n"
        "  .venv/bin/ssi token --admin                 # bootstrap parties and inventory\n"
        "  .venv/bin/ssi token --party GSUP            # a supplier\n"
        "  .venv/bin/ssi token --party DCCO --operator # an operator\n",
        flush=True,
    )
    uvicorn.run(
        "services.incident_api.app:create_app",
        factory=True,
        host=os.environ.get("SSI_HOST", "127.0.0.1"),
        port=int(os.environ.get("INCIDENT_API_PORT", "8000")),
        log_level="info",
        log_config=configure_logging(),
    )


if __name__ == "__main__":
    main()
