"""Interviewer engines behind one small protocol, registered by name.

A provider writes follow-ups (streamed), grades answers and writes the closing feedback.
Every result carries the usage it cost, so callers never drain provider state. Built in:
`offline` (the default) and `openai` (any OpenAI-compatible endpoint); a package can add
one through the `interviewer.providers` entry-point group, a test through `register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Literal, Protocol

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, QuestionGrade
from interviewer.planner import FollowUpPlan
from interviewer.tokens import Usage

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from interviewer.config import Settings
    from interviewer.judge import OfflineJudge


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
    contradicted: tuple[str, ...] = ()

    def as_text(self) -> str:
        covered = "; ".join(self.covered) or "none"
        missed = "; ".join(self.missed) or "none"
        wrong = f" Stated wrongly: {'; '.join(self.contradicted)}." if self.contradicted else ""
        return f"- {self.title}: {self.score:.0f}/100. Covered: {covered}. Missed: {missed}.{wrong}"


class ProviderError(RuntimeError):
    """The provider could not produce a usable reply after its retries; `usage` is what the attempts cost."""

    def __init__(self, message: str, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage or Usage()


class ProviderUnavailable(ProviderError):
    """The endpoint stayed down (timeouts, connection errors, 429 or 5xx) through every retry."""


class ProviderRejected(ProviderUnavailable):
    """The endpoint refused us (401, 403): retrying cannot help."""


class Streamed:
    """A reply arriving in pieces; `usage` is complete once iteration ends (or the error is raised)."""

    def __init__(self, pieces: Callable[[Streamed], Iterator[str]]) -> None:
        self.usage = Usage()
        self._pieces = pieces

    def __iter__(self) -> Iterator[str]:
        yield from self._pieces(self)

    def add(self, usage: Usage) -> None:
        self.usage += usage


@dataclass(frozen=True)
class Graded:
    grade: QuestionGrade
    usage: Usage = Usage()


@dataclass(frozen=True)
class Written:
    text: str
    usage: Usage = Usage()


class Provider(Protocol):
    name: str

    def stream_follow_up(self, context: FollowUpContext) -> Streamed:
        """The interviewer's follow-up, chunk by chunk."""
        ...

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> Graded: ...

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> Written:
        """A short paragraph to the candidate: strengths, main gaps, what to practise."""
        ...


ProviderFactory = Callable[["Settings", "OfflineJudge"], Provider]
_BUILTIN = {
    "offline": "interviewer.providers.offline:OfflineProvider",
    "openai": "interviewer.providers.openai_compat:OpenAIProvider",
}
_REGISTERED: dict[str, ProviderFactory] = {}


class UnknownProvider(ValueError):
    pass


def register(name: str, factory: ProviderFactory) -> None:
    """Make a provider available by name (tests register their fakes here)."""
    _REGISTERED[name] = factory


def provider_names() -> list[str]:
    return sorted({*_BUILTIN, *_REGISTERED, *(ep.name for ep in _entry_points())})


def create_provider(name: str, settings: Settings, judge: OfflineJudge) -> Provider:
    """The provider registered as `name`, built lazily so the openai client loads only when used."""
    if name in _REGISTERED:
        return _REGISTERED[name](settings, judge)
    if name in _BUILTIN:
        module, cls = _BUILTIN[name].split(":")
        factory: ProviderFactory = getattr(import_module(module), cls)
        return factory(settings, judge)
    for ep in _entry_points():
        if ep.name == name:
            factory = ep.load()
            return factory(settings, judge)  # type: ignore[no-any-return]
    raise UnknownProvider(f"unknown provider '{name}': choose one of {', '.join(provider_names())}")


def _entry_points() -> list[EntryPoint]:
    from importlib.metadata import entry_points

    return list(entry_points(group="interviewer.providers"))
