"""Tune the clarifying-question fact threshold: `python benchmarks/clarify_threshold.py`.

Grid-searches the threshold and the lexical bonus on the tuning half of
evals/sets/clarifications.yaml, then reports the best pair and the shipped constants on the
held-out half. Change the constants in interviewer/clarify.py only when held-out agrees.
"""

from __future__ import annotations

from interviewer.clarify import LEXICAL_BONUS, MATCH_THRESHOLD, FactFinder, FactMatch, best_fact
from interviewer.corpus import load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.evaluation.clarifications import accuracy, correct, load_cases

BONUSES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
THRESHOLDS = [t / 100 for t in range(20, 71)]


def main() -> None:
    corpus = load_corpus()
    cases = load_cases()
    finder = FactFinder(shared_embedder())
    # Similarities once per case; the grid then only re-thresholds them.
    scored = [(c, finder.evidence(corpus.by_id[c.question_id], c.ask)) for c in cases]

    def hit_rate(split: str, threshold: float, bonus: float) -> float:
        rows = [(c, [s + (bonus if named else 0.0) for s, named in evidence]) for c, evidence in scored if c.split == split]
        return sum(correct(c, _index(best_fact(s, threshold))) for c, s in rows) / len(rows)

    print(f"cases: {sum(c.split == 'tune' for c in cases)} tuning, {sum(c.split == 'test' for c in cases)} held out")
    best = (0.0, 0.0, 0.0)
    for bonus in BONUSES:
        top = max((hit_rate("tune", t, bonus), -t) for t in THRESHOLDS)
        print(f"lexical bonus {bonus:.2f}: tuning accuracy {top[0]:.3f} at threshold {-top[1]:.2f}, held out {hit_rate('test', -top[1], bonus):.3f}")
        best = max(best, (top[0], -top[1], bonus))
    print(f"best on tuning: threshold {best[1]:.2f}, bonus {best[2]:.2f}")
    tune = [c for c in cases if c.split == "tune"]
    test = [c for c in cases if c.split == "test"]
    print(f"shipped threshold {MATCH_THRESHOLD:.2f}, bonus {LEXICAL_BONUS:.2f}: tuning {accuracy(finder, corpus, tune):.3f}, "
          f"held out {accuracy(finder, corpus, test):.3f}")


def _index(match: FactMatch | None) -> int | None:
    return match.index if match else None


if __name__ == "__main__":
    main()
