"""The core's contracts: a full session through a scripted provider, typed turns, and store migrations."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from fakes import CALL_USAGE, ScriptedProvider, down, install
from interviewer.engine import Engine
from interviewer.planner import FollowUpPlan
from interviewer.providers import provider_names
from interviewer.session import Session
from interviewer.store import MIGRATIONS, Store
from interviewer.turns import ClosingPayload, FollowUpPayload, PlanKind, TurnKind

IMBALANCE = "fundamentals.label-imbalance"


def scripted_engine(engine: Engine, provider: ScriptedProvider) -> Engine:
    install(provider)
    engine.settings = replace(engine.settings, provider=provider.name, max_follow_ups=2)
    return engine


def test_a_full_session_runs_through_a_scripted_provider_found_by_name(engine: Engine) -> None:
    provider = ScriptedProvider().enqueue(follow_up="Why would accuracy mislead here?").enqueue(follow_up="And calibration?")
    provider.enqueue(coverage={"metrics": 1.0, "resampling": 0.5}, feedback="Solid on metrics.")
    scripted_engine(engine, provider)
    assert "scripted" in provider_names()
    session = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    assert session.current_question().id == IMBALANCE
    session.answer("Accuracy is a fine metric here. I would undersample the negatives.")
    assert session.reply() == "Why would accuracy mislead here?"
    (kind, context), = provider.calls
    assert kind == "follow_up" and context.plan.kind == PlanKind.PUSH_BACK and context.plan.misconception == "accuracy-is-fine"
    assert context.assessment.point("metrics").contradicted
    session.answer("It is misleading: predicting all negatives gives 99.5%. I would report precision and recall.")
    assert session.reply() == "And calibration?"
    session.answer("I would recalibrate the probabilities after undersampling.")
    session.reply()
    assert session.finished and session.feedback() == "Solid on metrics."
    graded = next(args for kind, args in provider.calls if kind == "grade")
    assert graded[0] == IMBALANCE and len(graded[1]) == 3
    usage = engine.store.session(session.id).usage
    assert usage["calls"] == 4 and usage["prompt_tokens"] == 4 * CALL_USAGE.prompt_tokens  # two follow-ups, a grade, feedback
    follow_ups = [t.payload for t in session.turns if t.kind == TurnKind.FOLLOW_UP]
    assert all(isinstance(p, FollowUpPayload) for p in follow_ups)
    assert isinstance(session.turns[-1].payload, ClosingPayload)


def test_a_provider_outage_costs_nothing_stored_and_the_session_goes_on_offline(engine: Engine) -> None:
    provider = ScriptedProvider().enqueue(follow_up=down(), coverage=down(), feedback=down())
    scripted_engine(engine, provider)
    session = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    session.answer("I would report precision and recall.")
    text = session.reply()
    assert "offline engine" in text and session.turns[-1].kind == TurnKind.FOLLOW_UP
    session.end()
    assert session.finished and session.grades()[IMBALANCE].grader == "offline"
    assert engine.store.session(session.id).usage["calls"] == 1  # the failed attempt's usage is still recorded


def test_end_is_stored_before_grading_so_a_crash_cannot_lose_it(engine: Engine) -> None:
    provider = ScriptedProvider().enqueue(coverage=RuntimeError("process killed while grading"))
    scripted_engine(engine, provider)
    session = Session.start(engine, "ml-fundamentals", questions=2)
    session.answer("I would report precision and recall.")
    try:
        session.end()
    except RuntimeError:
        pass
    resumed = Session.resume(engine, session.id)
    assert resumed.ending and not resumed.awaiting_answer
    resumed.reply()  # finishing is all that is left: no more questions are asked
    assert resumed.finished and not any(t.kind == TurnKind.QUESTION for t in resumed.turns[2:])


def test_plans_become_typed_payloads() -> None:
    plan = FollowUpPlan(PlanKind.PUSH_BACK, "Why?", ("metrics",), 1, quote="accuracy is fine", misconception="accuracy-is-fine")
    payload = plan.payload()
    assert payload.plan == PlanKind.PUSH_BACK and payload.misconception == "accuracy-is-fine" and payload.quote == "accuracy is fine"


def old_data_folder(path: Path) -> None:
    """A database as the first release wrote it: no migrations table, free-form `meta` on turns."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE sessions (id TEXT PRIMARY KEY, round TEXT NOT NULL, plan TEXT NOT NULL, settings TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active', score REAL, verdict TEXT, usage TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE TABLE turns (session_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, kind TEXT NOT NULL,
            question_id TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL,
            PRIMARY KEY (session_id, seq));
        CREATE TABLE grades (session_id TEXT NOT NULL, question_id TEXT NOT NULL, grade TEXT NOT NULL,
            created_at TEXT NOT NULL, PRIMARY KEY (session_id, question_id));
        """
    )
    db.execute("INSERT INTO sessions VALUES ('abc', 'ml-fundamentals', '[\"fundamentals.label-imbalance\"]', '{}', 'active', NULL, NULL, '{}', 't', 't')")
    rows = [
        (1, "interviewer", "question", "Let's start.", {}),
        (2, "candidate", "answer", "precision and recall", {}),
        (3, "interviewer", "follow_up", "Why?", {"probes": ["resampling"], "depth": 1, "authored_index": 1, "plan": "drill", "quote": ""}),
        (4, "interviewer", "closing", "Bye.", {"feedback": "Well done."}),
    ]
    for seq, role, kind, text, meta in rows:
        db.execute("INSERT INTO turns VALUES ('abc', ?, ?, ?, 'fundamentals.label-imbalance', ?, ?, 't')", (seq, role, kind, text, json.dumps(meta)))
    db.commit()
    db.close()


def test_an_old_data_folder_is_migrated_once_and_reads_as_typed_turns(tmp_path: Path) -> None:
    path = tmp_path / "interviewer.sqlite3"
    old_data_folder(path)
    store = Store(path)
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    turns = store.turns("abc")
    follow_up = turns[2].payload
    assert isinstance(follow_up, FollowUpPayload) and follow_up.plan == PlanKind.DRILL and follow_up.authored_index == 1
    assert isinstance(turns[3].payload, ClosingPayload) and turns[3].payload.feedback == "Well done."
    assert Store(path).migrate() == []  # recorded: nothing runs twice


def test_a_new_store_records_every_migration(tmp_path: Path) -> None:
    store = Store(tmp_path / "fresh.sqlite3")
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]


def test_clarifications_and_hints_never_reach_a_provider_without_those_capabilities(engine: Engine) -> None:
    """A provider without `clarify` (the scripted one) still interviews: facts and hints come from the corpus."""
    provider = ScriptedProvider()
    scripted_engine(engine, provider)
    session = Session.start(engine, "non-technical", questions=1)
    session.answer("Who else on the team could help?")
    fact = session.reply()
    assert fact in [f.answer for f in session.current_question().facts]
    assert session.hint().startswith("Hint 1 of ")
    assert provider.calls == []  # nothing was graded or generated by the provider
    kinds = [t.kind for t in engine.store.turns(session.id)]
    assert kinds == [TurnKind.QUESTION, TurnKind.CLARIFICATION, TurnKind.CLARIFICATION_ANSWER, TurnKind.HINT_REQUEST, TurnKind.HINT]
    stored = engine.store.turns(session.id)[-1]
    assert stored.payload.at is not None  # every turn the session stores carries its clock reading
