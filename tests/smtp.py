"""A real SMTP server for tests: aiosmtpd on a free loopback port, in its own thread, recording
each message it accepts.

    with smtp_server() as server:                  # STARTTLS offered and required
        settings = Settings(smtp_url=server.url(), smtp_ca_file=server.ca_file, ...)
        server.answer("gone@example.test", "550 5.1.1 No such user")   # at RCPT
        server.answer("full@example.test", "452 4.2.2 Mailbox full", at="DATA")
        server.hang("slow@example.test")           # DATA never answered
        server.drop("cut@example.test")            # connection closed mid-message
        ...
        [message] = await server.wait_for(1)       # woken by the server, no polling
        message.message["Subject"], message.rcpt_tos, server.connections

`tls`: "starttls" (the default; plain text is refused before STARTTLS), "implicit" (TLS from
the first byte: `smtps://`) or "none" (a server that offers no STARTTLS). Certificates come from
a trustme CA, `ca` (pass another `trustme.CA()` for a certificate the client does not trust);
its PEM is written to `ca_file` for NOTIFIER_SMTP_CA_FILE. `credentials=(user, password)`
requires AUTH (with "starttls" only: aiosmtpd refuses AUTH outside STARTTLS unless told to warn).
"""

import asyncio
import email
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Literal, cast

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Tls = Literal["starttls", "implicit", "none"]
WAIT_SECONDS = 10.0
Stage = Literal["RCPT", "DATA"]


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes
    """The message as it arrived, after dot-unstuffing."""
    tls: bool
    """Whether the message came over TLS."""
    login: str | None
    """The user that authenticated, if any."""


class SmtpServer:
    def __init__(self, tls: Tls, ca: trustme.CA, directory: Path) -> None:
        self.host = "127.0.0.1"
        self.port = 0
        self.tls = tls
        self.ca = ca
        self.ca_file = directory / "smtp-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.received: list[Received] = []
        self.connections = 0
        """Connections opened by clients since the server started."""
        self._answers: dict[tuple[str, Stage], str] = {}
        self._hang: set[str] = set()
        self._drop: set[str] = set()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def url(self, *, user: str | None = None) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://{f'{user}@' if user else ''}{self.host}:{self.port}"

    def answer(self, address: str, reply: str, *, at: Stage = "RCPT") -> None:
        """Answer `reply` (e.g. "550 5.1.1 No such user") for `address` at RCPT, or at the end
        of DATA for a message to it."""
        with self._lock:
            self._answers[(address.lower(), at)] = reply

    def hang(self, address: str) -> None:
        """Never answer the DATA of a message to `address`."""
        with self._lock:
            self._hang.add(address.lower())

    def drop(self, address: str) -> None:
        """Close the connection when a message to `address` has been sent, before answering."""
        with self._lock:
            self._drop.add(address.lower())

    def reset(self) -> None:
        """Forget what was received and scripted, and count connections from zero again (those
        open stay open)."""
        with self._lock:
            self.received.clear()
            self._answers.clear()
            self._hang.clear()
            self._drop.clear()
            self.connections = 0

    async def wait_for(self, count: int) -> list[Received]:
        """The messages received once there are at least `count`; TimeoutError after
        `WAIT_SECONDS`, so that a test missing a message fails rather than hangs."""
        event = asyncio.Event()
        waiter = (asyncio.get_running_loop(), event)
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                with self._lock:
                    if len(self.received) >= count:
                        return list(self.received)
                    event.clear()
                    self._waiters.append(waiter)
                try:
                    await event.wait()
                finally:
                    with self._lock:
                        if waiter in self._waiters:
                            self._waiters.remove(waiter)

    # Called in the server's thread.

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _scripted(self, address: str, stage: Stage) -> str | None:
        with self._lock:
            return self._answers.get((address.lower(), stage))

    def _record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)
            waiters = list(self._waiters)
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        scripted = self._scripted(address, "RCPT")
        if scripted is not None:
            return scripted
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipients = [a.lower() for a in envelope.rcpt_tos]
        with self._lock:
            hang = any(a in self._hang for a in recipients)
            drop = any(a in self._drop for a in recipients)
        if drop and server.transport is not None:
            cast(asyncio.Transport, server.transport).abort()
        if hang or drop:
            await asyncio.Event().wait()  # cancelled when the client goes or the server stops
        for address in recipients:
            scripted = self._scripted(address, "DATA")
            if scripted is not None:
                return scripted
        raw = bytes(envelope.original_content or b"")
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        transport = server.transport
        self._record(
            Received(
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                message=message,
                raw=raw,
                tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
                login=session.auth_data if isinstance(session.auth_data, str) else None,
            )
        )
        return "250 2.0.0 Message accepted"


class _Controller(Controller):
    """Binds port 0 and reads the port back; counts connections (the controller's own start-up
    probe excepted)."""

    def __init__(self, recorder: SmtpServer, **kwargs: Any) -> None:
        super().__init__(recorder, hostname=recorder.host, port=0, **kwargs)
        self.recorder = recorder

    def factory(self) -> SMTP:
        self.recorder._connected()
        return cast(SMTP, super().factory())  # type: ignore[no-untyped-call]

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@contextmanager
def smtp_server(
    *,
    tls: Tls = "starttls",
    ca: trustme.CA | None = None,
    credentials: tuple[str, str] | None = None,
) -> Iterator[SmtpServer]:
    ca = ca or trustme.CA()
    if credentials is not None and tls != "starttls":
        raise ValueError("AUTH is offered over STARTTLS only")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    with tempfile.TemporaryDirectory(prefix="smtp-") as directory:
        recorder = SmtpServer(tls, ca, Path(directory))
        kwargs: dict[str, Any] = {"server_hostname": "smtp.test", "enable_SMTPUTF8": False}
        if tls == "starttls":
            kwargs.update(tls_context=server_context, require_starttls=True)
        elif tls == "implicit":
            kwargs.update(ssl_context=server_context)
        if credentials is not None:
            kwargs.update(authenticator=_Authenticator(*credentials), auth_required=True)
        controller = _Controller(recorder, **kwargs)
        controller.start()
        recorder.port = controller.port
        recorder.connections = 0
        try:
            yield recorder
        finally:
            controller.stop()


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self._expected = (user.encode(), password.encode())

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == self._expected:
            return AuthResult(success=True, auth_data=data.login.decode())
        return AuthResult(success=False, handled=False)
