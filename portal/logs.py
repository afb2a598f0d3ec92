"""The access log without the query of pages whose query is a credential.

uvicorn logs each request's path with its query string (`uvicorn.access`). The link mailed to a
new email endpoint carries its confirmation token in the query (`/endpoints/confirm?token=`): the
line keeps the path and drops the query, so the token is in no log line.
"""

import logging

SECRET_QUERIES = ("/endpoints/confirm",)
ACCESS_LOGGER = "uvicorn.access"


class HideSecretQueries(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_hidden(a) for a in record.args)
        return True


def _hidden(arg: object) -> object:
    if isinstance(arg, str) and "?" in arg:
        path = arg.split("?", 1)[0]
        if path in SECRET_QUERIES:
            return f"{path}?(hidden)"
    return arg


FILTER = HideSecretQueries()


def hide_secret_queries() -> None:
    """Once per process, however many apps are made in it (`addFilter` adds a filter once)."""
    logging.getLogger(ACCESS_LOGGER).addFilter(FILTER)
