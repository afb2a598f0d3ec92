"""The email transport against a real SMTP server (aiosmtpd, tests/smtp.py): the message as a
recipient reads it, TLS that is never optional, SMTP answers turned into attempts, reused
connections, and `.eml` files when no server is configured."""

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import trustme

from services.common.config import ConfigurationError, load_settings
from services.notifier.delivery.rows import webhook_body
from services.notifier.settings import Settings
from services.notifier.transports.email import Mailer
from services.notifier.transports.mail_format import Letterhead, compose, render
from services.notifier.transports.webhook import AttemptResult
from shared.schemas import IncidentEventData, IncidentStatus
from shared.settings import CommonSettings
from tests.smtp import smtp_server

INCIDENT = "3f2b8c1e-6d4a-4b7e-9a15-0c2d7e8f9a61"
ENDPOINT = "9d7c1a52-0b7e-4f0f-8a43-2f3c4d5e6f70"
DEVICE = "00-DB-12-34-56-78-90-A0"
INSTALL_CODE = "83FED3407A939723A5C639B26916D505"
NOTE = "Left the meter cupboard key with the neighbour at number 12"
TO = "ops@installer.example.test"
PASSWORD = "correct-horse-battery-staple"


def incident_body(type_: str = "incident.raised", **extra: Any) -> str:
    """A webhook body as the feed builds it, from the API's event data (JSON-encoded as the
    API sends it, so instants end in Z)."""
    data = IncidentEventData(
        incident_id=INCIDENT,
        reference="INC-000123",
        version=1,
        device_id=DEVICE,
        requesting_party_id="GAIN",
        addressed_party_id="INST",
        status=IncidentStatus.raised,
        clock=1,
        policy="mp121",
        raised_at=datetime(2022, 9, 14, 9, 30, tzinfo=UTC),
        due_at=datetime(2022, 9, 22, 23, 0, tzinfo=UTC),
        warning_at=[datetime(2022, 9, 20, 23, 0, tzinfo=UTC)],
        links={"self": f"/v1/incidents/{INCIDENT}"},
    ).model_dump(mode="json")
    data.update(seq=42, **extra)
    body = webhook_body(type_, datetime(2022, 9, 14, 9, 30, tzinfo=UTC), data)
    return json.dumps(body)


def endpoint_body(type_: str, **data: Any) -> str:
    return json.dumps(webhook_body(type_, datetime(2026, 1, 5, 9, 0, tzinfo=UTC), data))


@pytest.fixture
def settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**values: Any) -> Settings:
        common = CommonSettings(env="development", data_dir=tmp_path)
        # Generous: a first message includes the TLS handshake with a server on a thread of
        # this loaded process (2 s timed out under a full suite). The hang test sets its own.
        fields: dict[str, Any] = {"common": common, "attempt_timeout_seconds": 10.0, **values}
        return Settings(**fields)

    return make


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Mailer]:
    mailer = Mailer(settings)
    try:
        yield mailer
    finally:
        await mailer.close()


async def send(
    mailer: Mailer, webhook_id: str = "evt_42_a", to: str = TO, **kw: Any
) -> AttemptResult:
    body = kw.pop("body", incident_body())
    return await mailer.send(address=to, webhook_id=webhook_id, body=body, **kw)


def composed(body: str, *, webhook_id: str = "evt_42_a") -> EmailMessage:
    letterhead = Letterhead.of("SSI notifier <ssi-notifier@localhost>", "http://127.0.0.1:8002")
    now = datetime(2022, 9, 14, 9, 30, 1, tzinfo=UTC)
    return compose(letterhead, address=TO, webhook_id=webhook_id, body=body, now=now)


def text_of(message: EmailMessage) -> str:
    content = message.get_content()
    assert isinstance(content, str)
    return content


# The message


async def test_a_raise_is_mailed_as_recipients_expect(settings: Callable[..., Settings]) -> None:
    with smtp_server() as server:
        config = settings(
            smtp_url=server.url(),
            smtp_ca_file=server.ca_file,
            mail_from="SSI <notify@ssi.example.test>",
            portal_url="https://portal.example.test/",
        )
        async with running(config) as mailer:
            started = datetime.now(UTC)
            result = await send(mailer, started_at=started)
        [received] = await server.wait_for(1)

    assert result.ok
    assert result.status_code == 250
    assert not result.permanent
    assert result.started_at == started
    assert result.excerpt == "2.0.0 Message accepted"
    assert received.mail_from == "notify@ssi.example.test"
    assert received.rcpt_tos == [TO]
    message = received.message
    assert message["From"] == "SSI <notify@ssi.example.test>"
    assert message["To"] == TO
    assert message["Subject"] == f"[SSI] INC-000123 raised: Device {DEVICE}"
    assert message["Message-ID"] == "<evt_42_a@ssi.example.test>"
    root = f"<incident.{INCIDENT}@ssi.example.test>"
    assert message["In-Reply-To"] == root
    assert message["References"] == root
    assert message["Auto-Submitted"] == "auto-generated"
    assert abs((parsedate_to_datetime(message["Date"]) - started).total_seconds()) < 60
    assert message.get_content_type() == "text/plain"
    text = text_of(message)
    assert "https://portal.example.test/incidents/INC-000123" in text
    assert f"Device ID: {DEVICE}" in text
    assert "Requester: GAIN" in text
    assert "Addressee: INST" in text
    assert "Status:    raised" in text
    # Due at the end of Thursday 22 September, London time (BST), and in UTC.
    assert "00:00 Friday 23 September 2022 London time (BST)" in " ".join(text.split())
    assert "2022-09-22 23:00 UTC" in text
    assert "within five Working Days" in " ".join(text.split())
    assert all(len(line) <= 78 for line in received.raw.decode("ascii").splitlines())


@pytest.mark.parametrize(
    ("type_", "subject"),
    [
        ("incident.raised", f"[SSI] INC-000123 raised: Device {DEVICE}"),
        ("incident.acknowledged", f"[SSI] INC-000123 acknowledged: Device {DEVICE}"),
        ("incident.resolved", f"[SSI] INC-000123 answered: Device {DEVICE}"),
        ("incident.reopened", f"[SSI] INC-000123 reopened: Device {DEVICE}"),
        ("incident.readdressed", f"[SSI] INC-000123 readdressed: Device {DEVICE}"),
        ("incident.cancelled", f"[SSI] INC-000123 cancelled: Device {DEVICE}"),
        ("incident.closed", f"[SSI] INC-000123 closed: Device {DEVICE}"),
        ("incident.sla_warning", f"[SSI] INC-000123 SLA warning: Device {DEVICE}"),
        ("incident.sla_breached", f"[SSI] INC-000123 SLA breached: Device {DEVICE}"),
        ("incident.sla_escalated", f"[SSI] INC-000123 escalated: Device {DEVICE}"),
        ("incident.something_new", f"[SSI] INC-000123 update: Device {DEVICE}"),
    ],
)
def test_each_incident_event_has_its_subject(type_: str, subject: str) -> None:
    message = composed(incident_body(type_))
    assert message["Subject"] == subject
    assert "http://127.0.0.1:8002/incidents/INC-000123" in text_of(message)


@pytest.mark.parametrize(
    ("type_", "data", "subject"),
    [
        ("endpoint.test", {"endpoint_id": ENDPOINT}, f"[SSI] Test message for endpoint {ENDPOINT}"),
        ("endpoint.disabled", {"endpoint_id": ENDPOINT}, "[SSI] Endpoint disabled"),
        ("endpoint.failing", {"endpoint_id": ENDPOINT}, "[SSI] Endpoint failing"),
        ("endpoint.confirmation", {}, "[SSI] Confirm this address for SSI notifications"),
        ("party.renamed", {"whatever": 1}, "[SSI] Notification"),
    ],
)
def test_each_endpoint_event_has_its_subject(
    type_: str, data: dict[str, Any], subject: str
) -> None:
    assert composed(endpoint_body(type_, **data))["Subject"] == subject


def test_every_message_about_an_incident_threads_under_one_root() -> None:
    raised = composed(incident_body("incident.raised"), webhook_id="evt_42_a")
    answered = composed(
        incident_body("incident.resolved", status="resolved", outcome="install_code_provided"),
        webhook_id="evt_57_a",
    )
    assert raised["Message-ID"] != answered["Message-ID"]
    assert raised["References"] == answered["References"] == f"<incident.{INCIDENT}@localhost>"
    assert answered["In-Reply-To"] == answered["References"]
    assert "reveal the install code in the portal" in " ".join(text_of(answered).split())


def test_a_breach_names_its_cause_and_the_addressee_is_asked_to_answer() -> None:
    body = incident_body(
        "incident.sla_breached",
        sla_kind="breach",
        sla_ordinal=1,
        sla_state="breached",
        breach_cause="addressee_unreachable",
    )
    text = " ".join(text_of(composed(body)).split())
    assert "no channel reached the addressee before the due instant" in text
    assert "INST should answer now" in text


def test_a_confirmation_shows_its_link_and_expiry() -> None:
    link = "https://notifier.example.test/v1/endpoints/confirm?token=Zm9vYmFy"
    body = endpoint_body(
        "endpoint.confirmation",
        endpoint_id=ENDPOINT,
        party_id="INST",
        confirm_url=link,
        expires_at="2026-01-06T09:00:00Z",
    )
    message = composed(body)
    text = text_of(message)
    assert link in text.splitlines()  # on a line of its own, never wrapped
    assert "09:00 Tuesday 6 January 2026 London time (GMT)" in " ".join(text.split())
    assert "References" not in message


def test_a_disabled_endpoint_says_why_and_how_to_recover() -> None:
    body = endpoint_body(
        "endpoint.disabled", endpoint_id=ENDPOINT, party_id="INST", reason="failing"
    )
    text = " ".join(text_of(composed(body)).split())
    assert f"Endpoint {ENDPOINT} of party INST has been disabled" in text
    assert "deliveries to it kept failing" in text
    assert "ssi endpoints recover" in text
    assert "http://127.0.0.1:8002/endpoints" in text


def test_only_whitelisted_fields_reach_the_message(settings: Callable[..., Settings]) -> None:
    """Fields the payload must never carry stay out; whitelisted ones holding anything but their
    own shape (a header, a code, free text) are left out too."""
    secret = INSTALL_CODE.lower()
    body = incident_body(
        note=NOTE,
        reason=NOTE,
        install_code=INSTALL_CODE,
        address="12 Acacia Avenue, AB1 2CD",
        mpan="1200023456789",
        extra={"nested": secret},
        previous_addressed_party_id=f"INST {secret}",
        policy="mp121\r\nBcc: thief@example.test",
        outcome=NOTE,
        breach_cause=secret,
    )
    payload = json.loads(body)
    payload["data"]["device_id"] = INSTALL_CODE
    payload["data"]["status"] = "raised\r\nBcc: thief@example.test"
    message = composed(json.dumps(payload))
    raw = message.as_bytes()

    for leaked in (INSTALL_CODE, secret, NOTE, "Acacia", "AB1 2CD", "1200023456789", "thief"):
        assert leaked.lower().encode() not in raw.lower()
    assert "Bcc" not in message
    assert message["Subject"] == "[SSI] INC-000123 raised"


@pytest.mark.parametrize(
    "body",
    [
        endpoint_body("incident.raised"),
        json.dumps({"type": "incident.raised"}),
        json.dumps({"type": 7, "data": [1, 2]}),
        json.dumps(["not", "an", "object"]),
        "this is not JSON",
        "",
    ],
)
async def test_a_thin_or_broken_body_still_makes_a_message(
    settings: Callable[..., Settings], tmp_path: Path, body: str
) -> None:
    async with running(settings()) as mailer:
        result = await send(mailer, body=body)
    assert result.ok
    message = _read_eml(tmp_path / "mail" / "evt_42_a.eml")
    assert message["Subject"] in ("[SSI] Notification", "[SSI] Incident raised")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "References" not in message


# Header injection and bad addresses


@pytest.mark.parametrize(
    "address",
    [
        "ops@example.test\r\nBcc: thief@example.test",
        "ops@example.test\nBcc: thief@example.test",
        "ops@example.test\r",
        "ops@example.test, thief@example.test",
        "Ops <ops@example.test>",
        "ops@example.test (ops)",
        '"ops"@example.test',
        "ops at example.test",
        "ops@",
        "@example.test",
        "ops@exa mple.test",
        "opé@example.test",
        "",
        "o" * 65 + "@example.test",
    ],
)
async def test_a_bad_address_is_refused_for_good_without_connecting(
    settings: Callable[..., Settings], address: str
) -> None:
    with smtp_server() as server:
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            result = await send(m, to=address)
        assert server.connections == 0
        assert server.received == []
    assert result.permanent
    assert not result.ok
    assert result.status_code is None
    assert result.error == "invalid recipient address"


# TLS, never optional


async def test_starttls_with_a_trusted_ca_and_a_password_from_a_file(
    settings: Callable[..., Settings], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    password_file = tmp_path / "smtp-password"
    password_file.write_text(PASSWORD + "\n")
    caplog.set_level(logging.DEBUG)
    with smtp_server(credentials=("notifier", PASSWORD)) as server:
        config = settings(
            smtp_url=server.url(user="notifier"),
            smtp_password_file=password_file,
            smtp_ca_file=server.ca_file,
        )
        async with running(config) as mailer:
            result = await send(mailer)
        [received] = await server.wait_for(1)
        url = server.url(user="notifier")
    assert result.ok
    assert received.tls
    assert received.login == "notifier"
    assert url not in repr(config)
    assert PASSWORD not in repr(config)
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert not [r for r in ours if PASSWORD in r.getMessage() or url in r.getMessage()]


async def test_a_wrong_password_is_a_failure_that_names_no_secret(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    password_file = tmp_path / "smtp-password"
    password_file.write_text("not-the-password")
    with smtp_server(credentials=("notifier", PASSWORD)) as server:
        config = settings(
            smtp_url=server.url(user="notifier"),
            smtp_password_file=password_file,
            smtp_ca_file=server.ca_file,
        )
        async with running(config) as mailer:
            result = await send(mailer)
        assert server.received == []
    assert not result.ok
    assert not result.permanent
    assert result.status_code == 535
    assert result.error == "authentication failed"
    assert "not-the-password" not in repr(result)
    assert str(server.port) not in repr(result)


async def test_a_certificate_from_an_unknown_ca_is_refused(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server(ca=trustme.CA()) as server, smtp_server() as other:
        # The client trusts another CA than the one that signed the server's certificate.
        config = settings(smtp_url=server.url(), smtp_ca_file=other.ca_file)
        async with running(config) as mailer:
            result = await send(mailer)
        assert server.received == []
    assert not result.ok
    assert not result.permanent
    assert result.status_code is None
    assert result.error == "TLS certificate not trusted"


async def test_a_server_without_starttls_is_never_sent_plain_text(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server(tls="none") as server:
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            result = await send(m)
        assert server.received == []
        assert server.connections == 1
    assert not result.ok
    assert not result.permanent
    assert result.error == "server does not offer STARTTLS"


async def test_smtps_is_tls_from_the_first_byte(settings: Callable[..., Settings]) -> None:
    with smtp_server(tls="implicit") as server:
        assert server.url().startswith("smtps://")
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            result = await send(m)
        [received] = await server.wait_for(1)
    assert result.ok
    assert received.tls


# SMTP answers


@pytest.mark.parametrize(
    ("at", "reply", "error"),
    [
        ("RCPT", "450 4.2.1 Mailbox busy, try later", "recipient refused"),
        ("DATA", "452 4.3.1 Insufficient system storage", "message refused"),
    ],
)
async def test_a_4xx_is_a_failure_to_retry_and_the_retry_goes_through(
    settings: Callable[..., Settings], at: str, reply: str, error: str
) -> None:
    with smtp_server() as server:
        server.answer(TO, reply, at=at)  # type: ignore[arg-type]
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            first = await send(m)
            server.reset()
            second = await send(m)
        [received] = await server.wait_for(1)
        connections = server.connections
    assert not first.ok
    assert not first.permanent
    assert first.error == error
    assert first.status_code == int(reply[:3])
    assert first.excerpt == reply[4:]
    assert second.ok
    assert received.message["Message-ID"] == "<evt_42_a@localhost>"
    assert connections == 0  # counted since reset(): the connection survived the refusal


@pytest.mark.parametrize(
    ("at", "reply", "error"),
    [
        ("RCPT", "550 5.1.1 No such user here", "recipient refused"),
        ("DATA", "554 5.7.1 Message rejected as spam", "message refused"),
    ],
)
async def test_a_5xx_for_the_recipient_or_the_message_is_permanent(
    settings: Callable[..., Settings], at: str, reply: str, error: str
) -> None:
    with smtp_server() as server:
        server.answer(TO, reply, at=at)  # type: ignore[arg-type]
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            refused = await send(m)
            other = await send(m, webhook_id="evt_42_b", to="escalation@example.test")
        [received] = await server.wait_for(1)
    assert refused.permanent
    assert not refused.ok
    assert refused.error == error
    assert refused.status_code == int(reply[:3])
    assert refused.excerpt == reply[4:]
    assert other.ok
    assert received.rcpt_tos == ["escalation@example.test"]


async def test_a_hanging_server_times_out_within_the_attempt_timeout(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server() as server:
        server.hang(TO)
        config = settings(
            smtp_url=server.url(), smtp_ca_file=server.ca_file, attempt_timeout_seconds=0.5
        )
        async with running(config) as mailer:
            started = time.perf_counter()
            result = await send(mailer)
            elapsed = time.perf_counter() - started
            after = await send(mailer, webhook_id="evt_42_b", to="other@example.test")
        connections = server.connections
    assert not result.ok
    assert not result.permanent
    assert result.error == "timed out"
    assert 0.4 <= elapsed < 1.5
    assert result.latency_ms < 1500
    assert after.ok
    assert connections == 2


async def test_a_connection_closed_mid_message_is_a_failure(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server() as server:
        server.drop(TO)
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            result = await send(m)
            after = await send(m, webhook_id="evt_42_b", to="other@example.test")
        [received] = await server.wait_for(1)
        connections = server.connections
    assert not result.ok
    assert not result.permanent
    assert result.status_code is None
    assert result.error == "connection closed by the server"
    assert after.ok
    assert received.rcpt_tos == ["other@example.test"]
    assert connections == 2


async def test_no_server_listening_is_a_failure_that_names_no_host(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server() as server:
        url, port = server.url(), server.port
    async with running(settings(smtp_url=url)) as mailer:
        result = await send(mailer)
    assert not result.ok
    assert not result.permanent
    assert result.error == "could not connect"
    assert str(port) not in repr(result)
    assert "127.0.0.1" not in repr(result)


# Connections


async def test_messages_in_a_row_share_one_connection(settings: Callable[..., Settings]) -> None:
    with smtp_server() as server:
        async with running(settings(smtp_url=server.url(), smtp_ca_file=server.ca_file)) as m:
            results = [await send(m, webhook_id=f"evt_{n}_a") for n in range(5)]
        received = await server.wait_for(5)
        connections = server.connections
    assert all(r.ok for r in results)
    assert connections == 1
    assert [r.message["Message-ID"] for r in received] == [
        f"<evt_{n}_a@localhost>" for n in range(5)
    ]


async def test_concurrent_messages_use_at_most_the_configured_connections(
    settings: Callable[..., Settings],
) -> None:
    with smtp_server() as server:
        config = settings(smtp_url=server.url(), smtp_ca_file=server.ca_file, smtp_connections=2)
        async with running(config) as mailer:
            results = await asyncio.gather(
                *(
                    send(mailer, webhook_id=f"evt_{n}_a", to=f"ops{n}@example.test")
                    for n in range(12)
                )
            )
        received = await server.wait_for(12)
        connections = server.connections
    assert all(r.ok for r in results)
    assert len(received) == 12
    assert 1 <= connections <= 2


# .eml files, the embedded default


async def test_without_smtp_each_message_is_an_eml_file_named_by_its_webhook_id(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async with running(settings()) as mailer:
        first = await send(mailer, body=incident_body(note=NOTE, install_code=INSTALL_CODE))
        again = await send(mailer)  # the same delivery again, as after a crash
        other = await send(mailer, webhook_id="evt_43_a")
    assert first.ok
    assert again.ok
    assert other.ok
    assert first.status_code == 250
    assert first.excerpt == "written to mail/evt_42_a.eml"
    mail = tmp_path / "mail"
    assert sorted(p.name for p in mail.iterdir()) == ["evt_42_a.eml", "evt_43_a.eml"]
    path = mail / "evt_42_a.eml"
    assert os.stat(path).st_mode & 0o777 & ~0o640 == 0
    message = _read_eml(path)
    assert message["Subject"] == f"[SSI] INC-000123 raised: Device {DEVICE}"
    assert message["Message-ID"] == "<evt_42_a@localhost>"
    assert message["To"] == TO
    raw = path.read_bytes()
    assert INSTALL_CODE.encode() not in raw
    assert b"neighbour" not in raw


async def test_an_unsafe_webhook_id_still_gets_a_file_of_its_own(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    async with running(settings()) as mailer:
        for webhook_id in ("../../escape", "a/b", "a_b"):
            assert (await send(mailer, webhook_id=webhook_id)).ok
    names = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert len(names) == 3
    assert "a_b.eml" in names
    assert not (tmp_path.parent / "escape.eml").exists()
    assert all(not name.startswith(".") for name in names)


async def test_a_mail_directory_that_cannot_be_written_is_a_failure_to_retry(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    (tmp_path / "mail").write_text("a file where the directory should be")
    async with running(settings()) as mailer:
        result = await send(mailer)
    assert not result.ok
    assert not result.permanent
    assert result.error is not None
    assert result.error.startswith("cannot write the message file")


def _read_eml(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


# Settings


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"NOTIFIER_SMTP_URL": f"smtp://notifier:{PASSWORD}@mail.example.test"}, "password"),
        ({"NOTIFIER_SMTP_URL": "http://mail.example.test"}, "smtp://"),
        ({"NOTIFIER_SMTP_URL": "smtp://mail.example.test/inbox"}, "no path"),
        ({"NOTIFIER_SMTP_URL": "smtp://notifier@mail.example.test"}, "PASSWORD_FILE"),
        ({"NOTIFIER_SMTP_PASSWORD_FILE": "/run/secrets/smtp"}, "needs a user"),
        ({"NOTIFIER_MAIL_FROM": "a@example.test, b@example.test"}, "one address"),
        ({"NOTIFIER_MAIL_FROM": "ssi@example.test\r\nBcc: thief@example.test"}, "one line"),
        ({"NOTIFIER_MAIL_FROM": "ssi@bücher.example"}, "ASCII"),
        ({"NOTIFIER_PORTAL_URL": "javascript:alert(1)"}, "http(s)"),
    ],
)
def test_bad_mail_settings_are_refused_without_echoing_them(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], problem: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as refused:
        load_settings(Settings)
    assert problem in str(refused.value)
    assert PASSWORD not in str(refused.value)
    assert "thief" not in str(refused.value)


def test_an_unreadable_password_file_stops_the_start(
    settings: Callable[..., Settings], tmp_path: Path
) -> None:
    config = settings(
        smtp_url="smtp://notifier@mail.example.test", smtp_password_file=tmp_path / "missing"
    )
    with pytest.raises(ConfigurationError, match="NOTIFIER_SMTP_PASSWORD_FILE"):
        Mailer(config)


def test_smtp_urls_default_to_the_submission_and_smtps_ports(
    settings: Callable[..., Settings],
) -> None:
    starttls = settings(smtp_url="smtp://mail.example.test").smtp_server()
    implicit = settings(smtp_url="SMTPS://mail.example.test").smtp_server()
    assert starttls is not None
    assert (starttls.port, starttls.implicit_tls) == (587, False)
    assert implicit is not None
    assert (implicit.port, implicit.implicit_tls) == (465, True)


@pytest.mark.parametrize(
    "body",
    [
        *(
            incident_body(t)
            for t in (
                "incident.raised",
                "incident.resolved",
                "incident.sla_breached",
                "incident.something_new",
            )
        ),
        incident_body("incident.sla_breached", breach_cause="addressee_unreachable"),
        endpoint_body("endpoint.test", endpoint_id=ENDPOINT),
        endpoint_body("endpoint.failing", endpoint_id=ENDPOINT, kind="webhook"),
        endpoint_body(
            "endpoint.confirmation",
            confirm_url="http://127.0.0.1:8002/endpoints/confirm?token=" + "t" * 43,
            expires_at="2026-01-06T09:00:00+00:00",
        ),
        endpoint_body("party.renamed", whatever=1),
        "not json at all",
    ],
)
def test_a_message_written_directly_is_the_one_the_email_package_makes(body: str) -> None:
    """`render` skips the email package for speed: byte for byte, the same message."""
    letterhead = Letterhead.of("SSI notifier <ssi-notifier@localhost>", "http://127.0.0.1:8002")
    now = datetime(2022, 9, 14, 9, 30, 1, tzinfo=UTC)
    made = render(letterhead, address=TO, webhook_id="evt_42_a", body=body, now=now)
    expected = compose(letterhead, address=TO, webhook_id="evt_42_a", body=body, now=now)
    assert made == expected.as_bytes()


def test_a_message_the_fast_path_cannot_write_still_goes_through_the_email_package() -> None:
    letterhead = Letterhead.of("SSI notifier <ssi-notifier@localhost>", "http://127.0.0.1:8002")
    now = datetime(2022, 9, 14, 9, 30, 1, tzinfo=UTC)
    long_id = "evt_" + "9" * 70  # a Message-ID line over 78 characters
    made = render(letterhead, address=TO, webhook_id=long_id, body=incident_body(), now=now)
    expected = compose(letterhead, address=TO, webhook_id=long_id, body=incident_body(), now=now)
    assert made == expected.as_bytes()
