"""The embedded offline engine: authored follow-ups with quotes, embedding-and-key-term grading."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, OfflineGrader, QuestionGrade
from interviewer.prompts import phrase, render
from interviewer.providers import FollowUpContext, FollowUpPlan, QuestionSummary
from interviewer.tokens import Usage


def follow_up_text(plan: FollowUpPlan) -> str:
    """The offline wording of a planned follow-up, quoting the candidate when a quote fits."""
    if plan.kind == "deeper" and plan.authored_index is None:
        return plan.ask
    key = "follow_up_with_quote" if plan.quote else "follow_up"
    return render(phrase("offline.yaml", key), ask=plan.ask, quote=plan.quote)


def chunks(text: str) -> Iterator[str]:
    """Word-sized pieces, so the offline engine streams like a model does."""
    yield from re.findall(r"\S+\s*", text)


class OfflineProvider:
    name = "offline"

    def __init__(self, grader: OfflineGrader) -> None:
        self._grader = grader

    def stream_follow_up(self, context: FollowUpContext) -> Iterator[str]:
        yield from chunks(follow_up_text(context.plan))

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
        return self._grader.grade(question, parts)

    def drain_usage(self) -> Usage:
        return Usage()

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> str:
        return offline_feedback(round_name, results)


def offline_feedback(round_name: str, results: Sequence[QuestionSummary]) -> str:
    """Strongest answer, the weightiest gaps and the topic to practise, from the phrase table."""
    answered = [r for r in results if r.covered or r.missed]
    if not answered:
        return phrase("offline.yaml", "feedback_empty")
    best = max(answered, key=lambda r: r.score)
    worst = min(answered, key=lambda r: r.score)
    gaps = [m for r in sorted(answered, key=lambda r: r.score) for m in r.missed][:3]
    parts = [render(phrase("offline.yaml", "feedback_best"), title=best.title, score=f"{best.score:.0f}")]
    if gaps:
        parts.append(render(phrase("offline.yaml", "feedback_gaps"), gaps=" ".join(f"({i}) {g}" for i, g in enumerate(gaps, 1))))
    parts.append(render(phrase("offline.yaml", "feedback_next"), round=round_name, tag=worst.tag))
    return " ".join(parts)
