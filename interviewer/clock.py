"""The round clock, derived from turn timestamps: elapsed and remaining time, and each question's share.

A round lasts `round_minutes` (45 by default, as real rounds do); each question's share is the
duration divided by the number of questions. Time counts from one turn to the next, charged to
the earlier turn's question. A "let me think" pause stops the clock for the candidate until
they speak again: the issue asks for thinking time that is not held against them, and a real
interviewer waits too. Nothing here reads the wall clock; the session passes `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.turns import Turn, TurnKind

# After these the clock does not run: the candidate is thinking, or the interview is over.
_STOPS_CLOCK = (TurnKind.PAUSE, TurnKind.END, TurnKind.CLOSING)


@dataclass(frozen=True)
class TimedTurn:
    turn: Turn
    at: float  # seconds since the epoch


def timed_turns(turns: Sequence[Turn], started_at: float | None) -> list[TimedTurn]:
    """Turns with their times; the first question's is the session's start (stored with the session, on its clock)."""
    return [TimedTurn(t, float(started_at) if t.seq == 1 and started_at is not None else t.at or 0.0) for t in turns]


def question_seconds(timed: Sequence[TimedTurn], now: float) -> dict[str, float]:
    """Seconds spent on each question, in the order the questions were first asked."""
    spent: dict[str, float] = {}
    for here, after in zip(timed, [*timed[1:], None]):
        spent.setdefault(here.turn.question_id, 0.0)
        if here.turn.kind in _STOPS_CLOCK:
            continue
        end = after.at if after is not None else now
        spent[here.turn.question_id] += max(0.0, end - here.at)
    return spent


@dataclass(frozen=True)
class ClockReading:
    """Where the round stands in time, as the CLI and the page show it."""

    duration_s: float
    share_s: float  # each question's share of the round
    elapsed_s: float
    question_id: str
    question_s: float  # time used on the current question
    paused: bool = False  # the candidate asked for time to think

    @property
    def remaining_s(self) -> float:
        return self.duration_s - self.elapsed_s

    @property
    def question_over(self) -> bool:
        """The current question has used its share: the interviewer asks no more follow-ups on it."""
        return self.question_s >= self.share_s

    def line(self) -> str:
        left = f"{clock_text(self.remaining_s)} left" if self.remaining_s >= 0 else f"{clock_text(-self.remaining_s)} over time"
        pause = " (paused while you think)" if self.paused else ""
        return (f"Time: {clock_text(self.elapsed_s)} elapsed, {left} · "
                f"this question {clock_text(self.question_s)} of {clock_text(self.share_s)}{pause}")


def reading(timed: Sequence[TimedTurn], now: float, duration_s: float, questions: int, question_id: str) -> ClockReading:
    """The clock for a session whose turns are `timed`, at `now`."""
    spent = question_seconds(timed, now)
    paused = bool(timed) and timed[-1].turn.kind == TurnKind.PAUSE
    return ClockReading(
        duration_s=duration_s, share_s=duration_s / max(1, questions), elapsed_s=sum(spent.values()),
        question_id=question_id, question_s=spent.get(question_id, 0.0), paused=paused,
    )


def clock_text(seconds: float) -> str:
    """m:ss (h:mm:ss past an hour)."""
    total = int(round(max(0.0, seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
