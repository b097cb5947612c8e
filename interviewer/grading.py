"""The grade contract: per-point grades with evidence, question scores and the round verdict."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from interviewer.claims import split_sentences
from interviewer.corpus import CLARIFY_POINT_PREFIX, Question

Verdict = Literal["Strong No Hire", "Lean No Hire", "Lean Hire", "Strong Hire"]
# The hiring bar on true rubric coverage (0-100): Lean No Hire, Lean Hire, Strong Hire start here.
HIRING_BAR: tuple[float, float, float] = (30.0, 50.0, 70.0)
# Grader scores compress that range (weak answers still match a little, strong ones rarely
# reach 100), so verdicts use thresholds fitted on the tuning half of our labelled set
# (`interviewer eval gold` re-fits them and reports held-out agreement).
# Refitted for the claim-based judge (held-out verdict agreement then 0.837, now 0.783 with one claim credited
# at 0.5; a refit on the tuning half, (30, 60, 70), gives 0.717 held-out, so these stay).
VERDICT_THRESHOLDS: tuple[tuple[float, Verdict], ...] = (
    (60.0, "Strong Hire"),
    (50.0, "Lean Hire"),
    (25.0, "Lean No Hire"),
    (0.0, "Strong No Hire"),
)
COVERED = 0.5  # a point at or above this coverage counts as covered
# A wrong statement is worse than silence: a contradicted point scores 0 and costs its weight again.
# Chosen on the tuning half of the adversarial set (0.5 vs 1.0: strong-beats-wrong pairs 65% vs 77%,
# wrong answers 29 vs 24, own-words answers 72 either way; gold-set score r 0.883 vs 0.876).
CONTRADICTION_PENALTY = 1.0
# Code that fails a hidden test is wrong code, however well it is explained; code that passes them
# all is most of the answer, and the rubric (complexity, edge cases, trade-offs) decides the rest.
CODE_FAIL_CAP = 30.0
CODE_PASS_FLOOR = 60.0
MAX_SCORED_CHARS = 8000  # longer answers are stored whole but scored on their first part
EVIDENCE_CHARS = 240
EVIDENCE_MIN = 0.35  # below this coverage no sentence is credited as evidence

INJECTION_PATTERNS = (
    r"\bignore\b.{0,40}\b(rubric|instructions?|prompt|previous|above|grader|grading)\b",
    r"\b(give|award|assign|grant)\b.{0,30}\b(full|maximum|max|perfect|all)\b.{0,15}\b(marks?|points?|score|credit)\b",
    # "score this 100", "graded as 100"; not "a learning rate 10 to 100 times lower" or "a rate of 100 requests"
    r"\b(score|grade|rate)[sd]?\s+(this|me|my|the|it|him|her|us|them|every|all|as)\b.{0,30}\b(100|10/10|5/5|full marks|perfect)\b",
    r"\b(score|grade|rating)\s*[:=]\s*(100|10/10|5/5)\b",
    r"\b(system prompt|you are now|new instructions|disregard)\b",
    r"\bmark (this|every|all)\b.{0,30}\bcovered\b",
    r"\b(forget|override|bypass)\b.{0,40}\b(instructions?|rubric|grading|rules|criteria)\b",
    r"\b(print|output|return|write|copy|set)\b.{0,30}\b(perfect|maximum|max|full|top)\b.{0,15}\b(grade|score|marks?|coverage)\b",
    r"\b(grade|score|rate|mark)\b.{0,20}\b(generously|leniently)\b",
    r"\b(treat|consider|count)\b.{0,20}\b(every|all|each)\b.{0,15}\b(points?|criteria)\b.{0,10}\b(covered|satisfied|met)\b",
    r"(évaluat|ignorez|barème|note maximale|puntuación máxima|ignora la|volle punktzahl|ignoriere|punteggio massimo|"
    r"pontuação máxima|максимальн|игнорируй|满分|忽略|満点|無視|만점|무시)",
)
_INJECTION = re.compile("|".join(INJECTION_PATTERNS), re.IGNORECASE | re.DOTALL)


def verdict_for(score: float) -> Verdict:
    """The hiring verdict for a 0-100 score."""
    return next(v for low, v in VERDICT_THRESHOLDS if score >= low)


class PointGrade(BaseModel):
    """One rubric point's grade: the one contract every grader returns (the model's JSON too)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    point_id: str = Field(description="the rubric point's id")
    coverage: float = Field(ge=0.0, le=1.0, description="how fully and correctly the answer states the point, 0 to 1")
    evidence: str = Field(default="", description="the sentence of the answer that earned or contradicted the point, copied exactly")
    contradicted: bool = Field(default=False, description="true when the answer states something that contradicts the point")
    correction: str = Field(default="", description="when contradicted: one line on what is actually right")
    misconception: str = Field(default="", description="leave empty")


class PointGrades(BaseModel):
    """What an LLM grader must return: a grade for every rubric point."""

    model_config = ConfigDict(extra="forbid")

    points: list[PointGrade]


class CodeTestRow(BaseModel):
    """One example or hidden test the candidate's code was run against."""

    model_config = ConfigDict(frozen=True)

    test: str
    input: str
    expected: str
    result: str
    passed: bool


class QuestionGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    question_id: str
    score: float = Field(ge=0.0, le=100.0)
    points: tuple[PointGrade, ...]
    grader: str
    notes: tuple[str, ...] = ()
    code_tests: tuple[CodeTestRow, ...] = ()  # coding questions: the hidden tests the code was run against
    code_follow_up: str = ""  # what to ask about the first failing test

    def point(self, point_id: str) -> PointGrade | None:
        return next((p for p in self.points if p.point_id == point_id), None)

    def coverage(self, point_id: str) -> float:
        found = self.point(point_id)
        return found.coverage if found else 0.0

    def covered_ids(self) -> list[str]:
        return [p.point_id for p in self.points if p.coverage >= COVERED and not p.contradicted]

    def contradicted(self) -> list[PointGrade]:
        return [p for p in self.points if p.contradicted]


def score_with_code(rubric_score: float, all_passed: bool) -> float:
    """A coding question's score from its rubric score and whether its code passed every hidden test."""
    if all_passed:
        return round(CODE_PASS_FLOOR + (100 - CODE_PASS_FLOOR) * rubric_score / 100, 1)
    return min(rubric_score, CODE_FAIL_CAP)


def weighted_score(question: Question, points: Sequence[PointGrade]) -> float:
    """Weighted coverage of the rubric on 0-100; each contradicted point also costs part of its weight."""
    by_id = {p.point_id: p for p in points}
    total = 0.0
    for point in question.rubric:
        grade = by_id.get(point.id)
        if grade is None:
            continue
        total += -CONTRADICTION_PENALTY * point.weight if grade.contradicted else point.weight * grade.coverage
    return round(max(0.0, 100.0 * total / question.total_weight), 1)


@dataclass(frozen=True)
class AnswerPart:
    """One candidate message within a question; every part counts toward every point."""

    text: str


class Grader(Protocol):
    name: str

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade: ...


def injection_sentences(text: str) -> list[str]:
    """Sentences that try to instruct the grader instead of answering."""
    return [s for s in split_sentences(text) if _INJECTION.search(s)]


def scorable_text(text: str) -> tuple[str, list[str]]:
    """The part of an answer that is scored, and notes on what was left out and why."""
    notes: list[str] = []
    if len(text) > MAX_SCORED_CHARS:
        text = text[:MAX_SCORED_CHARS]
        notes.append(f"answer longer than {MAX_SCORED_CHARS} characters: only the first {MAX_SCORED_CHARS} were scored")
    injected = injection_sentences(text)
    if injected:
        for sentence in injected:
            text = text.replace(sentence, " ")
        notes.append("instructions to the grader inside the answer were ignored")
    return text, notes


def round_score(grades: Sequence[QuestionGrade]) -> float:
    """Mean question score, or 0 when nothing was graded."""
    return round(sum(g.score for g in grades) / len(grades), 1) if grades else 0.0


# -- interview mechanics: credit for clarifying questions, partial credit after the last hint ---------

# A point covered only after the question's final (strongest) hint was nearly given away: it earns at
# most half its weight. Half, because the candidate still had to say it and explain it; still counted
# as covered (COVERED is 0.5), so the report does not list it as missed.
HINTED_CAP = 0.5
# Asking about this many distinct scenario topics fully covers a "clarify" point (the corpus's clarify
# points list five or six things worth asking). A topic is a fact the interviewer gave, or a question
# no fact answers that still names one of the point's terms ("what is the horizon?").
CLARIFY_TOPICS_FOR_FULL = 4


def clarifiable_points(question: Question) -> list[str]:
    """Rubric points the round scores from clarifying questions: `clarify-*` points (requirements phase in design rounds)."""
    return [p.id for p in question.rubric if p.id.startswith(CLARIFY_POINT_PREFIX) and p.phase in (None, "requirements")]


def clarification_credit(question: Question, point_id: str, facts_found: Sequence[int], unanswered: Sequence[str]) -> float:
    """Coverage a clarify point earns from the questions asked: distinct topics over CLARIFY_TOPICS_FOR_FULL."""
    from interviewer.claims import matched_terms

    terms = sorted(question.point(point_id).terms)
    relevant = {ask.lower() for ask in unanswered if matched_terms(terms, ask)}
    return min(1.0, (len(set(facts_found)) + len(relevant)) / CLARIFY_TOPICS_FOR_FULL)


def with_clarifications(
    question: Question, grade: QuestionGrade, asked: Sequence[str], facts_found: Sequence[int], unanswered: Sequence[str] = ()
) -> QuestionGrade:
    """The grade with clarify points raised by the clarifying questions asked (never lowered).

    `asked` are the candidate's clarifying turns (the evidence), `facts_found` the facts that answered
    them, `unanswered` the questions in them that no fact answered.
    """
    targets = clarifiable_points(question)
    if not asked or not targets:
        return grade
    points = list(grade.points)
    raised = []
    for i, p in enumerate(points):
        if p.point_id not in targets or p.contradicted:
            continue
        credit = round(clarification_credit(question, p.point_id, facts_found, unanswered), 3)
        if credit > p.coverage:
            evidence = f"You asked: {' '.join(asked)}"[:EVIDENCE_CHARS]
            points[i] = p.model_copy(update={"coverage": credit, "evidence": evidence})
            raised.append(p.point_id)
    if not raised:
        return grade
    note = f"credited from your clarifying questions: {', '.join(raised)}"
    return _rescored(question, grade, points, note)


def with_hint_cap(question: Question, grade: QuestionGrade, before: QuestionGrade | None) -> QuestionGrade:
    """The grade with points first covered after the final hint capped at HINTED_CAP.

    `before` grades the answers given before that hint (None: nothing was answered before it).
    """
    points = list(grade.points)
    capped = []
    for i, p in enumerate(points):
        earlier = before.coverage(p.point_id) if before is not None else 0.0
        if p.contradicted or earlier >= COVERED or p.coverage <= HINTED_CAP:
            continue
        points[i] = p.model_copy(update={"coverage": max(earlier, HINTED_CAP)})
        capped.append(p.point_id)
    if not capped:
        return grade
    note = f"covered only after the last hint, so at most half credit: {', '.join(capped)}"
    return _rescored(question, grade, points, note)


def _rescored(question: Question, grade: QuestionGrade, points: Sequence[PointGrade], note: str) -> QuestionGrade:
    """The grade with new point coverages, scored the way the judge scores (code questions keep their code rule)."""
    score = weighted_score(question, points)
    if question.code is not None:
        score = score_with_code(score, bool(grade.code_tests) and all(t.passed for t in grade.code_tests))
    return grade.model_copy(update={"points": tuple(points), "score": score, "notes": (*grade.notes, note)})
