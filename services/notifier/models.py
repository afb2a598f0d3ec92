"""Every table of the notifier, imported so that the metadata is complete (for Alembic)."""

from services.common.test_clock import test_clock_table
from services.notifier.delivery.models import Delivery, DeliveryAttempt
from services.notifier.endpoints.models import Endpoint
from services.notifier.feed.models import FeedCursor
from services.notifier.parties.models import KnownParty
from services.notifier.sla.models import SlaClock
from services.notifier.tables import Table

metadata = Table.metadata
test_clock = test_clock_table(metadata)

__all__ = [
    "Delivery",
    "DeliveryAttempt",
    "Endpoint",
    "FeedCursor",
    "KnownParty",
    "SlaClock",
    "metadata",
    "test_clock",
]
