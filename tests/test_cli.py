from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import TINY_CORPUS

ANSWERS = [
    "Training loss falls while validation rises, so it is overfitting. I would add dropout and L2 regularization.",
    "Early stopping with a patience of a few epochs on the validation loss.",
    "",  # an empty block is a skip
]


def run_cli(args: list[str], home: Path, stdin: bytes = b"", timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    # Wide enough that the report's tables do not wrap a quoted sentence (tests/test_terminal.py covers wrapping).
    env = {**os.environ, "INTERVIEWER_HOME": str(home), "INTERVIEWER_CORPUS": str(TINY_CORPUS), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "interviewer.cli", *args], input=stdin, env=env, capture_output=True, timeout=timeout
    )


def test_piped_interview_runs_to_the_report_and_is_in_history(tmp_path: Path) -> None:
    stdin = "\n\n".join(ANSWERS[:2]).encode() + b"\n\n/skip\n\n" + b"precision and recall\n\n" * 6
    result = run_cli(["--round", "ml-fundamentals", "--questions", "2", "--seed", "4"], tmp_path, stdin)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Interviewer: Let's start." in out
    assert "\nInterview report: ml-fundamentals\n" in out and "· verdict " in out
    assert "**" not in out and "<details>" not in out  # plain text, not Markdown
    assert "\nModel answer\n" not in out and "Model answers are hidden" in out  # unless asked for with --model-answer
    session_id = out.split("Session ", 1)[1].split(":", 1)[0]
    assert (tmp_path / "runs" / session_id / "report.json").is_file()
    assert "<details><summary>Model answer</summary>" in (tmp_path / "runs" / session_id / "report.md").read_text()
    history = run_cli(["history"], tmp_path).stdout.decode()
    assert session_id in history and "Weakest topics" in history


def test_unknown_round_lists_valid_rounds(tmp_path: Path) -> None:
    result = run_cli(["--round", "nope"], tmp_path)
    assert result.returncode == 2
    assert "Valid rounds: phone-screen, ml-fundamentals" in result.stderr.decode()
    assert "full-loop" in result.stderr.decode()


def test_non_utf8_answer_is_replaced_and_kept(tmp_path: Path) -> None:
    stdin = b"I would use dropout \xff\xfe and L2 regularization.\n\n"
    result = run_cli(["--round", "ml-fundamentals", "--questions", "1", "--focus", "overfitting"], tmp_path, stdin)
    assert result.returncode == 0
    assert "not UTF-8" in result.stderr.decode()
    assert "Resume with: interviewer --resume" in result.stdout.decode()
    report = run_cli(["report", result.stdout.decode().split("Session ", 1)[1][:12], "--markdown"], tmp_path).stdout.decode()
    assert "dropout \ufffd\ufffd and L2" in report


def test_input_ending_early_saves_and_resume_finishes(tmp_path: Path) -> None:
    first = run_cli(["--round", "ml-fundamentals", "--questions", "1", "--focus", "overfitting"], tmp_path, ANSWERS[0].encode() + b"\n\n")
    out = first.stdout.decode()
    session_id = out.split("--resume ")[1].split()[0]
    second = run_cli(["--resume", session_id], tmp_path, b"/end\n\n")
    assert second.returncode == 0
    assert "Resuming session" in second.stdout.decode() and "Interview report: ml-fundamentals" in second.stdout.decode()
    assert "dropout and L2 regularization" in second.stdout.decode()  # the first run's answer is the evidence


def test_ctrl_c_saves_and_prints_the_resume_command(tmp_path: Path) -> None:
    env = {**os.environ, "INTERVIEWER_HOME": str(tmp_path), "INTERVIEWER_CORPUS": str(TINY_CORPUS), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "interviewer.cli", "--round", "non-technical"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(b"I would tell both customers early and prioritize by impact.\n\n")
    proc.stdin.flush()
    seen = b""
    while seen.count(b"You: ") < 2:  # the answer was taken and a follow-up asked
        chunk = proc.stdout.read1(4096)  # type: ignore[attr-defined]
        assert chunk, seen.decode()
        seen += chunk
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)  # stdin stays open, as in a terminal: the signal, not EOF, must stop it
    rest, _ = proc.communicate()
    assert proc.returncode == 130
    assert b"Interrupted. Every answer so far is saved. Resume with: interviewer --resume" in seen + rest
    history = run_cli(["history"], tmp_path).stdout.decode()
    assert "non-technical" in history


def test_corpus_check_on_the_shipped_corpus_has_no_errors() -> None:
    result = subprocess.run([sys.executable, "-m", "interviewer.cli", "corpus", "check"], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stdout.decode()[-2000:]


def test_a_wrong_claim_gets_a_push_back_and_the_report_shows_the_correction(tmp_path: Path) -> None:
    stdin = b"Accuracy is a fine metric here. I would undersample the negatives.\n\n/end\n\n"
    result = run_cli(["--round", "ml-fundamentals", "--questions", "1", "--focus", "label imbalance"], tmp_path, stdin)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert 'Let me stop you there. You said "Accuracy is a fine metric here". You said accuracy works here.' in out
    assert "! wrong" in out and "Stated wrongly:" in out and "predicts all negatives scores 99.5% accuracy" in out


def test_let_me_think_waits_instead_of_skipping(tmp_path: Path) -> None:
    stdin = b"Let me think.\n\nI would add dropout and L2 regularization.\n\n/end\n\n"
    result = run_cli(["--round", "ml-fundamentals", "--questions", "1", "--focus", "overfitting"], tmp_path, stdin)
    out = result.stdout.decode()
    assert "Interviewer: Take your time." in out and "You skipped this question" not in out
