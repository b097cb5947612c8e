"""Mohler et al. (2011) short-answer set: adapter to rubrics, tuning on a fixed half, agreement on the other.

The adapter reads only the question and the reference answer, never the grades: each clause
of the reference answer becomes a rubric point (weight 1) whose key terms are its content
words. Grades are used only to (a) pick grader parameters and a linear map to 0-5 on the
tuning half of the questions, and (b) measure agreement on the held-out half.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from interviewer.corpus import STOPWORDS, FollowUp, Question, RubricPoint
from interviewer.evaluation.metrics import Estimate, bootstrap, pearson, quadratic_weighted_kappa, rmse, spearman
from interviewer.grading import AnswerPart
from interviewer.judge import GradingParams, OfflineJudge, point_coverage
from interviewer.resources import mohler_csv

DEFAULT_CSV = mohler_csv()  # beside a checkout only: the data set is not shipped
MAX_GRADE = 5.0


@dataclass(frozen=True)
class MohlerItem:
    question_id: str
    question: str
    reference: str
    answer: str
    grade: float


def load_items(path: Path) -> list[MohlerItem]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            MohlerItem(row["id"], row["question"], row["desired_answer"], row["student_answer"], float(row["score_avg"]))
            for row in csv.DictReader(handle)
        ]


def content_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z][A-Za-z0-9+#'-]*", text.lower())
    return list(dict.fromkeys(w.strip("'-") for w in words if w not in STOPWORDS and len(w) > 2))


def clauses(reference: str) -> list[str]:
    """Sentences of the reference, long ones split at ';' or ', and' so each point is one idea."""
    out: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", reference.strip()):
        pieces = re.split(r";|,\s+(?:and|or|but)\s+|\s+(?:and also|as well as)\s+", sentence)
        out.extend(p.strip(" .,") for p in pieces if len(content_words(p)) >= 2)
    return out or [reference.strip()]


def rubric_question(question_id: str, question: str, reference: str) -> Question:
    """A Question whose rubric is derived from the reference answer alone.

    Built with model_construct because a derived rubric may have fewer than the 3 points and
    2 follow-ups the authored corpus requires.
    """
    points = [
        RubricPoint(id=f"p{i}", weight=1, point=clause, key_terms=tuple(content_words(clause)[:8]) or (clause,))
        for i, clause in enumerate(clauses(reference)[:8], 1)
    ]
    return Question.model_construct(
        id=f"mohler.q{question_id.replace('.', '-')}", title=question[:60], question=question, difficulty=2,
        tags=("mohler",), reference_answer=reference, rubric=tuple(points),
        follow_ups=(FollowUp(ask=question, probes=(points[0].id,)),), round="ml-fundamentals",
    )


Features = list[list[tuple[float, int, int]]]  # per item, per point: similarity, terms found, terms


def measure(grader: OfflineJudge, items: Sequence[MohlerItem], questions: dict[str, Question], progress: Callable[[Iterable[Any]], Iterable[Any]]) -> Features:
    """The grader's raw per-point measurements for every answer (the expensive, embedding part)."""
    features: Features = []
    for item in progress(items):
        q = questions[item.question_id]
        (found,) = grader.evidence(q, [AnswerPart(item.answer)])
        features.append([(found[p.id][0], found[p.id][1], len(p.key_terms)) if p.id in found else (0.0, 0, 1) for p in q.rubric])
    return features


def scores_from(features: Features, params: GradingParams) -> np.ndarray:
    """0-100 scores (equal point weights), as OfflineJudge.grade would give them with `params`."""
    return np.array([100 * np.mean([point_coverage(params, s, f, n) for s, f, n in item]) for item in features])


PARAM_GRID = {
    "sim_low": (0.1, 0.2, 0.3),
    "sim_high": (0.5, 0.6, 0.7, 0.8),
    "semantic_weight": (0.4, 0.6, 0.8, 1.0),
    "term_weight": (0.0, 0.2, 0.4, 0.6),
    "terms_for_full": (1, 2, 3, 4),
}


def tune(features: Features, grades: np.ndarray) -> tuple[GradingParams, float]:
    """Grid search for the parameters with the best Pearson r on the tuning items."""
    best: tuple[float, GradingParams] = (-2.0, GradingParams())
    keys = list(PARAM_GRID)
    for values in itertools.product(*(PARAM_GRID[k] for k in keys)):
        params = replace(GradingParams(), **cast(dict[str, Any], dict(zip(keys, values))))
        if params.sim_high <= params.sim_low:
            continue
        r = pearson(scores_from(features, params), grades)
        if r > best[0]:
            best = (r, params)
    return best[1], best[0]


def linear_map(raw: np.ndarray, grades: np.ndarray) -> tuple[float, float]:
    """Least-squares a, b so that a * raw + b approximates the grades."""
    a, b = np.polyfit(raw, grades, 1)
    return float(a), float(b)


def agreement(predicted: np.ndarray, grades: np.ndarray, rounds: int) -> dict[str, Estimate]:
    return {
        "pearson": bootstrap(pearson, predicted, grades, rounds),
        "spearman": bootstrap(spearman, predicted, grades, rounds),
        "rmse": bootstrap(rmse, predicted, grades, rounds),
        "qwk": bootstrap(quadratic_weighted_kappa, predicted, grades, rounds),
    }
