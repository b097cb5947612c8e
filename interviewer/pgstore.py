"""PostgreSQL as the store's backend (INTERVIEWER_DATABASE_URL), so several app replicas share one store.

The store's SQL and migrations are shared with SQLite; this module adapts them: `?` parameters
become psycopg's `%s`, writers to one session lock its row (`SELECT ... FOR UPDATE`), and
migrations run under a transaction-scoped advisory lock so replicas starting together migrate
once. Connections are kept in a small pool and each call borrows one, so Streamlit's many
short-lived script threads do not each hold a connection open.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from interviewer.config import redacted_url
from interviewer.store import MIGRATIONS, Connection, Cursor, StoreError

if TYPE_CHECKING:
    import psycopg

MAX_IDLE = 8  # connections kept open between calls
CONNECT_TIMEOUT_S = 10
MIGRATION_LOCK = 0x696E7476  # any fixed 64-bit key: "intv"


@lru_cache(maxsize=256)
def postgres_sql(sql: str) -> str:
    """The store's SQLite-dialect statement for psycopg: `?` placeholders, literal `%` escaped."""
    return sql.replace("%", "%%").replace("?", "%s")


def _postgres_types(db: Connection) -> None:
    """Give PostgreSQL what SQLite has implicitly: 8-byte REAL and an insertion-order `rowid`."""
    db.execute("ALTER TABLE sessions ALTER COLUMN score TYPE DOUBLE PRECISION")
    db.execute("ALTER TABLE sessions ADD COLUMN IF NOT EXISTS rowid BIGSERIAL")


def _initial_schema(db: Connection) -> None:
    initial = dict(MIGRATIONS)["001_initial_schema"]
    initial(db)
    _postgres_types(db)


# The same numbered migrations as SQLite; the first also adds what PostgreSQL lacks by default.
PG_MIGRATIONS: tuple[tuple[str, Callable[[Connection], None]], ...] = tuple(
    (name, _initial_schema if name == "001_initial_schema" else migration) for name, migration in MIGRATIONS
)


class PgConnection:
    """A psycopg connection that speaks the store's `?`-parameter SQL."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor:
        return self.raw.execute(postgres_sql(sql), parameters)  # type: ignore[arg-type]  # the SQL is our own, not user input


class PostgresBackend:
    """A pool of autocommit connections to one database; transactions are explicit and never nest."""

    migrations = PG_MIGRATIONS

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise StoreError("INTERVIEWER_DATABASE_URL needs psycopg: pip install 'psycopg[binary]'") from exc
        self.url = url
        self._idle: list[psycopg.Connection[Any]] = []
        self._lock = threading.Lock()

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name="interviewer")
        except psycopg.Error as exc:
            raise self.error(exc) from exc

    def _release(self, raw: psycopg.Connection[Any]) -> None:
        from psycopg import pq

        healthy = not raw.closed and raw.info.transaction_status == pq.TransactionStatus.IDLE
        with self._lock:
            if healthy and len(self._idle) < MAX_IDLE:
                self._idle.append(raw)
                return
        raw.close()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        import psycopg

        raw = self._connect()
        try:
            yield PgConnection(raw)
        except psycopg.Error as exc:
            raise self.error(exc) from exc
        finally:
            self._release(raw)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.connection() as db:
            assert isinstance(db, PgConnection)
            with db.raw.transaction():
                yield db

    def lock_session(self, db: Connection, session_id: str) -> None:
        db.execute("SELECT 1 FROM sessions WHERE id = ? FOR UPDATE", (session_id,))

    def lock_migrations(self, db: Connection) -> None:
        db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for raw in idle:
            raw.close()

    def error(self, exc: BaseException) -> StoreError:
        """One sentence a person can act on; the URL is shown without its password."""
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return StoreError(f"cannot use the database {redacted_url(self.url)} ({first}); check INTERVIEWER_DATABASE_URL and that PostgreSQL is running")
