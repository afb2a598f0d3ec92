"""The incident API's settings: `INCIDENT_API_*`, beside the shared `SSI_*` ones."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import CommonSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INCIDENT_API_", extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    database_url: str | None = None
    """PostgreSQL (`postgresql+asyncpg://...`) in production; SQLite under SSI_DATA_DIR if unset."""
    default_policy: str = "mp121"
    warn_remaining_working_days: list[int] = [2, 1]
    retention_days: int = 30
    idempotency_ttl_hours: int = 24
    max_reopens: int = 3
    max_body_bytes: int = 64 * 1024
    max_import_bytes: int = 4 * 1024**3
    db_pool_size: int = 10
    expiry_interval_seconds: float = 300.0

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.common.data_dir / 'incident_api.db'}"
