"""The interview mechanics through the real CLI, with piped answers: clarifications, pauses, hints, the clock, phases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import TINY_CORPUS
from interviewer.corpus import load_corpus

FRAUD = "arch.bank-fraud-detection"


@pytest.fixture(scope="module")
def design_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny corpus plus one real architecture question."""
    target = tmp_path_factory.mktemp("cli-design-corpus")
    for f in TINY_CORPUS.glob("*.yaml"):
        (target / f.name).write_bytes(f.read_bytes())
    question = load_corpus().by_id[FRAUD].model_dump(mode="json", exclude_none=True, exclude={"round"})
    data = {"round": "architecture", "source": "copied from the shipped corpus for tests", "questions": [question]}
    (target / "architecture.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def run_cli(args: list[str], home: Path, corpus: Path, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "INTERVIEWER_HOME": str(home), "INTERVIEWER_CORPUS": str(corpus), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "interviewer.cli", *args], input=stdin, env=env, capture_output=True, timeout=180)


def test_piped_design_round_answers_clarifications_waits_gives_hints_and_steers(tmp_path: Path, design_corpus: Path) -> None:
    answers = [
        "What's the latency budget for the fraud check? And how many transactions per second at peak?",
        "Let me think.",
        "/hint",
        "I'm stuck.",
        "I would train gradient-boosted trees on transaction features and serve them behind the authorization API.",
        "/end",
    ]
    stdin = "\n\n".join(answers).encode() + b"\n\n"
    result = run_cli(["--round", "architecture", "--questions", "1", "--minutes", "20"], tmp_path, design_corpus, stdin)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Interviewer: Hi, I'm a customer engineer" in out and "This round is 20 minutes: one question." in out
    assert "[Time: 0:00 elapsed, 20:00 left · this question 0:00 of 20:00]" in out
    assert "[Phases: requirements … · " in out and "[Phases: requirements ✓ · " in out  # credited by the clarifying question
    after_question = out.split("how many transactions per second at peak?\n", 1)[1]
    assert after_question.lstrip().startswith("Interviewer: The network gives the bank about 150 ms; the fraud check may use 50 ms at p99. "
                                              "5 million transactions a day, peaking around 300 per second.")
    assert "Interviewer: Take your time." in out and "(paused while you think)" in out
    hints = load_corpus(design_corpus).by_id[FRAUD].hints
    assert f"Interviewer: Hint 1 of 3: {hints[0]}" in out and f"Interviewer: Hint 2 of 3: {hints[1]}" in out
    session_id = out.split("Session ", 1)[1].split(":", 1)[0]
    report = json.loads((tmp_path / "runs" / session_id / "report.json").read_text())
    (question,) = report["questions"]
    assert question["hints_used"] == list(hints[:2]) and question["share_seconds"] == 1200
    assert question["clarifications"][0]["asked"] == answers[0]
    assert question["answers"] == [answers[4]]  # the clarification, the pause and the hint requests are not graded
    assert report["duration_seconds"] == 1200 and report["introduction"].startswith("Hi, I'm a customer engineer")
    markdown = (tmp_path / "runs" / session_id / "report.md").read_text()
    assert "**Hints used: 2 of 3**" in markdown and "Time on this question:" in markdown


def test_piped_design_answer_that_skips_requirements_is_steered_back(tmp_path: Path, design_corpus: Path) -> None:
    stdin = b"I would train gradient-boosted trees on transaction features and serve them behind the authorization API.\n\n/end\n\n"
    result = run_cli(["--round", "architecture", "--questions", "1"], tmp_path, design_corpus, stdin)
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "Interviewer: Before the model: what are we optimising, and for whom?" in out
    assert "this question 0:00 of 45:00" in out  # 45 minutes unless --minutes says otherwise
