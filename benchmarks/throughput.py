"""Eval grading throughput with N requests in flight, against the local fake endpoint (50 ms per request, rate-limited).

    .venv/bin/python benchmarks/throughput.py [--cases 200] [--runs 3] [--latency 0.05] [--rate 100] [--burst 16] [--concurrency 1 4 16]

Each run grades the same cases through the real OpenAI provider and `grade_jobs`; the table shows
the median over runs of wall and CPU time, cases graded per second, and the 429s the fake sent.
Throughput should rise with N until the fake's rate limit caps it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import TINY_CORPUS  # noqa: E402
from fake_openai import FakeOpenAI, start  # noqa: E402
from timing import Timing, median, timed  # noqa: E402

from interviewer.config import Settings  # noqa: E402
from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.engine import Engine  # noqa: E402
from interviewer.evaluation.batch import Batch, GradeJob, grade_jobs  # noqa: E402
from interviewer.evaluation.runner import ProviderGrader  # noqa: E402
from interviewer.grading import AnswerPart  # noqa: E402
from interviewer.store import Store  # noqa: E402

ANSWERS = (
    "I would report precision and recall, downsample the negatives and put class weights in the loss.",
    "Accuracy is misleading here; the PR curve and calibrated probabilities matter more.",
    "First I would ask what the deadline protects, then agree priorities with both teams and tell my manager early.",
)


@dataclass(frozen=True)
class Run:
    spent: Timing
    rate_limited: int


def jobs(engine: Engine, count: int) -> list[GradeJob]:
    questions = list(engine.corpus.questions)
    return [GradeJob(f"case-{n}", questions[n % len(questions)], (AnswerPart(f"{ANSWERS[n % len(ANSWERS)]} ({n})"),)) for n in range(count)]


def one_run(engine: Engine, args: argparse.Namespace, concurrency: int) -> Run:
    fake = FakeOpenAI(latency=args.latency, rate_limit=args.rate, burst=args.burst)
    base_url, stop = start(fake)
    try:
        engine.settings = replace(engine.settings, provider="openai", base_url=base_url, max_retries=3, timeout_s=30.0)
        engine.__dict__.pop("provider", None)  # a fresh client for the fresh endpoint
        grader = ProviderGrader(engine.provider)
        work = jobs(engine, args.cases)
        grades: list[object] = []
        spent = timed(lambda: grades.extend(grade_jobs(grader, work, Batch(concurrency=concurrency), "benchmark")))
    finally:
        stop()
    assert len(grades) == args.cases
    return Run(spent, fake.rate_limited)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request at the fake endpoint")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second the fake admits before answering 429")
    parser.add_argument("--burst", type=int, default=16, help="requests the fake admits back to back (its bucket size)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), corpus_dir=TINY_CORPUS)
        engine = Engine(settings=settings, corpus=load_corpus(TINY_CORPUS), store=Store(settings.db_path), index_dir=Path(home) / "index")
        engine.judge  # build the index and load the model before timing  # noqa: B018
        one_run(engine, replace_cases(args, 8), 4)  # warm-up: imports, prompt templates, tokenizer
        rows = [(n, [one_run(engine, args, n) for _ in range(args.runs)]) for n in args.concurrency]
    print(f"{args.cases} cases per run, median of {args.runs} runs; fake endpoint: {args.latency * 1000:.0f} ms per request, "
          f"rate limit {args.rate:g}/s (burst {args.burst}); ceiling = min(N / latency, rate limit)")
    print(f"{'N':>4} {'wall s':>8} {'cases/s':>9} {'ceiling/s':>10} {'cpu s':>7} {'cpu ms/case':>12} {'429s':>6} {'speed-up':>9}")
    base = median([r.spent for r in rows[0][1]]).wall
    for n, runs in rows:
        middle = median([r.spent for r in runs])
        wall, cpu = middle.wall, middle.cpu
        ceiling = min(n / args.latency, args.rate)
        print(f"{n:>4} {wall:>8.2f} {args.cases / wall:>9.1f} {ceiling:>10.0f} {cpu:>7.2f} {1000 * cpu / args.cases:>12.1f} "
              f"{statistics.median(r.rate_limited for r in runs):>6.0f} {base / wall:>8.1f}x")


def replace_cases(args: argparse.Namespace, cases: int) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "cases": cases})


if __name__ == "__main__":
    main()
