"""Our labelled interview set: candidate answers with gold per-rubric-point labels (evals/sets/interview)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from interviewer.corpus import Corpus, Question
from interviewer.grading import COVERED, AnswerPart, Grader, weighted_score

AnswerKind = Literal["strong", "partial", "weak", "off-topic", "technical"]


class GoldAnswer(BaseModel):
    kind: AnswerKind
    text: str
    labels: dict[str, float]


class GoldItem(BaseModel):
    question_id: str
    answers: list[GoldAnswer] = Field(min_length=1)


class GoldSet(BaseModel):
    set: Literal["interview-gold"]
    items: list[GoldItem]


class GoldSetError(ValueError):
    """A labelled file does not match the corpus (unknown question, labels not matching the rubric)."""


@dataclass(frozen=True)
class GoldCase:
    question: Question
    answer: GoldAnswer
    source: str

    @property
    def gold_score(self) -> float:
        return weighted_score(self.question, self.answer.labels)


def load_gold(path: Path, corpus: Corpus) -> list[GoldCase]:
    """Every labelled answer under `path` (a .yaml file or a folder of them), checked against the corpus."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    cases: list[GoldCase] = []
    for file in files:
        try:
            data = GoldSet.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError) as exc:
            raise GoldSetError(f"{file.name}: {exc}") from exc
        for item in data.items:
            question = corpus.by_id.get(item.question_id)
            if question is None:
                raise GoldSetError(f"{file.name}: unknown question {item.question_id}")
            for answer in item.answers:
                if set(answer.labels) != {p.id for p in question.rubric}:
                    raise GoldSetError(f"{file.name}: {item.question_id} {answer.kind}: labels must name exactly the rubric points")
                cases.append(GoldCase(question, answer, file.name))
    return cases


@dataclass(frozen=True)
class GoldResult:
    case: GoldCase
    predicted: dict[str, float]
    score: float


def grade_cases(grader: Grader, cases: list[GoldCase], progress: Callable[[Iterable[Any]], Iterable[Any]] = iter) -> list[GoldResult]:
    results = []
    for case in progress(cases):
        grade = grader.grade(case.question, [AnswerPart(case.answer.text)])
        results.append(GoldResult(case, {p.point_id: p.coverage for p in grade.points}, grade.score))
    return results


def point_pairs(results: list[GoldResult]) -> list[tuple[float, float, str]]:
    """(gold label, predicted coverage, round) for every rubric point of every answer."""
    return [(label, r.predicted[pid], r.case.question.round) for r in results for pid, label in r.case.answer.labels.items()]


def point_accuracy(pairs: list[tuple[float, float, str]]) -> float:
    """Share of points where 'covered' (>= 0.5) agrees between gold label and grader."""
    return sum((g >= COVERED) == (p >= COVERED) for g, p, _ in pairs) / len(pairs) if pairs else float("nan")
