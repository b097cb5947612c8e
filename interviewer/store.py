"""The store of sessions, turns, grades and usage; every write commits before the caller moves on.

SQLite (one file in the data folder) is the default; with INTERVIEWER_DATABASE_URL the same
tables and the same recorded migrations live in PostgreSQL (interviewer/pgstore.py), so several
app replicas share one store. The SQL is written once, in SQLite's dialect with `?` parameters;
a backend only supplies connections, transactions and row locks.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from interviewer.grading import QuestionGrade
from interviewer.turns import Empty, Payload, Role, Turn, TurnKind, parse_payload, payload_json

if TYPE_CHECKING:
    from interviewer.config import Settings

BUSY_TIMEOUT_S = 30.0


class Cursor(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What migrations and queries use: sqlite3.Connection, or the PostgreSQL adapter that reads `?` as `%s`."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...


def _initial_schema(db: Connection) -> None:
    """Sessions, turns with a JSON `meta` column, and grades (the schema before migrations were recorded)."""
    statements = """
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY, round TEXT NOT NULL, plan TEXT NOT NULL, settings TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active', score REAL, verdict TEXT, usage TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS turns (
            session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL, role TEXT NOT NULL,
            kind TEXT NOT NULL, question_id TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL, PRIMARY KEY (session_id, seq)
        );
        CREATE TABLE IF NOT EXISTS grades (
            session_id TEXT NOT NULL REFERENCES sessions(id), question_id TEXT NOT NULL, grade TEXT NOT NULL,
            created_at TEXT NOT NULL, PRIMARY KEY (session_id, question_id)
        )
    """
    for statement in statements.split(";"):
        db.execute(statement)


def _typed_payloads(db: Connection) -> None:
    """Turn metadata becomes a versioned payload; the old free-form keys map onto typed fields."""
    db.execute("ALTER TABLE turns RENAME COLUMN meta TO payload")
    rows = db.execute("SELECT session_id, seq, kind, payload FROM turns").fetchall()
    for session_id, seq, kind, raw in rows:
        meta = json.loads(raw or "{}")
        if kind == "follow_up":
            meta["plan"] = meta.get("plan") or "drill"
            meta["probes"] = meta.get("probes")
        data = {"v": 1, **{k: v for k, v in meta.items() if v is not None or k == "probes"}}
        db.execute("UPDATE turns SET payload = ? WHERE session_id = ? AND seq = ?", (json.dumps(data), session_id, seq))


# Numbered, named, recorded: each runs once per database, in order, in its own transaction.
MIGRATIONS: tuple[tuple[str, Callable[[Connection], None]], ...] = (
    ("001_initial_schema", _initial_schema),
    ("002_typed_turn_payloads", _typed_payloads),
)


SESSION_COLUMNS = "id, round, plan, settings, status, score, verdict, usage, created_at, updated_at"


class SessionNotFound(LookupError):
    """No stored session matches the given id."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class SessionRecord:
    id: str
    round: str
    plan: tuple[str, ...]
    settings: dict[str, Any]
    status: str
    score: float | None
    verdict: str | None
    usage: dict[str, Any]
    created_at: str
    updated_at: str


class StoreError(RuntimeError):
    """The data folder cannot be used (read-only, missing, full or corrupt); the message says what to do."""


class Backend(Protocol):
    """Where the tables live: connections, transactions that never nest, and the row lock writers take."""

    migrations: tuple[tuple[str, Callable[[Connection], None]], ...]

    def connection(self) -> AbstractContextManager[Connection]: ...
    def transaction(self) -> AbstractContextManager[Connection]: ...
    def lock_session(self, db: Connection, session_id: str) -> None: ...
    def lock_migrations(self, db: Connection) -> None: ...
    def close(self) -> None: ...


class SQLiteBackend:
    """One SQLite file in WAL mode, so a crash mid-interview keeps every committed turn.

    Each thread gets its own connection (Streamlit serves every browser session on its own
    thread), transactions are IMMEDIATE, so they also serialise writers, and writers wait on a
    busy timeout.
    """

    migrations = MIGRATIONS

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _store_error(path, exc) from exc

    @property
    def db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        yield self.db

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc) from exc
        try:
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise _store_error(self.path, exc) from exc
            raise

    def lock_session(self, db: Connection, session_id: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's write lock."""

    def lock_migrations(self, db: Connection) -> None:
        """Nothing to do: BEGIN IMMEDIATE already holds the database's write lock."""

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class Store:
    """Sessions, turns, grades and usage in SQLite (`Store(path)`) or another Backend (`open_store`)."""

    def __init__(self, path: Path | None = None, backend: Backend | None = None) -> None:
        if backend is None:
            if path is None:
                raise ValueError("Store needs a SQLite path or a backend")
            backend = SQLiteBackend(path)
        self.path = path
        self.backend = backend
        try:
            self.migrate()
        except sqlite3.Error as exc:
            raise _store_error(path or Path("."), exc) from exc

    @property
    def _db(self) -> sqlite3.Connection:
        """The calling thread's SQLite connection (SQLite only; tests use it to simulate a full disk)."""
        if not isinstance(self.backend, SQLiteBackend):
            raise TypeError("only the SQLite store has a single database file connection")
        return self.backend.db

    def _tx(self) -> AbstractContextManager[Connection]:
        return self.backend.transaction()

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        with self.backend.connection() as db:
            return db.execute(sql, parameters).fetchall()

    def migrate(self) -> list[str]:
        """Run the migrations this database has not recorded yet; returns their names."""
        with self._tx() as tx:
            self.backend.lock_migrations(tx)  # replicas starting together: one migrates, the others wait
            tx.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        ran: list[str] = []
        for name, migration in self.backend.migrations:
            with self._tx() as tx:
                self.backend.lock_migrations(tx)
                if tx.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                    continue
                migration(tx)
                tx.execute("INSERT INTO _migrations VALUES (?, ?)", (name, now()))
                ran.append(name)
        return ran

    def applied_migrations(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT name FROM _migrations ORDER BY name")]

    def close(self) -> None:
        self.backend.close()

    def create_session(self, round_name: str, plan: list[str], settings: dict[str, Any], first_turn: tuple[str, str] | None = None) -> str:
        """A new session; with `first_turn` (question id, text) its first question is stored in the same transaction."""
        session_id = uuid.uuid4().hex[:12]
        stamp = now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (id, round, plan, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, round_name, json.dumps(plan), json.dumps(settings), stamp, stamp),
            )
            if first_turn is not None:
                db.execute(
                    "INSERT INTO turns (session_id, seq, role, kind, question_id, text, payload, created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
                    (session_id, "interviewer", TurnKind.QUESTION.value, first_turn[0], first_turn[1], payload_json(Empty()), stamp),
                )
        return session_id

    def add_turn(self, session_id: str, role: Role, kind: TurnKind, question_id: str, text: str, payload: Payload | None = None) -> Turn:
        payload = payload or Empty()
        stamp = now()
        with self._tx() as db:
            self.backend.lock_session(db, session_id)  # two replicas appending to one session take turns for `seq`
            row = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?", (session_id,)).fetchone()
            db.execute(
                "INSERT INTO turns (session_id, seq, role, kind, question_id, text, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, row[0], role, kind.value, question_id, text, payload_json(payload), stamp),
            )
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, session_id))
        return Turn(row[0], role, kind, question_id, text, payload, stamp)

    def turns(self, session_id: str) -> list[Turn]:
        rows = self._rows(
            "SELECT seq, role, kind, question_id, text, payload, created_at FROM turns WHERE session_id = ? ORDER BY seq",
            (session_id,),
        )
        return [_turn(r) for r in rows]

    def save_grade(self, session_id: str, grade: QuestionGrade) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO grades VALUES (?, ?, ?, ?) ON CONFLICT (session_id, question_id) "
                "DO UPDATE SET grade = excluded.grade, created_at = excluded.created_at",
                (session_id, grade.question_id, grade.model_dump_json(), now()),
            )

    def grades(self, session_id: str) -> dict[str, QuestionGrade]:
        rows = self._rows("SELECT question_id, grade FROM grades WHERE session_id = ?", (session_id,))
        return {r[0]: QuestionGrade.model_validate_json(r[1]) for r in rows}

    def finish_session(self, session_id: str, score: float, verdict: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET status = 'finished', score = ?, verdict = ?, updated_at = ? WHERE id = ?",
                (score, verdict, now(), session_id),
            )

    def add_usage(self, session_id: str, **counts: float) -> dict[str, Any]:
        with self._tx() as db:
            self.backend.lock_session(db, session_id)  # read-modify-write: concurrent adds must not lose counts
            row = db.execute("SELECT usage FROM sessions WHERE id = ?", (session_id,)).fetchone()
            usage: dict[str, Any] = json.loads(row[0]) if row else {}
            for key, value in counts.items():
                usage[key] = usage.get(key, 0) + value
            db.execute("UPDATE sessions SET usage = ? WHERE id = ?", (json.dumps(usage), session_id))
        return usage

    def session(self, id_or_prefix: str) -> SessionRecord:
        """The session whose id is, or uniquely starts with, `id_or_prefix`."""
        rows = self._rows(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at",
            (id_or_prefix.replace("%", r"\%").replace("_", r"\_") + "%",),
        )
        exact = [r for r in rows if r[0] == id_or_prefix]
        if exact:
            rows = exact
        if len(rows) != 1:
            found = "no session" if not rows else f"{len(rows)} sessions"
            raise SessionNotFound(f"{found} matching '{id_or_prefix}'; `interviewer history` lists them")
        return _record(rows[0])

    def sessions(self, limit: int = 50) -> list[SessionRecord]:
        # rowid: insertion order breaks ties within a second (SQLite's implicit column; a serial column in PostgreSQL).
        rows = self._rows(f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
        return [_record(r) for r in rows]

    def all_grades(self) -> list[tuple[SessionRecord, QuestionGrade]]:
        """Every stored grade with its session, oldest first, for progress over time."""
        records = {r.id: r for r in self.sessions(limit=10_000)}
        rows = self._rows("SELECT session_id, grade FROM grades ORDER BY created_at")
        return [(records[r[0]], QuestionGrade.model_validate_json(r[1])) for r in rows if r[0] in records]


def open_store(settings: Settings) -> Store:
    """PostgreSQL when a database URL is configured, else the SQLite file in the data folder."""
    if settings.database_url:
        from interviewer.pgstore import PostgresBackend

        return Store(backend=PostgresBackend(settings.database_url))
    return Store(settings.db_path)


def _turn(row: tuple[Any, ...]) -> Turn:
    kind = TurnKind(row[2])
    return Turn(row[0], row[1], kind, row[3], row[4], parse_payload(kind, json.loads(row[5] or "{}")), row[6])


def _store_error(path: Path, exc: BaseException) -> StoreError:
    """One sentence a person can act on, for the ways a data folder fails."""
    text = str(exc).lower()
    if "full" in text or "no space" in text:
        why = "the disk is full"
    elif "readonly" in text or "read-only" in text or "permission" in text:
        why = "it is read-only"
    elif "unable to open" in text or isinstance(exc, FileNotFoundError):
        why = "it cannot be opened"
    else:
        why = str(exc)
    return StoreError(f"cannot use the data folder {path.parent} ({why}); free space or set INTERVIEWER_HOME to a writable folder")


def _record(row: tuple[Any, ...]) -> SessionRecord:
    return SessionRecord(
        id=row[0],
        round=row[1],
        plan=tuple(json.loads(row[2])),
        settings=json.loads(row[3]),
        status=row[4],
        score=row[5],
        verdict=row[6],
        usage=json.loads(row[7]),
        created_at=row[8],
        updated_at=row[9],
    )
