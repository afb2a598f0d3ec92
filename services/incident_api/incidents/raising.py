"""Raising incidents, one or a chunk of a bulk upload, set-based.

The checks are DESIGN §4's, in its order, for each request: not a supplier; the Idempotency-Key
(the same key and body replay its incident, another body is refused); the Device's registered
supplier; the requester is the installing party; the Device's SMI status; the addressee (named or
from the inventory) an active supplier other than the requester; no open incident of the
requester's for the Device. Every request of a chunk is checked against what the requests
before it did: a second request for the same Device meets the first's incident, a second use of
a key replays it.

What a chunk needs is read in a few statements (the keys, the Devices, the parties, the open
incidents), and what it raises is written with one insert per table, as synchronous Core in the
request's transaction (`run_unit`): on SQLite the whole chunk is one hand-off to the database's
thread. On PostgreSQL a concurrent request can still win the open-incident index or the key
between the reads and the inserts: the inserts run in a savepoint, and when one is refused the
chunk is done again a request at a time, each then answered as the one that lost.
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from typing import Any

from sqlalchemy import Connection, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.auth import KnownParty, Principal
from services.common.db import after_commit, run_unit
from services.common.errors import ProblemError
from services.incident_api.events.service import NewEvent, write_events
from services.incident_api.incidents import errors
from services.incident_api.incidents import raise_store as store
from services.incident_api.incidents.models import Incident
from services.incident_api.incidents.schemas import IncidentCreate
from services.incident_api.incidents.service import check_addressee, event_data, start_clock
from services.incident_api.incidents.views import sla_state
from services.incident_api.metrics import INCIDENTS_RAISED
from services.incident_api.parties.service import known_parties
from services.incident_api.runtime import Runtime
from shared.schemas import (
    EventType,
    IncidentStatus,
    PartyCategory,
    SmiStatus,
)

log = logging.getLogger("ssi.incidents")

SUPPLIERS = frozenset({PartyCategory.large_supplier, PartyCategory.small_supplier})
ELIGIBLE = frozenset({SmiStatus.installed_not_commissioned, SmiStatus.whitelisted})


@dataclass(frozen=True)
class RaiseRequest:
    body: IncidentCreate
    key: str | None = None
    """The request's Idempotency-Key (a bulk row's `client_ref`), if any."""


@dataclass(frozen=True)
class Raised:
    incident: Incident
    replayed: bool = False
    """The key's incident, raised by an earlier request."""


Outcome = Raised | ProblemError


def request_hash(body: IncidentCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def raise_incidents(
    session: AsyncSession, rt: Runtime, principal: Principal, requests: Sequence[RaiseRequest]
) -> list[Outcome]:
    """One outcome per request, in order: the incident raised or replayed, or the refusal."""
    outcomes = await run_unit(
        session, partial(raise_all, rt=rt, principal=principal, requests=requests)
    )
    raised = [o.incident for o in outcomes if isinstance(o, Raised) and not o.replayed]
    for incident in raised:  # here, on the event loop, where the request's id is known
        log.info(
            EventType.incident_raised.value,
            extra={"incident_id": incident.id, "status": "raised", "clock": incident.clock},
        )
    if raised:
        after_commit(session, rt.signal.notify)
        INCIDENTS_RAISED.inc(len(raised))
    return outcomes


def raise_all(
    conn: Connection, *, rt: Runtime, principal: Principal, requests: Sequence[RaiseRequest]
) -> list[Outcome]:
    if principal.party_id is None:
        return [errors.NotASupplier() for _ in requests]
    # A party that is no longer a supplier still gets its earlier raises replayed by their key.
    raiser = _Raiser(principal.party_id, principal.actor, principal.category in SUPPLIERS)
    if conn.dialect.name == "sqlite":  # one writer at a time: nobody can win a row meanwhile
        return _raise(conn, rt, raiser, requests)
    if len(requests) > 1:
        try:
            with conn.begin_nested():
                return _raise(conn, rt, raiser, requests)
        except IntegrityError:  # a concurrent request won a row: each on its own, to say which
            pass
    outcomes: list[Outcome] = []
    for request in requests:
        try:
            with conn.begin_nested():
                outcomes += _raise(conn, rt, raiser, [request])
        except IntegrityError as exc:
            outcomes.append(_lost_race(exc))
    return outcomes


def _lost_race(exc: IntegrityError) -> ProblemError:
    """Which unique index the concurrent request won (PostgreSQL names it in the error)."""
    if "uq_incidents_open_device_requester" in str(exc.orig):
        return errors.DuplicateOpenIncident("Another request raised it a moment ago.")
    return errors.IdempotencyInProgress()


@dataclass
class _Known:
    """What the chunk's checks read, in a few statements."""

    keys: dict[str, store.KeyRow]
    devices: dict[str, store.DeviceRow]
    parties: dict[str, KnownParty]
    open_incidents: dict[str, str]
    """Device id -> the requester's open incident for it."""


def _read(
    conn: Connection, rt: Runtime, requester: str, requests: Sequence[RaiseRequest], now: datetime
) -> _Known:
    wanted_keys = {r.key for r in requests if r.key is not None}
    live: dict[str, store.KeyRow] = {}
    if wanted_keys:
        ttl = timedelta(hours=rt.settings.idempotency_ttl_hours)
        found = store.keys(conn, requester, wanted_keys)
        expired = [k.key for k in found if k.created_at + ttl <= now]
        if expired:  # the key may be used afresh
            store.forget_keys(conn, requester, expired)
        live = {k.key: k for k in found if k.created_at + ttl > now}
    device_ids = [r.body.device_id for r in requests]
    devices = store.devices(conn, device_ids)
    addressees = [r.body.addressed_party_id for r in requests]
    addressees += [d.installing_party_id for d in devices.values()]
    return _Known(
        keys=live,
        devices=devices,
        parties=known_parties(conn, ids=addressees),
        open_incidents=store.open_incidents(conn, requester, device_ids),
    )


@dataclass(frozen=True)
class _Raiser:
    party_id: str
    actor: str
    supplier: bool


def _raise(
    conn: Connection, rt: Runtime, raiser: _Raiser, requests: Sequence[RaiseRequest]
) -> list[Outcome]:
    requester = raiser.party_id
    now = rt.clock.now()
    known = _read(conn, rt, requester, requests, now)
    replays = store.incidents(conn, [k.incident_id for k in known.keys.values()])
    new_incident = _maker(requester, now, start_clock(rt, now))
    outcomes: list[Outcome] = []
    new: list[Incident] = []
    new_keys: dict[str, tuple[str, Incident]] = {}
    for request in requests:
        body = request.body
        digest = request_hash(body) if request.key is not None else ""
        try:
            if request.key is not None:
                replayed = _replay(request.key, digest, known, replays, new_keys)
                if replayed is not None:
                    outcomes.append(Raised(replayed, replayed=True))
                    continue
            if not raiser.supplier:
                raise errors.NotASupplier()
            device = known.devices.get(body.device_id)
            addressee, unverified = _route(requester, device, body, known.parties)
            duplicate = known.open_incidents.get(body.device_id)
            if duplicate is not None:
                raise errors.DuplicateOpenIncident(
                    f"Incident {duplicate} is still open.", incident_id=duplicate
                )
        except ProblemError as exc:
            outcomes.append(exc)
            continue
        incident = new_incident(
            id=str(uuid.uuid4()),
            device_id=body.device_id,
            device_type=device.device_type if device else None,
            addressed_party_id=addressee,
            unverified=unverified,
            note=body.note,
            group_ref=body.group_ref,
        )
        known.open_incidents[body.device_id] = incident.id
        if request.key is not None:
            new_keys[request.key] = (digest, incident)
        new.append(incident)
        outcomes.append(Raised(incident))
    if new:
        _insert(conn, requester, raiser.actor, new, new_keys, now)
    return outcomes


def _maker(requester: str, now: datetime, clock: dict[str, Any]) -> Callable[..., Incident]:
    """Makes the chunk's new incidents without the ORM's constructor (validation and an
    instrumented set per column cost more than the rest of a raise): each is a bare instance
    given every column's value at once. They are never added to a session; the inserts write
    them."""
    chunk = {
        **_defaults(),
        "requesting_party_id": requester,
        "status": IncidentStatus.raised,
        "raised_at": now,
        "updated_at": now,
        **clock,
    }
    manager = inspect(Incident).class_manager

    def make(**values: Any) -> Incident:
        incident: Incident = manager.new_instance()
        incident.__dict__.update(chunk, **values)
        return incident

    return make


@cache
def _defaults() -> dict[str, Any]:
    """Every column of a new incident as the ORM's constructor would set it; those a raise
    sets itself are overwritten."""
    now = datetime.now(UTC)
    made = Incident(
        id="",
        device_id="",
        requesting_party_id="",
        addressed_party_id="",
        status=IncidentStatus.raised,
        policy="",
        clock_started_at=now,
        due_at=now,
        raised_at=now,
        updated_at=now,
    )
    return {column.key: getattr(made, column.key) for column in store.INCIDENTS.columns}


def _replay(
    key: str,
    digest: str,
    known: _Known,
    replays: dict[str, Incident],
    new_keys: dict[str, tuple[str, Incident]],
) -> Incident | None:
    """The incident a key already stands for, or None if the key is unused."""
    earlier = new_keys.get(key)
    if earlier is not None:
        stored, incident = earlier
    elif key in known.keys:
        record = known.keys[key]
        stored, incident = record.request_hash, replays[record.incident_id]
    else:
        return None
    if stored != digest:
        raise errors.IdempotencyMismatch("Send a new Idempotency-Key for a different request.")
    return incident


def _route(
    requester: str, device: Any, body: IncidentCreate, parties: dict[str, Any]
) -> tuple[str, bool]:
    """The Device and addressee checks, in order; returns (addressee, unverified)."""
    if device is not None:
        registered = device.registered_supplier_party_id
        if registered is not None and registered != requester:
            raise errors.NotRegisteredSupplier()
        if device.installing_party_id == requester:
            raise errors.RequesterIsInstaller("Your party installed this Device.")
        if device.smi_status not in ELIGIBLE:
            raise errors.DeviceNotEligible(
                f"The Device's SMI status is {device.smi_status.value}; it must be "
                "installed_not_commissioned or whitelisted.",
                smi_status=device.smi_status.value,
            )
    if device is not None and device.installing_party_id is not None:
        if body.addressed_party_id not in (None, device.installing_party_id):
            raise errors.UnknownParty(
                "addressed_party_id differs from the inventory's installing party; omit it."
            )
        addressee, unverified = device.installing_party_id, False
    elif body.addressed_party_id is None:
        known = "does not know this Device" if device is None else "names no installing party"
        raise errors.AddresseeRequired(
            f"The inventory {known}: name the Device's installing party in addressed_party_id "
            "(the incident is then marked unverified)."
        )
    else:
        addressee, unverified = body.addressed_party_id, True
    check_addressee(parties.get(addressee), addressee, requester)
    return addressee, unverified


def _insert(
    conn: Connection,
    requester: str,
    actor: str,
    incidents: list[Incident],
    keys: dict[str, tuple[str, Incident]],
    now: datetime,
) -> None:
    """One insert per table; the incidents' pks come back in order."""
    store.insert_incidents(conn, incidents)
    store.insert_history(
        conn,
        [
            {
                "incident_pk": i.pk,
                "at": now,
                "actor": actor,
                "action": "raised",
                "from_status": None,
                "to_status": IncidentStatus.raised.value,
                "clock": i.clock,
                "details": {},
            }
            for i in incidents
        ],
    )
    store.insert_keys(
        conn,
        [
            {
                "party_id": requester,
                "key": key,
                "request_hash": digest,
                "incident_id": incident.id,
                "created_at": now,
            }
            for key, (digest, incident) in keys.items()
        ],
    )
    events = [
        NewEvent(
            EventType.incident_raised,
            event_data(incident, sla_state=sla_state(incident, now)),
            incident.id,
        )
        for incident in incidents
    ]
    write_events(conn, events=events, occurred_at=now)
