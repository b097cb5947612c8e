"""Typed turn records: what each stored turn of an interview is and carries.

A turn's kind is an enum and its payload a pydantic model per kind, stored as JSON with a
schema version; nothing reads turn metadata by string key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["interviewer", "candidate"]
PAYLOAD_VERSION = 1


class TurnKind(StrEnum):
    QUESTION = "question"
    FOLLOW_UP = "follow_up"
    ANSWER = "answer"
    SKIP = "skip"
    PAUSE = "pause"  # "let me think": the candidate keeps the floor; nothing is graded
    END = "end"  # the candidate asked to finish; stored before anything that can fail
    CLOSING = "closing"
    NOTICE = "notice"
    CLARIFICATION = "clarification"  # the candidate asks about the scenario; never graded
    CLARIFICATION_ANSWER = "clarification_answer"  # the interviewer answers it from the question's facts
    HINT_REQUEST = "hint_request"  # "I'm stuck", /hint
    HINT = "hint"  # the next authored hint, or word that none is left


class PlanKind(StrEnum):
    """Why the interviewer asks a follow-up."""

    DRILL = "drill"  # an authored follow-up into an uncovered point
    PUSH_BACK = "push_back"  # a misconception was heard: challenge it before anything else
    STEER = "steer"  # the answer stayed technical where the round is about people
    CODE = "code"  # the candidate's code failed a hidden test
    DEEPER = "deeper"  # everything probed is covered: one generic why / what-if
    PHASES = "phases"  # a design answer jumped to the model before requirements and metrics


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # The session clock's reading when the turn was stored (seconds since the epoch). The store's
    # own created_at has one-second resolution and the wall clock; this one is injectable, so tests
    # of the round clock never sleep. None on turns stored before the clock existed.
    at: float | None = None


class Empty(_Payload):
    """Questions, answers, skips and notices carry nothing beyond their text."""


class FollowUpPayload(_Payload):
    plan: PlanKind
    probes: tuple[str, ...] | None = None  # rubric points the follow-up asks about (None: any)
    depth: int = 1
    authored_index: int | None = None  # which authored follow-up of the question, if any
    quote: str = ""
    misconception: str | None = None  # the misconception a push-back challenges


class ClosingPayload(_Payload):
    feedback: str = ""


class ClarificationPayload(_Payload):
    """Which of the question's facts answered the candidate's clarifying question."""

    facts: tuple[int, ...] = ()  # indexes into Question.facts
    unanswered: tuple[str, ...] = ()  # what was asked that no fact answers ("assume what is reasonable")
    by_model: bool = False


class HintPayload(_Payload):
    index: int | None = None  # which authored hint (0 = the gentlest); None: none was left
    last: bool = False  # the question's final, strongest hint: points covered after it earn partial credit


Payload = Empty | FollowUpPayload | ClosingPayload | ClarificationPayload | HintPayload
_PAYLOAD_TYPES: dict[TurnKind, type[_Payload]] = {
    TurnKind.FOLLOW_UP: FollowUpPayload, TurnKind.CLOSING: ClosingPayload,
    TurnKind.CLARIFICATION_ANSWER: ClarificationPayload, TurnKind.HINT: HintPayload,
}


def payload_json(payload: Payload) -> str:
    """The stored form: the payload's fields plus the schema version."""
    return _dump({"v": PAYLOAD_VERSION, **payload.model_dump(mode="json")})


def parse_payload(kind: TurnKind, raw: dict[str, Any]) -> Payload:
    """A stored payload as its typed model; unknown keys from newer versions are ignored."""
    model = _PAYLOAD_TYPES.get(kind, Empty)
    return model.model_validate(raw)  # type: ignore[return-value]


def _dump(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False)


@dataclass(frozen=True)
class Turn:
    seq: int
    role: Role
    kind: TurnKind
    question_id: str
    text: str
    payload: Payload = field(default_factory=Empty)
    created_at: str = ""

    @property
    def follow_up(self) -> FollowUpPayload | None:
        return self.payload if isinstance(self.payload, FollowUpPayload) else None

    @property
    def asks(self) -> bool:
        """An interviewer message that waits for the candidate (a hint or a clarification hands the floor back)."""
        return self.role == "interviewer" and self.kind in ASKING_KINDS

    @property
    def at(self) -> float | None:
        """When the turn was stored: the session clock's reading, else the store's timestamp."""
        if self.payload.at is not None:
            return self.payload.at
        if not self.created_at:
            return None
        from datetime import datetime

        return datetime.fromisoformat(self.created_at).timestamp()


ASKING_KINDS = (TurnKind.QUESTION, TurnKind.FOLLOW_UP, TurnKind.CLARIFICATION_ANSWER, TurnKind.HINT)
# Turns that do not answer the question: the planner, the judge and the model's history skip them.
ASIDE_KINDS = (TurnKind.NOTICE, TurnKind.PAUSE, TurnKind.CLARIFICATION, TurnKind.CLARIFICATION_ANSWER, TurnKind.HINT_REQUEST, TurnKind.HINT)
