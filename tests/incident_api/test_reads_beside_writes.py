"""Nobody queues behind a long write: a GET reads beside whatever holds the writer, and a slow
upload holds no transaction while it streams.

On SQLite the API has one writing connection (one writer at a time is all SQLite allows); a GET
reads on connections of its own (WAL mode lets readers beside the writer). The waits below are
guards against a hang, not measurements: each call answers at once when the code is right, and
waited for the whole transaction (a minute of pool timeout) when it was not.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from services.common.db import transaction
from services.incident_api.parties.models import Party
from tests.incident_api.world import DEVICE, GAINING, INSTALLING, raise_incident, seed
from tests.tokens import Tokens

GUARD_SECONDS = 20


async def test_a_get_answers_while_another_transaction_holds_the_writer(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    raised = await raise_incident(api, tokens)
    sessions: async_sessionmaker[AsyncSession] = api.app.state.sessions  # type: ignore[attr-defined]
    async with transaction(sessions) as writer:
        # An uncommitted write: on SQLite this connection now holds the database's write lock.
        await writer.exec(update(Party).where(col(Party.party_id) == "OSUP").values(name="New"))
        got = await asyncio.wait_for(
            api.get(f"/v1/incidents/{raised['id']}", headers=tokens.party(GAINING)),
            GUARD_SECONDS,
        )
        assert got.status_code == 200, got.text
        assert got.json()["status"] == "raised"
        listed = await asyncio.wait_for(
            api.get("/v1/incidents", headers=tokens.party(INSTALLING)), GUARD_SECONDS
        )
        assert [i["id"] for i in listed.json()["items"]] == [raised["id"]]
        party = await asyncio.wait_for(
            api.get("/v1/parties/OSUP", headers=tokens.admin()), GUARD_SECONDS
        )
        assert party.json()["name"] == "Party OSUP", "a read saw a write not yet committed"
    party = await api.get("/v1/parties/OSUP", headers=tokens.admin())
    assert party.json()["name"] == "New", "a read after the commit missed it"


async def test_a_slow_import_holds_no_transaction_while_its_body_streams(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    sent_some, finish = asyncio.Event(), asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b"device_id,device_type,smi_status,installing_party_id\n"
        yield b"00-DB-00-00-00-00-00-01,ESME,installed_not_commissioned,ISUP\n"
        sent_some.set()
        await finish.wait()  # a client that sends the rest much later
        yield b"00-DB-00-00-00-00-00-02,ESME,installed_not_commissioned,ISUP\n"

    importing = asyncio.create_task(
        api.post(
            "/v1/devices/import",
            content=body(),
            headers={**tokens.admin(), "Content-Type": "text/csv"},
        )
    )
    # Set once the import has taken the first row and asks for more: it is reading the body.
    await asyncio.wait_for(sent_some.wait(), GUARD_SECONDS)
    # Writes go on meanwhile: the import has written nothing yet and holds no lock.
    raised = await asyncio.wait_for(
        api.post("/v1/incidents", headers=tokens.party(GAINING), json={"device_id": DEVICE}),
        GUARD_SECONDS,
    )
    assert raised.status_code == 201, raised.text
    seen = await api.get("/v1/devices/00-DB-00-00-00-00-00-01", headers=tokens.admin())
    assert seen.status_code == 404, "rows are written once the whole body has arrived"
    finish.set()
    imported = await asyncio.wait_for(importing, GUARD_SECONDS)
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == 2
    for n in (1, 2):
        got = await api.get(f"/v1/devices/00-DB-00-00-00-00-00-0{n}", headers=tokens.admin())
        assert got.status_code == 200


async def test_a_file_refused_as_a_whole_keeps_nothing_though_batches_were_read(
    api: httpx.AsyncClient, tokens: Tokens
) -> None:
    await seed(api, tokens)
    rows = "".join(
        f"00-DB-00-00-00-00-{n // 256:02X}-{n % 256:02X},ESME,whitelisted\n" for n in range(2500)
    )
    body = b"device_id,device_type,smi_status\n" + rows.encode() + b"\xff\xfe not UTF-8\n"
    refused = await api.post(
        "/v1/devices/import", content=body, headers={**tokens.admin(), "Content-Type": "text/csv"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/bad-import-file")
    got = await api.get("/v1/devices/00-DB-00-00-00-00-00-00", headers=tokens.admin())
    assert got.status_code == 404
