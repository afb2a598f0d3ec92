"""Settings both services read, with the `SSI_` prefix DESIGN §5 fixes."""

import secrets
from datetime import date
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SSI_", extra="ignore")

    env: str = "production"
    data_dir: Path = Path("var")
    jwt_secret: str | None = None
    jwt_audience: str = "ssi"
    jwt_issuer: str = "ssi-dev"
    jwt_jwks_url: str | None = None
    jwt_jwks_file: Path | None = None
    extra_non_working_days: list[date] = []
    """Non-working days announced after the pinned `holidays` release (JSON list of dates)."""

    @property
    def development(self) -> bool:
        return self.env == "development"

    def dev_jwt_secret(self) -> str:
        """SSI_JWT_SECRET, or one generated once under SSI_DATA_DIR (development only)."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / "jwt-secret"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32))
        return path.read_text().strip()
