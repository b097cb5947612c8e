"""Coding questions are graded by running code: references pass, known-buggy answers are caught."""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from interviewer.coding import (
    CodeReport,
    check_reference_solutions,
    extract_code,
    failure_follow_up,
    load_hidden_tests,
    run_examples,
    run_hidden,
)
from interviewer.corpus import Corpus, Question, default_corpus_dir, load_corpus

CODING_FILES = ("ml-coding.yaml", "phone-screen.yaml")  # the files with code specs


def load_coding_corpus() -> Corpus:
    """Only the files that hold coding questions: loading (and checking) the whole corpus is slow."""
    source = default_corpus_dir()
    folder = Path(tempfile.mkdtemp(prefix="coding-corpus-"))
    for name in CODING_FILES:
        (folder / name).symlink_to(source / name)
    try:
        return load_corpus(folder)
    finally:
        shutil.rmtree(folder)


CORPUS = load_coding_corpus()
CODING = [q for q in CORPUS.questions if q.code is not None]


def test_every_ml_coding_question_and_the_heap_screen_question_run_code() -> None:
    ids = {q.id for q in CODING}
    assert {q.id for q in CORPUS.in_round("ml-coding")} <= ids
    assert "phone.heap-top-k" in ids


@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_reference_passes_every_hidden_test_and_example(question: Question) -> None:
    tests = load_hidden_tests(question)
    hidden = run_hidden(question, tests.reference)
    assert hidden.first_failure is None, hidden.as_table()
    assert hidden.score == 1.0 and len(hidden.cases) == len(tests.test_names)
    examples = run_examples(question, tests.reference)
    assert examples.status == "passed", examples.as_table()


@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_each_question_has_at_least_two_buggy_versions(question: Question) -> None:
    assert len(load_hidden_tests(question).buggy) >= 2


@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_every_buggy_version_fails_a_hidden_test(question: Question) -> None:
    buggy = load_hidden_tests(question).buggy
    with ThreadPoolExecutor(max_workers=4) as pool:  # each run is its own process
        reports = dict(zip(buggy, pool.map(lambda code: run_hidden(question, code, stop_at_first_failure=True), buggy.values())))
    assert [name for name, report in reports.items() if report.first_failure is None] == []


def hidden_report(question_id: str, buggy: str) -> CodeReport:
    question = CORPUS.by_id[question_id]
    return run_hidden(question, load_hidden_tests(question).buggy[buggy])


def test_non_uniform_reservoir_fails_the_chi_squared_test() -> None:
    report = hidden_report("coding.reservoir-sampling", "randint-off-by-one")
    failed = {c.name for c in report.cases if not c.passed}
    assert "items_uniform_chi_squared" in failed
    assert report.score < 1.0


def test_knn_sorting_on_the_wrong_axis_is_caught() -> None:
    report = hidden_report("coding.knn-implementation", "wrong-axis")
    assert report.first_failure is not None and report.score <= 0.5


def test_flipped_gradient_sign_is_caught() -> None:
    report = hidden_report("coding.linear-regression-implementation", "flipped-gradient-sign")
    assert report.score == 0.0


def test_edit_distance_without_base_cases_is_caught_and_followed_up() -> None:
    report = hidden_report("coding.string-problems", "no-base-cases")
    case = report.first_failure
    assert case is not None and case.shown == "edit_distance('', 'abc')" and case.actual == "0"
    assert failure_follow_up(report) == (
        "For edit_distance('', 'abc'), your code gives 0, but I expected 3. Walk me through that case."
    )


def test_quadratic_kadane_fails_only_the_complexity_probe() -> None:
    report = hidden_report("coding.array-problems", "quadratic-prefix-sums")
    assert [c.name for c in report.cases if not c.passed] == ["linear_time"]
    assert "O(n^2" in report.cases[-1].actual
    assert "complexity" in failure_follow_up(report)


def test_report_table_and_score_count_every_test() -> None:
    report = hidden_report("coding.probability-problems", "modulo-without-rejection")
    rows = report.as_table()
    assert len(rows) == len(report.cases) and all(len(row) == 4 for row in rows)
    assert 0.0 < report.score < 1.0
    assert any(row[3] != "pass" for row in rows)


def test_code_that_does_not_load_scores_zero() -> None:
    question = CORPUS.by_id["coding.string-problems"]
    report = run_hidden(question, "def edit_distance(a, b)\n    return 0\n")
    assert report.status == "error" and report.score == 0.0
    assert failure_follow_up(report).startswith("Your code does not run as written")


def test_missing_function_is_reported_when_no_single_function_can_stand_for_it() -> None:
    question = CORPUS.by_id["coding.graph-problems"]
    report = run_examples(question, "def helper(x):\n    return x\n\ndef toposort(deps):\n    return []\n")
    assert report.status == "error" and "topo_order" in report.message
    renamed = run_examples(question, "def toposort(deps):\n    return []\n")  # the one function is the one asked for
    assert renamed.status != "error" and renamed.cases


def test_extract_code_prefers_fenced_blocks() -> None:
    answer = "I use Kadane.\n\n```python\ndef f(xs):\n    return max(xs)\n```\nIt is linear."
    assert extract_code(answer) == "def f(xs):\n    return max(xs)\n"


def test_extract_code_accepts_bare_python_and_rejects_prose() -> None:
    assert extract_code("def f(x):\n    return x\n") == "def f(x):\n    return x\n"
    assert extract_code("Here is my code:\ndef f(x):\n    return x\n") == "def f(x):\n    return x\n"
    assert extract_code("I would use a heap of size k and replace the root.") is None


def test_corpus_check_reports_a_buggy_version_that_passes(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "double.py").write_text(
        textwrap.dedent(
            """
            REFERENCE = '''
            def double(x):
                return 2 * x
            '''
            BUGGY = {"plus-one": "def double(x):\\n    return x + 1\\n", "wrong": "def double(x):\\n    return x\\n"}

            def test_one(f):
                check("double(1)", f(1), 2)
            """
        )
    )
    question = CORPUS.by_id["coding.array-problems"].model_dump(exclude={"round", "code"})
    question["code"] = {"signature": "def double(x) -> int", "examples": [{"call": "double(2)", "expected": "4"}], "tests": "code/double.py"}
    corpus = Corpus(questions=(Question.model_validate({**question, "round": "ml-coding"}),))
    problems = check_reference_solutions(corpus, tmp_path)
    assert any("buggy version 'plus-one' passes every hidden test" in p for p in problems)
    assert not any("'wrong'" in p or "reference fails" in p for p in problems)
    assert any("REFERENCE in double.py differs from the code in the reference answer" in p for p in problems)
