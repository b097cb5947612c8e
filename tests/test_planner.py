"""The planner is pure: typed turns and a grade in, a plan out; no model, no database."""

from __future__ import annotations

from interviewer.corpus import PHASES, Question, load_corpus
from interviewer.grading import PointGrade, QuestionGrade
from interviewer.planner import (
    FollowUpPlan, QuestionState, hint_reply, is_hint_request, is_pause, is_skip, next_follow_up, next_hint, phase_progress, relevant_quote,
)
from interviewer.turns import FollowUpPayload, HintPayload, PlanKind, Turn, TurnKind

from conftest import TINY_CORPUS

CORPUS = load_corpus(TINY_CORPUS)
IMBALANCE = CORPUS.by_id["fundamentals.label-imbalance"]
STEER = "What do you tell the customer?"


def grade(question: Question, coverage: dict[str, float], wrong: dict[str, str] | None = None, notes: tuple[str, ...] = ()) -> QuestionGrade:
    wrong = wrong or {}
    points = tuple(
        PointGrade(point_id=p.id, coverage=coverage.get(p.id, 0.0), contradicted=p.id in wrong,
                   misconception=wrong.get(p.id, ""), evidence="Accuracy is a fine metric here." if p.id in wrong else "")
        for p in question.rubric
    )
    return QuestionGrade(question_id=question.id, score=0, points=points, grader="test", notes=notes)


def state(question: Question, *follow_ups: FollowUpPayload, answer: str = "I would undersample the negatives.") -> QuestionState:
    turns = [Turn(1, "interviewer", TurnKind.QUESTION, question.id, question.question)]
    for payload in follow_ups:
        turns += [Turn(len(turns) + 1, "candidate", TurnKind.ANSWER, question.id, "something"),
                  Turn(len(turns) + 2, "interviewer", TurnKind.FOLLOW_UP, question.id, "asked", payload)]
    turns.append(Turn(len(turns) + 1, "candidate", TurnKind.ANSWER, question.id, answer))
    return QuestionState(question, tuple(turns))


def plan(s: QuestionState, g: QuestionGrade) -> FollowUpPlan:
    result = next_follow_up(s, g, STEER)
    assert result is not None
    return result


def test_follow_up_probes_weightiest_uncovered_point() -> None:
    p = plan(state(IMBALANCE), grade(IMBALANCE, {"metrics": 1.0}))
    assert p.kind == PlanKind.DRILL and set(p.probes or ()) & {"resampling", "class-weights"}
    p = plan(state(IMBALANCE), grade(IMBALANCE, {}))
    assert p.probes == ("metrics",)


def test_a_heard_misconception_is_pushed_back_before_any_drilling_with_its_quote() -> None:
    p = plan(state(IMBALANCE), grade(IMBALANCE, {}, wrong={"metrics": "accuracy-is-fine"}))
    assert p.kind == PlanKind.PUSH_BACK and p.misconception == "accuracy-is-fine"
    assert p.quote == "Accuracy is a fine metric here" and "always says" in p.ask


def test_a_misconception_is_pushed_back_once() -> None:
    pushed = FollowUpPayload(plan=PlanKind.PUSH_BACK, probes=("metrics",), misconception="accuracy-is-fine")
    p = plan(state(IMBALANCE, pushed), grade(IMBALANCE, {}, wrong={"metrics": "accuracy-is-fine"}))
    assert p.kind == PlanKind.DRILL


def test_a_technical_answer_to_a_people_question_is_steered_once() -> None:
    nontech = CORPUS.by_id["nontech.conflicting-commitments"]
    stayed = grade(nontech, {}, notes=("the answer stayed technical where the question is about people",))
    assert plan(state(nontech), stayed).kind == PlanKind.STEER
    steered = FollowUpPayload(plan=PlanKind.STEER, probes=("not-just-technical",))
    assert plan(state(nontech, steered), stayed).kind == PlanKind.DRILL


def test_depth_two_follow_up_waits_for_a_depth_one_follow_up() -> None:
    only_calibration_missing = {"metrics": 1.0, "resampling": 1.0, "class-weights": 1.0}
    first = next_follow_up(state(IMBALANCE), grade(IMBALANCE, only_calibration_missing), STEER)
    assert first is not None and first.kind == PlanKind.DEEPER  # the depth-2 calibration probe is out of reach
    asked = FollowUpPayload(plan=PlanKind.DRILL, probes=("metrics",), authored_index=0)
    second = plan(state(IMBALANCE, asked), grade(IMBALANCE, only_calibration_missing))
    assert second.kind == PlanKind.DRILL and second.probes == ("calibration",) and second.depth == 2


def test_covered_points_are_never_asked_about_again() -> None:
    everything = grade(IMBALANCE, {p.id: 1.0 for p in IMBALANCE.rubric})
    first = plan(state(IMBALANCE), everything)
    assert first.kind == PlanKind.DEEPER and first.probes is None
    deeper = FollowUpPayload(plan=PlanKind.DEEPER)
    assert next_follow_up(state(IMBALANCE, deeper), everything, STEER) is None


def test_a_follow_up_is_not_asked_until_the_points_it_requires_are_covered() -> None:
    from dataclasses import replace as dc_replace  # noqa: F401  (frozen pydantic copy below)

    needs = IMBALANCE.model_copy(update={"follow_ups": tuple(
        fu.model_copy(update={"requires": ("resampling",)}) if fu.probes == ("calibration",) else fu for fu in IMBALANCE.follow_ups
    )})
    asked = FollowUpPayload(plan=PlanKind.DRILL, probes=("metrics",), authored_index=0)
    without = next_follow_up(state(needs, asked), grade(needs, {"metrics": 1.0, "class-weights": 1.0}), STEER)
    assert without is None or "calibration" not in (without.probes or ())


def test_the_quote_comes_from_the_sentence_about_the_probed_point_or_is_left_out() -> None:
    answer = "Accuracy is misleading here. I would undersample the negatives heavily."
    assert relevant_quote(answer, IMBALANCE, ("resampling",)).startswith("I would undersample the negatives")
    assert relevant_quote("I like pasta.", IMBALANCE, ("resampling",)) == ""


def test_skip_and_pause_phrases() -> None:
    assert all(is_skip(t) for t in ["", "  ", "I don’t know", "skip", "no idea"])
    assert all(is_pause(t) for t in ["Let me think...", "let me think", "Give me a minute."])
    assert not is_skip("Let me think.")
    assert not is_skip("I don't know the exact formula, but the gradient is (p - y) x.")
    assert not is_skip("Я бы использовал precision и recall.") and not is_skip("我会使用精确率和召回率") and not is_skip("🤔📈")


# -- interview mechanics: hints, design phases -------------------------------------------------------

FRAUD = load_corpus().by_id["arch.bank-fraud-detection"]  # a design question with phases, facts and three hints
PHASES_ASK = "Before the model: what are we optimising, and for whom?"
MODEL_FIRST = "I would train gradient-boosted trees on transaction features."


def test_hint_requests_are_recognised_and_answers_about_hints_are_not() -> None:
    assert all(is_hint_request(t) for t in ["/hint", "I'm stuck.", "Hint please", "Can I get a hint?", "I’m a bit stuck here"])
    assert not is_hint_request("I'm not stuck, I would use class weights.")
    assert not is_hint_request("A hint of leakage: the feature is computed after the label, so I would drop it and retrain.")


def hint_turn(seq: int, index: int | None, last: bool = False) -> Turn:
    return Turn(seq, "interviewer", TurnKind.HINT, FRAUD.id, "hint", HintPayload(index=index, last=last))


def test_hints_are_given_in_order_and_the_last_one_is_marked() -> None:
    start = QuestionState(FRAUD, (Turn(1, "interviewer", TurnKind.QUESTION, FRAUD.id, FRAUD.question),))
    assert next_hint(start) == 0
    text, payload = hint_reply(start)
    assert text == f"Hint 1 of 3: {FRAUD.hints[0]}" and payload == HintPayload(index=0, last=False)
    two = QuestionState(FRAUD, (*start.turns, hint_turn(2, 0), hint_turn(3, 1)))
    text, payload = hint_reply(two)
    assert text.startswith("Last hint (3 of 3)") and FRAUD.hints[2] in text and payload.last
    done = QuestionState(FRAUD, (*two.turns, hint_turn(4, 2, last=True)))
    assert next_hint(done) is None and "every hint" in hint_reply(done)[0]


def test_only_answers_before_the_last_hint_count_as_unhinted() -> None:
    turns = (
        Turn(1, "interviewer", TurnKind.QUESTION, FRAUD.id, FRAUD.question),
        Turn(2, "candidate", TurnKind.ANSWER, FRAUD.id, "before"),
        hint_turn(3, 0), hint_turn(4, 1), hint_turn(5, 2, last=True),
        Turn(6, "candidate", TurnKind.ANSWER, FRAUD.id, "after"),
    )
    assert [p.text for p in QuestionState(FRAUD, turns).answers_before_last_hint() or []] == ["before"]
    assert QuestionState(FRAUD, turns[:4]).answers_before_last_hint() is None


def test_a_design_answer_that_starts_with_the_model_is_steered_to_requirements_once() -> None:
    s = state(FRAUD, answer=MODEL_FIRST)
    p = next_follow_up(s, grade(FRAUD, {"model-choice": 0.8}), STEER, PHASES_ASK)
    assert p is not None and p.kind == PlanKind.PHASES and p.ask == PHASES_ASK
    assert "clarify-requirements" in (p.probes or ())
    steered = state(FRAUD, FollowUpPayload(plan=PlanKind.PHASES, probes=p.probes), answer=MODEL_FIRST)
    again = next_follow_up(steered, grade(FRAUD, {"model-choice": 0.8}), STEER, PHASES_ASK)
    assert again is not None and again.kind != PlanKind.PHASES


def test_a_design_answer_that_framed_the_problem_first_is_not_steered() -> None:
    framed = grade(FRAUD, {"clarify-requirements": 0.6, "model-choice": 0.8})
    p = next_follow_up(state(FRAUD, answer=MODEL_FIRST), framed, STEER, PHASES_ASK)
    assert p is not None and p.kind != PlanKind.PHASES


def test_non_design_questions_are_never_steered_to_requirements() -> None:
    p = next_follow_up(state(IMBALANCE, answer="I would train a bigger model."), grade(IMBALANCE, {}), STEER, PHASES_ASK)
    assert p is not None and p.kind != PlanKind.PHASES


def test_phase_progress_lists_the_question_phases_in_interview_order() -> None:
    phases = phase_progress(FRAUD, ["clarify-requirements"])
    assert [p.phase for p in phases] == [ph for ph in PHASES if any(r.phase == ph for r in FRAUD.rubric)]
    assert [p.phase for p in phases if p.covered] == ["requirements"]
    assert phase_progress(IMBALANCE, []) == ()
