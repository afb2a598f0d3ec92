"""The device inventory, a model of the Smart Metering Inventory: each Device's type, SMI status,
installing party and registered supplier. Kept by operators. Raising an incident checks the
Device against it and finds the addressee there.
"""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.common.auth import PARTIES, Kind, Principal, require
from services.common.db import SessionDep, end_transaction
from services.common.errors import NotFound, UnsupportedMediaType
from services.common.openapi import problems
from services.incident_api.devices import service
from services.incident_api.devices.models import Device
from services.incident_api.devices.schemas import DeviceRead, DeviceWrite, ImportResult
from services.incident_api.runtime import RuntimeDep
from shared.identifiers import DeviceId

router = APIRouter(prefix="/v1/devices", tags=["inventory"])

Writer = Annotated[Principal, Depends(require("inventory:write", Kind.operator, admin=True))]
PartyReader = Annotated[Principal, Depends(require("incidents:read", *PARTIES, admin=True))]
DeviceIdPath = Annotated[
    DeviceId,
    Path(
        description="EUI-64 in any common spelling: `00-DB-12-34-56-78-90-A0`, "
        "`00db1234567890a0`, with colons, any case",
        examples=["00-DB-12-34-56-78-90-A0"],
    ),
]
IMPORT_TYPES = ("text/csv", "application/x-ndjson", "application/ndjson", "application/jsonl")


class DeviceNotFound(NotFound):
    slug, title = "device-not-found", "No such Device"


@router.put(
    "/{device_id}",
    response_model=DeviceRead,
    summary="Add or replace a Device",
    response_description="Replaced",
    responses={
        201: {"model": DeviceRead, "description": "Added"},
        **problems(service.UnregisteredParty),
    },
)
async def upsert_device(
    device_id: DeviceIdPath,
    body: DeviceWrite,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
    response: Response,
) -> Device:
    """Add a Device to the inventory (201), or replace its record (200). Scope `inventory:write`:
    operators, or `admin`. The Device ID is returned in its one canonical form, upper case with
    hyphens. `installing_party_id` and `registered_supplier_party_id` must name registered
    parties (422 `unregistered-party`, naming the field). A change to a Device with an open
    incident is written to that incident's history; it never re-routes the incident."""
    device, created = await service.upsert(session, principal, device_id, body, rt.clock.now())
    response.status_code = 201 if created else 200
    return device


@router.get(
    "/{device_id}",
    response_model=DeviceRead,
    summary="Get a Device",
    responses=problems(DeviceNotFound),
)
async def get_device(
    device_id: DeviceIdPath, session: SessionDep, principal: PartyReader
) -> Device:
    """A Device's inventory record. Scope `incidents:read`. Operators and `admin` see every
    Device; a supplier sees those it installed or is the registered supplier of, and gets 404
    `device-not-found` for any other, as for a Device the inventory does not hold."""
    device = await session.get(Device, device_id)
    visible = principal.kind in (Kind.operator, Kind.admin) or (
        device is not None
        and principal.party_id in (device.installing_party_id, device.registered_supplier_party_id)
    )
    if device is None or not visible:
        raise DeviceNotFound()
    return device


_IMPORTED = [
    ("00-DB-12-34-56-78-90-A0", "ESME", "installed_not_commissioned", "ISUP", "GSUP"),
    ("00-DB-12-34-56-78-90-A1", "GSME", "whitelisted", "ISUP", ""),
]
_CSV = "".join(",".join(row) + "\n" for row in [service.COLUMNS, *_IMPORTED])
_NDJSON = "".join(
    json.dumps({k: v for k, v in zip(service.COLUMNS, row, strict=True) if v}) + "\n"
    for row in _IMPORTED
)


@router.post(
    "/import",
    response_model=ImportResult,
    summary="Import Devices in bulk",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": _CSV,
                },
                "application/x-ndjson": {
                    "schema": {"type": "string"},
                    "example": _NDJSON,
                },
            },
        }
    },
    responses=problems(service.BadImportFile),
)
async def import_devices(
    request: Request, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> ImportResult:
    """Add or replace Devices in bulk: CSV with a header row (`Content-Type: text/csv`) or NDJSON,
    one JSON object a line (`application/x-ndjson`), each row a Device: `device_id`,
    `device_type`, `smi_status`, and optionally `installing_party_id` and
    `registered_supplier_party_id`. Scope `inventory:write`: operators, or `admin`.

    The body is read as it streams: millions of rows, up to 4 GiB by default (413 beyond). Each
    row is checked on its own (a party id must name a registered party, as with
    `PUT /v1/devices/{device_id}`): a bad row is counted in `failed` and reported in `errors` by row
    number (the CSV header not counted; the first 1,000 errors, `errors_truncated` says if there
    were more), and the other rows are kept. A file that cannot be read as a whole (422
    `bad-import-file`: an empty CSV, a CSV header without `device_id`, `device_type` or
    `smi_status`, a line that is not UTF-8 or longer than 64 KiB) keeps nothing. Changes to
    Devices with open incidents are audited as with `PUT /v1/devices/{device_id}`."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMPORT_TYPES:
        raise UnsupportedMediaType("Send text/csv or application/x-ndjson.")
    await end_transaction(session)  # the authentication's: never held while the body uploads
    now = rt.clock.now()
    spool = await service.read_import(request.stream(), content_type, now)
    done = ImportResult(rows=0, imported=0, failed=0, errors=[], errors_truncated=False)
    try:
        async for written in service.write_import(session, principal, spool, now):
            await end_transaction(session)  # a batch at a time: other writers wait for one
            done = written
    finally:
        spool.close()
    return done
