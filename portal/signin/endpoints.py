"""Signing in and out: OIDC with PKCE, development's "sign in as", and signing in again (step-up).

Every sign-in opens a new session with a new id (the one before, if any, is deleted), so an id
captured before sign-in is useless after it. The OIDC handshake lives in a row keyed by its
`state`, used once, ten minutes at most.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from ssi_client.incident_api.api.inventory import upsert_device
from ssi_client.incident_api.api.parties import create_party, list_parties
from ssi_client.incident_api.models import (
    DeviceType,
    DeviceWrite,
    PartyCategory,
    PartyCreate,
    PartyList,
    SmiStatus,
)

from portal.dependencies import RuntimeDep, cookie_name, optional_person
from portal.rendering import render
from portal.runtime import Runtime
from portal.services import ok
from portal.sessions import service as sessions
from portal.sessions.service import Identity, SignedIn, Tokens
from portal.signin import development
from portal.signin.oidc import SignInFailed
from shared.identifiers import is_party_id

router = APIRouter()
MAX_PERSON = 64


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another origin (`//x`, `/\\x`) to be sent on to."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target[:512]


def _signed_in(runtime: Runtime, raw: str, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        cookie_name(runtime),
        raw,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/signin", name="sign_in")
async def sign_in(
    request: Request,
    runtime: RuntimeDep,
    next: Annotated[str | None, Query(max_length=2048)] = None,
    again: bool = False,
) -> Response:
    return render(
        request,
        "signin/choose.html",
        next=safe_next(next),
        again=again,
        me=None,
    )


@router.get("/signin/oidc", name="sign_in_oidc")
async def sign_in_oidc(
    request: Request,
    runtime: RuntimeDep,
    next: Annotated[str | None, Query(max_length=2048)] = None,
    again: bool = False,
) -> Response:
    if runtime.provider is None:
        return render(
            request,
            "error.html",
            404,
            title="Not found",
            detail="No identity provider is configured.",
        )
    me = await optional_person(request, runtime)
    async with runtime.transaction() as db:
        handshake = await sessions.begin_sign_in(
            db,
            runtime.keys,
            runtime.clock.now(),
            safe_next(next),
            step_up_of=me.id_hash if me is not None else None,
        )
    try:
        url = await runtime.provider.authorization_url(
            handshake, max_age=runtime.settings.step_up_seconds if again else None
        )
    except SignInFailed as exc:
        return render(request, "error.html", 502, title="Cannot sign in", detail=str(exc))
    return RedirectResponse(url, status_code=303)


@router.get("/signin/callback", name="sign_in_callback")
async def sign_in_callback(
    request: Request,
    runtime: RuntimeDep,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    state: Annotated[str | None, Query(max_length=256)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    def refused(detail: str) -> Response:
        return render(request, "signin/failed.html", 400, detail=detail, me=None)

    if runtime.provider is None:
        return render(
            request,
            "error.html",
            404,
            title="Not found",
            detail="No identity provider is configured.",
        )
    async with runtime.transaction() as db:
        handshake = await sessions.finish_sign_in(
            db, runtime.keys, state or "", runtime.clock.now()
        )
    if handshake is None:
        return refused("This sign-in has expired or was already used. Start again.")
    if error or not code:
        return refused("The identity provider did not sign you in.")
    try:
        identity, tokens = await runtime.provider.exchange(code, handshake)
    except SignInFailed as exc:
        return refused(f"Sign-in failed: {exc}.")
    async with runtime.transaction() as db:
        raw = await sessions.open_session(
            db, runtime.keys, identity, tokens, runtime.clock.now(), replacing=handshake.step_up_of
        )
    return _signed_in(runtime, raw, handshake.return_to)


async def _parties(runtime: Runtime) -> list[tuple[str, str, bool]]:
    """(party id, name, operator) of every active party, for the development page."""
    token = development.admin_token(runtime.settings.common, runtime.clock.now())
    client = runtime.connections.for_token(token).api
    found: list[tuple[str, str, bool]] = []
    cursor: str | None = None
    while True:
        page = ok(
            await list_parties.asyncio_detailed(client=client, cursor=cursor, limit=200),
            PartyList,
        )
        found += [
            (p.party_id, p.name, p.category == PartyCategory.OPERATOR)
            for p in page.items
            if p.active
        ]
        if not page.next_cursor:
            return sorted(found)
        cursor = page.next_cursor


@router.get("/signin/dev", name="sign_in_dev")
async def sign_in_dev_page(
    request: Request,
    runtime: RuntimeDep,
    next: Annotated[str | None, Query(max_length=2048)] = None,
) -> Response:
    if not runtime.settings.common.development:
        return render(
            request, "error.html", 404, title="Not found", detail="There is no such page."
        )
    parties = await _parties(runtime)
    return render(
        request, "signin/dev.html", parties=parties, next=safe_next(next), me=None, errors={}
    )


EXAMPLE_PARTIES = (
    ("GSUP", "Gaining Supplier Ltd", PartyCategory.LARGE_SUPPLIER),
    ("ISUP", "Installing Supplier Ltd", PartyCategory.LARGE_SUPPLIER),
    ("DCCO", "DCC Service Desk", PartyCategory.OPERATOR),
)
EXAMPLE_DEVICES = ("00-DB-12-34-56-78-90-A0", "00-DB-12-34-56-78-90-A1", "00-DB-12-34-56-78-90-A2")


@router.post("/signin/dev/example", name="create_example")
async def create_example(request: Request, runtime: RuntimeDep) -> Response:
    """Development on an empty deployment: the quickstart's parties and Devices in one click
    (GSUP asks ISUP for the codes of Devices ISUP installed; DCCO is the service desk). Parties
    that exist already are left as they are."""
    if not runtime.settings.common.development:
        return render(
            request, "error.html", 404, title="Not found", detail="There is no such page."
        )
    token = development.admin_token(runtime.settings.common, runtime.clock.now())
    client = runtime.connections.for_token(token).api
    for party_id, name, category in EXAMPLE_PARTIES:
        answer = await create_party.asyncio_detailed(
            client=client,
            body=PartyCreate(
                party_id=party_id,
                name=name,
                category=category,
                ops_contact_email=f"ops@{party_id.lower()}.example",
                escalation_contact_email=f"escalations@{party_id.lower()}.example",
            ),
        )
        if answer.status_code != 409:  # already registered: keep it
            ok(answer, object)
    for device_id in EXAMPLE_DEVICES:
        body = DeviceWrite(
            device_type=DeviceType.ESME,
            smi_status=SmiStatus.INSTALLED_NOT_COMMISSIONED,
            installing_party_id="ISUP",
            registered_supplier_party_id="GSUP",
        )
        ok(await upsert_device.asyncio_detailed(device_id, client=client, body=body), object)
    return RedirectResponse("/signin/dev", status_code=303)


@router.post("/signin/dev", name="sign_in_dev_submit")
async def sign_in_dev(
    request: Request,
    runtime: RuntimeDep,
    party: Annotated[str, Form(max_length=8)] = "",
    person: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if not runtime.settings.common.development:
        return render(
            request, "error.html", 404, title="Not found", detail="There is no such page."
        )
    parties = await _parties(runtime)
    known = {p[0]: p[2] for p in parties}
    person = person.strip()
    errors: dict[str, str] = {}
    if party not in known or not is_party_id(party):
        errors["party"] = "Choose one of the registered parties."
    if not person or len(person) > MAX_PERSON or not person.isprintable():
        errors["person"] = f"Give your name: 1 to {MAX_PERSON} printable characters."
    if errors:
        return render(
            request,
            "signin/dev.html",
            422,
            parties=parties,
            next=safe_next(next),
            me=None,
            errors=errors,
        )
    now = runtime.clock.now()
    who: Identity = development.identity(person, party, known[party], now)
    tokens: Tokens = development.tokens(runtime.settings.common, who, now)
    current: SignedIn | None = await optional_person(request, runtime)
    async with runtime.transaction() as db:
        raw = await sessions.open_session(
            db, runtime.keys, who, tokens, now, replacing=current.id_hash if current else None
        )
    return _signed_in(runtime, raw, safe_next(next))


@router.post("/signout", name="sign_out")
async def sign_out(request: Request, runtime: RuntimeDep) -> Response:
    me = await optional_person(request, runtime)
    if me is not None:
        async with runtime.transaction() as db:
            await sessions.end(db, me.id_hash)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(
        cookie_name(runtime), path="/", secure=runtime.settings.secure_cookies, httponly=True
    )
    return response
