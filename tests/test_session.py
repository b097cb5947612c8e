from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from interviewer.corpus import Question
from interviewer.engine import Engine
from interviewer.grading import AnswerPart, QuestionGrade
from interviewer.planner import pick_questions
from interviewer.session import Session, SessionError
from interviewer.turns import TurnKind
from interviewer.store import Store

IMBALANCE = "fundamentals.label-imbalance"


def start_on(engine: Engine, question_id: str, **kw: object) -> Session:
    """A session whose first question is `question_id` (by focusing on its title)."""
    title = engine.corpus.by_id[question_id].title
    round_name = engine.corpus.by_id[question_id].round
    session = Session.start(engine, round_name, questions=1, focus=title, **kw)  # type: ignore[arg-type]
    assert session.current_question().id == question_id
    return session


def test_answer_is_stored_before_scoring(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)

    class Exploding:
        name = "offline"

        def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
            raise MemoryError("grader crashed")

    engine.__dict__["judge"] = Exploding()
    with pytest.raises(MemoryError):
        session.answer("I would use precision and recall.")
    stored = engine.store.turns(session.id)
    assert stored[-1].role == "candidate" and stored[-1].text == "I would use precision and recall."


def test_drill_down_session_quotes_the_answer_and_raises_the_probed_point(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)
    session.answer("Accuracy is useless here, so I report precision, recall and PR-AUC. I would also undersample negatives.")
    follow_up = session.reply()
    turn = session.turns[-1]
    assert turn.kind == "follow_up" and turn.follow_up is not None and turn.follow_up.probes == ("resampling", "class-weights")
    assert follow_up.strip() == turn.text
    assert 'You said "' in follow_up and "undersample negatives" in follow_up
    before = session.assessment().coverage("class-weights")
    session.answer("Class weights in the loss are simpler than resampling and keep all the data.")
    assert session.assessment().coverage("class-weights") > max(before, 0.5)


def test_follow_ups_are_bounded_then_the_session_moves_on_and_finishes(engine: Engine) -> None:
    engine.settings = replace(engine.settings, max_follow_ups=2)
    session = start_on(engine, IMBALANCE)
    kinds = []
    for _ in range(10):
        if session.finished:
            break
        session.answer("I am not sure what else to say about this topic, maybe use a bigger model.")
        session.reply()
        kinds.append(session.turns[-1].kind)
    assert kinds == ["follow_up", "follow_up", "closing"]
    record = engine.store.session(session.id)
    assert record.status == "finished" and record.verdict == "Strong No Hire"
    assert IMBALANCE in engine.store.grades(session.id)


def test_let_me_think_keeps_the_question_open(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)
    receipt = session.answer("Let me think.")
    assert receipt.kind == "pause" and "Take your time" in receipt.notes[-1]
    assert session.awaiting_answer and session.reply() == ""
    assert session.pending_message().kind == "question"  # type: ignore[union-attr]
    session.answer("I would report precision and recall.")
    assert session.reply() and session.turns[-1].kind == "follow_up"


def test_skip_is_recorded_and_moves_to_the_next_question(engine: Engine) -> None:
    session = Session.start(engine, "ml-fundamentals", questions=2, seed=3)
    first = session.current_question()
    receipt = session.answer("I don't know")
    assert receipt.kind == "skip"
    text = session.reply()
    assert text.startswith("No problem, let's move on.")
    assert session.current_question().id != first.id
    assert engine.store.turns(session.id)[-2].kind == "skip"
    assert engine.store.grades(session.id)[first.id].score == 0


def test_resume_continues_where_it_stopped(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)
    session.answer("I would report precision and recall.")  # crash before the reply is generated
    resumed = Session.resume(engine, session.id[:6])
    assert not resumed.awaiting_answer
    resumed.reply()
    assert resumed.awaiting_answer and resumed.pending_message().kind == "follow_up"  # type: ignore[union-attr]
    assert [t.seq for t in engine.store.turns(session.id)] == [1, 2, 3]


def test_answering_a_finished_session_is_refused(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)
    session.end()
    with pytest.raises(SessionError, match="finished"):
        session.answer("more")


def test_questions_vary_in_topic_and_come_easier_first(engine: Engine) -> None:
    picked = pick_questions(engine.corpus, "ml-fundamentals", 2, seed=7)
    assert [q.difficulty for q in picked] == sorted(q.difficulty for q in picked)
    assert len({q.id for q in picked}) == 2


def test_store_survives_reopen(engine: Engine) -> None:
    session = start_on(engine, IMBALANCE)
    session.answer("precision and recall")
    reopened = Store(engine.settings.db_path)
    assert [t.kind for t in reopened.turns(session.id)] == ["question", "answer"]


def test_non_technical_round_drills_down_the_authored_chain(engine: Engine) -> None:
    session = Session.start(engine, "non-technical", questions=1)
    session.answer("I would work harder and stay late to deliver both on time.")
    depths = []
    while not session.finished:
        session.reply()
        turn = session.turns[-1]
        if turn.kind == "follow_up":
            assert turn.follow_up is not None
            depths.append(turn.follow_up.depth)
            session.answer("I would just try my best and hope it works out.")
    assert depths[:4] == [1, 2, 3, 4]  # "both are critical" -> "refuses the new date" -> "manager disagrees" -> "the email"
    assert len(depths) == engine.settings.non_technical_follow_ups


def test_feedback_praises_a_strongest_answer_only_when_one_reached_the_bar() -> None:
    from interviewer.providers import QuestionSummary
    from interviewer.providers.offline import offline_feedback

    low = QuestionSummary("Handling overfitting", "overfitting", 3.0, (), ("Stops early at the best validation loss.",))
    good = QuestionSummary("Label imbalance", "label-imbalance", 72.0, ("Uses PR-AUC.",), ())
    assert offline_feedback("ml-fundamentals", [low]).startswith("None of your answers reached the bar yet; the closest was Handling overfitting (3/100).")
    assert offline_feedback("ml-fundamentals", [low, good]).startswith("Your strongest answer was Label imbalance (72/100).")
    assert "--" not in offline_feedback("ml-fundamentals", [])  # the browser shows it too: no command-line flags
