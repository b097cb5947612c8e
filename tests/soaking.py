"""Soak: many short interviews through a local fake endpoint that fails a share of its calls at random.

Shared by tests/test_soak.py (a short run in CI) and benchmarks/soak.py (the full 200 turns).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from fake_openai import FakeOpenAI, start
from interviewer.engine import Engine
from interviewer.session import Session
from interviewer.turns import TurnKind

ANSWERS = (
    "Accuracy hides the rare class, so I report precision, recall and PR-AUC.",
    "I would undersample the negatives and then recalibrate the predicted probabilities.",
    "Class weights in the loss make mistakes on positives cost more.",
    "Let me think.",
    "I don't know.",
    "Я бы использовал precision и recall.",
    "Training loss falls while validation rises, so I would add dropout and stop early.",
)


@dataclass
class SoakResult:
    turns: int = 0
    sessions: int = 0
    crashes: list[str] = field(default_factory=list)
    lost_answers: int = 0
    ungraded_questions: int = 0
    offline_fallbacks: int = 0
    requests: int = 0


def soak(engine: Engine, turns: int, fault_rate: float = 0.3, seed: int = 0) -> SoakResult:
    """Answer until `turns` candidate turns were given; count crashes, lost answers and ungraded questions."""
    fake = FakeOpenAI(fault_rate=fault_rate, rng=random.Random(seed), timeout_delay=0.4)
    base_url, stop = start(fake)
    engine.settings = replace(engine.settings, provider="openai", base_url=base_url, timeout_s=0.3, max_retries=1, max_follow_ups=3)
    engine.__dict__.pop("provider", None)
    rng = random.Random(seed)
    result = SoakResult()
    try:
        while result.turns < turns:
            result.sessions += 1
            try:
                session = Session.start(engine, "ml-fundamentals", questions=rng.choice((1, 2)), seed=rng.randrange(1000))
                given = 0
                while not session.finished and result.turns < turns:
                    if session.awaiting_answer:
                        session.answer(rng.choice(ANSWERS))
                        given += 1
                        result.turns += 1
                    else:
                        session.reply()
                if not session.finished:
                    session.end()
            except Exception as exc:  # noqa: BLE001 - a crash is what the soak counts
                result.crashes.append(f"{type(exc).__name__}: {exc}")
                continue
            stored = engine.store.turns(session.id)
            kept = sum(1 for t in stored if t.role == "candidate" and t.kind in (TurnKind.ANSWER, TurnKind.SKIP, TurnKind.PAUSE))
            result.lost_answers += given - kept
            answered = {t.question_id for t in stored if t.kind == TurnKind.ANSWER}
            result.ungraded_questions += len(answered - set(engine.store.grades(session.id)))
            result.offline_fallbacks += any(t.kind == TurnKind.NOTICE for t in stored)
    finally:
        stop()
        result.requests = len(fake.received)
    return result
