"""Offline engine benchmarks on the gold set's own answers: `python benchmarks/offline.py [--runs N]`.

Every figure is process CPU beside wall time, the median of N runs, so it means the same on a
busy machine. The floor is one encoder pass over the sentences that are new in a turn (or in an
answer, for batch grading): the model is the part nothing else can remove. Goals (issue #18):
first question <= 0.5 s CPU from process start; turn CPU <= 1.3x the floor; batch grading
CPU per answer <= 1.1x the floor. Index build and re-index figures: benchmarks/index.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from labelled import answers_by_question, gold_cases, session_over  # noqa: E402
from timing import Timing, median, timed  # noqa: E402

from interviewer.claims import split_sentences  # noqa: E402
from interviewer.config import Settings  # noqa: E402
from interviewer.corpus import Corpus, load_corpus  # noqa: E402
from interviewer.embeddings import shared_embedder  # noqa: E402
from interviewer.engine import Engine  # noqa: E402
from interviewer.grading import AnswerPart, scorable_text  # noqa: E402
from interviewer.store import Store  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU of a running process, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def first_question(home: Path, runs: int) -> Timing:
    """From process start to the first question on screen (warm index and corpus cache, as on a second run)."""
    env = {**os.environ, "INTERVIEWER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    samples = []
    for _ in range(runs + 1):  # the first run fills the corpus cache and the index
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "interviewer.cli", "--round", "ml-fundamentals"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert proc.stdout is not None
        seen = b""
        while b"Interviewer:" not in seen:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
        samples.append(Timing(process_cpu(proc.pid), time.perf_counter() - started))
        proc.kill()
        proc.wait()
    return median(samples[1:])


def engine_for(home: Path, corpus: Corpus) -> Engine:
    settings = Settings(home=home, corpus_dir=Path("corpus"))
    return Engine(settings=settings, corpus=corpus, store=Store(settings.db_path), index_dir=home.parent / "index")


def turns(work: Path, corpus: Corpus, run: int) -> tuple[list[Timing], list[Timing]]:
    """Each answer + reply of an interview over the gold set's questions, and the floor of each turn."""
    answers = answers_by_question(corpus)
    engine = engine_for(work / f"turns-{run}", corpus)
    engine.judge  # the model and the index are loaded before the first turn, as after the warm-up
    embedder = shared_embedder()
    questions = [corpus.by_id[qid] for qid in sorted(answers)]
    session = session_over(engine, questions)
    seen: set[str] = set()
    spent, floor = [], []
    given: dict[str, int] = {}
    while not session.finished:
        if not session.awaiting_answer:
            session.reply()
            continue
        question = session.current_question()
        n = given.get(question.id, 0)
        given[question.id] = n + 1
        own = answers[question.id]
        text = own[n % len(own)]
        new = [s for s in split_sentences(scorable_text(text)[0]) if s not in seen]
        seen.update(new)

        def turn() -> None:
            session.answer(text)
            session.reply()

        spent.append(timed(turn))
        floor.append(timed(lambda: embedder.embed(new)) if new else Timing(0.0, 0.0))
    return spent, floor


def batch(work: Path, corpus: Corpus, run: int) -> tuple[Timing, Timing, int]:
    """Grade every gold answer once with a fresh judge; the floor embeds each distinct sentence once."""
    cases = gold_cases(corpus)
    engine = engine_for(work / f"batch-{run}", corpus)
    judge = engine.judge
    for question in dict.fromkeys(c.question for c in cases):
        judge.grade(question, [])  # rubric vectors come from the index, read before timing
    embedder = shared_embedder()
    graded = timed(lambda: [judge.grade(c.question, [AnswerPart(c.text)]) for c in cases])
    seen: set[str] = set()
    sentences = []
    for case in cases:  # partial answers share sentences with strong ones: the floor embeds each once too
        new = [s for s in dict.fromkeys(split_sentences(scorable_text(case.text)[0])) if s not in seen]
        seen.update(new)
        sentences.append(new)
    floor = timed(lambda: [embedder.embed(s) for s in sentences if s])
    return graded, floor, len(cases)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    corpus = load_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print(f"corpus: {len(corpus.questions)} questions; answers: the gold set ({len(gold_cases(corpus))}); median of {args.runs} runs")
        ttfq = first_question(work / "home", args.runs)
        print(f"first question, process start to screen:  CPU {ttfq.cpu:5.2f} s   wall {ttfq.wall:5.2f} s   (goal: CPU <= 0.5 s)")
        shared_embedder().embed(["warm the model up"])
        per_run = [turns(work, corpus, run) for run in range(args.runs)]
        ratios = [statistics.median(s.cpu / f.cpu for s, f in zip(spent, floor) if f.cpu > 0) for spent, floor in per_run]
        turn_cpu = statistics.median(statistics.median(s.cpu for s in spent) for spent, _ in per_run)
        turn_wall = statistics.median(statistics.median(s.wall for s in spent) for spent, _ in per_run)
        p95 = statistics.median(sorted(s.cpu for s in spent)[int(0.95 * (len(spent) - 1))] for spent, _ in per_run)
        print(f"offline turn (answer + reply), {len(per_run[0][0])} turns: CPU p50 {1000 * turn_cpu:.0f} ms, p95 {1000 * p95:.0f} ms, "
              f"wall p50 {1000 * turn_wall:.0f} ms; turn CPU / floor {statistics.median(ratios):.2f} (goal <= 1.3)")
        batches = [batch(work, corpus, run) for run in range(args.runs)]
        n = batches[0][2]
        graded = median([b[0] for b in batches])
        floor = median([b[1] for b in batches])
        ratio = statistics.median(b[0].cpu / b[1].cpu for b in batches)
        print(f"batch grading, {n} answers: CPU {1000 * graded.cpu / n:.0f} ms/answer, wall {1000 * graded.wall / n:.0f} ms/answer "
              f"({n / graded.wall:.1f} answers/s); floor {1000 * floor.cpu / n:.0f} ms/answer; CPU / floor {ratio:.2f} (goal <= 1.1)")


if __name__ == "__main__":
    main()
