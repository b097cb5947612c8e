"""Swapped roles: a right claim said about the other subject the question compares is heard as a mistake,
pushed back on and corrected, while right comparisons, shared properties and code are left alone."""

from __future__ import annotations

import re

import pytest

from interviewer.claims import term_pattern
from interviewer.corpus import Question, load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.grading import AnswerPart
from interviewer.judge import OfflineJudge
from interviewer.planner import QuestionState, next_follow_up
from interviewer.swaps import rivals, known_mistakes, mistake
from interviewer.turns import PlanKind, Turn, TurnKind

CORPUS = load_corpus()
HASH = CORPUS.by_id["phone.hash-vs-tree-map"]
THREADS = CORPUS.by_id["syseng.processes-vs-threads"]
L1L2 = CORPUS.by_id["phone.l1-vs-l2"]


@pytest.fixture(scope="module")
def judge() -> OfflineJudge:
    return OfflineJudge(shared_embedder())


def wrong_points(judge: OfflineJudge, question: Question, text: str) -> dict[str, str]:
    return {p.point_id: p.correction for p in judge.grade(question, [AnswerPart(text)]).contradicted()}


def test_a_claim_hung_on_the_rival_subject_is_contradicted_with_a_correction_naming_both(judge: OfflineJudge) -> None:
    wrong = wrong_points(judge, HASH, "A tree map gives O(1) lookups on average, and a hash map keeps its keys sorted, so range queries are cheap.")
    assert "hash-complexity" in wrong
    wrong = wrong_points(judge, HASH, "A tree map gives O(1) lookups on average, while a hash map guarantees O(log n) in the worst case.")
    assert set(wrong) == {"hash-complexity", "tree-complexity"}
    assert wrong["hash-complexity"].startswith("That is true of hash map, not balanced-tree map.")
    assert set(wrong_points(judge, THREADS, "A thread gets its own copy of the address space, so threads are isolated from each other.")) >= {"definitions"}


@pytest.mark.parametrize("text", [
    "A hash map gives O(1) lookups on average but degrades to linear in the worst case; a tree map guarantees O(log n).",
    "A hash map's worst case is linear when every key collides.",  # true of the hash map, though "worst case" is a tree-map claim's word
    "Unlike ridge, lasso drives many weights to exactly zero. L1 and L2 both shrink weights.",
])
def test_right_comparisons_and_shared_properties_are_not_swaps(judge: OfflineJudge, text: str) -> None:
    question = HASH if "hash" in text else L1L2
    assert wrong_points(judge, question, text) == {}


def test_a_line_of_code_is_not_read_for_swaps(judge: OfflineJudge) -> None:
    metrics = CORPUS.by_id["coding.metrics-implementation"]
    line = "prec = tp / (tp + fp) if tp + fp else 0.0; rec = tp / (tp + fn) if tp + fn else 0.0; f1 = 2 * prec * rec / (prec + rec)"
    assert not any(p.misconception.startswith("swap-") for p in judge.grade(metrics, [AnswerPart(line)]).points)


def swapped(question: Question, a: tuple[str, ...], b: tuple[str, ...]) -> str:
    """The reference answer with the two rivals' names exchanged everywhere."""
    text = question.reference_answer.split("```")[0]
    names = {**{t: b[0] for t in a}, **{t: a[0] for t in b}}
    pattern = re.compile("|".join(term_pattern(t).pattern for t in sorted(names, key=len, reverse=True)))
    return pattern.sub(lambda m: next(v for t, v in names.items() if term_pattern(t).fullmatch(m.group(0))), text.lower())


@pytest.mark.parametrize("question", [L1L2, HASH, THREADS, CORPUS.by_id["phone.bias-variance"]], ids=lambda q: q.id)
def test_the_reference_with_its_two_subjects_exchanged_scores_30_or_less(judge: OfflineJudge, question: Question) -> None:
    a, b = rivals(question)[0]
    assert judge.grade(question, [AnswerPart(question.reference_answer)]).score >= 90
    assert judge.grade(question, [AnswerPart(swapped(question, a, b))]).score <= 30


def test_a_swap_is_pushed_back_first_quoting_the_sentence(judge: OfflineJudge) -> None:
    said = "A tree map gives O(1) lookups on average."
    grade = judge.grade(HASH, [AnswerPart(said)])
    turns = (Turn(1, "interviewer", TurnKind.QUESTION, HASH.id, HASH.question), Turn(2, "candidate", TurnKind.ANSWER, HASH.id, said))
    plan = next_follow_up(QuestionState(HASH, turns), grade, "What do you tell the customer?")
    assert plan is not None and plan.kind == PlanKind.PUSH_BACK
    assert plan.misconception and plan.misconception.startswith("swap-")
    assert "tree map" in plan.ask and "hash map" in plan.ask and plan.quote.startswith("A tree map gives O(1)")
    assert mistake(HASH, plan.misconception).contradicts == "hash-complexity"


def test_listed_misconceptions_come_before_derived_swaps() -> None:
    known = [k.misconception.id for k in known_mistakes(L1L2)]
    assert known[: len(L1L2.misconceptions)] == [m.id for m in L1L2.misconceptions]
    assert any(i.startswith("swap-") for i in known[len(L1L2.misconceptions):])


@pytest.mark.parametrize(("question_id", "wrong", "right"), [
    ("fundamentals.time-series-validation", "A MASE above 1 means the model beats the naive forecast.", "A MASE below 1 means the model beats the naive forecast."),
    ("applied.topic-model-metrics", "A higher perplexity means the model assigns more probability to held-out text.",
     "A lower perplexity means the model assigns more probability to held-out text."),
])
def test_a_claim_said_the_other_way_round_is_contradicted(judge: OfflineJudge, question_id: str, wrong: str, right: str) -> None:
    question = CORPUS.by_id[question_id]
    turned = judge.grade(question, [AnswerPart(wrong)]).contradicted()
    assert turned and turned[0].misconception.startswith("flip-") and turned[0].correction.startswith("It goes the other way.")
    assert judge.grade(question, [AnswerPart(right)]).contradicted() == []


@pytest.mark.parametrize(("question_id", "named", "stated", "mistake_id"), [
    ("nontech.underperforming-teammate", "The tempting shortcut is fixing their code myself after hours.",
     "I'd just fix their code myself after hours.", "rewrite-myself"),
    ("nontech.missed-deadline", "Even if their extract caused the mess, we should have audited the labels in week one.",
     "Their extract caused the mess, so the delay is on them.", "blame-customer"),
])
def test_a_mistake_named_to_be_turned_down_is_not_stated(judge: OfflineJudge, question_id: str, named: str, stated: str, mistake_id: str) -> None:
    question = CORPUS.by_id[question_id]
    assert judge.grade(question, [AnswerPart(named)]).contradicted() == []
    assert [p.misconception for p in judge.grade(question, [AnswerPart(stated)]).contradicted()] == [mistake_id]
