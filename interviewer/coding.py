"""Grade code answers by running them: visible examples and hidden tests, in the sandbox.

A coding question carries a `code:` spec (interviewer.corpus.CodeSpec): the signature the candidate
writes, up to four visible examples, and `tests`, the path of a hidden-tests module relative to the
corpus folder. That module is ordinary Python with this convention:

- `REFERENCE = '''...'''`: the reference solution as source. Its lines must appear in the
  question's reference answer, and it must pass every hidden test and example.
- `BUGGY = {"name": '''...''', ...}`: at least two realistic wrong solutions; each must fail at
  least one hidden test (that is how we know the tests bite).
- `def test_<what>(f): ...`: one hidden test; `f` is the candidate's function (or class) named in the
  signature. A test passes by returning (optionally a note string such as the complexity it
  measured) and fails by raising. The sandbox injects these helpers into the module's globals:
  `check(shown, actual, expected, ok=None, tol=1e-6)` (fails showing the call, expected and actual),
  `raises(shown, call, exc)`, `same(a, b, tol)`, `Failure(shown, expected, actual, note)`,
  `chi_squared(observed, expected)`, `line_count(f, *args)` (Python lines run inside candidate code:
  an operation count, not a time), `growth_probe(f, make_args, sizes, max_exponent)` and `Score`
  (a float that counts comparisons).
- Tests run in definition order, each under its own time limit, with `random` and `numpy.random`
  seeded to 12345 first, so statistical tests are deterministic: a correct sampler passes at the
  fixed seed and a biased one fails. Module-level code may import only the standard library and numpy.

Statistical and complexity tests count like any other test in `CodeReport.score`.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from interviewer.corpus import CodeSpec, Corpus, Question, default_corpus_dir
from interviewer.sandbox import Job, Limits, RunStatus, SandboxResult, TestRecord, TestStatus, parse_python, run_job, usual_names

Kind = Literal["examples", "hidden"]
EXAMPLE_LIMITS = Limits(wall_seconds=3.0, test_seconds=1.0)
HIDDEN_LIMITS = Limits(wall_seconds=4.0, test_seconds=1.5)
MIN_BUGGY = 2


class CodingError(Exception):
    """A coding question cannot be run: no code spec, or its hidden-tests module is missing or malformed."""


class CodeCase(BaseModel):
    """One example or hidden test: what was called, what was expected, what came back."""

    model_config = ConfigDict(frozen=True)

    name: str
    status: TestStatus
    shown: str = ""
    expected: str = ""
    actual: str = ""
    error: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class CodeReport(BaseModel):
    """The outcome of running a code answer: per-case results and the run's overall status."""

    model_config = ConfigDict(frozen=True)

    question_id: str
    kind: Kind
    status: RunStatus
    cases: tuple[CodeCase, ...] = ()
    message: str = ""
    stdout: str = ""
    seconds: float = 0.0
    isolation: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """Fraction of cases passed, in [0, 1]; code that did not load scores 0."""
        counted = [c for c in self.cases if c.name != "<load>"]
        if not counted or self.status == "error":
            return 0.0
        return sum(c.passed for c in counted) / len(counted)

    @property
    def first_failure(self) -> CodeCase | None:
        return next((c for c in self.cases if not c.passed), None)

    @property
    def complexity(self) -> str | None:
        """What a complexity probe measured, e.g. 'O(n^1.0) by line counts [...]'."""
        return next((c.note for c in self.cases if c.note.startswith("O(")), None)

    def as_table(self) -> list[tuple[str, str, str, str]]:
        """Rows of (test, input, expected, result) for the report."""
        return [(c.name, c.shown, c.expected, "pass" if c.passed else _outcome_text(c)) for c in self.cases]


def _outcome_text(case: CodeCase) -> str:
    if case.status == "failed":
        return f"got {case.actual}"
    if case.status == "not-run":
        return "not run"
    return f"{case.status}: {case.error}" if case.error else case.status


# ---------------------------------------------------------------- extracting code

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)```", re.S | re.I)


def extract_code(answer_text: str) -> str | None:
    """The fenced code in an answer, else the answer itself if it is Python defining something, else None."""
    blocks = [b for b in _FENCE.findall(answer_text) if b.strip()]
    if blocks:
        return "\n\n".join(textwrap.dedent(b).strip("\n") for b in blocks) + "\n"
    for candidate in (answer_text, _from_first_def(answer_text), _code_paragraphs(answer_text)):
        if candidate and _defines_something(candidate):
            return textwrap.dedent(candidate).strip("\n") + "\n"
    return None


_CODE_LINE = re.compile(r"^\s*(?:def |class |import |from \S+ import |return\b|@|for .+:|while .+:|if .+:|elif |else:|try:|except\b|"
                        r"with .+:|raise |yield |[A-Za-z_][\w.\[\], ]*\s*[-+*/%|&]?=[^=])")


def _code_paragraphs(text: str) -> str | None:
    """Unfenced code with prose between its paragraphs ("Here is the class: ... Its fit is O(1) ..."): the code only.

    A paragraph is kept when it has a line that reads as code and the code kept so far still parses
    with it (an indented paragraph continues the function above it); prose never parses.
    """
    kept: list[str] = []
    for paragraph in re.split(r"\n[ \t]*\n", text):
        if not any(_CODE_LINE.match(line) for line in paragraph.splitlines()):
            continue
        try:
            parse_python(textwrap.dedent("\n\n".join([*kept, paragraph])))
        except SyntaxError:
            continue
        kept.append(paragraph)
    return "\n\n".join(kept) if kept else None


def _from_first_def(text: str) -> str | None:
    """Unfenced code after a line of prose: from the first import/def/class line on."""
    match = re.search(r"^(?:import |from \S+ import |def |class )", text, re.M)
    return text[match.start() :] if match else None


def _defines_something(source: str) -> bool:
    try:
        tree = parse_python(textwrap.dedent(source))
    except SyntaxError:
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) for node in ast.walk(tree))


# ---------------------------------------------------------------- hidden-tests modules


class HiddenTests(BaseModel):
    """A parsed hidden-tests module (read with `ast`, never imported in this process)."""

    model_config = ConfigDict(frozen=True)

    path: Path
    source: str
    reference: str
    buggy: dict[str, str]
    test_names: tuple[str, ...]


def code_stub(question: Question) -> str:
    """What the candidate starts from: the signature (without its comment) and an empty body."""
    signature = _spec(question).signature.split("#", 1)[0].rstrip().rstrip(":")
    return f"{signature}:\n    ...\n"


def entry_name(question: Question) -> str:
    """The function or class the candidate must define, from the signature."""
    spec = _spec(question)
    match = re.search(r"\b(?:def|class)\s+([A-Za-z_]\w*)", spec.signature)
    if not match:
        raise CodingError(f"{question.id}: signature names no function: {spec.signature!r}")
    return match.group(1)


def load_hidden_tests(question: Question, corpus_dir: Path | None = None) -> HiddenTests:
    path = (corpus_dir or default_corpus_dir()) / _spec(question).tests
    try:
        source = path.read_text(encoding="utf-8")
        tree = parse_python(source, str(path))
    except (OSError, SyntaxError) as exc:
        raise CodingError(f"{question.id}: cannot read hidden tests {path}: {exc}") from exc
    constants = _literal_assignments(tree)
    reference, buggy = constants.get("REFERENCE"), constants.get("BUGGY")
    if not isinstance(reference, str) or not isinstance(buggy, dict):
        raise CodingError(f"{question.id}: {path.name} must define REFERENCE (a string) and BUGGY (a dict of strings)")
    tests = tuple(
        n.name.removeprefix("test_") for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
    )
    return HiddenTests(path=path, source=source, reference=reference, buggy=buggy, test_names=tests)


def assumed_imports(code: str) -> list[str]:
    """The usual names (`heapq`, `defaultdict`...) the code uses without importing or defining them: the sandbox binds them."""
    return sorted(name for name, own in usual_names(code).items() if not own)


def _literal_assignments(tree: ast.Module) -> dict[str, object]:
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def _spec(question: Question) -> CodeSpec:
    if question.code is None:
        raise CodingError(f"{question.id} is not a coding question (no code spec)")
    return question.code


# ---------------------------------------------------------------- running


def run_examples(question: Question, code: str) -> CodeReport:
    """Run the visible examples only: what `/run` shows the candidate."""
    calls = tuple((e.call, e.expected) for e in _spec(question).examples)
    result = run_job(Job(code=code, entry=entry_name(question), calls=calls), EXAMPLE_LIMITS)
    report = _report(question, "examples", result, [c for c, _ in calls])
    shown = dict(calls)  # examples are visible: show the call and the expected value for passes too
    cases = tuple(c.model_copy(update={"shown": c.shown or c.name, "expected": c.expected or shown.get(c.name, "")}) for c in report.cases)
    return report.model_copy(update={"cases": cases})


def run_hidden(question: Question, code: str, corpus_dir: Path | None = None, stop_at_first_failure: bool = False) -> CodeReport:
    """Run the hidden tests; every test is reported, including those a crash or timeout left unrun."""
    tests = load_hidden_tests(question, corpus_dir)
    job = Job(code=code, entry=entry_name(question), tests=tests.source, stop_at_first_failure=stop_at_first_failure)
    return _report(question, "hidden", run_job(job, HIDDEN_LIMITS), list(tests.test_names))


def _report(question: Question, kind: Kind, result: SandboxResult, planned: list[str]) -> CodeReport:
    cases = _cases(result, planned)
    return CodeReport(
        question_id=question.id,
        kind=kind,
        status=result.status,
        cases=tuple(cases),
        message=result.message,
        stdout=result.stdout,
        seconds=round(result.seconds, 3),
        isolation=result.isolation,
    )


def _cases(result: SandboxResult, planned: list[str]) -> list[CodeCase]:
    """One case per planned test: recorded ones as they ran, the interrupted one marked, the rest not run."""
    by_name = {r.name: r for r in result.records}
    if "<load>" in by_name:
        return [_case(by_name["<load>"])]
    cases: list[CodeCase] = []
    interrupted = result.status in ("timeout", "memory", "killed")
    for name in planned:
        if name in by_name:
            cases.append(_case(by_name[name]))
        elif interrupted:
            status: TestStatus = result.status if result.status in ("timeout", "memory") else "error"
            cases.append(CodeCase(name=name, status=status, error=result.message))
            interrupted = False  # only the test that was running when it happened
        else:
            cases.append(CodeCase(name=name, status="not-run"))
    return cases


def _case(record: TestRecord) -> CodeCase:
    return CodeCase(
        name=record.name,
        status=record.status,
        shown=record.shown,
        expected=record.expected,
        actual=record.actual,
        error=record.error,
        note=record.note,
    )


# ---------------------------------------------------------------- talking about failures

_FOLLOW_UPS = {
    "failed": "For {shown}, your code gives {actual}, but I expected {expected}. Walk me through that case.",
    "error": "Your code raises {error} on {shown}. What happens there, and how would you fix it?",
    "timeout": "Your code did not finish on {shown} in time. What is its complexity, and could it loop forever?",
    "memory": "Your code ran out of memory on {shown}. How much memory does your approach need?",
    "not-run": "Your code stopped before all my tests ran. What could end the process early?",
    "complexity": "For {shown}, your code needs {actual}; I expected {expected}. What is its complexity, and where does the extra work come from?",
    "load": "Your code does not run as written: {error}. Can you fix that?",
}  # fmt: skip


def failure_follow_up(report: CodeReport) -> str:
    """What an interviewer says about the first failing case; empty when everything passed."""
    case = report.first_failure
    if case is None:
        return ""
    if case.name == "<load>":
        return _FOLLOW_UPS["load"].format(error=case.error)
    shown = case.shown or f"the '{case.name.replace('_', ' ')}' case"
    key = "complexity" if case.status == "failed" and "O(n" in case.expected else case.status
    return _FOLLOW_UPS[key].format(
        shown=shown, expected=case.expected, actual=case.actual, error=case.error or report.message, note=case.note
    )


# ---------------------------------------------------------------- checking the corpus


def check_reference_solutions(corpus: Corpus, corpus_dir: Path | None = None) -> list[str]:
    """Problems with coding questions: a reference that fails a test or example, a buggy version that passes."""
    questions = [q for q in corpus.questions if q.code is not None]
    with ThreadPoolExecutor(max_workers=4) as pool:  # each job is its own process
        batches = pool.map(lambda q: list(_question_problems(q, corpus_dir)), questions)
        return [problem for batch in batches for problem in batch]


def _question_problems(question: Question, corpus_dir: Path | None) -> Iterable[str]:
    try:
        tests = load_hidden_tests(question, corpus_dir)
    except CodingError as exc:
        yield str(exc)
        return
    if "```" in question.reference_answer and not _appears_in(tests.reference, question.reference_answer):
        yield f"{question.id}: REFERENCE in {tests.path.name} differs from the code in the reference answer"
    if len(tests.buggy) < MIN_BUGGY:
        yield f"{question.id}: {tests.path.name} has {len(tests.buggy)} buggy versions (at least {MIN_BUGGY})"
    hidden = run_hidden(question, tests.reference, corpus_dir)
    if hidden.first_failure is not None:
        yield f"{question.id}: the reference fails hidden test {_describe(hidden)}"
    examples = run_examples(question, tests.reference)
    if examples.first_failure is not None:
        yield f"{question.id}: the reference fails visible example {_describe(examples)}"
    for name, source in tests.buggy.items():
        if run_hidden(question, source, corpus_dir, stop_at_first_failure=True).first_failure is None:
            yield f"{question.id}: buggy version '{name}' passes every hidden test"


def _describe(report: CodeReport) -> str:
    case = report.first_failure
    assert case is not None
    return f"'{case.name}': {_outcome_text(case)} {report.message}".strip()


def _appears_in(reference: str, answer: str) -> bool:
    """Every non-blank line of the reference solution occurs, in order, among the answer's lines."""
    wanted = [line.strip() for line in reference.splitlines() if line.strip()]
    have = iter(line.strip() for line in answer.splitlines())
    return all(any(line == got for got in have) for line in wanted)
