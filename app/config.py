"""Settings, read from the environment once (by `Settings.from_env`) and passed in.

Nothing in the app reads the environment at import time: tests build their own
`Settings` on a temporary folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    sessions_dir: Path = ROOT / "sessions"
    exports_dir: Path = ROOT / "exports"
    # Empty: SQLite in `sessions_dir`. Otherwise an SQLAlchemy async URL.
    database_url: str = ""
    # Empty: in-memory channels (one process). For several processes:
    # redis://host:6379/0 (Redis pub/sub) or postgresql://user@host/db (LISTEN/NOTIFY).
    broker_url: str = ""
    # Prefix of the broker's channel names, so that installations (or test runs)
    # sharing one Redis or one PostgreSQL server never hear each other.
    broker_prefix: str = "zl"
    # Seconds after which the presence of a process that stopped heart-beating (killed,
    # host lost) expires. Processes refresh their rows every third of it.
    presence_ttl: float = 30.0
    # Seconds between each process's check for board changes it was not told about
    # (a broker outage, a lost message): the safety net under the broker.
    catch_up_interval: float = 2.0
    # Signs CSRF tokens. Random per process unless set: set it when running
    # several processes, or forms opened before a restart fail their CSRF check.
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    # Base of the links shown to participants (join link, QR code). Empty: the
    # address the facilitator's browser used.
    public_url: str = ""
    # Run Alembic migrations at start-up. Turn off when several processes start
    # together and migrations run as a deployment step instead.
    auto_migrate: bool = True
    # Cookies get `Secure` (set when served over HTTPS).
    secure_cookies: bool = False
    # Board sockets without an Origin header: browsers always send one, so by default such a socket
    # is refused (4403). Turn on for scripts that know what they are doing.
    allow_sockets_without_origin: bool = False
    # SQLite `synchronous` pragma: see docs/architecture.md (durability).
    sqlite_synchronous: str = "NORMAL"
    max_card_length: int = 1000
    max_name_length: int = 60
    max_title_length: int = 120
    # PDF export: `export_workers` warm worker processes per app process (started with the app), one
    # PDF at a time each; a PDF over `export_timeout` seconds kills its worker (a fresh one takes its
    # place); each worker's address space is capped at `export_memory_mb`.
    export_timeout: float = 120.0
    export_memory_mb: int = 2048
    export_workers: int = 1
    # An uploaded workshop file (JSON import) may be at most this large.
    max_import_bytes: int = 5_000_000
    # Cards per board (deleted cards in the bin do not count): bounds what one board can hold.
    max_cards_per_board: int = 1000
    # Workshops are deleted this many days after their last change (0: never automatically).
    retention_days: int = 90
    # When set, creating a workshop asks for this code (an instance access code).
    access_code: str = ""
    # Rate limits (see app/ratelimit.py; per process). Changes over HTTP per participant:
    # a bucket of `mutation_burst` that refills at `mutations_per_second`.
    mutations_per_second: float = 5.0
    mutation_burst: int = 40
    # Messages a participant may send over the board socket: a bucket of `socket_burst`
    # refilling at `socket_messages_per_second`; over it, that socket is closed (1008).
    socket_messages_per_second: float = 2.0
    socket_burst: int = 20
    # Wrong join codes or access codes per client IP, and in all, per window.
    code_attempts_per_ip: int = 20
    code_attempts_global: int = 100
    code_attempt_window: int = 600  # seconds
    debug: bool = False

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.sessions_dir / 'zichtlijn.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        kwargs: dict = {}
        if env.get("SESSIONS_DIR"):
            kwargs["sessions_dir"] = Path(env["SESSIONS_DIR"]).resolve()
        if env.get("EXPORTS_DIR"):
            kwargs["exports_dir"] = Path(env["EXPORTS_DIR"]).resolve()
        for key, name in [
            ("DATABASE_URL", "database_url"),
            ("BROKER_URL", "broker_url"),
            ("BROKER_PREFIX", "broker_prefix"),
            ("SECRET_KEY", "secret_key"),
            ("PUBLIC_URL", "public_url"),
            ("SQLITE_SYNCHRONOUS", "sqlite_synchronous"),
        ]:
            if env.get(key):
                kwargs[name] = env[key]
        for key, name, kind in [("EXPORT_TIMEOUT", "export_timeout", float), ("EXPORT_MEMORY_MB", "export_memory_mb", int),
                                ("EXPORT_WORKERS", "export_workers", int)]:
            if env.get(key):
                kwargs[name] = kind(env[key])
        for key, name, kind in [
            ("MAX_CARDS_PER_BOARD", "max_cards_per_board", int),
            ("RETENTION_DAYS", "retention_days", int),
            ("MUTATIONS_PER_SECOND", "mutations_per_second", float),
            ("MUTATION_BURST", "mutation_burst", int),
            ("SOCKET_MESSAGES_PER_SECOND", "socket_messages_per_second", float),
            ("SOCKET_BURST", "socket_burst", int),
            ("CODE_ATTEMPTS_PER_IP", "code_attempts_per_ip", int),
            ("CODE_ATTEMPTS_GLOBAL", "code_attempts_global", int),
            ("CODE_ATTEMPT_WINDOW", "code_attempt_window", int),
        ]:
            if env.get(key, "").strip():
                kwargs[name] = kind(env[key].strip())
        if env.get("ACCESS_CODE", "").strip():
            kwargs["access_code"] = env["ACCESS_CODE"].strip()
        if env.get("PRESENCE_TTL"):
            kwargs["presence_ttl"] = max(3.0, float(env["PRESENCE_TTL"]))
        if env.get("CATCH_UP_INTERVAL"):
            kwargs["catch_up_interval"] = max(0.5, float(env["CATCH_UP_INTERVAL"]))
        for key, name in [("AUTO_MIGRATE", "auto_migrate"), ("SECURE_COOKIES", "secure_cookies"), ("DEBUG", "debug"),
                          ("ALLOW_SOCKETS_WITHOUT_ORIGIN", "allow_sockets_without_origin")]:
            if key in env:
                kwargs[name] = env[key].strip().lower() in {"1", "true", "yes", "on"}
        url = kwargs.get("database_url", "")
        # Accept the usual postgres:// form and pick the async driver.
        if url.startswith(("postgres://", "postgresql://")):
            kwargs["database_url"] = "postgresql+asyncpg://" + url.split("://", 1)[1]
        # The broker talks to PostgreSQL through asyncpg directly: a plain libpq URL.
        broker = kwargs.get("broker_url", "")
        if broker.startswith(("postgres://", "postgresql+asyncpg://")):
            kwargs["broker_url"] = "postgresql://" + broker.split("://", 1)[1]
        return cls(**kwargs)
