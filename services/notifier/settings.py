"""The notifier's settings: `NOTIFIER_*`, beside the shared `SSI_*` ones."""

from pydantic import Field, model_validator
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
