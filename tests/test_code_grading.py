"""Code answers are run, not read: buggy code scores low however it is explained, correct code scores high."""

from __future__ import annotations

import pytest

from interviewer.coding import assumed_imports, load_hidden_tests, run_hidden
from interviewer.corpus import Question, load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.grading import AnswerPart
from interviewer.judge import OfflineJudge
from interviewer.planner import QuestionState, next_follow_up
from interviewer.turns import PlanKind, Turn, TurnKind

CORPUS = load_corpus()
# The four buggy answers that scored as correct when code was graded as prose.
BUGGY = {
    "coding.reservoir-sampling": "one-over-i",
    "coding.knn-implementation": "wrong-axis",
    "coding.linear-regression-implementation": "flipped-gradient-sign",
    "coding.string-problems": "no-base-cases",
}


@pytest.fixture(scope="module")
def judge() -> OfflineJudge:
    return OfflineJudge(shared_embedder())


def answer(question: Question, code: str) -> str:
    """The reference answer's explanation (confident and fluent) around the given code."""
    parts = question.reference_answer.split("```")
    prose = " ".join(parts[0::2])  # the text outside the reference's own code blocks
    return f"{prose.strip()}\n\n```python\n{code.strip()}\n```\n"


@pytest.mark.parametrize("question_id", sorted(BUGGY))
def test_buggy_code_scores_30_or_less_and_correct_code_80_or_more(judge: OfflineJudge, question_id: str) -> None:
    question = CORPUS.by_id[question_id]
    tests = load_hidden_tests(question)
    wrong = judge.grade(question, [AnswerPart(answer(question, tests.buggy[BUGGY[question_id]]))])
    right = judge.grade(question, [AnswerPart(answer(question, tests.reference))])
    assert wrong.score <= 30, wrong.notes
    assert right.score >= 80, (right.score, right.notes)
    assert any(not row.passed for row in wrong.code_tests) and all(row.passed for row in right.code_tests)
    assert wrong.code_follow_up and ("Walk me through" in wrong.code_follow_up or "how would you fix it" in wrong.code_follow_up)


def test_the_follow_up_targets_the_first_failing_test(judge: OfflineJudge) -> None:
    question = CORPUS.by_id["coding.string-problems"]
    tests = load_hidden_tests(question)
    grade = judge.grade(question, [AnswerPart(answer(question, tests.buggy["no-base-cases"]))])
    turns = (Turn(1, "interviewer", TurnKind.QUESTION, question.id, question.question),
             Turn(2, "candidate", TurnKind.ANSWER, question.id, "code"))
    plan = next_follow_up(QuestionState(question, turns), grade, "steer")
    assert plan is not None and plan.kind == PlanKind.CODE and plan.ask == grade.code_follow_up


def test_an_answer_without_code_cannot_pass_a_coding_question(judge: OfflineJudge) -> None:
    question = CORPUS.by_id["coding.reservoir-sampling"]
    grade = judge.grade(question, [AnswerPart(question.reference_answer.split("```")[0])])
    assert grade.score <= 30 and any("no code" in n for n in grade.notes)


def test_code_between_prose_paragraphs_without_its_numpy_import_and_under_another_class_name_is_run(judge: OfflineJudge) -> None:
    """As an interviewer reads it: the code between the explanations, `np` as numpy, the one class as the one asked for."""
    question = CORPUS.by_id["coding.knn-implementation"]
    reference = load_hidden_tests(question).reference
    renamed = reference.replace("import numpy as np\n", "").replace("class KNN", "class NearestNeighbors").replace("'KNN'", "'NearestNeighbors'")
    assert "class NearestNeighbors" in renamed and "import numpy" not in renamed
    head, _, tail = renamed.partition("    def predict")
    text = (f"I keep the training set and vote among the nearest points.\n\n{head.rstrip()}\n\n"
            f"Predicting is where the work is: distances to every training row.\n\n    def predict{tail}\n\n"
            "Fitting is O(1); each query costs O(n d).")
    grade = judge.grade(question, [AnswerPart(text)])
    assert grade.code_tests and all(row.passed for row in grade.code_tests), [(r.test, r.result) for r in grade.code_tests if not r.passed]
    assert any("uses np without importing it" in n for n in grade.notes), grade.notes
    two_classes = text.replace("I keep the training set", "class Helper:\n    pass\n\nI keep the training set")
    assert not any(row.passed for row in judge.grade(question, [AnswerPart(two_classes)]).code_tests)


def _passes(question_id: str, code: str) -> bool:
    report = run_hidden(CORPUS.by_id[question_id], code)
    return bool(report.cases) and all(c.passed for c in report.cases)


def test_a_constructor_keyword_under_another_name_is_mapped_to_the_candidates_parameter() -> None:
    """The tests build `KNN(k=3)`; a candidate's `NearestNeighbors(n_neighbors=3)` is the same class to an interviewer."""
    reference = load_hidden_tests(CORPUS.by_id["coding.knn-implementation"]).reference
    renamed = reference.replace("class KNN", "class NearestNeighbors").replace("k=5", "n_neighbors=5").replace("self.k = k", "self.k = n_neighbors")
    assert "n_neighbors=5" in renamed and _passes("coding.knn-implementation", renamed)
    wrong_axis = load_hidden_tests(CORPUS.by_id["coding.knn-implementation"]).buggy["wrong-axis"].replace("k=5", "n_neighbors=5").replace("self.k = k", "self.k = n_neighbors")
    assert not _passes("coding.knn-implementation", wrong_axis)  # mapping names does not make wrong code right


def test_a_helper_the_question_hands_over_may_be_used_as_a_global_and_common_imports_may_be_missing() -> None:
    """`rand10()` calling a global rand7 gets the test's rand7; `defaultdict` and `deque` without their import work."""
    uses_global = "def rand10():\n    while True:\n        v = (rand7() - 1) * 7 + rand7()\n        if v <= 40:\n            return (v - 1) % 10 + 1\n"
    assert _passes("coding.probability-problems", uses_global)
    biased = "def rand10():\n    v = (rand7() - 1) * 7 + rand7()\n    return (v - 1) % 10 + 1\n"
    assert not _passes("coding.probability-problems", biased)
    topo = load_hidden_tests(CORPUS.by_id["coding.graph-problems"]).reference
    without_import = "\n".join(line for line in topo.splitlines() if not line.startswith("from collections"))
    assert "defaultdict" in without_import and "deque" in without_import and _passes("coding.graph-problems", without_import)
    assert assumed_imports(without_import) == ["defaultdict", "deque"] and assumed_imports(topo) == []  # said in the grade's notes


def test_a_call_that_cannot_be_mapped_still_fails_with_the_candidates_own_error() -> None:
    report = run_hidden(CORPUS.by_id["coding.probability-problems"], "def rand10(a, b, c):\n    return 1\n")
    assert report.cases and all(c.status == "error" and "TypeError" in c.error for c in report.cases)


def test_a_question_that_asks_how_not_for_code_is_not_capped_without_code(judge: OfflineJudge) -> None:
    """'What would you use and what does it cost?' is answered in words; code given is still run and judged."""
    asked = CORPUS.by_id["coding.reservoir-sampling"]
    spoken = asked.model_copy(update={"code": asked.code.model_copy(update={"required": False})}) if asked.code else asked
    prose = AnswerPart(asked.reference_answer.split("```")[0])
    assert judge.grade(asked, [prose]).score <= 30
    assert judge.grade(spoken, [prose]).score > 30 and not judge.grade(spoken, [prose]).code_tests
    buggy = load_hidden_tests(asked).buggy["one-over-i"]
    assert judge.grade(spoken, [AnswerPart(answer(asked, buggy))]).score <= 30  # wrong code is still wrong
    sketch = judge.grade(spoken, [AnswerPart(prose.text + "\n\ndef helper(xs):\n    return xs[:1]\n")])
    assert sketch.score > 30 and any("sketch" in n for n in sketch.notes)
