"""Soak: 200 candidate turns through a local fake endpoint failing 30% of calls. Prints what broke (nothing, we hope).

    .venv/bin/python benchmarks/soak.py [--turns 200] [--fault-rate 0.3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import TINY_CORPUS  # noqa: E402
from soaking import SoakResult, soak  # noqa: E402
from timing import timed  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.engine import Engine  # noqa: E402
from interviewer.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), corpus_dir=TINY_CORPUS)
        engine = Engine(settings=settings, corpus=load_corpus(TINY_CORPUS), store=Store(settings.db_path))
        results: list[SoakResult] = []
        spent = timed(lambda: results.append(soak(engine, args.turns, args.fault_rate)))
        result = results[0]
    print(f"turns {result.turns} in {result.sessions} sessions, {result.requests} requests to the fake endpoint ({args.fault_rate:.0%} faulty)")
    print(f"crashes {len(result.crashes)}, lost answers {result.lost_answers}, ungraded questions {result.ungraded_questions}, "
          f"sessions that fell back offline {result.offline_fallbacks}")
    print(f"wall {spent.wall:.1f} s, cpu {spent.cpu:.1f} s")
    for crash in result.crashes[:5]:
        print("  crash:", crash)


if __name__ == "__main__":
    main()
