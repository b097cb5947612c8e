"""Batch grading with a model: N requests in flight, a shared back-off on 429, and resuming from the journal."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from fake_openai import FakeOpenAI, Received, default_grade, start
from interviewer.cli import main
from interviewer.engine import Engine
from interviewer.evaluation.batch import Batch, JournalMismatch, RateGate, retry_after
from interviewer.evaluation.cases import load_cases
from interviewer.evaluation.runner import ProviderGrader, evaluate_set
from interviewer.providers import ProviderUnavailable

from conftest import TINY_CORPUS

TINY_GOLD = Path(__file__).parent / "data" / "tiny_gold.yaml"
ANSWERS_PER_QUESTION = 6


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    """The tiny gold set with each answer asked several times over: enough cases to keep several requests in flight."""
    data = yaml.safe_load(TINY_GOLD.read_text())
    for item in data["items"]:
        given = item["answers"]
        item["answers"] = [{**given[n % len(given)], "text": f"{given[n % len(given)]['text']} (take {n})"} for n in range(ANSWERS_PER_QUESTION)]
    path = tmp_path / "gold.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def fake() -> FakeOpenAI:
    return FakeOpenAI()


@pytest.fixture
def llm_engine(engine: Engine, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    base_url, stop = start(fake)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-4242")
    engine.settings = replace(engine.settings, provider="openai", base_url=base_url, timeout_s=5.0, max_retries=0)
    yield engine
    stop()


def gold_size(engine: Engine, gold: Path) -> int:
    return len(load_cases(gold, engine.corpus))


def test_grading_with_concurrency_has_that_many_requests_in_flight_and_the_same_results(llm_engine: Engine, fake: FakeOpenAI, gold: Path) -> None:
    together = threading.Barrier(4, timeout=30)  # breaks (and the grade fails) unless 4 requests are in flight at once
    first_four = iter(range(4))

    def reply(request: Received) -> str:
        if next(first_four, None) is not None:
            together.wait()
        return default_grade(request)

    fake.grade_reply = reply
    parallel = evaluate_set(llm_engine, gold, rounds=20, grader=ProviderGrader(llm_engine.provider), batch=Batch(concurrency=4))
    fake.grade_reply = None
    serial = evaluate_set(llm_engine, gold, rounds=20, grader=ProviderGrader(llm_engine.provider))
    assert [(r.case_id, r.predicted_score) for r in parallel.records] == [(r.case_id, r.predicted_score) for r in serial.records]
    assert len(fake.received) == 2 * gold_size(llm_engine, gold)


def test_a_rate_limited_batch_backs_off_on_429_and_still_grades_every_case(llm_engine: Engine, fake: FakeOpenAI, gold: Path) -> None:
    fake.rate_limit, fake.burst = 40.0, 2  # with 6 in flight and no client retries, 429s reach the runner
    grader = ProviderGrader(llm_engine.provider)
    log = evaluate_set(llm_engine, gold, rounds=20, grader=grader, batch=Batch(concurrency=6))
    assert fake.rate_limited > 0
    assert len(log.records) == gold_size(llm_engine, gold)
    assert grader.usage.calls == gold_size(llm_engine, gold)  # rejected requests are not counted as model calls


def test_retry_after_is_read_from_the_429_that_caused_a_provider_error() -> None:
    class Response:
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

    class RateLimited(Exception):
        status_code = 429

        def __init__(self, headers: dict[str, str]) -> None:
            super().__init__("429")
            self.response = Response(headers)

    def provider_error(cause: Exception) -> ProviderUnavailable:
        try:
            raise ProviderUnavailable("RateLimitError 429") from cause
        except ProviderUnavailable as exc:
            return exc

    assert retry_after(provider_error(RateLimited({"retry-after-ms": "250", "retry-after": "1"}))) == 0.25
    assert retry_after(provider_error(RateLimited({"retry-after": "3"}))) == 3.0
    assert retry_after(provider_error(RateLimited({}))) == 0.0
    assert retry_after(provider_error(ValueError("a malformed body"))) is None


def test_after_a_429_no_worker_sends_before_the_retry_after_and_fewer_are_let_in_flight() -> None:
    gate = RateGate(concurrency=8)
    gate.rate_limited(0.2)
    until = time.monotonic() + 0.1  # a lower bound of the pause's end
    gate.rate_limited(0.05)  # a shorter pause never shortens a longer one
    entered: list[float] = []

    def worker() -> None:
        with gate.slot():
            entered.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(entered) == 3 and min(entered) >= until
    assert (gate.allowed, gate.pauses) == (2, 2)  # halved twice
    for _ in range(2 + 3):
        gate.succeeded()
    assert gate.allowed == 4  # one more after each full window of successes, up to the concurrency


def cli_env(monkeypatch: pytest.MonkeyPatch, home: Path, base_url: str) -> None:
    for name, value in {"INTERVIEWER_HOME": str(home), "INTERVIEWER_CORPUS": str(TINY_CORPUS), "INTERVIEWER_PROVIDER": "openai",
                        "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sk-test-SECRET-4242"}.items():
        monkeypatch.setenv(name, value)


def test_an_interrupted_eval_run_resumes_from_its_journal_without_regrading(
    engine: Engine, fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gold: Path
) -> None:
    total, before_failure = gold_size(engine, gold), 3
    fake.faults = ["ok"] * before_failure + ["401"]  # the key is revoked mid-run: never retried, the run stops
    base_url, stop = start(fake)
    cli_env(monkeypatch, tmp_path / "home", base_url)
    out = tmp_path / "run"
    try:
        assert main(["eval", str(gold), "--bootstrap", "20", "--quiet", "--out", str(out)]) != 0
        # Grades received before the failure are journaled (a worker may have started one more case meanwhile).
        journaled = len((out / "grades.jsonl").read_text().splitlines()) - 1
        assert before_failure <= journaled < total and not (out / "results.json").exists()
        sent = len(fake.received)
        assert main(["eval", str(gold), "--bootstrap", "20", "--quiet", "--out", str(out), "--concurrency", "3"]) == 0
    finally:
        stop()
    assert len(fake.received) - sent == total - journaled
    results = json.loads((out / "results.json").read_text())
    assert len(results["records"]) == total and results["grader"] == "openai"


def test_a_journal_from_another_set_is_refused_rather_than_mixed_in(llm_engine: Engine, tmp_path: Path, gold: Path) -> None:
    journal = tmp_path / "grades.jsonl"
    journal.write_text(json.dumps({"grader": "openai", "set": "another-set.yaml"}) + "\n")
    with pytest.raises(JournalMismatch, match="another --out folder"):
        evaluate_set(llm_engine, gold, rounds=20, grader=ProviderGrader(llm_engine.provider), batch=Batch(journal=journal))
