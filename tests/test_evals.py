from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interviewer.cli import main
from interviewer.engine import Engine
from interviewer.evaluation import mohler
from interviewer.evaluation.cases import LabelledSetError, is_tuning, load_cases
from interviewer.evaluation.log import RunLog
from interviewer.evaluation.metrics import auc, bootstrap, pearson, quadratic_weighted_kappa, ranks, rmse, spearman
from interviewer.evaluation.runner import evaluate_mohler, evaluate_personas, evaluate_set, point_accuracy

DATA = Path(__file__).parent / "data"


def test_metrics_match_hand_computed_values() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert pearson(x, 2 * x + 1) == pytest.approx(1.0)
    assert pearson(x, -x) == pytest.approx(-1.0)
    assert list(ranks(np.array([10.0, 20.0, 20.0, 5.0]))) == [2.0, 3.5, 3.5, 1.0]
    assert spearman(x, x**3) == pytest.approx(1.0)
    assert rmse(np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(np.sqrt(12.5))
    assert quadratic_weighted_kappa(np.array([0, 1, 2, 3, 4, 5.0]), np.array([0, 1, 2, 3, 4, 5.0])) == pytest.approx(1.0)
    # 2x2 case by hand: observed [[1,1],[0,2]] on grades {0,1}; weights [[0,1],[1,0]]; expected [[.25,.75],[.25,.75]]
    assert quadratic_weighted_kappa(np.array([0, 0, 1, 1.0]), np.array([0, 1, 1, 1.0]), 0, 1) == pytest.approx(1 - 0.25 / 0.5)
    assert auc([3, 4], [1, 2]) == 1.0 and auc([1], [1]) == 0.5 and auc([1, 3], [2]) == 0.5


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    first = bootstrap(pearson, x, y, rounds=300)
    assert first.low < first.value < first.high
    assert first == bootstrap(pearson, x, y, rounds=300)


def test_mohler_adapter_builds_rubric_from_reference_only() -> None:
    question = mohler.rubric_question("3.4", "Why?", "It halves the range each step; and it needs sorted input, so it is O(log n).")
    assert [p.point for p in question.rubric] == ["It halves the range each step", "and it needs sorted input, so it is O(log n)"]
    assert "halves" in question.rubric[0].key_terms and "the" not in question.rubric[0].key_terms
    assert is_tuning("1.1") == is_tuning("1.1")
    ids = [f"{a}.{b}" for a in range(1, 13) for b in range(1, 8)]
    assert 0.3 < np.mean([is_tuning(i) for i in ids]) < 0.7


def test_mohler_run_grades_every_answer_and_ranks_good_above_bad(engine: Engine) -> None:
    report = evaluate_mohler(engine, DATA / "tiny_mohler.csv", rounds=50)
    s = report.metrics
    assert s["answers"] == 9 and s["questions"] == 3 and len(report.records) == 9
    assert s["all_answers"]["pearson"].value > 0.5
    assert "Pearson r" in "\n".join(report.markdown)


def test_gold_set_is_validated_against_the_rubric(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "tiny_gold.yaml").read_text().replace("calibration: 1}", "calibrated: 1}"))
    with pytest.raises(LabelledSetError, match="labels must name exactly the rubric points"):
        load_cases(bad, engine.corpus)
    broken = tmp_path / "broken.yaml"
    broken.write_text("set: interview-gold\nitems: [{question_id: 3")
    with pytest.raises(LabelledSetError, match="broken.yaml"):
        load_cases(broken, engine.corpus)


def test_gold_run_reports_point_accuracy_and_score_correlation(engine: Engine) -> None:
    report = evaluate_set(engine, DATA / "tiny_gold.yaml", rounds=50)
    s = report.metrics
    assert s["answers"] == 3 and s["points"] == 12
    assert s["point_accuracy"] >= 0.75
    assert s["per_kind"]["strong"]["predicted"] > s["per_kind"]["off-topic"]["predicted"]
    assert point_accuracy([(1.0, 0.9, "r"), (0.0, 0.6, "r"), (0.5, 0.5, "r"), (0.0, 0.1, "r")]) == 0.75


def test_adversarial_run_records_each_answer_and_compares_strong_with_wrong(engine: Engine, tmp_path: Path) -> None:
    report = evaluate_set(engine, DATA / "tiny_adversarial.yaml", rounds=20)
    kinds = {r.kind for r in report.records}
    assert kinds == {"wrong", "own-words", "stuffed"}
    wrong = next(r for r in report.records if r.kind == "wrong")
    assert wrong.contradicted == ["metrics"] and wrong.gold_score == 5
    assert report.metrics["strong_beats_wrong"]["pairs"] == 1
    folder = report.save(tmp_path / "run")
    again = RunLog.model_validate_json((folder / "results.json").read_text())
    assert again.records == report.records and "strong beats wrong" in (folder / "report.md").read_text()


def test_personas_separate_and_injection_never_helps(engine: Engine) -> None:
    report = evaluate_personas(engine, ["ml-fundamentals", "non-technical"], seeds=1)
    s = report.metrics
    assert s["mean_score"]["strong"] > s["mean_score"]["weak"] > s["mean_score"]["silent"] == 0
    assert s["injection_delta_max"] <= 0
    assert 0 <= s["drill_hit_rate"] <= 1 and s["follow_ups"] > 0


def test_eval_command_saves_json_and_markdown(cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["eval", str(DATA / "tiny_gold.yaml"), "--bootstrap", "20", "--quiet", "--out", str(out)]) == 0
    assert (out / "results.json").is_file() and (out / "report.md").is_file()
    assert "per-point accuracy" in capsys.readouterr().out
