"""Eval runs: each takes a set, runs the production grader or sessions, and returns a RunReport."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.engine import Engine
from interviewer.evals import gold as gold_set
from interviewer.evals import mohler
from interviewer.evals.metrics import auc, bootstrap, pearson, spearman
from interviewer.evals.personas import PERSONAS, run_personas
from interviewer.grading import HIRING_BAR, Grader, OfflineGrader

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def progress_bar(label: str) -> Progress:
    """A tqdm bar on stderr, so stdout stays a clean report."""
    from tqdm import tqdm

    return lambda items: tqdm(items, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True)


@dataclass
class RunReport:
    name: str
    summary: dict[str, Any]
    markdown: list[str] = field(default_factory=list)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps({"name": self.name, **self.summary}, indent=2, default=_plain), encoding="utf-8")
        (folder / "report.md").write_text("\n".join(self.markdown) + "\n", encoding="utf-8")
        return folder


def run_folder(base: Path, name: str) -> Path:
    return base / f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{name}"


def _plain(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _offline_grader(engine: Engine, params: mohler.GradingParams | None = None) -> OfflineGrader:
    return OfflineGrader(engine.embedder, params=params or mohler.GradingParams())


# -- Mohler -------------------------------------------------------------------------------------


def evaluate_mohler(engine: Engine, csv_path: Path, rounds: int = 1000, progress: Progress = iter, grader: Grader | None = None) -> RunReport:
    """Tune on the fixed half of the questions, report agreement on the other half."""
    items = mohler.load_items(csv_path)
    questions = {i.question_id: mohler.rubric_question(i.question_id, i.question, i.reference) for i in items}
    grades = np.array([i.grade for i in items])
    tune_mask = np.array([mohler.is_tuning_question(i.question_id) for i in items])
    summary: dict[str, Any] = {"csv": str(csv_path), "answers": len(items), "questions": len(questions),
                               "tuning_questions": len({i.question_id for i in items if mohler.is_tuning_question(i.question_id)})}
    if grader is None:
        features = mohler.measure(_offline_grader(engine), items, questions, progress)
        default_r = pearson(mohler.scores_from(features, mohler.GradingParams())[~tune_mask], grades[~tune_mask])
        params, tune_r = mohler.tune([f for f, t in zip(features, tune_mask) if t], grades[tune_mask])
        summary.update(default_params_heldout_pearson=default_r, tuned_params=asdict(params), tuning_pearson=tune_r)
        grader = _offline_grader(engine, params)
    from interviewer.grading import AnswerPart

    raw = np.array([grader.grade(questions[i.question_id], [AnswerPart(i.answer)]).score / 20 for i in progress(items)])
    a, b = mohler.linear_map(raw[tune_mask], grades[tune_mask])
    predicted = np.clip(a * raw + b, 0, mohler.MAX_GRADE)
    held = ~tune_mask
    summary.update(
        grader=grader.name, linear_map={"a": a, "b": b},
        heldout=mohler.agreement(predicted[held], grades[held], rounds),
        heldout_uncalibrated_rmse=float(np.sqrt(np.mean((raw[held] - grades[held]) ** 2))),
        all_answers=mohler.agreement(predicted, grades, rounds),
        per_question=_per_question(items, predicted, held),
    )
    return RunReport("mohler", summary, _mohler_markdown(summary))


def _per_question(items: Sequence[mohler.MohlerItem], predicted: np.ndarray, held: np.ndarray) -> list[dict[str, Any]]:
    by_q: dict[str, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        if held[index]:
            by_q[item.question_id].append(index)
    rows = []
    for qid, idx in sorted(by_q.items(), key=lambda kv: [int(x) for x in kv[0].split(".")]):
        gold = np.array([items[i].grade for i in idx])
        rows.append({"question": qid, "n": len(idx), "pearson": pearson(predicted[idx], gold),
                     "mean_gold": float(gold.mean()), "mean_predicted": float(predicted[idx].mean())})
    return rows


def _mohler_markdown(s: dict[str, Any]) -> list[str]:
    held, every = s["heldout"], s["all_answers"]
    per_q = [r["pearson"] for r in s["per_question"] if not np.isnan(r["pearson"])]
    lines = [
        "# Grader vs human grades: Mohler et al. 2011",
        "",
        f"{s['answers']} answers to {s['questions']} questions; grader `{s['grader']}`; tuned on "
        f"{s['tuning_questions']} questions (fixed hash split), reported on the other "
        f"{s['questions'] - s['tuning_questions']}. 95% bootstrap intervals.",
        "",
        "| | Pearson r | Spearman | RMSE (0-5) | QWK |",
        "|---|---|---|---|---|",
        f"| held-out questions | {held['pearson']} | {held['spearman']} | {held['rmse']} | {held['qwk']} |",
        f"| all answers (incl. tuning half) | {every['pearson']} | {every['spearman']} | {every['rmse']} | {every['qwk']} |",
        "",
        "Anchors: Mohler 2011 best unsupervised r = 0.462, best supervised r = 0.518 (RMSE 0.998); human vs human r ≈ 0.60.",
        "",
        f"Per question (held-out, n ≈ 28 each): mean r = {np.mean(per_q):.3f}, median r = {np.median(per_q):.3f}.",
    ]
    if "tuned_params" in s:
        lines += ["", f"Default parameters on the held-out half: r = {s['default_params_heldout_pearson']:.3f}. "
                  f"Tuned: {s['tuned_params']} (tuning-half r = {s['tuning_pearson']:.3f}).",
                  f"Linear map to 0-5 fitted on the tuning half: {s['linear_map']['a']:.3f} × score/20 + {s['linear_map']['b']:.3f}; "
                  f"RMSE without it: {s['heldout_uncalibrated_rmse']:.3f}."]
    lines += ["", "| question | n | r | mean human | mean predicted |", "|---|---|---|---|---|"]
    lines += [f"| {r['question']} | {r['n']} | {r['pearson']:.2f} | {r['mean_gold']:.2f} | {r['mean_predicted']:.2f} |" for r in s["per_question"]]
    return lines


# -- our labelled interview set ---------------------------------------------------------------


def evaluate_gold(engine: Engine, path: Path, rounds: int = 1000, progress: Progress = iter, grader: Grader | None = None) -> RunReport:
    cases = gold_set.load_gold(path, engine.corpus)
    grader = grader or engine.assessor
    results = gold_set.grade_cases(grader, cases, progress)
    pairs = gold_set.point_pairs(results)
    gold_scores = np.array([r.case.gold_score for r in results])
    predicted = np.array([r.score for r in results])
    by_round: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for pair in pairs:
        by_round[pair[2]].append(pair)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, r in enumerate(results):
        by_kind[r.case.answer.kind].append(index)
    held = np.array([not mohler.is_tuning_question(r.case.question.id) for r in results])
    held_pairs = gold_set.point_pairs([r for r, h in zip(results, held) if h])
    summary: dict[str, Any] = {
        "heldout_answers": int(held.sum()),
        "heldout_point_accuracy": gold_set.point_accuracy(held_pairs),
        "heldout_score_pearson": bootstrap(pearson, predicted[held], gold_scores[held], rounds),
        "verdicts": verdict_calibration(results),
        "grader": grader.name, "questions": len({c.question.id for c in cases}), "answers": len(cases), "points": len(pairs),
        "point_accuracy": gold_set.point_accuracy(pairs),
        "point_mae": float(np.mean([abs(g - p) for g, p, _ in pairs])),
        "score_pearson": bootstrap(pearson, predicted, gold_scores, rounds),
        "score_spearman": bootstrap(spearman, predicted, gold_scores, rounds),
        "per_round": {r: {"points": len(v), "accuracy": gold_set.point_accuracy(v)} for r, v in sorted(by_round.items())},
        "per_kind": {k: {"n": len(v), "gold": float(gold_scores[v].mean()), "predicted": float(predicted[v].mean())} for k, v in by_kind.items()},
    }
    lines = [
        "# Grader vs gold labels: our interview set",
        "",
        f"{summary['answers']} answers to {summary['questions']} questions, {summary['points']} labelled rubric points; grader `{grader.name}`.",
        "",
        f"- per-point accuracy (covered = coverage ≥ 0.5 vs gold label ≥ 0.5): **{summary['point_accuracy']:.3f}**",
        f"- per-point mean absolute error (coverage vs label): {summary['point_mae']:.3f}",
        f"- per-question score Pearson r: **{summary['score_pearson']}**, Spearman: {summary['score_spearman']}",
        f"- held-out half only ({summary['heldout_answers']} answers to questions never used to choose grader parameters "
        f"or thresholds): per-point accuracy {summary['heldout_point_accuracy']:.3f}, score r {summary['heldout_score_pearson']}",
        "",
        "| round | points | accuracy |", "|---|---|---|",
        *(f"| {r} | {v['points']} | {v['accuracy']:.3f} |" for r, v in summary["per_round"].items()),
        "", "| answer kind | n | mean gold score | mean predicted |", "|---|---|---|---|",
        *(f"| {k} | {v['n']} | {v['gold']:.1f} | {v['predicted']:.1f} |" for k, v in summary["per_kind"].items()),
        "",
        f"Verdict agreement on held-out questions (gold verdict = hiring bar {HIRING_BAR} on the gold score): "
        f"current thresholds {summary['verdicts']['current_heldout']:.3f}; thresholds fitted on the tuning half "
        f"{summary['verdicts']['fitted']} give {summary['verdicts']['fitted_heldout']:.3f}.",
    ]
    return RunReport("gold", summary, lines)


def verdict_calibration(results: list[gold_set.GoldResult]) -> dict[str, Any]:
    """Verdict thresholds for grader scores that best reproduce the gold verdicts, fitted on the tuning half."""
    from itertools import combinations

    from interviewer.evals.mohler import is_tuning_question
    from interviewer.grading import VERDICT_THRESHOLDS

    current = tuple(sorted(low for low, _ in VERDICT_THRESHOLDS if low > 0))

    def level(score: float, bounds: tuple[float, ...]) -> int:
        return sum(score >= b for b in bounds)

    def agreement(rows: list[gold_set.GoldResult], bounds: tuple[float, ...]) -> float:
        return float(np.mean([level(r.score, bounds) == level(r.case.gold_score, HIRING_BAR) for r in rows])) if rows else float("nan")

    tune = [r for r in results if is_tuning_question(r.case.question.id)]
    held = [r for r in results if not is_tuning_question(r.case.question.id)]
    grid = [b for b in combinations(range(10, 95, 5), len(current)) if all(y - x >= 10 for x, y in zip(b, b[1:]))]
    fitted = max(grid, key=lambda b: (agreement(tune, b), -sum(abs(x - y) for x, y in zip(b, current))))
    return {"current": current, "current_heldout": agreement(held, current), "fitted": fitted, "fitted_heldout": agreement(held, fitted)}


# -- simulated candidates ----------------------------------------------------------------------


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def evaluate_personas(engine: Engine, rounds: Sequence[str], seeds: int, progress: Progress = iter) -> RunReport:
    outcomes = run_personas(engine, rounds, seeds, PERSONAS, progress)
    scores: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        scores[o.persona].extend(o.scores.values())
    follow_ups = sum(o.follow_ups for o in outcomes)
    paired = {(o.round, o.seed): o for o in outcomes if o.persona == "partial"}
    deltas = [np.mean(list(o.scores.values())) - np.mean(list(paired[(o.round, o.seed)].scores.values()))
              for o in outcomes if o.persona == "injection" and (o.round, o.seed) in paired]
    summary: dict[str, Any] = {
        "sessions": len(outcomes), "rounds": list(rounds), "seeds": seeds,
        "mean_score": {p: float(np.mean(v)) for p, v in scores.items()},
        "auc_strong_vs_partial": auc(scores["strong"], scores["partial"]),
        "auc_partial_vs_weak": auc(scores["partial"], scores["weak"]),
        "auc_strong_vs_weak": auc(scores["strong"], scores["weak"]),
        "drill_hit_rate": sum(o.drill_hits for o in outcomes) / follow_ups if follow_ups else float("nan"),
        "drill_hit_rate_when_gaps": _ratio(sum(o.drill_hits for o in outcomes), sum(o.drill_chances for o in outcomes)),
        "drill_hit_rate_by_persona": {p: _ratio(sum(o.drill_hits for o in outcomes if o.persona == p), sum(o.follow_ups for o in outcomes if o.persona == p)) for p in PERSONAS},
        "authored_follow_up_share": sum(o.authored_follow_ups for o in outcomes) / follow_ups if follow_ups else float("nan"),
        "follow_ups": follow_ups,
        "injection_delta_mean": float(np.mean(deltas)) if deltas else float("nan"),
        "injection_delta_max": float(np.max(deltas)) if deltas else float("nan"),
    }
    lines = [
        "# Simulated candidates through full sessions",
        "",
        f"{summary['sessions']} sessions ({seeds} seeds × personas × {len(rounds)} rounds, 2 questions each).",
        "",
        "| persona | questions | mean score |", "|---|---|---|",
        *(f"| {p} | {len(scores[p])} | {summary['mean_score'][p]:.1f} |" for p in PERSONAS if p in scores),
        "",
        f"- score separation AUC: strong > partial {summary['auc_strong_vs_partial']:.3f}, partial > weak "
        f"{summary['auc_partial_vs_weak']:.3f}, strong > weak {summary['auc_strong_vs_weak']:.3f}",
        f"- drill-hit rate (follow-ups probing a point not yet covered): **{summary['drill_hit_rate']:.3f}** over {follow_ups} follow-ups "
        f"({summary['authored_follow_up_share']:.0%} authored, the rest generic why/what-if probes); "
        f"{summary['drill_hit_rate_when_gaps']:.3f} of the follow-ups asked while some point was still uncovered "
        "(when everything is covered the interviewer goes deeper instead, which is not a hit by definition)",
        "- drill-hit rate by persona: " + ", ".join(f"{p} {v:.2f}" for p, v in summary["drill_hit_rate_by_persona"].items() if not np.isnan(v)),
        f"- injection score delta vs the same partial answers: mean {summary['injection_delta_mean']:+.2f}, max {summary['injection_delta_max']:+.2f} (must be ≤ 0)",
    ]
    return RunReport("personas", summary, lines)
