"""Sending one notification by email: SMTP over TLS through a few reused connections, or an
`.eml` file under SSI_DATA_DIR/mail/ when no SMTP server is configured.

TLS is never optional: `smtp://` must offer STARTTLS (aiosmtplib's `start_tls=True`: a server
that does not is a failed attempt, never a plain-text one) and `smtps://` is TLS from the first
byte; certificates are checked against the system's CAs and NOTIFIER_SMTP_CA_FILE.

`Mailer.send` never raises (cancellation aside) and never reports the SMTP URL or the password:
errors are short phrases of its own; the server's reply is the excerpt. A 5xx refusal of the
recipient or of the message is `permanent` (the delivery is dead at once: a contact-list defect
for operators); a 4xx, a timeout, a refused or dropped connection is a plain failure, retried on
the schedule. A 5xx for the sender is not permanent: it is this deployment's configuration, the
same for every message, and retrying after the operator fixes it loses nothing.

A message re-sent after a crash keeps its Message-ID, and its `.eml` file its name: email is at
least once, and a duplicate is recognisable as one.
"""

import asyncio
import logging
import os
import secrets
import socket
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiosmtplib

from services.common.config import ConfigurationError
from services.notifier.settings import Settings, SmtpServer
from services.notifier.transports.mail_format import Letterhead, render, safe_id, valid_address
from services.notifier.transports.webhook import AttemptResult

log = logging.getLogger(__name__)

EXCERPT_CHARS = 1024
IDLE_CHECK_SECONDS = 30.0
"""A connection idle longer than this is checked with NOOP before use: relays drop idle clients
(often after a minute or five), and a message should not fail for that."""


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._letterhead = Letterhead.of(settings.mail_from, settings.portal_url)
        self._timeout = settings.attempt_timeout_seconds
        self._mail_dir = settings.common.data_dir / "mail"
        server = settings.smtp_server()
        self._pool = (
            None
            if server is None
            else _Pool(
                server,
                size=settings.smtp_connections,
                timeout=self._timeout,
                tls=_tls_context(settings.smtp_ca_file),
                password_file=settings.smtp_password_file,
            )
        )

    async def send(
        self, *, address: str, webhook_id: str, body: str, started_at: datetime | None = None
    ) -> AttemptResult:
        """Mail `body` (the webhook body's JSON) to `address`; `started_at` is stamped on the
        result as the attempt's start."""
        started = time.perf_counter()

        def result(
            code: int | None, *, error: str | None = None, reply: str | None = None
        ) -> AttemptResult:
            return AttemptResult(
                status_code=code,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
                excerpt=None if reply is None else _excerpt(reply),
                error=error,
                started_at=started_at,
                permanent=code is not None and 500 <= code < 600 and error in _PERMANENT,
            )

        if not valid_address(address):
            # Checked before anything is composed: a CR or LF would split a header.
            return AttemptResult(
                None, 0.0, None, "invalid recipient address", started_at=started_at, permanent=True
            )
        try:
            message = render(
                self._letterhead,
                address=address,
                webhook_id=webhook_id,
                body=body,
                now=datetime.now(UTC),
            )
            if self._pool is None:
                name = f"{safe_id(webhook_id)}.eml"
                try:
                    await asyncio.to_thread(_write_atomically, self._mail_dir, name, message)
                except OSError as exc:
                    return result(None, error=f"cannot write the message file ({exc.strerror})")
                return result(250, reply=f"written to mail/{name}")
            async with asyncio.timeout(self._timeout):
                reply = await self._pool.send(self._letterhead.sender, address, message)
            return result(250, reply=reply)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return result(refused.code, error=_RECIPIENT_REFUSED, reply=refused.message)
        except aiosmtplib.SMTPDataError as exc:
            return result(exc.code, error=_MESSAGE_REFUSED, reply=exc.message)
        except aiosmtplib.SMTPSenderRefused as exc:
            return result(exc.code, error="sender refused", reply=exc.message)
        except aiosmtplib.SMTPAuthenticationError as exc:
            return result(exc.code, error="authentication failed", reply=exc.message)
        except aiosmtplib.SMTPResponseException as exc:
            return result(exc.code, error=f"server answered {exc.code}", reply=exc.message)
        except (TimeoutError, aiosmtplib.SMTPTimeoutError):
            return result(None, error="timed out")
        except (aiosmtplib.SMTPException, OSError) as exc:
            return result(None, error=_describe(exc))
        except ConfigurationError:
            return result(None, error="the SMTP password file cannot be read")
        except Exception as exc:
            # A bug, not the server: recorded as a failed attempt (retried) rather than lost.
            log.error(
                "email attempt failed unexpectedly",
                extra={"webhook_id": webhook_id, "error_type": type(exc).__name__},
            )
            return result(None, error=f"unexpected error ({type(exc).__name__})")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


_RECIPIENT_REFUSED = "recipient refused"
_MESSAGE_REFUSED = "message refused"
_PERMANENT = {_RECIPIENT_REFUSED, _MESSAGE_REFUSED}


def _describe(exc: BaseException) -> str:
    """A short reason for a failure below the SMTP replies. aiosmtplib's messages name the host
    and port, so they are not passed on."""
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return "TLS certificate not trusted"
        if isinstance(cause, ssl.SSLError):
            return "TLS handshake failed"
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
        return "connection closed by the server"
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError):
        return "could not connect"
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return "server lacks a required extension"
    if isinstance(exc, aiosmtplib.SMTPException) and "STARTTLS" in str(exc):
        return "server does not offer STARTTLS"
    if isinstance(exc, aiosmtplib.SMTPException):
        return "SMTP error"
    return "connection failed"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _excerpt(text: str) -> str:
    text = text[:EXCERPT_CHARS]
    return "".join(c if c.isprintable() or c == "\n" else "\ufffd" for c in text)


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError):
            raise ConfigurationError(
                "NOTIFIER_SMTP_CA_FILE: cannot be read as PEM certificates"
            ) from None
    return context


def _write_atomically(directory: Path, name: str, data: bytes) -> None:
    """Write `directory/name` whole or not at all (a reader never sees half a message), owner
    and group only; a rewrite replaces the file."""
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            # Reported as delivered once this returns: it must outlast a power cut.
            os.fsync(file.fileno())
        os.replace(temporary, directory / name)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(eq=False)
class _Connection:
    smtp: aiosmtplib.SMTP
    used_at: float
    dirty: bool = False
    """The last transaction failed: RSET before the next, in case aiosmtplib's own RSET did
    not go through."""


class _Pool:
    """Up to `size` open SMTP connections, each sending one message at a time. A connection
    that failed below the SMTP replies (a timeout, a disconnect, a cancelled send) is closed; the
    next message opens a new one."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        size: int,
        timeout: float,
        tls: ssl.SSLContext,
        password_file: Path | None,
    ) -> None:
        self._server = server
        self._timeout = timeout
        self._tls = tls
        self._password_file = password_file
        if password_file is not None:
            self._password()  # unreadable: refuse to start rather than fail every message
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []
        self._local_hostname: str | None = None
        self._closed = False

    def _password(self) -> str | None:
        """Read at each new connection, so a rotated password needs no restart."""
        if self._password_file is None:
            return None
        try:
            return self._password_file.read_text().rstrip("\r\n")
        except (OSError, UnicodeError):
            raise ConfigurationError("NOTIFIER_SMTP_PASSWORD_FILE: cannot be read") from None

    async def send(self, sender: str, recipient: str, message: bytes) -> str:
        """Send one message; returns the server's reply to DATA."""
        async with self._slots:
            connection = await self._checkout()
            healthy = False
            try:
                _, reply = await connection.smtp.sendmail(sender, [recipient], message)
                healthy = True
                return reply
            except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as exc:
                # A refusal leaves the connection usable, unless the server is closing it.
                healthy = getattr(exc, "code", None) != 421
                connection.dirty = True
                raise
            finally:
                self._checkin(connection, healthy)

    async def _checkout(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if await self._usable(connection):
                return connection
        return await self._open()

    async def _usable(self, connection: _Connection) -> bool:
        smtp = connection.smtp
        if not smtp.is_connected:
            smtp.close()
            return False
        try:
            if connection.dirty:
                await smtp.rset()
                connection.dirty = False
            elif time.monotonic() - connection.used_at > IDLE_CHECK_SECONDS:
                await smtp.noop()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()
            return False
        return True

    async def _open(self) -> _Connection:
        if self._local_hostname is None:
            # getfqdn may wait on DNS: once, off the event loop, not at every connection.
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        server = self._server
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            local_hostname=self._local_hostname,
            use_tls=server.implicit_tls,
            start_tls=not server.implicit_tls,
            validate_certs=True,
            tls_context=self._tls,
            timeout=self._timeout,
            username=server.username,
            password=self._password(),
        )
        await smtp.connect()
        return _Connection(smtp, time.monotonic())

    def _checkin(self, connection: _Connection, healthy: bool) -> None:
        if healthy and not self._closed and connection.smtp.is_connected:
            connection.used_at = time.monotonic()
            self._idle.append(connection)
        else:
            connection.smtp.close()

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            try:
                await connection.smtp.quit(timeout=1.0)
            except (aiosmtplib.SMTPException, OSError):
                pass
            finally:
                connection.smtp.close()
