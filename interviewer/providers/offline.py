"""The embedded offline engine: authored follow-ups with quotes, embedding-and-key-term grading."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from interviewer.corpus import Question
from interviewer.grading import AnswerPart, OfflineGrader, QuestionGrade
from interviewer.prompts import phrase, render
from interviewer.providers import FollowUpContext, FollowUpPlan


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
