"""The interactive terminal: the answer editor, progress while the index builds, and the rich report."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from conftest import TINY_CORPUS
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from interviewer.grading import CodeTestRow
from interviewer.report import Clarification, PointResult, QuestionResult, Report, to_markdown
from interviewer.terminal import LONGER_TEXTS, SAVE_SHARE, IndexProgress, TerminalAnswers, is_command, plural, ready_answers, toolbar_text
from interviewer.terminal_report import code_tests_table, point_state, print_report

ESC_ENTER = "\x1b\r"
UP = "\x1b[A"


# -- the answer editor, driven through prompt_toolkit's pipe input -------------------------------------


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_enter_starts_a_new_line_and_esc_enter_sends_the_whole_answer(keys: PipeInput) -> None:
    answers = TerminalAnswers()
    keys.send_text("Overfitting: validation loss rises.\r\rI would add dropout." + ESC_ENTER)
    assert next(answers) == ("Overfitting: validation loss rises.\n\nI would add dropout.", False)


def test_a_line_that_is_only_a_command_is_sent_by_one_enter(keys: PipeInput) -> None:
    answers = TerminalAnswers()
    for command in ("/skip", "/hint", "/end", "/quit"):
        keys.send_text(command + "\r")
        assert next(answers) == (command, False)
    keys.send_text("/skipping is not a command\r" + ESC_ENTER)
    assert next(answers) == ("/skipping is not a command\n", False)


def test_up_arrow_recalls_the_sessions_answers_but_not_commands(keys: PipeInput) -> None:
    answers = TerminalAnswers(past_answers=["an answer from before a resume"])
    keys.send_text(UP + ESC_ENTER)
    assert next(answers)[0] == "an answer from before a resume"
    keys.send_text("/skip\r")
    next(answers)
    keys.send_text("a fresh answer" + ESC_ENTER)
    next(answers)
    keys.send_text(UP + ESC_ENTER)  # the /skip in between is not recalled
    assert next(answers)[0] == "a fresh answer"


def test_run_alone_asks_for_the_code_only_when_the_question_has_examples(keys: PipeInput) -> None:
    coding = TerminalAnswers(runnable=lambda: True)
    keys.send_text("/run\rdef double(x):\r\treturn 2 * x" + ESC_ENTER)  # Tab indents by 4 spaces
    assert next(coding) == ("/run\n```python\ndef double(x):\n    return 2 * x\n```", False)
    prose = TerminalAnswers(runnable=lambda: False)
    keys.send_text("/run\r")
    assert next(prose) == ("/run", False)


def test_an_empty_answer_is_not_sent_and_ctrl_d_ends_the_input(keys: PipeInput) -> None:
    answers = TerminalAnswers()
    keys.send_text(ESC_ENTER + "   " + ESC_ENTER + "/skip\r")  # nothing, then only spaces: both refused
    assert next(answers)[0].strip() == "/skip"
    keys.send_text("\x04")
    with pytest.raises(StopIteration):
        next(answers)


def test_commands_and_plurals() -> None:
    assert is_command(" /END ") and is_command("/exit") and not is_command("/end now")
    assert (plural(1, "question"), plural(3, "question"), plural(0, "coding question")) == ("1 question", "3 questions", "0 coding questions")


def test_toolbar_shows_the_send_key_and_the_commands() -> None:
    text = "".join(fragment for _, fragment, *_ in toolbar_text(None))
    assert "Esc Enter: send" in text and "/skip /hint /code /run /end" in text


# -- progress of the index build --------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_estimates_time_left_from_the_recent_batches() -> None:
    clock = FakeClock()
    progress = IndexProgress(clock)
    assert progress.status().line() == "Loading the question index…"
    progress(64, 1000, "indexing questions")
    assert progress.status().seconds_left is None  # one report is not a rate
    for done in (128, 192, 256, 320, 384, 448):
        clock.now += 1.0
        progress(done, 1000, "indexing questions")
    work_left = (1000 - 448) * LONGER_TEXTS + 1000 * SAVE_SHARE  # in texts at the recent cost
    assert progress.status().seconds_left == pytest.approx(work_left / 64)
    clock.now += 2.0  # time passes without a report: the estimate counts down
    assert progress.status().seconds_left == pytest.approx(work_left / 64 - 2)
    for done in (480, 512, 544, 576, 608):  # batches of longer texts: slower, and the estimate follows
        clock.now += 1.0
        progress(done, 1000, "indexing questions")
    recent_rate = (608 - 448) / 7  # the last RATE_WINDOW reports, over 7 s (the quiet 2 s included)
    work_left = (1000 - 608) * LONGER_TEXTS + 1000 * SAVE_SHARE
    assert progress.status().seconds_left == pytest.approx(work_left / recent_rate)
    assert progress.status().line() == f"Building the question index (first run only): 608 of 1,000 texts · about {round(work_left / recent_rate)} s left"


def test_waiting_for_another_process_is_shown_as_such() -> None:
    progress = IndexProgress()
    progress(0, 0, "waiting for another process to finish building the index")
    assert progress.status().line() == "Waiting for another process to finish building the index…"


def test_answers_wait_for_the_index_except_run_and_hint() -> None:
    import threading

    progress = IndexProgress()
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(30,))  # bounded: a regression fails the test instead of hanging it
    progress.watch(worker)
    worker.start()
    answers = ready_answers(iter([("/run def f(): pass", False), ("/hint", False), ("my answer", False)]), progress, None)
    assert next(answers)[0].startswith("/run") and next(answers)[0] == "/hint" and progress.busy  # neither needs the index
    release.set()
    assert next(answers) == ("my answer", False) and not progress.busy


# -- the report -------------------------------------------------------------------------------------


def sample_report() -> Report:
    points = [
        PointResult(point_id="a", point="Adds regularization such as L2 weight decay or dropout.", weight=3, coverage=1.0,
                    covered=True, evidence="I would add dropout and L2 regularization to the network."),
        PointResult(point_id="b", point="Stops training early at the best validation loss.", weight=2, coverage=0.3,
                    covered=False, evidence="validation loss rises"),
        PointResult(point_id="c", point="Gets more training data or uses data augmentation.", weight=2, coverage=0.0,
                    covered=False, evidence=""),
        PointResult(point_id="d", point="Says accuracy is misleading under imbalance.", weight=1, coverage=0.0, covered=False,
                    evidence="Accuracy is a fine metric.", contradicted=True, correction="A model predicting all negatives scores 99.5%."),
    ]
    question = QuestionResult(
        question_id="fundamentals.overfitting", round="ml-fundamentals", title="Handling overfitting",
        question="Your training loss keeps falling but validation loss rises. What do you do?", tags=["overfitting"],
        score=54, grader="offline", notes=[], points=points, follow_ups=[], answers=["..."], skipped=False,
        reference_answer="Confirm it with **learning curves**, then regularize.\n\n```python\nmodel.fit(X, y)\n```",
    )
    return Report(session_id="abc123def456", round="ml-fundamentals", finished=True, score=54, verdict="Lean Hire",
                  questions=[question], usage={}, feedback="Your strongest answer was Handling overfitting.", transcript=[])


def rendered(report: Report, width: int, terminal: bool = False, model_answers: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system="truecolor" if terminal else None,
                      highlight=False, emoji=False)
    print_report(report, console, model_answers)
    return out.getvalue()


def test_each_point_is_covered_partial_missing_or_wrong() -> None:
    assert [point_state(p) for p in sample_report().questions[0].points] == ["covered", "partial", "missing", "wrong"]


@pytest.mark.parametrize("width", [60, 100])
def test_plain_report_wraps_within_the_width_without_markdown(width: int) -> None:
    text = rendered(sample_report(), width)
    assert text.startswith("Interview report: ml-fundamentals\nSession abc123def456 · score 54/100 · verdict Lean Hire\n")
    assert all(len(line) <= width for line in text.splitlines())
    assert not any(line != line.rstrip() for line in text.splitlines())  # no padding to the width in a file
    for label in ("✓ covered", "~ partial", "✗ missing", "! wrong", "Stated wrongly:", "To work on:"):
        assert label in text
    flat = " ".join(text.split())
    assert "You said “Accuracy is a fine metric.”. A model predicting all negatives scores 99.5%." in flat
    assert "**" not in text and "<details>" not in text and "|---" not in text


def test_model_answer_is_shown_only_when_asked_for_and_rendered_not_raw() -> None:
    hidden = rendered(sample_report(), 100)
    assert "learning curves" not in hidden and "interviewer report abc123def456 --model-answer" in hidden
    shown = rendered(sample_report(), 100, model_answers=True)
    assert "Confirm it with learning curves, then regularize." in shown and "model.fit(X, y)" in shown
    assert "**" not in shown and "```" not in shown


def test_terminal_report_colours_each_state() -> None:
    text = rendered(sample_report(), 100, terminal=True)
    green, yellow, red, magenta = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1;35m"
    assert f"{green}✓ covered" in text and f"{yellow}~ partial" in text and f"{red}✗ missing" in text and f"{magenta}! wrong" in text


def test_code_tests_show_inputs_only_when_a_test_failed() -> None:
    passing = [CodeTestRow(test="one_query", input="", expected="", result="pass", passed=True)]
    failing = [*passing, CodeTestRow(test="ties", input="KNN(k=2).fit(...)", expected="[0]", result="got [1]", passed=False)]
    question = sample_report().questions[0]
    for rows, columns in ((passing, ["test", "result"]), (failing, ["test", "input", "expected", "result"])):
        table = code_tests_table(question.model_copy(update={"code_tests": rows}))
        assert [str(c.header) for c in table.columns] == columns
    text = rendered(sample_report().model_copy(update={"questions": [question.model_copy(update={"code_tests": failing})]}), 100)
    assert "Your code against the hidden tests: 1 of 2 passed." in text and "✗ got [1]" in text and "(hidden)" in text


def test_report_md_is_still_markdown_from_the_same_data() -> None:
    markdown = to_markdown(sample_report())
    assert markdown.startswith("# Interview report: ml-fundamentals\n") and "<details><summary>Model answer</summary>" in markdown


# -- the real CLI in a pseudo-terminal ----------------------------------------------------------------


CURSOR_QUERY = "\x1b[6n"  # prompt_toolkit asks where the cursor is; it draws the bottom toolbar only once told


def expect_on_screen(child: pexpect.spawn, pattern: str) -> None:
    """Wait for `pattern`, answering cursor-position queries as a terminal would (the cursor is on row 20)."""
    while child.expect([re.escape(CURSOR_QUERY), pattern]) == 0:
        child.send("\x1b[20;1R")


def test_typed_interview_in_a_terminal(tmp_path: Path) -> None:
    """A two-paragraph answer sent with Esc Enter, then /skip and /end each with one Enter."""
    env = {**os.environ, "INTERVIEWER_HOME": str(tmp_path), "INTERVIEWER_CORPUS": str(TINY_CORPUS), "TERM": "xterm-256color"}
    child = pexpect.spawn(sys.executable, ["-m", "interviewer.cli", "--round", "ml-fundamentals", "--questions", "2", "--seed", "4"],
                          env=env, dimensions=(40, 120), timeout=90, encoding="utf-8")
    try:
        expect_on_screen(child, r"Session (\w{12}): ml-fundamentals, 2 questions\. Esc Enter sends an answer")
        session_id = child.match.group(1)
        expect_on_screen(child, "earlier answers")  # the editor's toolbar: it is ready for keys
        child.send("Training loss falls while validation rises, so it is overfitting.\r\rI would add dropout and L2 regularization.")
        child.send(ESC_ENTER)
        expect_on_screen(child, "Interviewer: ")  # a follow-up, not the report: the blank line did not end the answer
        expect_on_screen(child, "earlier answers")
        child.send("/skip\r")
        expect_on_screen(child, "No problem, let's move on.")
        expect_on_screen(child, "earlier answers")
        child.send("/end\r")
        expect_on_screen(child, "Interview report: ml-fundamentals")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    report = json.loads((tmp_path / "runs" / session_id / "report.json").read_text())
    answers = [turn["text"] for turn in report["transcript"] if turn["kind"] == "answer"]
    assert answers == ["Training loss falls while validation rises, so it is overfitting.\n\nI would add dropout and L2 regularization."]
    assert [turn["text"] for turn in report["transcript"] if turn["kind"] in ("skip", "end")] == ["", "/end"]


def test_report_shows_time_clarifications_and_hints_per_question() -> None:
    report = sample_report()
    question = report.questions[0].model_copy(update={
        "seconds": 1000.0, "share_seconds": 900.0, "hints_total": 2,
        "hints_used": ["Think about what the validation curve tells you.", "Early stopping is one answer."],
        "clarifications": [Clarification(asked="How much data do we have?", answer="About 10,000 labelled images.")],
    })
    text = " ".join(rendered(report.model_copy(update={"questions": [question], "duration_seconds": 2700.0, "elapsed_seconds": 1000.0}), 100).split())
    assert "time 16:40 of 45:00" in text
    assert "Time on this question: 16:40 of its 15:00 share (over its share)" in text
    assert "Clarifying questions you asked: • “How much data do we have?” → About 10,000 labelled images." in text
    assert "Hints used: 2 of 2 (points covered only after the last hint earn at most half credit): • Think about" in text
