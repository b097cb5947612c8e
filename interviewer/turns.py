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


class PlanKind(StrEnum):
    """Why the interviewer asks a follow-up."""

    DRILL = "drill"  # an authored follow-up into an uncovered point
    PUSH_BACK = "push_back"  # a misconception was heard: challenge it before anything else
    STEER = "steer"  # the answer stayed technical where the round is about people
    CODE = "code"  # the candidate's code failed a hidden test
    DEEPER = "deeper"  # everything probed is covered: one generic why / what-if


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


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


Payload = Empty | FollowUpPayload | ClosingPayload
_PAYLOAD_TYPES: dict[TurnKind, type[_Payload]] = {TurnKind.FOLLOW_UP: FollowUpPayload, TurnKind.CLOSING: ClosingPayload}


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
        """An interviewer message that waits for the candidate."""
        return self.role == "interviewer" and self.kind in (TurnKind.QUESTION, TurnKind.FOLLOW_UP)
