"""Prompt tokens per follow-up over a 20-turn interview on an OpenAI-compatible endpoint.

Runs against the local fake endpoint from the tests, so it needs no key: `python benchmarks/llm_tokens.py`.
The candidate answers with the gold set's own answers (partial, then strong, then weak, per
question), so every turn carries a full-length answer. The goal: at most 2,500 tokens at any
turn and turn-20/turn-2 at most 1.2 (the window is fixed, so prompts stay flat).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_openai import FakeOpenAI, Received, start  # noqa: E402
from labelled import answers_by_question, session_over  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.engine import Engine  # noqa: E402
from interviewer.store import Store  # noqa: E402
from interviewer.tokens import count_messages  # noqa: E402


def prompt_sizes(turns: int, round_name: str) -> tuple[list[int], list[str]]:
    fake = FakeOpenAI()
    base_url, stop = start(fake)
    corpus = load_corpus()
    answers = answers_by_question(corpus)
    questions = [corpus.by_id[qid] for qid in sorted(answers) if corpus.by_id[qid].round == round_name]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp), corpus_dir=Path("corpus"))
            settings = replace(settings, provider="openai", base_url=base_url, max_follow_ups=turns, history_turns=turns)
            engine = Engine(settings=settings, corpus=corpus, store=Store(settings.db_path))
            session = session_over(engine, questions)
            given: dict[str, int] = {}
            asked: list[str] = []
            while not session.finished and len(follow_up_requests(fake)) < turns:
                if not session.awaiting_answer:
                    session.reply()
                    continue
                question = session.current_question()
                own = answers[question.id]
                n = given.get(question.id, 0)
                given[question.id] = n + 1
                session.answer(own[n % len(own)])
                asked.append(question.id)
            sizes = [count_messages([(m["role"], m["content"]) for m in r.body["messages"]]) for r in follow_up_requests(fake)]
    finally:
        stop()
    return sizes, asked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--round", default="system-design")
    args = parser.parse_args()
    sizes, asked = prompt_sizes(args.turns, args.round)
    print(f"{args.round}: {len(dict.fromkeys(asked))} questions, {len(asked)} answers from the gold set")
    for i, size in enumerate(sizes, 1):
        print(f"turn {i:2d}: {size:5d} prompt tokens")
    print(f"max {max(sizes)} (goal <= 2500), turn-{len(sizes)}/turn-2 ratio {sizes[-1] / sizes[1]:.2f} (goal <= 1.2)")


def follow_up_requests(fake: FakeOpenAI) -> list[Received]:
    return [r for r in fake.received if not r.is_grading and "Per-question results" not in r.text]


if __name__ == "__main__":
    main()
