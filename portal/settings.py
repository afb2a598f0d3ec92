"""The portal's settings: `PORTAL_*`, the services' addresses and the shared `SSI_*` ones."""

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import CommonSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    common: CommonSettings = Field(default_factory=CommonSettings)
    public_url: str = "http://127.0.0.1:8002"
    """The origin the browser sees: unsafe requests must come from it (the `Origin` check)."""
    database_url: str | None = None
    """PostgreSQL in production; SQLite under SSI_DATA_DIR if unset. Sessions only."""
    session_keys: str | None = None
    """`kid:base64key,...` (AES-256-GCM): encrypts the tokens kept in session rows. The first
    encrypts, every key decrypts. Development generates one under SSI_DATA_DIR."""
    oidc_issuer: str | None = None
    """The identity provider. Unset in development: only "sign in as" is offered."""
    oidc_client_id: str | None = None
    oidc_client_secret_file: Path | None = None
    api_url: str = Field(default="http://127.0.0.1:8000", validation_alias="SSI_API_URL")
    notifier_url: str = Field(default="http://127.0.0.1:8001", validation_alias="SSI_NOTIFIER_URL")
    idle_minutes: int = Field(default=30, ge=1)
    absolute_hours: int = Field(default=12, ge=1)
    step_up_seconds: int = Field(default=300, ge=30)
    """How recent a sign-in must be to reveal an install code."""
    max_upload_bytes: int = Field(default=16 * 1024**2, ge=1024)
    """A CSV of up to 10,000 rows, as the API's bulk calls take."""
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_connections: int = Field(default=512, ge=1)

    @field_validator("public_url")
    @classmethod
    def _an_origin(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) origin such as https://portal.example")
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        """`Secure` and the `__Host-` prefix: everywhere but plain-http development."""
        return not (self.common.development and self.public_url.startswith("http://"))

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.common.data_dir / 'portal.db'}"

    def oidc_client_secret(self) -> str | None:
        if self.oidc_client_secret_file is None:
            return None
        return self.oidc_client_secret_file.read_text().strip()
