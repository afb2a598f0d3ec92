"""`ssi listen`: verifies each webhook's signature and prints one line per event."""

import json
from datetime import UTC, datetime

import httpx
from standardwebhooks.webhooks import Webhook

from cli.listen import receiver
from tests.receiver import running_receiver

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EVENT = {
    "type": "incident.sla_breached",
    "timestamp": "2026-06-18T00:00:00+01:00",
    "data": {"reference": "INC-000002", "status": "raised", "sla_kind": "breach", "seq": 9},
}


async def post(app: object, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://listen.test") as client:
        return await client.post("/hook", content=body, headers=headers)


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "webhook-id": "evt_9_x",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_9_x", now, body.decode()),
    }


async def test_prints_a_verified_event() -> None:
    said: list[str] = []
    body = json.dumps(EVENT).encode()
    response = await post(receiver(SECRET, said.append), body, signed(body))
    assert response.status_code == 204
    assert said == [
        "incident.sla_breached reference=INC-000002 status=raised sla_kind=breach seq=9"
    ]


async def test_refuses_a_forged_or_tampered_event() -> None:
    said: list[str] = []
    app = receiver(SECRET, said.append)
    body = json.dumps(EVENT).encode()
    other = "whsec_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert (await post(app, body, signed(body, other))).status_code == 401
    assert (await post(app, body + b" ", signed(body))).status_code == 401
    assert (await post(app, body, {})).status_code == 401
    assert said == ["rejected evt_9_x: bad signature or body"] * 2 + [
        "rejected ?: bad signature or body"
    ]


async def test_without_a_secret_it_says_so() -> None:
    said: list[str] = []
    body = json.dumps(EVENT).encode()
    assert (await post(receiver(None, said.append), body, {})).status_code == 204
    assert said[0].endswith("(unverified: no --secret)")


async def test_a_body_that_is_not_an_event_object() -> None:
    said: list[str] = []
    assert (await post(receiver(None, said.append), b"[1, 2]", {})).status_code == 204
    assert said == ["(not an event object) (unverified: no --secret)"]


def test_a_malformed_secret_is_refused_in_one_line() -> None:
    from typer.testing import CliRunner

    from cli.main import app

    result = CliRunner().invoke(app, ["listen", "--port", "9", "--secret", "whsec_!!!"])
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "whsec_ followed by base64" in result.output


async def test_forwards_a_verified_event_as_received() -> None:
    said: list[str] = []
    body = json.dumps(EVENT).encode()
    headers = signed(body)
    with running_receiver() as app:
        listener = receiver(SECRET, said.append, forward_to=app.url)
        response = await post(listener, body, {**headers, "Content-Type": "application/json"})
        [forwarded] = app.wait_for(1)
    assert response.status_code == 204
    assert forwarded.body == body
    # The application can verify it too: the signature headers went along.
    assert Webhook(SECRET).verify(forwarded.body, forwarded.headers)["type"] == EVENT["type"]
    assert said[-1] == f"  -> {app.url}: 204"
