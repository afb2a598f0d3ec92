from alembic import context

from portal.sessions.models import Table
from services.common.migrations import run_env

run_env(context, Table.metadata)  # type: ignore[arg-type]  # alembic proxies the context module
