"""The labelled clarifying questions: which scenario facts answer each, and how often the finder agrees."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from interviewer import resources
from interviewer.clarify import FactFinder
from interviewer.corpus import Corpus

DEFAULT_SET = resources.eval_sets_dir() / "clarifications.yaml"


@dataclass(frozen=True)
class ClarifyCase:
    question_id: str
    ask: str
    facts: frozenset[int]  # empty: no fact answers it, the interviewer should say "assume"
    split: Literal["tune", "test"]


def load_cases(path: Path = DEFAULT_SET) -> list[ClarifyCase]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return [ClarifyCase(i["question"], i["ask"], frozenset(i["facts"]), i["split"]) for i in items]


def correct(case: ClarifyCase, found: int | None) -> bool:
    """Right when nothing is found for an unanswerable ask, or the fact found is one that answers it."""
    return found in case.facts if case.facts else found is None


def accuracy(finder: FactFinder, corpus: Corpus, cases: Sequence[ClarifyCase]) -> float:
    """The share of cases where the finder picks a right fact, or rightly none."""
    hits = 0
    for case in cases:
        match = finder.match(corpus.by_id[case.question_id], case.ask)
        hits += correct(case, match.index if match else None)
    return hits / len(cases) if cases else 0.0
