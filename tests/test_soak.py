from __future__ import annotations

from interviewer.engine import Engine

from soaking import soak


def test_sixty_turns_with_thirty_percent_faults_lose_nothing_and_never_crash(engine: Engine) -> None:
    result = soak(engine, turns=60, fault_rate=0.3, seed=1)
    assert result.crashes == []
    assert result.lost_answers == 0 and result.ungraded_questions == 0
    assert result.turns == 60 and result.requests > 30  # the endpoint really was exercised
