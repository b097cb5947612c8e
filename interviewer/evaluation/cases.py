"""Labelled answer sets: each answer to a corpus question becomes a Case with its gold grade.

Two formats under evals/sets/: `interview-gold` answers carry a gold label per rubric point;
`adversarial` answers carry a gold score and a kind (wrong but fluent, strong in the
candidate's own words, technical-only, keyword-stuffed) so pairs on one question compare.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from interviewer.corpus import Corpus, Question
from interviewer.grading import PointGrade, weighted_score

COVERED_LABEL = 0.5  # a gold label at or above this means a human counted the point as covered
AnswerKind = Literal["strong", "partial", "weak", "off-topic", "technical", "wrong", "own-words", "technical-only", "stuffed"]


class LabelledAnswer(BaseModel):
    kind: AnswerKind
    text: str = Field(min_length=1)
    labels: dict[str, float] | None = None  # per rubric point, 0-1 (interview-gold)
    gold_score: float | None = Field(default=None, ge=0, le=100)  # the whole answer (adversarial)
    why: str = ""  # what makes it this kind, for a person reading the set


class LabelledItem(BaseModel):
    question_id: str
    answers: list[LabelledAnswer] = Field(min_length=1)


class LabelledSet(BaseModel):
    set: Literal["interview-gold", "adversarial"]
    items: list[LabelledItem]


class LabelledSetError(ValueError):
    """A labelled file does not match the corpus (unknown question, labels not matching the rubric)."""


@dataclass(frozen=True)
class Case:
    """One answer to grade, with what a human said it is worth."""

    id: str
    question: Question
    kind: str
    text: str
    gold_score: float
    labels: dict[str, float] | None
    source: str


def is_tuning(question_id: str) -> bool:
    """A fixed half of the questions (by hash of the id), the same on every run and machine: parameters
    are chosen on it and figures reported on the other half."""
    return int(hashlib.sha1(question_id.encode()).hexdigest(), 16) % 2 == 0


def load_cases(path: Path, corpus: Corpus) -> list[Case]:
    """Every labelled answer under `path` (a .yaml file or a folder of them), checked against the corpus."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise LabelledSetError(f"no labelled set at {path}")
    cases: list[Case] = []
    for file in files:
        try:
            data = LabelledSet.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
        except (yaml.YAMLError, ValidationError, UnicodeDecodeError) as exc:
            raise LabelledSetError(f"{file.name}: {_first_line(exc)}") from exc
        for item in data.items:
            question = corpus.by_id.get(item.question_id)
            if question is None:
                raise LabelledSetError(f"{file.name}: unknown question {item.question_id}")
            for n, answer in enumerate(item.answers):
                cases.append(Case(f"{item.question_id}#{answer.kind}{n}", question, answer.kind, answer.text,
                                  _gold_score(file.name, question, answer), answer.labels, file.name))
    return cases


def _gold_score(file: str, question: Question, answer: LabelledAnswer) -> float:
    if answer.labels is not None:
        if set(answer.labels) != {p.id for p in question.rubric}:
            raise LabelledSetError(f"{file}: {question.id} {answer.kind}: labels must name exactly the rubric points")
        return weighted_score(question, [PointGrade(point_id=k, coverage=v) for k, v in answer.labels.items()])
    if answer.gold_score is None:
        raise LabelledSetError(f"{file}: {question.id} {answer.kind}: give labels or a gold_score")
    return answer.gold_score


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
