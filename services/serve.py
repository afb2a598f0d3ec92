"""`python -m services.serve MODULE:FACTORY HOST PORT`: one service under uvicorn, JSON logs."""

import sys

import uvicorn

from services.common.logs import configure_logging


def main() -> None:
    app, host, port = sys.argv[1:4]
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=int(port),
        log_config=configure_logging(),
        timeout_graceful_shutdown=15,
    )


if __name__ == "__main__":
    main()
