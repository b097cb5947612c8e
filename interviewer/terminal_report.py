"""The feedback report drawn for a terminal with rich, from the same typed Report as report.md.

Tables wrap within the terminal's width and each rubric point is marked covered, partial, missing
or stated wrongly, in colour on a terminal and as words everywhere. When stdout is not a terminal
rich writes the same layout as plain text (80 columns, or $COLUMNS). Model answers are shown only
when asked for, since reading them first spoils the next practice round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from interviewer.grading import COVERED
from interviewer.clock import clock_text
from interviewer.report import PointResult, QuestionResult, Report, hints_cost, hints_count, time_line
from interviewer.report import _number as usage_number

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

TITLE = "Interview report"
# (label, style) for each state a rubric point can be in.
STATES: dict[str, tuple[str, str]] = {
    "covered": ("✓ covered", "green"),
    "partial": ("~ partial", "yellow"),
    "missing": ("✗ missing", "red"),
    "wrong": ("! wrong", "bold magenta"),  # listed under "Stated wrongly" with the correction
}


def point_state(point: PointResult) -> str:
    """covered, partial (some credit, below the COVERED bar), missing, or wrong (contradicted)."""
    if point.contradicted:
        return "wrong"
    if point.covered:
        return "covered"
    return "partial" if 0 < point.coverage < COVERED else "missing"


def report_console(out: TextIO) -> Console:
    from rich.console import Console

    return Console(file=out, highlight=False, emoji=False)


def print_report(report: Report, console: Console, model_answers: bool = False) -> None:
    """Write the whole report to `console`; as plain text without the padding rich adds when it is not a terminal."""
    if console.is_terminal:
        for part in report_parts(report, model_answers):
            console.print(part)
        return
    with console.capture() as captured:
        for part in report_parts(report, model_answers):
            console.print(part)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def report_parts(report: Report, model_answers: bool = False) -> list[RenderableType]:
    """The report as rich renderables, top to bottom."""
    from rich.padding import Padding
    from rich.text import Text

    parts: list[RenderableType] = [_title(report)]
    if report.feedback:
        parts.append(Padding(Text(report.feedback), (1, 0, 0, 0)))
    if report.usage:
        usage = ", ".join(f"{k.replace('_', ' ')}: {usage_number(k, v)}" for k, v in sorted(report.usage.items()))
        parts.append(Padding(Text(f"Model usage: {usage}", style="dim"), (1, 0, 0, 0)))
    for i, question in enumerate(report.questions, 1):
        parts += question_parts(i, question, model_answers)
    if not model_answers and report.questions:
        parts.append(Padding(Text(f"Model answers are hidden; see them with: interviewer report {report.session_id} --model-answer",
                                  style="dim"), (1, 0, 0, 0)))
    return parts


def _title(report: Report) -> RenderableType:
    from rich.text import Text

    title = Text(f"{TITLE}: {report.round}", style="bold")
    line = Text.assemble(
        f"Session {report.session_id} · score ", (f"{report.score:.0f}/100", "bold"), " · verdict ", (report.verdict, "bold"),
        " · (not finished)" if not report.finished else "",
        f" · time {clock_text(report.elapsed_seconds)} of {clock_text(report.duration_seconds)}" if report.duration_seconds else "",
    )
    return Text("\n").join([title, line])


def question_parts(number: int, q: QuestionResult, model_answers: bool) -> list[RenderableType]:
    """One question: heading, the question, rubric table, code tests, what to work on, notes, model answer."""
    from rich.markdown import Markdown
    from rich.padding import Padding
    from rich.rule import Rule
    from rich.text import Text

    parts: list[RenderableType] = [
        Text(""),
        Rule(Text(f"{number}. {q.title} — {q.score:.0f}/100", style="bold"), align="left", style="dim"),
        Padding(Text(" ".join(q.question.split()), style="italic"), (0, 0, 0, 2)),
    ]
    if q.skipped:
        parts.append(Padding(Text("You skipped this question.", style="yellow"), (1, 0, 0, 2)))
    parts.append(Padding(rubric_table(q.points), (1, 0, 0, 0)))
    if q.code_tests:
        passed = sum(t.passed for t in q.code_tests)
        parts += [Padding(Text(f"Your code against the hidden tests: {passed} of {len(q.code_tests)} passed.", style="bold"), (1, 0, 0, 0)),
                  code_tests_table(q)]
    wrong = [p for p in q.points if p.contradicted]
    if wrong:
        parts.append(_bullets("Stated wrongly:", [f"You said “{_flat(p.evidence)}”. {p.correction}" for p in wrong], "magenta"))
    missed = [p.point for p in q.points if not p.covered and not p.contradicted]
    if missed:
        parts.append(_bullets("To work on:", missed, "red"))
    parts += mechanics_parts(q)
    notes = [f"Note: {note}." for note in q.notes] + [f"Graded by: {q.grader}."]
    parts.append(Padding(Text("\n".join(notes), style="dim"), (1, 0, 0, 0)))
    if model_answers:
        parts += [Padding(Text("Model answer", style="bold"), (1, 0, 0, 0)),
                  Padding(Markdown(q.reference_answer.strip()), (0, 0, 0, 2))]
    return parts


def mechanics_parts(q: QuestionResult) -> list[RenderableType]:
    """Time used against the question's share, the clarifying questions asked and the hints taken."""
    from rich.padding import Padding
    from rich.text import Text

    parts: list[RenderableType] = []
    if q.share_seconds:
        style = "yellow" if q.seconds > q.share_seconds else "dim"
        parts.append(Padding(Text(time_line(q), style=style), (1, 0, 0, 0)))
    if q.clarifications:
        parts.append(_bullets("Clarifying questions you asked:", [f"“{_flat(c.asked)}” → {_flat(c.answer)}" for c in q.clarifications], "cyan"))
    if q.hints_used:
        parts.append(_bullets(f"{hints_count(q)}{hints_cost(q)}:", [_flat(h) for h in q.hints_used], "yellow"))
    return parts


def rubric_table(points: list[PointResult]) -> Table:
    """One row per rubric point: its state, the point and its weight, coverage and the evidence quoted from the answer."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("rubric point", ratio=3, overflow="fold")
    table.add_column("coverage", justify="right", no_wrap=True)
    quoted = any(_quoted(p) for p in points)
    if quoted:  # a column of dashes would only squeeze the points
        table.add_column("evidence from your answer", ratio=3, overflow="fold")
    for p in points:
        label, style = STATES[point_state(p)]
        cells: list[RenderableType] = [Text(label, style=style), Text.assemble(_flat(p.point), (f" (weight {p.weight:g})", "dim")), Text(f"{p.coverage:.0%}", style=style)]
        if quoted:
            cells.append(Text(f"“{_flat(p.evidence)}”") if _quoted(p) else Text("—", style="dim"))
        table.add_row(*cells)
    return table


def _quoted(point: PointResult) -> bool:
    """Whether the report quotes the answer for this point (as report.md does)."""
    return bool(point.evidence) and (point.coverage > 0 or point.contradicted)


def code_tests_table(q: QuestionResult) -> Table:
    """One row per hidden test; input and expected columns only when some test shows them (a failing one)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    shown = any(t.input or t.expected for t in q.code_tests)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("test", "input", "expected", "result") if shown else ("test", "result"):
        table.add_column(name, overflow="fold")
    for t in q.code_tests:
        result = Text("✓ pass", style="green") if t.passed else Text(f"✗ {_flat(t.result)}", style="red")
        inputs = [Text(_flat(t.input) or "(hidden)"), Text(_flat(t.expected) or "(hidden)")] if shown else []
        table.add_row(Text(_flat(t.test)), *inputs, result)
    return table


def _bullets(heading: str, items: list[str], style: str) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row(Text(" •"), Text(item))
    return Padding(Group(Text(heading, style=f"bold {style}"), grid), (1, 0, 0, 0))


def _flat(text: str) -> str:
    return " ".join(text.split())

