"""The store's behaviours, each run on SQLite (the default) and on PostgreSQL (INTERVIEWER_DATABASE_URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from interviewer.config import Settings, load_settings
from interviewer.corpus import load_corpus
from interviewer.engine import Engine
from interviewer.grading import PointGrade, QuestionGrade
from interviewer.session import Session
from interviewer.store import MIGRATIONS, Backend, SessionNotFound, SQLiteBackend, Store, StoreError, open_store
from interviewer.turns import ClosingPayload, FollowUpPayload, PlanKind, TurnKind

from conftest import TINY_CORPUS
from services import DATABASE_ENV, fresh_schema, service_url

IMBALANCE = "fundamentals.label-imbalance"


@dataclass
class Database:
    """One database on either backend; `open()` is another Store on it, as a second process or replica would open."""

    backend: Callable[[], Backend]
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        self.opened.append(Store(backend=self.backend()))
        return self.opened[-1]

    def close(self) -> None:
        for store in self.opened:
            store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(lambda: SQLiteBackend(tmp_path / "interviewer.sqlite3"))
        yield database
        database.close()
        return
    from interviewer.pgstore import PostgresBackend

    with fresh_schema(service_url(DATABASE_ENV, "PostgreSQL")) as url:
        database = Database(lambda: PostgresBackend(url))
        yield database
        database.close()  # before the schema is dropped: open connections would block it


@pytest.fixture
def store(database: Database) -> Store:
    return database.open()


def grade(question_id: str, score: float) -> QuestionGrade:
    return QuestionGrade(question_id=question_id, score=score, points=(PointGrade(point_id="metrics", coverage=score / 100),), grader="test")


def test_a_new_store_records_every_migration_and_reopening_runs_none(database: Database) -> None:
    assert database.open().applied_migrations() == [name for name, _ in MIGRATIONS]
    assert database.open().migrate() == []


def test_an_unmigrated_database_is_migrated_once_and_reads_as_typed_turns(database: Database) -> None:
    with database.backend().transaction() as db:
        dict(MIGRATIONS)["001_initial_schema"](db)  # the tables as they were before migrations were recorded
        db.execute("INSERT INTO sessions VALUES ('abc', 'ml-fundamentals', ?, '{}', 'active', NULL, NULL, '{}', 't', 't')", (json.dumps([IMBALANCE]),))
        for seq, kind, meta in [(1, "question", {}), (2, "follow_up", {"probes": ["resampling"], "authored_index": 1}), (3, "closing", {"feedback": "Well done."})]:
            db.execute("INSERT INTO turns VALUES ('abc', ?, 'interviewer', ?, ?, 'text', ?, 't')", (seq, kind, IMBALANCE, json.dumps(meta)))
    store = database.open()
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    follow_up, closing = store.turns("abc")[1].payload, store.turns("abc")[2].payload
    assert isinstance(follow_up, FollowUpPayload) and follow_up.plan == PlanKind.DRILL and follow_up.authored_index == 1
    assert isinstance(closing, ClosingPayload) and closing.feedback == "Well done."


def test_turns_get_consecutive_numbers_and_keep_their_typed_payloads(store: Store) -> None:
    session_id = store.create_session("ml-fundamentals", [IMBALANCE], {"questions": 1}, first_turn=(IMBALANCE, "Why not accuracy?"))
    store.add_turn(session_id, "candidate", TurnKind.ANSWER, IMBALANCE, "Precision at 100% recall; 50% of the time")
    store.add_turn(session_id, "interviewer", TurnKind.FOLLOW_UP, IMBALANCE, "And then?", FollowUpPayload(plan=PlanKind.DRILL, probes=("resampling",)))
    turns = store.turns(session_id)
    assert [t.seq for t in turns] == [1, 2, 3]
    assert turns[1].text == "Precision at 100% recall; 50% of the time"
    assert isinstance(turns[2].payload, FollowUpPayload) and turns[2].payload.probes == ("resampling",)
    record = store.session(session_id)
    assert record.plan == (IMBALANCE,) and record.settings == {"questions": 1} and record.status == "active"


def test_a_session_is_found_by_a_unique_prefix_and_wildcards_are_literal(store: Store) -> None:
    session_id = store.create_session("ml-fundamentals", [IMBALANCE], {})
    assert store.session(session_id[:6]).id == session_id
    for pattern in ("%", "_" * 12, "no-such-id"):
        with pytest.raises(SessionNotFound):
            store.session(pattern)


def test_sessions_list_newest_first_even_within_one_second(store: Store) -> None:
    ids = [store.create_session("ml-fundamentals", [IMBALANCE], {}) for _ in range(5)]
    assert [r.id for r in store.sessions(limit=3)] == ids[::-1][:3]


def test_a_regrade_replaces_the_grade_and_finishing_records_score_and_verdict(store: Store) -> None:
    session_id = store.create_session("ml-fundamentals", [IMBALANCE], {})
    store.save_grade(session_id, grade(IMBALANCE, 40.0))
    store.save_grade(session_id, grade(IMBALANCE, 66.66666666666667))
    assert store.grades(session_id)[IMBALANCE].score == 66.66666666666667
    store.finish_session(session_id, 66.66666666666667, "lean hire")
    record = store.session(session_id)
    assert (record.status, record.score, record.verdict) == ("finished", 66.66666666666667, "lean hire")
    assert [(r.id, g.score) for r, g in store.all_grades()] == [(session_id, 66.66666666666667)]


def test_two_stores_on_one_database_write_one_session_at_once_without_loss(database: Database) -> None:
    """Two replicas (each with several threads) appending turns and usage to the same session."""
    replicas = [database.open(), database.open()]
    session_id = replicas[0].create_session("ml-fundamentals", [IMBALANCE], {})
    errors: list[BaseException] = []

    def writer(store: Store, n: int) -> None:
        try:
            for i in range(25):
                store.add_turn(session_id, "candidate", TurnKind.ANSWER, IMBALANCE, f"{n}-{i}")
                store.add_usage(session_id, calls=1)
        except BaseException as exc:  # noqa: BLE001 - the test counts every failure
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(replicas[n % 2], n)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    turns = replicas[1].turns(session_id)
    assert [t.seq for t in turns] == list(range(1, 151))
    assert {t.text for t in turns} == {f"{n}-{i}" for n in range(6) for i in range(25)}
    assert replicas[1].session(session_id).usage == {"calls": 150}


def test_a_session_started_through_one_store_resumes_through_another(database: Database, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", corpus_dir=TINY_CORPUS)
    corpus, index_dir = load_corpus(TINY_CORPUS), tmp_path / "index"
    first = Session.start(Engine(settings, corpus, database.open(), index_dir=index_dir), "ml-fundamentals", questions=1, focus="label imbalance")
    first.answer("I would report precision and recall and undersample the negatives.")
    first.reply()
    resumed = Session.resume(Engine(settings, corpus, database.open(), index_dir=index_dir), first.id[:8])
    assert [(t.seq, t.kind, t.text) for t in resumed.turns] == [(t.seq, t.kind, t.text) for t in first.turns]
    assert resumed.current_question().id == first.current_question().id


def test_the_database_url_chooses_postgresql_and_an_unreachable_one_is_one_sentence_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("psycopg")
    monkeypatch.setenv("INTERVIEWER_HOME", str(tmp_path))
    monkeypatch.setenv("INTERVIEWER_DATABASE_URL", "postgresql://coach:s3cret-pw@127.0.0.1:1/interviews")
    settings = load_settings()
    assert "s3cret-pw" not in json.dumps(settings.public()) and "coach:***@127.0.0.1:1" in settings.public()["database_url"]
    with pytest.raises(StoreError) as caught:
        open_store(settings)
    message = str(caught.value)
    assert "s3cret-pw" not in message and "127.0.0.1:1/interviews" in message and "INTERVIEWER_DATABASE_URL" in message
    assert not (tmp_path / "interviewer.sqlite3").exists()


def test_without_a_database_url_the_store_is_the_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    store = open_store(Settings(home=tmp_path, corpus_dir=TINY_CORPUS))
    assert isinstance(store.backend, SQLiteBackend) and (tmp_path / "interviewer.sqlite3").is_file()
