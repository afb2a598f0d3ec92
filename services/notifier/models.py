"""Every table of the notifier, imported so that the metadata is complete (for Alembic)."""

from services.notifier.delivery.models import Delivery, DeliveryAttempt
from services.notifier.endpoints.models import Endpoint
from services.notifier.feed.models import FeedCursor, KnownParty
from services.notifier.tables import Table

metadata = Table.metadata

__all__ = ["Delivery", "DeliveryAttempt", "Endpoint", "FeedCursor", "KnownParty", "metadata"]
