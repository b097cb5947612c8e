"""Rubric grading: per-point coverage with quoted evidence, question scores and the round verdict."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from interviewer.corpus import Question
from interviewer.embeddings import Embedder, Vectors
from interviewer.retrieval import embed_points

Verdict = Literal["Strong No Hire", "Lean No Hire", "Lean Hire", "Strong Hire"]
# The hiring bar on true rubric coverage (0-100): Lean No Hire, Lean Hire, Strong Hire start here.
HIRING_BAR: tuple[float, float, float] = (30.0, 50.0, 70.0)
# Grader scores compress that range (weak answers still match a little, strong ones rarely
# reach 100), so verdicts use thresholds fitted on the tuning half of our labelled set
# (`interviewer eval gold` re-fits them and reports held-out agreement).
VERDICT_THRESHOLDS: tuple[tuple[float, Verdict], ...] = (
    (80.0, "Strong Hire"),
    (70.0, "Lean Hire"),
    (45.0, "Lean No Hire"),
    (0.0, "Strong No Hire"),
)
COVERED = 0.5  # a point at or above this coverage counts as covered
MAX_SCORED_CHARS = 8000  # longer answers are stored whole but scored on their first part
EVIDENCE_CHARS = 240
EVIDENCE_MIN = 0.35  # below this coverage no sentence is credited as evidence

INJECTION_PATTERNS = (
    r"\bignore\b.{0,40}\b(rubric|instructions?|prompt|previous|above|grader|grading)\b",
    r"\b(give|award|assign|grant)\b.{0,30}\b(full|maximum|max|perfect|all)\b.{0,15}\b(marks?|points?|score|credit)\b",
    r"\b(score|grade|rate)\b.{0,30}\b(100|10/10|5/5|full marks|perfect)\b",
    r"\b(system prompt|you are now|new instructions|disregard)\b",
    r"\bmark (this|every|all)\b.{0,30}\bcovered\b",
)
_INJECTION = re.compile("|".join(INJECTION_PATTERNS), re.IGNORECASE | re.DOTALL)


def verdict_for(score: float) -> Verdict:
    """The hiring verdict for a 0-100 score."""
    return next(v for low, v in VERDICT_THRESHOLDS if score >= low)


class PointGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    point_id: str
    coverage: float = Field(ge=0.0, le=1.0)
    evidence: str = ""


class QuestionGrade(BaseModel):
    model_config = ConfigDict(frozen=True)

    question_id: str
    score: float = Field(ge=0.0, le=100.0)
    points: tuple[PointGrade, ...]
    grader: str
    notes: tuple[str, ...] = ()

    def coverage(self, point_id: str) -> float:
        return next((p.coverage for p in self.points if p.point_id == point_id), 0.0)

    def covered_ids(self) -> list[str]:
        return [p.point_id for p in self.points if p.coverage >= COVERED]


def weighted_score(question: Question, coverage: dict[str, float]) -> float:
    """Weighted coverage of the rubric on 0-100."""
    total = sum(p.weight * coverage.get(p.id, 0.0) for p in question.rubric)
    return round(100.0 * total / question.total_weight, 1)


@dataclass(frozen=True)
class AnswerPart:
    """One candidate message; `probes` limits which rubric points it can raise (None: all)."""

    text: str
    probes: tuple[str, ...] | None = None


class Grader(Protocol):
    name: str

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade: ...


@dataclass(frozen=True)
class GradingParams:
    """The offline grader's calibration: cosine ramp and how key terms and meaning combine.

    Similarity alone tops out below COVERED: MiniLM rates sentences that share words with a
    point highly even when they miss its idea, so a point counts as covered only with at
    least one of its key terms. Chosen on the tuning half of the labelled interview set.
    """

    sim_low: float = 0.25
    sim_high: float = 0.60
    terms_for_full: int = 2
    semantic_weight: float = 0.45
    term_weight: float = 0.6


def injection_sentences(text: str) -> list[str]:
    """Sentences that try to instruct the grader instead of answering."""
    return [s for s in split_sentences(text) if _INJECTION.search(s)]


def split_sentences(text: str, max_words: int = 40) -> list[str]:
    """Sentences (and bullet lines); very long ones are cut into windows so each stays matchable."""
    pieces = re.split(r"(?<=[.!?;])\s+|\n+", text)
    out: list[str] = []
    for piece in (p.strip(" -*\t") for p in pieces):
        words = piece.split()
        if not words:
            continue
        for start in range(0, len(words), max_words):
            out.append(" ".join(words[start : start + max_words]))
    return out


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-_/]+", term.lower()) if w]
    body = r"[\s\-_/]*".join(words)
    # Tolerate plurals and simple inflections on the last word ("embedding" ~ "embeddings").
    return re.compile(rf"(?<![a-z0-9]){body}(s|es|ed|ing)?(?![a-z0-9])")


def matched_terms(terms: Sequence[str], text: str) -> list[str]:
    """Key terms that occur in `text` as whole words (case-insensitive, plural-tolerant)."""
    lowered = text.lower()
    return [t for t in terms if _term_pattern(t).search(lowered)]


class OfflineGrader:
    """Coverage of each rubric point from sentence embeddings and key terms."""

    name = "offline"

    def __init__(
        self,
        embedder: Embedder,
        point_vectors: Callable[[Question], dict[str, np.ndarray]] | None = None,
        params: GradingParams = GradingParams(),
    ) -> None:
        self._embedder = embedder
        self._point_vectors = point_vectors or partial(embed_points, embedder)
        self.params = params

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
        """Each point's coverage is the best any applicable answer part earned."""
        best: dict[str, PointGrade] = {p.id: PointGrade(point_id=p.id, coverage=0.0) for p in question.rubric}
        notes: list[str] = []
        for part, part_notes, evidence in self.evidence(question, parts):
            notes.extend(n for n in part_notes if n not in notes)
            for point in question.rubric:
                if point.id not in evidence:
                    continue
                sim, found, sentence = evidence[point.id]
                coverage = point_coverage(self.params, sim, found, len(point.key_terms))
                if coverage > best[point.id].coverage:
                    quote = sentence[:EVIDENCE_CHARS] if coverage >= EVIDENCE_MIN else ""
                    best[point.id] = PointGrade(point_id=point.id, coverage=round(coverage, 3), evidence=quote)
        coverage_map = {pid: g.coverage for pid, g in best.items()}
        return QuestionGrade(
            question_id=question.id,
            score=weighted_score(question, coverage_map),
            points=tuple(best[p.id] for p in question.rubric),
            grader=self.name,
            notes=tuple(notes),
        )

    def evidence(
        self, question: Question, parts: Sequence[AnswerPart]
    ) -> list[tuple[AnswerPart, list[str], dict[str, tuple[float, int, str]]]]:
        """Per part and applicable point: best cosine, key terms found and the evidence sentence.

        These are the grader's raw measurements; `point_coverage` turns them into a score,
        so calibration (evals) can re-score without re-embedding.
        """
        vectors = self._point_vectors(question)
        out = []
        for part in parts:
            text, notes = scorable_text(part.text)
            sentences = split_sentences(text)
            found: dict[str, tuple[float, int, str]] = {}
            if sentences:
                sentence_vectors = self._embedder.embed(sentences)
                for point in question.rubric:
                    if part.probes is None or point.id in part.probes:
                        found[point.id] = point_evidence(point.key_terms, vectors[point.id], sentences, sentence_vectors)
            out.append((part, notes, found))
        return out


def point_evidence(terms: Sequence[str], point_vector: np.ndarray, sentences: list[str], vectors: Vectors) -> tuple[float, int, str]:
    """Best sentence similarity, distinct key terms found, and the sentence that best shows the point."""
    sims = vectors @ point_vector
    hits = np.asarray([len(matched_terms(terms, s)) for s in sentences], dtype=np.float32)
    found = len(matched_terms(terms, " ".join(sentences)))
    strength = sims + 0.15 * np.minimum(hits, 2)
    return float(sims.max()), found, sentences[int(strength.argmax())]


def point_coverage(params: GradingParams, similarity: float, found_terms: int, n_terms: int) -> float:
    """Coverage in [0, 1] from the best sentence similarity and the key terms found."""
    semantic = min(1.0, max(0.0, (similarity - params.sim_low) / (params.sim_high - params.sim_low)))
    terms = min(1.0, found_terms / max(1, min(params.terms_for_full, n_terms)))
    return min(1.0, params.semantic_weight * semantic + params.term_weight * terms)


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
