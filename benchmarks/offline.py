"""Offline engine benchmarks: `python benchmarks/offline.py` prints numbers to compare between commits."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interviewer.config import Settings
from interviewer.corpus import load_corpus
from interviewer.embeddings import model_files, shared_embedder
from interviewer.engine import Engine
from interviewer.grading import AnswerPart
from interviewer.judge import OfflineJudge
from interviewer.retrieval import Retriever
from interviewer.session import Session
from interviewer.store import Store


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def index_build(work: Path) -> float:
    corpus = load_corpus()
    started = time.perf_counter()
    Retriever(corpus, work / "index")
    return time.perf_counter() - started


def first_question(work: Path, round_name: str) -> list[float]:
    """Wall time from process start to the first question on screen, warm index."""
    env = {**os.environ, "INTERVIEWER_HOME": str(work), "PYTHONUNBUFFERED": "1"}
    times = []
    for _ in range(3):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "interviewer.cli", "--round", round_name],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert proc.stdout is not None
        seen = b""
        while b"Interviewer:" not in seen:
            chunk = proc.stdout.read1(4096)
            if not chunk:
                break
            seen += chunk
        times.append(time.perf_counter() - started)
        proc.kill()
        proc.wait()
    return times


def turn_overhead(work: Path, turns: int = 40) -> list[float]:
    corpus = load_corpus()
    settings = Settings(home=work / "turns", corpus_dir=Path("corpus"))
    engine = Engine(settings=settings, corpus=corpus, store=Store(settings.db_path), index_dir=work / "index")
    round_name = max(("ml-fundamentals", "system-design", "non-technical"), key=lambda r: len(corpus.in_round(r)))
    session = Session.start(engine, round_name, questions=10, seed=1)
    times = []
    while len(times) < turns:
        if session.finished:
            session = Session.start(engine, round_name, questions=10, seed=len(times))
        answer = session.current_question().reference_answer[: 200 + 40 * (len(times) % 10)]
        started = time.perf_counter()
        session.answer(answer)
        session.reply()
        times.append(time.perf_counter() - started)
    return times


def grading_throughput() -> float:
    corpus = load_corpus()
    grader = OfflineJudge(shared_embedder())
    pairs = [(q, AnswerPart(other.reference_answer)) for q, other in zip(corpus.questions, reversed(corpus.questions))]
    pairs = (pairs * (200 // max(1, len(pairs)) + 1))[:200]
    started = time.perf_counter()
    for question, part in pairs:
        grader.grade(question, [part])
    return len(pairs) / (time.perf_counter() - started)


def embedding_ratio(work: Path) -> tuple[float, float]:
    """Seconds for our function vs chroma's default ONNX function (pointed at the same packaged model)."""
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    model, tokenizer = model_files()
    folder = work / "chroma-model" / "onnx"
    folder.mkdir(parents=True)
    shutil.copy(model, folder / "model.onnx")
    for name in ("config.json", "special_tokens_map.json", "tokenizer_config.json", "tokenizer.json", "vocab.txt"):
        shutil.copy(tokenizer.parent / name, folder / name)
    ONNXMiniLM_L6_V2.DOWNLOAD_PATH = folder.parent
    chroma = ONNXMiniLM_L6_V2(preferred_providers=["CPUExecutionProvider"])
    corpus = load_corpus()
    texts = [s for q in corpus.questions for s in (q.question, *(p.point for p in q.rubric))][:600]
    ours = shared_embedder()
    ours.embed(texts[:8])
    chroma(texts[:8])
    started = time.perf_counter()
    ours.embed(texts)
    mine = time.perf_counter() - started
    started = time.perf_counter()
    chroma(texts)
    theirs = time.perf_counter() - started
    return mine, theirs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = load_corpus()
        print(f"corpus: {len(corpus.questions)} questions, {sum(len(q.rubric) for q in corpus.questions)} rubric points")
        print(f"index build (cold, full corpus):       {index_build(work):.2f} s")
        shutil.copytree(work / "index", work / "home" / "index")
        ttfq = first_question(work / "home", "ml-fundamentals")
        print(f"time to first question (warm index):   median {statistics.median(ttfq):.2f} s over {len(ttfq)} process starts")
        turns = turn_overhead(work)
        print(f"offline turn overhead (answer+reply):  p50 {1000 * percentile(turns, 0.5):.0f} ms, p95 {1000 * percentile(turns, 0.95):.0f} ms over {len(turns)} turns")
        print(f"grading throughput:                    {grading_throughput():.1f} answers/s")
        mine, theirs = embedding_ratio(work)
        print(f"embedding 600 texts: ours {mine:.2f} s, chroma default ONNX {theirs:.2f} s, ratio {theirs / mine:.1f}x faster")


if __name__ == "__main__":
    main()
