"""A scripted provider for tests: replies are enqueued, every request is recorded, usage is reported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, PointGrade, QuestionGrade, weighted_score
from interviewer.providers import FollowUpContext, Graded, ProviderUnavailable, QuestionSummary, Streamed, Written, register
from interviewer.tokens import Usage

CALL_USAGE = Usage(prompt_tokens=100, completion_tokens=10, calls=1, cost_usd=0.001)


@dataclass
class ScriptedProvider:
    """Follow-ups, grades and feedback come from queues; an exception in a queue is raised when reached."""

    name: str = "scripted"
    follow_ups: list[str | Exception] = field(default_factory=list)
    coverages: list[dict[str, float] | Exception] = field(default_factory=list)
    feedbacks: list[str | Exception] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def enqueue(self, *, follow_up: str | Exception | None = None, coverage: dict[str, float] | Exception | None = None,
                feedback: str | Exception | None = None) -> ScriptedProvider:
        if follow_up is not None:
            self.follow_ups.append(follow_up)
        if coverage is not None:
            self.coverages.append(coverage)
        if feedback is not None:
            self.feedbacks.append(feedback)
        return self

    def stream_follow_up(self, context: FollowUpContext) -> Streamed:
        self.calls.append(("follow_up", context))
        reply = self.follow_ups.pop(0) if self.follow_ups else "Why?"

        def pieces(stream: Streamed) -> Iterator[str]:
            stream.add(CALL_USAGE)
            if isinstance(reply, Exception):
                raise reply
            yield from reply.split(" ")[:1]
            yield from (f" {w}" for w in reply.split(" ")[1:])

        return Streamed(pieces)

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> Graded:
        self.calls.append(("grade", (question.id, [p.text for p in parts])))
        coverage = self.coverages.pop(0) if self.coverages else {}
        if isinstance(coverage, Exception):
            raise coverage
        points = [PointGrade(point_id=p.id, coverage=coverage.get(p.id, 0.0)) for p in question.rubric]
        grade = QuestionGrade(question_id=question.id, score=weighted_score(question, points), points=tuple(points), grader=self.name)
        return Graded(grade, CALL_USAGE)

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> Written:
        self.calls.append(("feedback", (round_name, list(results))))
        text = self.feedbacks.pop(0) if self.feedbacks else "Good work."
        if isinstance(text, Exception):
            raise text
        return Written(text, CALL_USAGE)


def install(provider: ScriptedProvider) -> None:
    """Register `provider` under its name, through the same registry the real providers use."""
    register(provider.name, lambda settings, judge: provider)


def down(message: str = "scripted outage") -> ProviderUnavailable:
    return ProviderUnavailable(message, CALL_USAGE)
