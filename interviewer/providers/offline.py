"""The embedded offline engine: planned follow-ups worded from the phrase table, claim-based grading."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from interviewer.config import Settings
from interviewer.corpus import Question
from interviewer.grading import AnswerPart, verdict_for
from interviewer.judge import OfflineJudge
from interviewer.planner import FollowUpPlan
from interviewer.prompts import phrase, render, words
from interviewer.providers import FollowUpContext, Graded, QuestionSummary, Streamed, Written
from interviewer.turns import PlanKind


def follow_up_text(plan: FollowUpPlan, rotation: int = 0) -> str:
    """The offline wording of a planned follow-up, quoting the candidate when a quote fits."""
    if plan.kind == PlanKind.DEEPER:
        if plan.quote:
            return render(phrase("offline.yaml", "deeper", rotation), quote=plan.quote)
        return phrase("offline.yaml", "deeper_no_quote", rotation)
    if plan.kind == PlanKind.PUSH_BACK and plan.quote:
        return render(phrase("offline.yaml", "push_back_with_quote"), ask=plan.ask, quote=plan.quote)
    key = "follow_up_with_quote" if plan.quote and plan.kind == PlanKind.DRILL else "follow_up"
    return render(phrase("offline.yaml", key), ask=plan.ask, quote=plan.quote)


class OfflineProvider:
    name = "offline"

    def __init__(self, settings: Settings, judge: OfflineJudge) -> None:
        self._judge = judge

    def stream_follow_up(self, context: FollowUpContext) -> Streamed:
        text = follow_up_text(context.plan, len(context.history))

        def pieces(_: Streamed) -> Iterator[str]:
            yield from words(text)

        return Streamed(pieces)

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> Graded:
        return Graded(self._judge.grade(question, parts))

    def feedback(self, round_name: str, results: Sequence[QuestionSummary]) -> Written:
        return Written(offline_feedback(round_name, results))


def offline_feedback(round_name: str, results: Sequence[QuestionSummary]) -> str:
    """Strongest answer, what was stated wrongly, the weightiest gaps and the topic to practise."""
    answered = [r for r in results if r.covered or r.missed or r.contradicted]
    if not answered:
        return phrase("offline.yaml", "feedback_empty")
    best = max(answered, key=lambda r: r.score)
    worst = min(answered, key=lambda r: r.score)
    # Calling a 3/100 answer the "strongest" would be praise no interviewer would give.
    best_phrase = "feedback_closest" if verdict_for(best.score) == "Strong No Hire" else "feedback_best"
    parts = [render(phrase("offline.yaml", best_phrase), title=best.title, score=f"{best.score:.0f}")]
    wrong = [c for r in answered for c in r.contradicted][:2]
    if wrong:
        parts.append(render(phrase("offline.yaml", "feedback_wrong"), wrong=" ".join(f"({i}) {w}" for i, w in enumerate(wrong, 1))))
    gaps = [m for r in sorted(answered, key=lambda r: r.score) for m in r.missed][:3]
    if gaps:
        parts.append(render(phrase("offline.yaml", "feedback_gaps"), gaps=" ".join(f"({i}) {g}" for i, g in enumerate(gaps, 1))))
    parts.append(render(phrase("offline.yaml", "feedback_next"), tag=worst.tag))
    return " ".join(parts)
