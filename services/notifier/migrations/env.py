"""Alembic's environment for the notifier's migrations: every table of `models`."""

from alembic import context

from services.common.migrations import run_env
from services.notifier.models import metadata

run_env(context, metadata)  # type: ignore[arg-type]  # alembic proxies the context module
