"""Prompt tokens per turn over a 20-turn scripted interview on an OpenAI-compatible endpoint.

Runs against the local fake endpoint from the tests, so it needs no key: `python benchmarks/llm_tokens.py`.
The numbers should stay flat after the history window fills (the budget is `prompt_token_budget`).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fake_openai import FakeOpenAI, Received, start  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.engine import Engine  # noqa: E402
from interviewer.session import Session  # noqa: E402
from interviewer.store import Store  # noqa: E402
from interviewer.tokens import count_messages  # noqa: E402


def main(turns: int = 20) -> None:
    fake = FakeOpenAI()
    base_url, stop = start(fake)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp), corpus_dir=Path("corpus"))
            settings = replace(settings, provider="openai", base_url=base_url, max_follow_ups=turns, history_turns=turns)
            engine = Engine(settings=settings, corpus=load_corpus(), store=Store(settings.db_path))
            session = Session.start(engine, "system-design", questions=8, seed=1)
            question = session.current_question()
            answered = 0
            while not session.finished and len(follow_up_requests(fake)) < turns:
                if not session.awaiting_answer:
                    session.reply()
                    continue
                # Full-length answers that grow: the worst case for an unbounded prompt. Only the first
                # half of the reference, so points stay uncovered and the interviewer keeps drilling.
                half = session.current_question().reference_answer
                answered += 1
                session.answer(" ".join([half[: len(half) // 2]] * (1 + answered // 4)))
            sizes = [count_messages([(m["role"], m["content"]) for m in r.body["messages"]]) for r in follow_up_requests(fake)]
    finally:
        stop()
    print(f"prompt token budget {settings.prompt_token_budget}; question {question.id}")
    for i, size in enumerate(sizes, 1):
        print(f"turn {i:2d}: {size:5d} prompt tokens")
    print(f"max {max(sizes)}, turn-{len(sizes)}/turn-2 ratio {sizes[-1] / sizes[1]:.2f}")


def follow_up_requests(fake: FakeOpenAI) -> list[Received]:
    return [r for r in fake.received if not r.is_grading and "Per-question results" not in r.text]


if __name__ == "__main__":
    main()
