from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from services.common.auth import PARTIES, Kind, Principal, require
from services.common.db import SessionDep
from services.common.errors import NotFound, UnsupportedMediaType
from services.incident_api.devices import service
from services.incident_api.devices.models import Device
from services.incident_api.devices.schemas import DeviceRead, DeviceWrite, ImportResult
from services.incident_api.runtime import RuntimeDep
from shared.identifiers import DeviceId

router = APIRouter(prefix="/v1/devices", tags=["inventory"])

Writer = Annotated[Principal, Depends(require("inventory:write", Kind.operator, admin=True))]
PartyReader = Annotated[Principal, Depends(require("incidents:read", *PARTIES, admin=True))]
DeviceIdPath = Annotated[DeviceId, Path(description="EUI-64 in any common spelling")]
IMPORT_TYPES = ("text/csv", "application/x-ndjson", "application/ndjson", "application/jsonl")


class DeviceNotFound(NotFound):
    slug, title = "device-not-found", "No such Device"


@router.put("/{device_id}", response_model=DeviceRead)
async def put_device(
    device_id: DeviceIdPath,
    body: DeviceWrite,
    session: SessionDep,
    rt: RuntimeDep,
    principal: Writer,
    response: Response,
) -> Device:
    device, created = await service.upsert(session, principal, device_id, body, rt.clock.now())
    response.status_code = 201 if created else 200
    return device


@router.get("/{device_id}", response_model=DeviceRead)
async def get_device(
    device_id: DeviceIdPath, session: SessionDep, principal: PartyReader
) -> Device:
    """Visible to operators and to the Device's installing and registered suppliers."""
    device = await session.get(Device, device_id)
    visible = principal.kind in (Kind.operator, Kind.admin) or (
        device is not None
        and principal.party_id in (device.installing_party_id, device.registered_supplier_party_id)
    )
    if device is None or not visible:
        raise DeviceNotFound()
    return device


@router.post(
    "/import",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_devices(
    request: Request, session: SessionDep, rt: RuntimeDep, principal: Writer
) -> ImportResult:
    """Stream a CSV (with a header) or NDJSON inventory; bad rows are reported by row number."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in IMPORT_TYPES:
        raise UnsupportedMediaType("Send text/csv or application/x-ndjson.")
    return await service.import_stream(
        session, principal, request.stream(), content_type, rt.clock.now()
    )
