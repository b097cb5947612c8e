"""The planner is pure: typed turns and a grade in, a plan out; no model, no database."""

from __future__ import annotations

from interviewer.corpus import Question, load_corpus
from interviewer.grading import PointGrade, QuestionGrade
from interviewer.planner import FollowUpPlan, QuestionState, is_pause, is_skip, next_follow_up, relevant_quote
from interviewer.turns import FollowUpPayload, PlanKind, Turn, TurnKind

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
