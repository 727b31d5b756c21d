"""Configuration: one ``Settings`` object, built by ``load_settings`` when a command starts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    max_body_bytes: int = Field(default=4 << 20, ge=1024)
    """Largest request body the HTTP service reads (413 beyond it). 4 MiB holds a full batch
    of ``max_batch`` credentials at about 3.7 KB each."""
    max_batch: int = Field(default=1000, ge=1, le=2000)
    """Most credentials in one ``POST /v1/credentials`` batch; at most the 2,000 entries the
    log appends in one transaction (``registry.log.MAX_BATCH``), as a batch is all or
    nothing."""
    rate_limit_per_second: float = Field(default=5.0, ge=0)
    """Tokens each client address gains per second on the write and verify routes; 0 turns
    rate limiting off."""
    rate_limit_burst: int = Field(default=60, ge=1)
    """Requests a client address may make at once before the rate applies."""
    trust_refresh_seconds: float = Field(default=60.0, gt=0)
    """Longest the service reuses the trust bundle it verifies with when no governance change
    has been logged meanwhile; the bundle's age is reported in every verification."""
    trust_check_seconds: float = Field(default=1.0, ge=0)
    """How long a worker verifies with its trust bundle before asking the log whether a change
    has been logged since (by another worker or the CLI; its own writes it sees at once); 0
    asks on every request."""
    governance_max_skew_seconds: int = Field(default=300, ge=1)
    """How far from the registry's clock the ``at`` of a change sent over HTTP may lie: an old
    signed change (every one is public in the log) cannot be replayed."""

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
