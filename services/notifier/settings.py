"""The notifier's settings: `NOTIFIER_*`, beside the shared `SSI_*` ones."""

from dataclasses import dataclass
from email.headerregistry import Address
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import CommonSettings

DEFAULT_RETRY_SCHEDULE = [5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    database_url: str | None = None
    """PostgreSQL (`postgresql+asyncpg://...`) in production; SQLite under SSI_DATA_DIR if unset."""
    incident_api_url: str = "http://127.0.0.1:8000"
    api_token: str | None = None
    """The `svc:notifier` token for the incident API; minted from the dev secret in development."""
    secret_keys: str | None = None
    """Key ring for endpoint secrets at rest, `kid:base64key,...`; generated in development."""

    retry_schedule_seconds: list[float] = Field(default_factory=lambda: DEFAULT_RETRY_SCHEDULE)
    """Delay before each retry; a delivery is dead after the last one fails."""
    retry_jitter: float = Field(default=0.2, ge=0, le=1)
    """Each delay is drawn uniformly within ±this fraction."""
    retry_after_max_seconds: float = 6 * 3600
    """`Retry-After` is honoured up to this bound."""
    attempt_timeout_seconds: float = 10.0
    max_response_bytes: int = 64 * 1024
    """Read at most this much of a receiver's answer; 1 KiB of it is stored."""
    endpoint_concurrency: int = Field(default=4, ge=1)
    """Requests in flight to one endpoint at a time."""
    total_concurrency: int = Field(default=64, ge=1)
    """Requests in flight in all."""
    claim_per_endpoint: int = Field(default=64, ge=1)
    """Deliveries one claim takes ahead for an endpoint not (yet) known to answer fast; one that
    does is claimed half of `max_queued` at a time. Each job re-checks its lease before sending."""
    max_queued: int = Field(default=1024, ge=1)
    """Claimed deliveries held by one replica waiting or being sent; as many again may have been
    sent and wait to be written back, should the database fall behind."""
    claim_lease_seconds: float = 60.0
    disable_after_failing_seconds: float = 5 * 24 * 3600
    """An endpoint failing without a success for this long is disabled."""
    secret_grace_seconds: float = 24 * 3600
    """After a rotation the old secret keeps signing alongside the new for this long."""
    allow_loopback_http: bool | None = None
    """Plain http to loopback; defaults to on in development only, and never more than that."""
    feed_page_size: int = Field(default=500, ge=1, le=1000)
    feed_wait_seconds: float = Field(default=25.0, ge=0, le=30)
    sla_escalation_working_days: int = Field(default=5, ge=1)
    """While a clock is overdue, an escalation every this many Working Days."""
    sla_check_interval_seconds: float = Field(default=30.0, gt=0)
    """The scheduler looks at least this often; it also wakes at the next due instant."""
    sla_concurrency: int = Field(default=8, ge=1, le=256)
    """SLA events being recorded on the API at once (and due clocks claimed per query, so a
    claim's lease covers one round of posts, not a queue of them)."""
    sla_lease_seconds: float = Field(default=60.0, gt=0)
    """A claimed clock is another replica's to take after this long."""
    sla_retry_seconds: float = Field(default=10.0, gt=0)
    """After the API failed to record an event, try it again this much later."""
    max_body_bytes: int = 64 * 1024
    db_pool_size: int = 10
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    """A request's line and headers must arrive within this long of the connection opening (or
    of the request's first byte, on a kept-alive connection), or the connection is closed."""
    max_connections: int = Field(default=512, ge=1)
    """Open connections (idle kept-alive ones included) beyond which a request is answered 503;
    with the database pool, under the 1024 open files a container is often allowed."""

    smtp_url: SecretStr | None = None
    """`smtp://[user@]host[:port]` (STARTTLS required, port 587 by default) or `smtps://...`
    (implicit TLS, port 465); never a password. Unset: each message is written as an `.eml` file
    under SSI_DATA_DIR/mail/. Secret, so that it never shows in a repr or a log."""
    smtp_password_file: Path | None = None
    """The SMTP password, for the URL's user; read again at each new connection."""
    smtp_ca_file: Path | None = None
    """A CA bundle trusted besides the system's (a private relay)."""
    smtp_connections: int = Field(default=4, ge=1, le=64)
    """SMTP connections kept open, each sending one message at a time."""
    mail_from: str = "SSI notifier <ssi-notifier@localhost>"
    """The From of every message; its domain also names the Message-IDs."""
    portal_url: str = "http://127.0.0.1:8002"
    """The portal's origin as recipients reach it: each message links to its incident there."""

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_parses(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_smtp_url(value.get_secret_value())
        return value

    @field_validator("mail_from")
    @classmethod
    def _one_sender(cls, value: str) -> str:
        if any(c in value for c in "\r\n\0"):
            raise ValueError("must be one line")
        header = default_policy.header_factory("From", value)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        if header.defects or len(addresses) != 1 or not addresses[0].domain:
            raise ValueError("must be one address, as `Name <local@domain>` or `local@domain`")
        if not addresses[0].addr_spec.isascii():
            raise ValueError("the address must be ASCII (a domain in its xn-- form)")
        return value

    @field_validator("portal_url")
    @classmethod
    def _portal_origin(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("must be an http(s) URL without a query")
        if any(c.isspace() or not c.isprintable() for c in value):
            raise ValueError("must not contain spaces or control characters")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _smtp_login_complete(self) -> "Settings":
        server = self.smtp_server()
        user = server is not None and server.username is not None
        if user and self.smtp_password_file is None:
            raise ValueError("NOTIFIER_SMTP_URL names a user: set NOTIFIER_SMTP_PASSWORD_FILE")
        if not user and self.smtp_password_file is not None:
            raise ValueError("NOTIFIER_SMTP_PASSWORD_FILE needs a user in NOTIFIER_SMTP_URL")
        return self

    def smtp_server(self) -> "SmtpServer | None":
        """Where mail goes: None means `.eml` files."""
        if self.smtp_url is None:
            return None
        return parse_smtp_url(self.smtp_url.get_secret_value())

    @model_validator(mode="after")
    def _lease_outlasts_an_attempt(self) -> "Settings":
        if self.claim_lease_seconds <= self.attempt_timeout_seconds:
            raise ValueError("claim_lease_seconds must exceed attempt_timeout_seconds")
        return self

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.common.data_dir / 'notifier.db'}"

    def loopback_allowed(self) -> bool:
        if self.allow_loopback_http is None:
            return self.common.development
        return self.allow_loopback_http and self.common.development


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    """`smtps://`: TLS from the first byte; otherwise STARTTLS, which is required."""
    username: str | None


def parse_smtp_url(url: str) -> SmtpServer:
    """`NOTIFIER_SMTP_URL`, checked. Messages never quote the URL: it may hold a secret."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("is not a URL with a valid port") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise ValueError("must be smtp://[user@]host[:port] (STARTTLS) or smtps://... (TLS)")
    if parts.password is not None:
        raise ValueError(
            "must not hold a password: put it in the file NOTIFIER_SMTP_PASSWORD_FILE names"
        )
    if not parts.hostname:
        raise ValueError("names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("takes no path, query or fragment")
    implicit = scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if implicit else 587),
        implicit_tls=implicit,
        username=unquote(parts.username) if parts.username else None,
    )
