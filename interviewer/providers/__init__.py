"""Interviewer engines behind one small protocol: offline (default) and OpenAI-compatible."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, QuestionGrade

PlanKind = Literal["drill", "deeper"]


@dataclass(frozen=True)
class FollowUpPlan:
    """What the next follow-up should probe; the offline engine asks `ask`, an LLM may rephrase."""

    kind: PlanKind
    ask: str
    probes: tuple[str, ...] | None
    depth: int
    authored_index: int | None = None
    quote: str = ""


@dataclass(frozen=True)
class Exchange:
    role: Literal["interviewer", "candidate"]
    text: str


@dataclass(frozen=True)
class FollowUpContext:
    round: str
    question: Question
    answer: str
    assessment: QuestionGrade
    plan: FollowUpPlan
    history: tuple[Exchange, ...] = ()
    related: tuple[Question, ...] = field(default=())


class ProviderError(RuntimeError):
    """The provider could not produce a usable reply after its retries."""


class Provider(Protocol):
    name: str

    def stream_follow_up(self, context: FollowUpContext) -> Iterator[str]:
        """The interviewer's follow-up, chunk by chunk."""
        ...

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade: ...
