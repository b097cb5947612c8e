"""Command line: interview, history, corpus check, eval."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from interviewer.corpus import ROUNDS, load_corpus


def corpus_check() -> int:
    corpus = load_corpus()
    for problem in corpus.problems:
        print(problem)
    counts = Counter(q.round for q in corpus.questions)
    for name in ROUNDS:
        print(f"{name:22} {counts.get(name, 0):3d} questions")
    print(f"{len(corpus.questions)} questions, {len(corpus.errors)} errors")
    return 1 if corpus.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="interviewer")
    sub = parser.add_subparsers(dest="command")
    corpus = sub.add_parser("corpus").add_subparsers(dest="corpus_command", required=True)
    corpus.add_parser("check")
    args = parser.parse_args(argv)
    if args.command == "corpus":
        return corpus_check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
