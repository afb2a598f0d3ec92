"""The incident API's settings: `INCIDENT_API_*`, its key ring, and the shared `SSI_*` ones."""

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.calendar import POLICIES
from shared.settings import CommonSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INCIDENT_API_", extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    database_url: str | None = None
    """PostgreSQL (`postgresql+asyncpg://...`) in production; SQLite under SSI_DATA_DIR if unset."""
    install_code_keys: str | None = Field(default=None, validation_alias="SSI_INSTALL_CODE_KEYS")
    """The key ring for install codes, `kid:base64key,...`: the first encrypts, every key decrypts.
    The API's alone, not a shared setting: the notifier calls supplier-chosen URLs and must hold
    nothing that opens a code. Read from `SSI_INSTALL_CODE_KEYS` (the name DESIGN §4 fixes) and
    no other name, so in code too it is given as `SSI_INSTALL_CODE_KEYS=` (or by `model_copy`):
    `install_code_keys=` would be ignored like any unknown setting."""
    policies: dict[str, int] = Field(default_factory=lambda: dict(POLICIES))
    """Named SLA policies and their Working Days (DESIGN §4: mp121 = 5, secas-interim = 10)."""
    default_policy: str = "mp121"
    """The policy new clocks start under. A change applies to clocks started after it: a running
    clock keeps the due and warning instants computed when it started."""
    warn_remaining_working_days: list[int] = [2, 1]
    """Warn at 00:00 London at the start of the last N Working Days (each N listed)."""
    retention_days: int = 30
    idempotency_ttl_hours: int = 24
    max_reopens: int = 3
    max_body_bytes: int = 64 * 1024
    max_import_bytes: int = 4 * 1024**3
    max_batch_bytes: int = 16 * 1024**2
    """Bulk raise and response bodies (up to 10,000 rows)."""
    db_pool_size: int = 10
    expiry_interval_seconds: float = 300.0
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    """A request's line and headers must arrive within this long of the connection opening (or
    of the request's first byte, on a kept-alive connection), or the connection is closed."""
    max_connections: int = Field(default=512, ge=1)
    """Open connections (idle kept-alive ones included) beyond which a request is answered 503;
    with the database pool, under the 1024 open files a container is often allowed."""

    @field_validator("policies")
    @classmethod
    def _positive_days(cls, policies: dict[str, int]) -> dict[str, int]:
        if any(days < 1 for days in policies.values()):
            raise ValueError("a policy needs at least one Working Day")
        return policies

    @field_validator("warn_remaining_working_days")
    @classmethod
    def _positive_warnings(cls, remaining: list[int]) -> list[int]:
        if any(r < 1 for r in remaining):
            raise ValueError("warnings are counted in Working Days remaining, 1 or more")
        return remaining

    @model_validator(mode="after")
    def _known_default(self) -> "Settings":
        if self.default_policy not in self.policies:
            raise ValueError(f"default_policy {self.default_policy!r} is not one of the policies")
        return self

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.common.data_dir / 'incident_api.db'}"
