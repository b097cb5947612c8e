"""How well the CLI's first-run estimate of the index build's time left holds: `python benchmarks/index_eta.py`.

Builds the shipped corpus's index from scratch in a temporary folder, feeding the build's progress
reports to interviewer.terminal.IndexProgress, and prints at every few batches the estimate shown
in the terminal next to the time the build then really took. LONGER_TEXTS and SAVE_SHARE in
interviewer/terminal.py were read off this table; numbers depend on the machine and its load.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from interviewer.config import load_settings
from interviewer.corpus import load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.retrieval import Retriever
from interviewer.terminal import IndexProgress


def main() -> None:
    corpus = load_corpus(load_settings().corpus_dir)
    embedder = shared_embedder()
    embedder.embed(["warm up the model, so loading it is not counted as building"])
    progress = IndexProgress()
    estimates: list[tuple[float, int, float | None]] = []

    def report(done: int, total: int, what: str) -> None:
        progress(done, total, what)
        estimates.append((time.monotonic(), done, progress.status().seconds_left))

    with tempfile.TemporaryDirectory() as folder:
        started = time.monotonic()
        Retriever(corpus, Path(folder) / "index", embedder, report)
        finished = time.monotonic()
    print(f"{len(estimates)} progress reports; the build took {finished - started:.1f} s")
    print(f"{'texts done':>10}  {'estimated s left':>16}  {'actual s left':>13}")
    for at, done, left in estimates[::3] + estimates[-1:]:
        shown = "-" if left is None else f"{left:.1f}"
        print(f"{done:>10}  {shown:>16}  {finished - at:>13.1f}")


if __name__ == "__main__":
    main()
