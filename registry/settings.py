"""Configuration: one ``Settings`` object, built by ``load_settings`` when a command starts."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings"]


class Settings(BaseSettings):
    """Every setting reads ``SKILLCERT_<NAME>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="SKILLCERT_")

    home: Path = Path("var")
    database_url: str | None = None
    """SQLAlchemy URL; default an SQLite file in ``home``. ``postgresql+psycopg://`` works too."""
    public_url: str = "http://127.0.0.1:8000"
    """Where the service is reached: status list URLs inside credentials are under it."""
    log_origin: str = "skillcert.example/log"
    """The log's checkpoint origin line and the name of its signed-note key."""

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'registry.db'}"

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def authority_key_path(self) -> Path:
        return self.keys_dir / "authority.pem"

    @property
    def log_key_path(self) -> Path:
        return self.keys_dir / "log.pem"


def load_settings() -> Settings:
    return Settings()
