"""Eval runs: a set of cases, a grader, metrics, and a typed RunLog from which the report is rendered."""

from __future__ import annotations

import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.engine import Engine
from interviewer.evaluation import mohler
from interviewer.evaluation.batch import JOURNAL_NAME, Batch, GradeJob, grade_jobs
from interviewer.evaluation.cases import COVERED_LABEL, Case, is_tuning, load_cases
from interviewer.evaluation.log import CaseRecord, RunLog
from interviewer.evaluation.metrics import auc, bootstrap, pearson, spearman
from interviewer.evaluation.personas import PERSONAS, run_personas
from interviewer.corpus import Question
from interviewer.grading import COVERED, HIRING_BAR, AnswerPart, Grader, QuestionGrade
from interviewer.providers import Provider
from interviewer.tokens import Usage
from interviewer.judge import JudgeParams, OfflineJudge

Progress = Callable[[Iterable[Any]], Iterable[Any]]
PAIR_GAP = 30.0  # a strong answer should beat a wrong one on the same question by at least this


def progress_bar(label: str) -> Progress:
    """A tqdm bar on stderr, so stdout stays a clean report."""
    from tqdm import tqdm

    return lambda items: tqdm(items, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True)


def run_folder(base: Path, name: str) -> Path:
    return base / f"{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}-{name}"


def _offline_grader(engine: Engine, params: mohler.GradingParams | None = None) -> OfflineJudge:
    return OfflineJudge(engine.embedder, params=JudgeParams(legacy=params or mohler.GradingParams()))


class ProviderGrader:
    """A provider as a Grader: evals grade with the configured model, usage is counted per run (from any thread)."""

    def __init__(self, provider: Provider) -> None:
        self.name = provider.name
        self.usage = Usage()
        self._provider = provider
        self._usage_lock = threading.Lock()

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
        graded = self._provider.grade(question, parts)
        with self._usage_lock:
            self.usage += graded.usage
        return graded.grade


def grade_cases(grader: Grader, cases: Sequence[Case], progress: Progress = iter, batch: Batch = Batch(), set_name: str = "") -> list[CaseRecord]:
    """Run the grader over every case (batch.concurrency at a time): one record each, in case order."""
    jobs = [GradeJob(case.id, case.question, (AnswerPart(case.text),)) for case in cases]
    records = []
    for case, grade in zip(cases, grade_jobs(grader, jobs, batch, set_name, progress)):
        records.append(CaseRecord(
            case_id=case.id, question_id=case.question.id, round=case.question.round, kind=case.kind,
            heldout=not is_tuning(case.question.id), gold_score=case.gold_score, predicted_score=grade.score,
            gold_points=case.labels, predicted_points={p.point_id: p.coverage for p in grade.points},
            contradicted=[p.point_id for p in grade.contradicted()], notes=list(grade.notes),
        ))
    return records


# -- Mohler -------------------------------------------------------------------------------------


def evaluate_mohler(
    engine: Engine, csv_path: Path, rounds: int = 1000, progress: Progress = iter, grader: Grader | None = None, batch: Batch = Batch()
) -> RunLog:
    """Tune on the fixed half of the questions, report agreement on the other half."""
    items = mohler.load_items(csv_path)
    questions = {i.question_id: mohler.rubric_question(i.question_id, i.question, i.reference) for i in items}
    grades = np.array([i.grade for i in items])
    tune_mask = np.array([is_tuning(i.question_id) for i in items])
    summary: dict[str, Any] = {"csv": str(csv_path), "answers": len(items), "questions": len(questions),
                               "tuning_questions": len({i.question_id for i in items if is_tuning(i.question_id)})}
    if grader is None:
        features = mohler.measure(_offline_grader(engine), items, questions, progress)
        default_r = pearson(mohler.scores_from(features, mohler.GradingParams())[~tune_mask], grades[~tune_mask])
        params, tune_r = mohler.tune([f for f, t in zip(features, tune_mask) if t], grades[tune_mask])
        summary.update(default_params_heldout_pearson=default_r, tuned_params=asdict(params), tuning_pearson=tune_r)
        grader = _offline_grader(engine, params)
    jobs = [GradeJob(f"{i.question_id}#{n}", questions[i.question_id], (AnswerPart(i.answer),)) for n, i in enumerate(items)]
    raw = np.array([g.score / 20 for g in grade_jobs(grader, jobs, batch, str(csv_path.resolve()), progress)])
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
    records = [
        CaseRecord(case_id=f"{i.question_id}#{n}", question_id=i.question_id, round="mohler", kind="student", heldout=bool(h),
                   gold_score=20 * i.grade, predicted_score=20 * float(p))
        for n, (i, p, h) in enumerate(zip(items, predicted, held))
    ]
    return RunLog(name="mohler", set=str(csv_path), grader=grader.name, records=records, metrics=summary, markdown=_mohler_markdown(summary))


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


def evaluate_set(
    engine: Engine, path: Path, rounds: int = 1000, progress: Progress = iter, grader: Grader | None = None, batch: Batch = Batch()
) -> RunLog:
    """Grade a labelled set (interview-gold or adversarial) and report agreement with the gold grades."""
    cases = load_cases(path, engine.corpus)
    grader = grader or engine.judge
    records = grade_cases(grader, cases, progress, batch, str(path.resolve()))
    log = RunLog(name=path.stem if path.is_file() else path.name, set=str(path), grader=grader.name, records=records)
    log.metrics = set_metrics(records, rounds)
    log.markdown = set_markdown(log)
    return log


def point_pairs(records: Sequence[CaseRecord]) -> list[tuple[float, float, str]]:
    """(gold label, predicted coverage, round) for every labelled rubric point."""
    return [(label, r.predicted_points.get(pid, 0.0), r.round) for r in records if r.gold_points for pid, label in r.gold_points.items()]


def point_accuracy(pairs: Sequence[tuple[float, float, str]]) -> float:
    """Share of points where 'covered' agrees between gold label and grader."""
    return sum((g >= COVERED_LABEL) == (p >= COVERED) for g, p, _ in pairs) / len(pairs) if pairs else float("nan")


def set_metrics(records: Sequence[CaseRecord], rounds: int) -> dict[str, Any]:
    gold = np.array([r.gold_score for r in records])
    predicted = np.array([r.predicted_score for r in records])
    held = np.array([r.heldout for r in records])
    by_kind: dict[str, list[int]] = defaultdict(list)
    for index, r in enumerate(records):
        by_kind[r.kind].append(index)
    metrics: dict[str, Any] = {
        "answers": len(records), "questions": len({r.question_id for r in records}), "heldout_answers": int(held.sum()),
        "per_kind": {k: {"n": len(v), "gold": float(gold[v].mean()), "predicted": float(predicted[v].mean())} for k, v in by_kind.items()},
        "score_pearson": bootstrap(pearson, predicted, gold, rounds) if len(records) > 2 else None,
        "score_spearman": bootstrap(spearman, predicted, gold, rounds) if len(records) > 2 else None,
        "heldout_score_pearson": bootstrap(pearson, predicted[held], gold[held], rounds) if held.sum() > 2 else None,
        "strong_beats_wrong": strong_beats_wrong(records),
        "contradicted_answers": sum(1 for r in records if r.contradicted),
    }
    pairs = point_pairs(records)
    if pairs:
        by_round: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for pair in pairs:
            by_round[pair[2]].append(pair)
        metrics.update(
            points=len(pairs), point_accuracy=point_accuracy(pairs),
            point_mae=float(np.mean([abs(g - p) for g, p, _ in pairs])),
            heldout_point_accuracy=point_accuracy(point_pairs([r for r in records if r.heldout])),
            per_round={r: {"points": len(v), "accuracy": point_accuracy(v)} for r, v in sorted(by_round.items())},
            verdicts=verdict_calibration(records),
        )
    return metrics


def strong_beats_wrong(records: Sequence[CaseRecord]) -> dict[str, float] | None:
    """How often a strong answer outscores a wrong one on the same question by PAIR_GAP points or more."""
    strong = defaultdict(list)
    wrong = defaultdict(list)
    for r in records:
        if r.kind in ("strong", "own-words"):
            strong[r.question_id].append(r.predicted_score)
        elif r.kind == "wrong":
            wrong[r.question_id].append(r.predicted_score)
    gaps = [s - w for q in strong if q in wrong for s in strong[q] for w in wrong[q]]
    if not gaps:
        return None
    return {"pairs": len(gaps), "share": float(np.mean([g >= PAIR_GAP for g in gaps])), "mean_gap": float(np.mean(gaps))}


def set_markdown(log: RunLog) -> list[str]:
    m = log.metrics
    lines = [
        f"# Grader vs gold: {log.name}",
        "",
        f"{m['answers']} answers to {m['questions']} questions; grader `{log.grader}`; "
        f"{m['heldout_answers']} answers are to held-out questions (never used to choose parameters).",
        "",
    ]
    if m.get("score_pearson") is not None:
        lines.append(f"- score Pearson r: **{m['score_pearson']}**, Spearman: {m['score_spearman']}; held-out r: {m['heldout_score_pearson']}")
    if "point_accuracy" in m:
        lines += [
            f"- per-point accuracy (covered = coverage ≥ 0.5 vs gold label ≥ 0.5): **{m['point_accuracy']:.3f}** "
            f"(held-out {m['heldout_point_accuracy']:.3f}); per-point mean absolute error {m['point_mae']:.3f}",
        ]
    if m.get("strong_beats_wrong"):
        sbw = m["strong_beats_wrong"]
        lines.append(f"- strong beats wrong on the same question by ≥ {PAIR_GAP:.0f} points: **{sbw['share']:.0%}** of {sbw['pairs']} pairs (mean gap {sbw['mean_gap']:.1f})")
    lines.append(f"- answers with a contradicted point: {m['contradicted_answers']}")
    lines += ["", "| answer kind | n | mean gold score | mean predicted |", "|---|---|---|---|",
              *(f"| {k} | {v['n']} | {v['gold']:.1f} | {v['predicted']:.1f} |" for k, v in m["per_kind"].items())]
    if "per_round" in m:
        lines += ["", "| round | points | accuracy |", "|---|---|---|", *(f"| {r} | {v['points']} | {v['accuracy']:.3f} |" for r, v in m["per_round"].items())]
        v = m["verdicts"]
        lines += ["", f"Verdict agreement on held-out questions (gold verdict = hiring bar {HIRING_BAR} on the gold score): "
                  f"current thresholds {v['current_heldout']:.3f}; thresholds fitted on the tuning half {v['fitted']} give {v['fitted_heldout']:.3f}."]
    return lines


def verdict_calibration(results: Sequence[CaseRecord]) -> dict[str, Any]:
    """Verdict thresholds for grader scores that best reproduce the gold verdicts, fitted on the tuning half."""
    from itertools import combinations

    from interviewer.grading import VERDICT_THRESHOLDS

    current = tuple(sorted(low for low, _ in VERDICT_THRESHOLDS if low > 0))

    def level(score: float, bounds: tuple[float, ...]) -> int:
        return sum(score >= b for b in bounds)

    def agreement(rows: list[CaseRecord], bounds: tuple[float, ...]) -> float:
        return float(np.mean([level(r.predicted_score, bounds) == level(r.gold_score, HIRING_BAR) for r in rows])) if rows else float("nan")

    tune = [r for r in results if not r.heldout]
    held = [r for r in results if r.heldout]
    grid = [b for b in combinations(range(10, 95, 5), len(current)) if all(y - x >= 10 for x, y in zip(b, b[1:]))]
    fitted = max(grid, key=lambda b: (agreement(tune, b), -sum(abs(x - y) for x, y in zip(b, current))))
    return {"current": current, "current_heldout": agreement(held, current), "fitted": fitted, "fitted_heldout": agreement(held, fitted)}


# -- simulated candidates ----------------------------------------------------------------------


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def evaluate_personas(engine: Engine, rounds: Sequence[str], seeds: int, progress: Progress = iter) -> RunLog:
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
    records = [
        CaseRecord(case_id=f"{o.persona}/{o.round}/{o.seed}/{qid}", question_id=qid, round=o.round, kind=o.persona,
                   heldout=not is_tuning(qid), gold_score=float("nan"), predicted_score=score)
        for o in outcomes for qid, score in o.scores.items()
    ]
    return RunLog(name="personas", set="personas", grader=engine.judge.name, records=records, metrics=summary, markdown=lines)
