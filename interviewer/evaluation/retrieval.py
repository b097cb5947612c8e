"""Retrieval eval: candidate-phrased topics labelled with their relevant questions, scored per search mode.

A case is a `Topic`; each mode (dense, lexical, hybrid, plus the pre-hybrid baseline) ranks the
corpus for it; the metrics are precision@1 and hit@3 over topics with relevant questions and
no-match accuracy over topics without; the run is a typed log with one record per topic.
Topics at even positions in the file are the tuning half, odd positions the held-out half.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, Field, ValidationError

from interviewer import resources
from interviewer.corpus import Corpus
from interviewer.evaluation.cases import LabelledSetError
from interviewer.evaluation.log import RunLog
from interviewer.retrieval import MIN_SIMILARITY, MODES, Hit, Retriever, matches

DEFAULT_SET = resources.eval_sets_dir() / "retrieval" / "topics.yaml"
BASELINE = "question-only"  # before hybrid retrieval: dense over title, question and tags, no threshold
COLUMNS = (BASELINE, *MODES)
SPLITS = ("held-out", "tuning", "all")
SWEEP = tuple(round(0.30 + 0.02 * i, 2) for i in range(11))

Progress = Callable[[Iterable[Any]], Iterable[Any]]


class Topic(BaseModel):
    topic: str
    relevant: list[str] = Field(default_factory=list)
    pending: bool = False  # relevant questions are being written; relabel then
    heldout: bool = False


class TopicRecord(BaseModel):
    """What each mode returned for one topic (top 3 ids after the no-match threshold) and whether it was right."""

    topic: str
    relevant: list[str]
    pending: bool
    heldout: bool
    returned: dict[str, list[str]]
    precision_at_1: dict[str, float]
    hit_at_3: dict[str, float]
    top_similarity: float  # best cosine among all questions, for calibrating the threshold


class RetrievalRunLog(RunLog):
    records: list[TopicRecord] = Field(default_factory=list)  # type: ignore[assignment]


def load_topics(path: Path, corpus: Corpus) -> list[Topic]:
    """Topics from a YAML file; every relevant id must be a corpus question."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        topics = [Topic(**entry, heldout=i % 2 == 1) for i, entry in enumerate(raw.get("topics", []))]
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as exc:
        raise LabelledSetError(f"{path}: {exc}") from exc
    unknown = sorted({qid for t in topics for qid in t.relevant if qid not in corpus.by_id})
    if unknown:
        raise LabelledSetError(f"{path}: relevant ids not in the corpus: {', '.join(unknown)}")
    return topics


def rankings(retriever: Retriever, text: str) -> dict[str, list[Hit]]:
    """Every question ranked by each mode, unthresholded."""
    everything = len(retriever.corpus.questions)
    ranked: dict[str, list[Hit]] = {m: retriever.search(text, k=everything, mode=m, threshold=False) for m in MODES}
    ranked[BASELINE] = sorted(ranked["dense"], key=lambda h: h.distance)
    return ranked


def kept(mode: str, hits: Sequence[Hit], min_similarity: float = MIN_SIMILARITY) -> list[Hit]:
    if mode == BASELINE:
        return list(hits)
    return [h for h in hits if matches(mode, h.similarity, h.coverage, min_similarity)]  # type: ignore[arg-type]


def score_topic(topic: Topic, ranked: dict[str, list[Hit]]) -> TopicRecord:
    relevant = set(topic.relevant)
    returned = {m: [h.question.id for h in kept(m, ranked[m])[:3]] for m in COLUMNS}
    if relevant:
        p1 = {m: float(bool(ids) and ids[0] in relevant) for m, ids in returned.items()}
        h3 = {m: float(any(i in relevant for i in ids)) for m, ids in returned.items()}
    else:  # right when nothing comes back
        p1 = h3 = {m: float(not ids) for m, ids in returned.items()}
    top = max((h.similarity for h in ranked["dense"]), default=0.0)
    return TopicRecord(topic=topic.topic, relevant=topic.relevant, pending=topic.pending, heldout=topic.heldout,
                       returned=returned, precision_at_1=p1, hit_at_3=h3, top_similarity=top)


def _in_split(record: TopicRecord, split: str) -> bool:
    return split == "all" or record.heldout == (split == "held-out")


def metrics(records: Sequence[TopicRecord]) -> dict[str, Any]:
    """Per split and mode: precision@1 and hit@3 over labelled topics, no-match accuracy over unmatched ones (pending left out)."""
    out: dict[str, Any] = {}
    for split in SPLITS:
        scored = [r for r in records if _in_split(r, split) and not r.pending]
        matched = [r for r in scored if r.relevant]
        unmatched = [r for r in scored if not r.relevant]
        out[split] = {
            "topics": len(matched),
            "no_match_topics": len(unmatched),
            **{m: {
                "precision_at_1": float(np.mean([r.precision_at_1[m] for r in matched])) if matched else None,
                "hit_at_3": float(np.mean([r.hit_at_3[m] for r in matched])) if matched else None,
                "no_match_accuracy": float(np.mean([r.precision_at_1[m] for r in unmatched])) if unmatched else None,
            } for m in COLUMNS},
        }
    pending = [r for r in records if r.pending]
    out["pending"] = {"topics": len(pending), "hybrid_right": sum(r.precision_at_1["hybrid"] for r in pending)}
    return out


def threshold_sweep(records: Sequence[TopicRecord], ranked: Sequence[dict[str, list[Hit]]]) -> dict[float, float]:
    """Hybrid accuracy on the tuning half (precision@1 on labelled topics, no-match on the rest) per similarity threshold."""
    accuracy: dict[float, float] = {}
    for value in SWEEP:
        right = []
        for record, hits in zip(records, ranked):
            if record.heldout or record.pending:
                continue
            top = kept("hybrid", hits["hybrid"], value)[:1]
            right.append(top[0].question.id in record.relevant if record.relevant and top else not record.relevant and not top)
        accuracy[value] = float(np.mean(right)) if right else 0.0
    return accuracy


def evaluate(retriever: Retriever, path: Path = DEFAULT_SET, progress: Progress = iter) -> RetrievalRunLog:
    """Run every topic through every mode and render the report."""
    topics = load_topics(path, retriever.corpus)
    ranked = [rankings(retriever, t.topic) for t in progress(topics)]
    records = [score_topic(t, r) for t, r in zip(topics, ranked)]
    run = RetrievalRunLog(name="retrieval", set=str(path), grader="MiniLM int8 (chroma) + BM25 (bm25s), reciprocal-rank fusion",
                          records=records, metrics=metrics(records))
    run.metrics["threshold_sweep_tuning"] = threshold_sweep(records, ranked)
    run.metrics["min_similarity"] = MIN_SIMILARITY
    run.markdown = render(run)
    return run


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def render(run: RetrievalRunLog) -> list[str]:
    m = run.metrics
    lines = ["# Retrieval eval", "", f"Set: `{run.set}`. Retriever: {run.grader}. Threshold: similarity >= {m['min_similarity']} "
             "or every topic term in the question's text.", "",
             f"Topics at even positions tuned the settings; odd positions are held out. "
             f"{m['pending']['topics']} pending topics (questions being written) are left out of the figures.", ""]
    for split in SPLITS:
        s = m[split]
        lines += [f"## {split} ({s['topics']} topics with relevant questions, {s['no_match_topics']} with none)", "",
                  "| metric | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
        for metric in ("precision_at_1", "hit_at_3", "no_match_accuracy"):
            lines.append(f"| {metric.replace('_at_', '@')} | " + " | ".join(_pct(s[c][metric]) for c in COLUMNS) + " |")
        lines.append("")
    lines += ["## Threshold sweep (hybrid, tuning half: precision@1 and no-match together)", "",
              "| min similarity | accuracy |", "|---:|---:|"]
    lines += [f"| {k:.2f} | {_pct(v)} |" for k, v in m["threshold_sweep_tuning"].items()]
    misses = [r for r in run.records if r.heldout and not r.pending and r.precision_at_1["hybrid"] < 1]
    lines += ["", "## Held-out topics hybrid got wrong at rank 1", ""]
    lines += [f"- {r.topic}: got {r.returned['hybrid'][:1] or 'no match'}, wanted {r.relevant or 'no match'}" for r in misses] or ["- none"]
    return lines
