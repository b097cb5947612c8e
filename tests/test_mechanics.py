"""Interview mechanics of a real loop: clarifying questions, hints, the clock, design phases, the introduction."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from interviewer.clarify import FactFinder, asks, is_clarifying
from interviewer.config import Settings
from interviewer.corpus import load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.engine import Engine
from interviewer.evaluation.clarifications import accuracy, load_cases
from interviewer.planner import candidate_turn_kind
from interviewer.report import build_report, to_markdown
from interviewer.session import Session
from interviewer.store import Store
from interviewer.turns import PlanKind, TurnKind

from conftest import TINY_CORPUS
from fake_openai import FakeOpenAI, start

FRAUD = "arch.bank-fraud-detection"
IMBALANCE = "fundamentals.label-imbalance"
ASSUME = "Assume what you think is reasonable and say so."


class FakeClock:
    """A clock the test moves by hand, so nothing sleeps."""

    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="module")
def design_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus plus one real architecture question (facts, hints, phases, a clarify point)."""
    target = tmp_path_factory.mktemp("design-corpus")
    for f in TINY_CORPUS.glob("*.yaml"):
        shutil.copy(f, target / f.name)
    question = load_corpus().by_id[FRAUD].model_dump(mode="json", exclude_none=True, exclude={"round"})
    data = {"round": "architecture", "source": "copied from the shipped corpus for tests", "questions": [question]}
    (target / "architecture.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture
def eng(tmp_path: Path, design_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    settings = Settings(home=tmp_path / "home", corpus_dir=design_corpus, round_minutes=10)
    engine = Engine(settings=settings, corpus=load_corpus(design_corpus), store=Store(settings.db_path),
                    index_dir=tmp_path_factory.getbasetemp() / "design-index")
    yield engine
    engine.store.close()


def fraud_session(eng: Engine, clock: FakeClock | None = None, questions: int = 1) -> Session:
    session = Session.start(eng, "architecture", questions=questions, now=clock)
    assert session.current_question().id == FRAUD
    return session


# -- clarifying questions ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "What's the latency budget?",
    "How many transactions per second do we see at peak",
    "Before I start, a few questions. Is there an existing rules engine? How long do chargebacks take?",
    "Quick question: can I assume we have labels for past fraud?",
])
def test_clarifying_questions_are_recognised(text: str) -> None:
    assert is_clarifying(text)


@pytest.mark.parametrize("text", [
    "I would start with the requirements. Why? Because the latency budget decides the model. Then I would build "
    "streaming velocity features, train gradient-boosted trees on chargeback labels and monitor precision weekly.",
    "Use class weights.",
    "```python\ndef f(x):\n    return x?\n```",
    "What I would do is train a logistic regression on the transactions.",
])
def test_answers_with_a_rhetorical_question_are_still_answers(text: str) -> None:
    assert not is_clarifying(text)


def test_every_labelled_clarifying_question_is_taken_for_one() -> None:
    assert [c.ask for c in load_cases() if candidate_turn_kind(c.ask) != TurnKind.CLARIFICATION] == []


def test_reference_answers_are_answers_not_clarifications() -> None:
    assert [q.id for q in load_corpus().questions if candidate_turn_kind(q.reference_answer) != TurnKind.ANSWER] == []


def test_one_sentence_asking_two_things_is_matched_twice() -> None:
    assert asks("How many users do we have, and what is the latency budget?") == ["How many users do we have", "what is the latency budget?"]


def test_a_clarifying_question_gets_the_fact_and_no_grade(eng: Engine) -> None:
    session = fraud_session(eng)
    receipt = session.answer("What's the latency budget for the fraud check? And how many transactions per second at peak?")
    assert receipt.kind == "clarification" and receipt.assessment is None
    reply = session.reply()
    assert "50 ms at p99" in reply and "300 per second" in reply
    asked, answered = session.turns[-2:]
    assert asked.kind == TurnKind.CLARIFICATION and answered.kind == TurnKind.CLARIFICATION_ANSWER
    assert answered.payload.facts == (1, 0)  # type: ignore[union-attr]
    assert session.state().answer_parts() == [] and session.awaiting_answer
    assert session.pending_message().kind == TurnKind.CLARIFICATION_ANSWER  # type: ignore[union-attr]
    assert session.reply() == ""  # nothing more is owed until the candidate answers


def test_an_unknown_fact_is_left_to_the_candidate(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("Which countries does the bank operate in?")
    assert session.reply() == ASSUME


def test_a_question_without_facts_says_assume(engine: Engine) -> None:
    session = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    session.answer("Is the data tabular?")
    assert session.reply() == ASSUME and session.turns[-1].kind == TurnKind.CLARIFICATION_ANSWER


def test_good_clarifying_questions_earn_the_requirements_point(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("What is the latency budget? How many transactions at peak? What's the fraud rate? How long is the label delay from chargebacks?")
    session.reply()
    assert session.assessment().coverage("clarify-requirements") == 1.0
    session.answer("I would score every transaction with gradient-boosted trees on velocity features.")
    session.end()
    grade = session.grades()[FRAUD]
    point = grade.point("clarify-requirements")
    assert point is not None and point.coverage == 1.0 and point.evidence.startswith("You asked:")
    assert any("clarifying questions" in n for n in grade.notes)


def test_without_clarifying_questions_the_requirements_point_is_not_given(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("I would score every transaction with gradient-boosted trees on velocity features.")
    session.end()
    assert session.grades()[FRAUD].coverage("clarify-requirements") < 0.5


def test_fact_threshold_holds_up_on_the_held_out_clarifying_questions() -> None:
    cases = load_cases()
    held_out = [c for c in cases if c.split == "test"]
    assert len(held_out) >= 40
    assert accuracy(FactFinder(shared_embedder()), load_corpus(), held_out) >= 0.85


# -- hints -------------------------------------------------------------------------------------------


def test_hints_come_in_order_then_run_out(eng: Engine) -> None:
    session = fraud_session(eng)
    hints = session.current_question().hints
    assert len(hints) == 3
    given = [session.hint() for _ in range(4)]
    assert [hints[0] in given[0], hints[1] in given[1], hints[2] in given[2]] == [True, True, True]
    assert given[2].startswith("Last hint") and "every hint" in given[3]
    assert session.awaiting_answer and session.state().answer_parts() == []


def test_im_stuck_asks_for_the_next_hint(eng: Engine) -> None:
    session = fraud_session(eng)
    receipt = session.answer("I'm stuck.")
    assert receipt.kind == "hint"
    assert session.current_question().hints[0] in session.reply()
    assert session.turns[-1].kind == TurnKind.HINT


def test_a_point_covered_only_after_the_last_hint_earns_half(engine: Engine) -> None:
    answer = "Accuracy is misleading, so I report precision, recall and PR-AUC at a chosen threshold."
    plain = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    plain.answer(answer)
    plain.end()
    hinted = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    for _ in hinted.current_question().hints:
        hinted.hint()
    hinted.answer(answer)
    hinted.end()
    full, capped = plain.grades()[IMBALANCE], hinted.grades()[IMBALANCE]
    assert full.coverage("metrics") > 0.5
    assert capped.coverage("metrics") == 0.5 and capped.score < full.score
    assert any("after the last hint" in n for n in capped.notes)


def test_a_point_covered_before_the_last_hint_keeps_full_credit(engine: Engine) -> None:
    session = Session.start(engine, "ml-fundamentals", questions=1, focus="label imbalance")
    session.answer("Accuracy is misleading, so I report precision, recall and PR-AUC at a chosen threshold.")
    session.reply()
    for _ in session.current_question().hints:
        session.hint()
    session.answer("I would also undersample the negatives.")
    session.end()
    assert session.grades()[IMBALANCE].coverage("metrics") > 0.5


# -- the clock ---------------------------------------------------------------------------------------


def test_the_clock_shows_elapsed_and_remaining_time_and_moves_on_at_the_share(eng: Engine) -> None:
    clock = FakeClock()
    eng.settings = replace(eng.settings, round_minutes=10)
    session = Session.start(eng, "ml-fundamentals", questions=2, now=clock)  # 5 minutes per question
    clock.advance(120)
    reading = session.clock()
    assert (reading.elapsed_s, reading.remaining_s, reading.share_s) == (120, 480, 300)
    assert reading.line() == "Time: 2:00 elapsed, 8:00 left · this question 2:00 of 5:00"
    session.answer("I would use precision and recall instead of accuracy.")
    assert session.reply() and session.turns[-1].kind == TurnKind.FOLLOW_UP  # within its share: follow up
    clock.advance(200)
    session.answer("Maybe class weights as well.")
    moved = session.reply()
    assert session.turns[-1].kind == TurnKind.QUESTION and moved.startswith("We're at time on this question")
    first = session.questions[0].id
    assert session.question_seconds()[first] == 320


def test_thinking_time_does_not_count_against_the_candidate(eng: Engine) -> None:
    clock = FakeClock()
    session = Session.start(eng, "ml-fundamentals", questions=2, now=clock)
    clock.advance(30)
    assert session.answer("Let me think.").kind == "pause"
    clock.advance(900)
    assert session.clock().paused and session.clock().elapsed_s == 30
    session.answer("I would use precision and recall instead of accuracy.")
    clock.advance(10)
    assert session.clock().elapsed_s == 40 and not session.clock().question_over
    assert session.reply() and session.turns[-1].kind == TurnKind.FOLLOW_UP


def test_the_round_length_and_time_per_question_are_in_the_report(eng: Engine) -> None:
    clock = FakeClock()
    session = fraud_session(eng, clock)
    clock.advance(65)
    session.answer("How many transactions a day?")
    session.reply()
    session.hint()
    clock.advance(60)
    session.answer("I would use gradient-boosted trees with velocity features and a rules fallback.")
    session.end()
    report = build_report(session)
    q = report.questions[0]
    assert (q.seconds, q.share_seconds, report.duration_seconds) == (125, 600, 600)
    assert q.hints_used == [session.current_question().hints[0]] and q.hints_total == 3
    assert q.clarifications[0].asked == "How many transactions a day?" and "5 million" in q.clarifications[0].answer
    text = to_markdown(report)
    assert "Time on this question: 2:05 of its 10:00 share." in text and "**Hints used: 1 of 3**" in text
    assert "Clarifying questions you asked" in text and "Time: 2:05 of 10:00" in text


# -- design phases and the introduction --------------------------------------------------------------


def test_a_design_answer_that_jumps_to_the_model_is_steered_back(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("I would train gradient-boosted trees on transaction features and serve them behind the authorization API.")
    follow_up = session.reply()
    turn = session.turns[-1]
    assert turn.follow_up is not None and turn.follow_up.plan == PlanKind.PHASES
    assert follow_up.strip() == "Before the model: what are we optimising, and for whom?"
    assert set(turn.follow_up.probes or ()) >= {"clarify-requirements"}


def test_phases_covered_are_shown_for_design_questions(eng: Engine) -> None:
    session = fraud_session(eng)
    before = session.progress()
    assert [p.phase for p in before.phases][:2] == ["requirements", "data"] or before.phases[0].phase == "requirements"
    assert not any(p.covered for p in before.phases)
    session.answer("What is the latency budget? How many transactions at peak? What's the fraud rate? How long is the label delay?")
    session.reply()
    after = session.progress()
    assert next(p for p in after.phases if p.phase == "requirements").covered
    assert after.phases_line().startswith("Phases: requirements ✓")


def test_the_interviewer_introduces_the_round(eng: Engine) -> None:
    session = fraud_session(eng)
    intro = session.introduction
    assert "customer engineer" in intro and "10 minutes: one question." in intro and "/hint" in intro
    assert Session.resume(eng, session.id).introduction == intro
    assert build_report(session).introduction == intro


def test_two_clarifying_questions_earn_half_the_requirements_point(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("What is the latency budget? How many transactions at peak?")
    session.reply()
    assert session.assessment().coverage("clarify-requirements") == 0.5
    assert session.assessment().notes == ()  # the credit is noted in the final grade, not on every answer


def test_every_clarify_point_in_the_corpus_can_be_credited() -> None:
    """A `clarify-*` point is credited from clarifying questions (none in a later phase), counted by the facts asked about."""
    corpus = load_corpus()
    clarify = [(q, p) for q in corpus.questions for p in q.rubric if p.id.startswith("clarify")]
    assert len(clarify) >= 8
    for question, point in clarify:
        assert point.phase in (None, "requirements"), f"{question.id}: {point.id} has phase {point.phase}"
        assert len(question.facts) >= 3, f"{question.id}: {point.id} needs scenario facts to ask about"


# -- robustness: resuming mid-clarification, and the model provider ----------------------------------


def test_a_clarification_stored_before_a_crash_is_answered_on_resume(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("What's the latency budget?")  # stored; the process dies before the reply
    resumed = Session.resume(eng, session.id)
    assert not resumed.awaiting_answer
    assert "50 ms at p99" in resumed.reply() and resumed.awaiting_answer


NONTECH = "nontech.conflicting-commitments"


@pytest.fixture
def fake_llm(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, FakeOpenAI]]:
    fake = FakeOpenAI()
    base_url, stop = start(fake)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-4242")
    engine.settings = replace(engine.settings, provider="openai", base_url=base_url, timeout_s=0.5, max_retries=1)
    yield engine, fake
    stop()


def test_with_a_model_the_clarification_is_phrased_from_the_facts_only(fake_llm: tuple[Engine, FakeOpenAI]) -> None:
    engine, fake = fake_llm
    session = Session.start(engine, "non-technical", questions=1)
    assert session.current_question().id == NONTECH
    session.answer("Is anyone else on the team able to take the bug?")
    reply = session.reply()
    assert reply.startswith("From the facts:")
    turn = session.turns[-1]
    assert turn.kind == TurnKind.CLARIFICATION_ANSWER and turn.payload.by_model  # type: ignore[union-attr]
    assert len(turn.payload.facts) == 1  # type: ignore[union-attr]  # still matched offline, for the report and the credit
    (request,) = fake.received
    user = request.body["messages"][-1]["content"]
    assert "<<<CANDIDATE\nIs anyone else on the team able to take the bug?\nCANDIDATE>>>" in user
    assert all(f.answer in user for f in session.current_question().facts)
    assert engine.store.session(session.id).usage["calls"] == 1


def test_when_the_model_fails_the_facts_found_offline_answer(fake_llm: tuple[Engine, FakeOpenAI]) -> None:
    engine, fake = fake_llm
    fake.always.add("401")
    session = Session.start(engine, "non-technical", questions=1)
    session.answer("Is anyone else on the team able to take the bug?")
    reply = session.reply()
    turn = session.turns[-1]
    assert turn.kind == TurnKind.CLARIFICATION_ANSWER and not turn.payload.by_model  # type: ignore[union-attr]
    (index,) = turn.payload.facts  # type: ignore[union-attr]
    assert reply == session.current_question().facts[index].answer and "team" in " ".join(session.current_question().facts[index].about)


def test_a_skipped_question_earns_nothing_from_its_clarifying_questions(eng: Engine) -> None:
    session = fraud_session(eng)
    session.answer("What is the latency budget? How many transactions at peak? What's the fraud rate?")
    session.reply()
    session.answer("")  # an empty answer is a skip
    session.reply()
    assert session.grades()[FRAUD].score == 0
