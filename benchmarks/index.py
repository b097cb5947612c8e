"""Index benchmarks: `python benchmarks/index.py [--runs N]` prints cold-build and one-question-edit
re-index times (process CPU and wall, median of N runs) for the real corpus, chroma already imported."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from interviewer.corpus import default_corpus_dir, load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.retrieval import Retriever

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import Timing, median, timed  # noqa: E402


def edit_one_question(corpus_dir: Path, run: int) -> None:
    """Reword the title of the first question in the first file."""
    path = sorted(corpus_dir.glob("*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("title:"))
    text = lines[at].rstrip("\n")
    quote = text[-1] if text[-1] in "\"'" else ""
    lines[at] = f"{text[: len(text) - len(quote)]} (edit {run}){quote}\n"
    path.write_text("".join(lines), encoding="utf-8")


def report(label: str, samples: list[Timing]) -> None:
    middle = median(samples)
    print(f"{label:34} CPU {middle.cpu:7.2f} s   wall {middle.wall:7.2f} s   (median of {len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement")
    args = parser.parse_args()
    import chromadb  # noqa: F401  imported once up front, as a running app has it

    shared_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus_dir = work / "corpus"
        shutil.copytree(default_corpus_dir(), corpus_dir)
        corpus = load_corpus(corpus_dir)  # outside the timings: validating the corpus is not indexing
        cold = []
        for run in range(args.runs):
            cold.append(timed(lambda: Retriever(corpus, work / f"cold-{run}")))
        report(f"cold build ({len(corpus.questions)} questions)", cold)
        index = work / "cold-0"
        report("reopen, nothing changed", [timed(lambda: Retriever(corpus, index)) for _ in range(args.runs)])
        edits = []
        for run in range(args.runs):
            edit_one_question(corpus_dir, run)
            corpus = load_corpus(corpus_dir)
            retriever: list[Retriever] = []
            edits.append(timed(lambda: retriever.append(Retriever(corpus, index))))
            assert len(retriever[0].sync.reindexed) == 1, retriever[0].sync
        report("re-index after a one-question edit", edits)


if __name__ == "__main__":
    main()
