"""Interviewer engines behind one small protocol: offline (default) and OpenAI-compatible."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, QuestionGrade
from interviewer.tokens import Usage

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
    # Fetched only by providers that use it: a retrieval query costs ~30 ms on the offline hot path.
    find_related: Callable[[], Sequence[Question]] = field(default=lambda: ())

    @property
    def related(self) -> Sequence[Question]:
        return self.find_related()


@dataclass(frozen=True)
class QuestionSummary:
    """What feedback is written from: one graded question."""

    title: str
    tag: str
    score: float
    covered: tuple[str, ...]
    missed: tuple[str, ...]

    def as_text(self) -> str:
        covered = "; ".join(self.covered) or "none"
        missed = "; ".join(self.missed) or "none"
        return f"- {self.title}: {self.score:.0f}/100. Covered: {covered}. Missed: {missed}."


class ProviderError(RuntimeError):
    """The provider could not produce a usable reply after its retries."""


class ProviderUnavailable(ProviderError):
    """The endpoint stayed down (timeouts, connection errors, 429 or 5xx) through every retry."""


class Provider(Protocol):
    name: str

    def stream_follow_up(self, context: FollowUpContext) -> Iterator[str]:
        """The interviewer's follow-up, chunk by chunk."""
        ...

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade: ...

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> str:
        """A short paragraph to the candidate: strengths, main gaps, what to practise."""
        ...

    def drain_usage(self) -> Usage:
        """Tokens and cost spent since the last call."""
        ...
