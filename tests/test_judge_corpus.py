"""The judge over the whole shipped corpus: each reference answer is right; the same answer negated,
the question repeated back, or the rubric's terms listed earn (almost) nothing."""

from __future__ import annotations

import re

import pytest

from interviewer.claims import split_sentences
from interviewer.corpus import Question, load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.grading import AnswerPart
from interviewer.judge import OfflineJudge

CORPUS = load_corpus()
AUX = re.compile(r"\b(is|are|was|were|can|will|should|would|does|do|did|has|have|must|could|may|might)\b", re.I)
NEGATION = re.compile(r"\b(not|never|no)\b\s*|n't\b", re.I)


def negate(sentence: str) -> str:
    """The whole sentence denied."""
    return f"It is not true that {sentence[:1].lower()}{sentence[1:]}"


def negate_first_clause(sentence: str) -> str:
    """A cruder negation: flip the first clause only (drop its negation, or add one after the first verb)."""
    if NEGATION.search(sentence):
        return NEGATION.sub("", sentence, count=1)
    if AUX.search(sentence):
        return AUX.sub(lambda m: f"{m.group(0)} not", sentence, count=1)
    return negate(sentence)


def prose(question: Question) -> str:
    """The reference answer without its code blocks (code is judged by running it, not by its words)."""
    return " ".join(question.reference_answer.split("```")[0::2])


@pytest.fixture(scope="module")
def judge() -> OfflineJudge:
    return OfflineJudge(shared_embedder())


@pytest.fixture(scope="module")
def scores(judge: OfflineJudge) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for q in CORPUS.questions:
        negated = "\n\n".join(negate(s) for s in split_sentences(prose(q)))
        out[q.id] = {
            "reference": (reference := judge.grade(q, [AnswerPart(q.reference_answer)])).score,
            "contradicted": len(reference.contradicted()),
            "negated": judge.grade(q, [AnswerPart(negated)]).score if q.code is None else 0.0,
            "question": judge.grade(q, [AnswerPart(q.question)]).score,
        }
    return out


def test_every_reference_answer_scores_high(scores: dict[str, dict[str, float]]) -> None:
    low = {q: s["reference"] for q, s in scores.items() if s["reference"] < 80}
    assert low == {}


def test_no_reference_answer_states_a_listed_or_derived_mistake(scores: dict[str, dict[str, float]]) -> None:
    wrong = {q: s["contradicted"] for q, s in scores.items() if s["contradicted"]}
    assert wrong == {}


def test_every_reference_answer_negated_scores_30_or_less(scores: dict[str, dict[str, float]]) -> None:
    high = {q: s["negated"] for q, s in scores.items() if s["negated"] > 30}
    assert high == {}


def test_the_question_repeated_back_scores_10_or_less(scores: dict[str, dict[str, float]]) -> None:
    high = {q: s["question"] for q, s in scores.items() if s["question"] > 10}
    assert high == {}


STUFFING = (
    "Keywords: {terms}.",
    "This also involves {terms}.",
    "{terms}",
    "- {bullets}",
)


def test_fifty_keyword_stuffed_answers_raise_no_score(judge: OfflineJudge) -> None:
    """A partial answer with the rubric's terms appended, in four styles, never outscores the partial answer."""
    raised = []
    for n, q in enumerate([q for q in CORPUS.questions if q.code is None][::3][:50]):
        base = " ".join(split_sentences(prose(q))[:2])
        terms = [t for p in q.rubric for t in p.key_terms]
        style = STUFFING[n % len(STUFFING)]
        stuffing = style.format(terms=", ".join(terms), bullets="\n- ".join(terms))
        before = judge.grade(q, [AnswerPart(base)]).score
        after = judge.grade(q, [AnswerPart(f"{base}\n\n{stuffing}")]).score
        if after > before:
            raised.append((q.id, before, after))
    assert raised == []


def test_negation_helpers() -> None:
    assert negate("L1 drives weights to exactly zero.") == "It is not true that l1 drives weights to exactly zero."
    assert negate_first_clause("Accuracy is misleading here.") == "Accuracy is not misleading here."
    assert negate_first_clause("Accuracy is not informative.") == "Accuracy is informative."
