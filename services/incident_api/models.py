"""Every table of the incident API, imported so that the metadata is complete (for Alembic)."""

from services.common.test_clock import test_clock_table
from services.incident_api.devices.models import Device
from services.incident_api.events.models import EventRecord
from services.incident_api.incidents.models import (
    HistoryEntry,
    IdempotencyRecord,
    Incident,
    InstallCodeRecord,
    SlaEventRecord,
)
from services.incident_api.parties.models import Party, PartyChange
from services.incident_api.tables import Table

metadata = Table.metadata
test_clock = test_clock_table(metadata)

__all__ = [
    "Device",
    "EventRecord",
    "HistoryEntry",
    "IdempotencyRecord",
    "Incident",
    "InstallCodeRecord",
    "Party",
    "PartyChange",
    "SlaEventRecord",
    "metadata",
    "test_clock",
]
