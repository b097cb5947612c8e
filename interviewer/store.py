"""SQLite store of sessions, turns and grades; every write commits before the caller moves on."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from interviewer.grading import QuestionGrade

Role = Literal["interviewer", "candidate"]
TurnKind = Literal["question", "follow_up", "answer", "skip", "closing", "notice"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    round TEXT NOT NULL,
    plan TEXT NOT NULL,
    settings TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    score REAL,
    verdict TEXT,
    usage TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL,
    kind TEXT NOT NULL,
    question_id TEXT NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE IF NOT EXISTS grades (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    question_id TEXT NOT NULL,
    grade TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (session_id, question_id)
);
"""


class SessionNotFound(LookupError):
    """No stored session matches the given id."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Turn:
    seq: int
    role: Role
    kind: TurnKind
    question_id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""


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


class Store:
    """One SQLite file in WAL mode, so a crash mid-interview keeps every committed turn."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def create_session(self, round_name: str, plan: list[str], settings: dict[str, Any]) -> str:
        session_id = uuid.uuid4().hex[:12]
        stamp = now()
        with self._tx() as db:
            db.execute(
                "INSERT INTO sessions (id, round, plan, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, round_name, json.dumps(plan), json.dumps(settings), stamp, stamp),
            )
        return session_id

    def add_turn(self, session_id: str, role: Role, kind: TurnKind, question_id: str, text: str, meta: dict[str, Any] | None = None) -> Turn:
        stamp = now()
        with self._tx() as db:
            row = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE session_id = ?", (session_id,)).fetchone()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, row[0], role, kind, question_id, text, json.dumps(meta or {}), stamp),
            )
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (stamp, session_id))
        return Turn(row[0], role, kind, question_id, text, meta or {}, stamp)

    def turns(self, session_id: str) -> list[Turn]:
        rows = self._db.execute(
            "SELECT seq, role, kind, question_id, text, meta, created_at FROM turns WHERE session_id = ? ORDER BY seq",
            (session_id,),
        ).fetchall()
        return [Turn(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def save_grade(self, session_id: str, grade: QuestionGrade) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO grades VALUES (?, ?, ?, ?)",
                (session_id, grade.question_id, grade.model_dump_json(), now()),
            )

    def grades(self, session_id: str) -> dict[str, QuestionGrade]:
        rows = self._db.execute("SELECT question_id, grade FROM grades WHERE session_id = ?", (session_id,)).fetchall()
        return {r[0]: QuestionGrade.model_validate_json(r[1]) for r in rows}

    def finish_session(self, session_id: str, score: float, verdict: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE sessions SET status = 'finished', score = ?, verdict = ?, updated_at = ? WHERE id = ?",
                (score, verdict, now(), session_id),
            )

    def add_usage(self, session_id: str, **counts: float) -> dict[str, Any]:
        with self._tx() as db:
            row = db.execute("SELECT usage FROM sessions WHERE id = ?", (session_id,)).fetchone()
            usage: dict[str, Any] = json.loads(row[0]) if row else {}
            for key, value in counts.items():
                usage[key] = usage.get(key, 0) + value
            db.execute("UPDATE sessions SET usage = ? WHERE id = ?", (json.dumps(usage), session_id))
        return usage

    def session(self, id_or_prefix: str) -> SessionRecord:
        """The session whose id is, or uniquely starts with, `id_or_prefix`."""
        rows = self._db.execute(
            "SELECT * FROM sessions WHERE id LIKE ? ESCAPE '\\' ORDER BY created_at",
            (id_or_prefix.replace("%", r"\%").replace("_", r"\_") + "%",),
        ).fetchall()
        exact = [r for r in rows if r[0] == id_or_prefix]
        if exact:
            rows = exact
        if len(rows) != 1:
            found = "no session" if not rows else f"{len(rows)} sessions"
            raise SessionNotFound(f"{found} matching '{id_or_prefix}'; `interviewer history` lists them")
        return _record(rows[0])

    def sessions(self, limit: int = 50) -> list[SessionRecord]:
        rows = self._db.execute("SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,)).fetchall()
        return [_record(r) for r in rows]

    def all_grades(self) -> list[tuple[SessionRecord, QuestionGrade]]:
        """Every stored grade with its session, oldest first, for progress over time."""
        records = {r.id: r for r in self.sessions(limit=10_000)}
        rows = self._db.execute("SELECT session_id, grade FROM grades ORDER BY created_at").fetchall()
        return [(records[r[0]], QuestionGrade.model_validate_json(r[1])) for r in rows if r[0] in records]


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
