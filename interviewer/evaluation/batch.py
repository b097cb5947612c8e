"""Grading many answers with a model: N requests in flight, one shared back-off on 429, and a journal to resume from.

Rate limits are honoured at two levels. The openai client retries each request itself
(`max_retries`), sleeping for the 429's Retry-After when it is at most two minutes; but each
thread does that on its own, and a request whose retries run out, or whose Retry-After is longer,
fails. That failure still carries the 429 response: `grade_jobs` then pauses every worker until
the Retry-After has passed (so the endpoint sees the whole batch back off, not one thread),
halves the requests let in flight (they grow back one at a time as grades succeed) and grades
the case again, up to RATE_LIMIT_ATTEMPTS times. Other errors end the run; the journal
keeps every grade already received, and running again with the same journal grades only the rest.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interviewer.config import ConfigError
from interviewer.corpus import Question
from interviewer.grading import AnswerPart, Grader, QuestionGrade
from interviewer.providers import ProviderError

JOURNAL_NAME = "grades.jsonl"
RATE_LIMIT_ATTEMPTS = 6  # runner-level attempts per case after the client's own retries gave up on a 429
FALLBACK_WAIT_S = 2.0  # a 429 without Retry-After: this, doubled per attempt
MAX_WAIT_S = 300.0

Progress = Callable[[Iterable[Any]], Iterable[Any]]


class JournalMismatch(ConfigError):
    """The journal in the run folder was written by another grader or for another set."""


@dataclass(frozen=True)
class Batch:
    """How a batch is graded: requests in flight, and where grades are journaled (None: not journaled)."""

    concurrency: int = 1
    journal: Path | None = None


@dataclass(frozen=True)
class GradeJob:
    key: str  # unique within a run: what the journal records the grade under
    question: Question
    parts: tuple[AnswerPart, ...]


class Journal:
    """One JSON line per grade, appended as each arrives; the first line says which grader and set it belongs to."""

    def __init__(self, path: Path, grader: str, set_name: str) -> None:
        self.path = path
        self.done: dict[str, QuestionGrade] = {}
        self._lock = threading.Lock()
        header = {"grader": grader, "set": set_name}
        if path.is_file() and path.stat().st_size:
            self._read(header)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(header) + "\n", encoding="utf-8")

    def _read(self, header: dict[str, str]) -> None:
        lines = self.path.read_text(encoding="utf-8").splitlines()
        found = json.loads(lines[0])
        if found != header:
            raise JournalMismatch(
                f"{self.path} holds grades by {found.get('grader')} for {found.get('set')}, not by {header['grader']} for "
                f"{header['set']}: choose another --out folder"
            )
        for line in lines[1:]:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # the last line of a run killed mid-write
            self.done[entry["key"]] = QuestionGrade.model_validate(entry["grade"])

    def record(self, key: str, grade: QuestionGrade) -> None:
        line = json.dumps({"key": key, "grade": grade.model_dump(mode="json")})
        with self._lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        self.done[key] = grade


class RateGate:
    """Admission for every worker: a pause after a 429 that nobody sends through, and a limit on requests in flight.

    The limit starts at the batch's concurrency, halves on each 429 that reached the runner and
    grows by one after as many successes as it allows (additive increase, multiplicative decrease),
    so a batch settles just under the endpoint's rate limit instead of retrying in a herd.
    """

    def __init__(self, concurrency: int) -> None:
        self.ceiling = max(1, concurrency)
        self.allowed = self.ceiling
        self.pauses = 0
        self._in_flight = 0
        self.successes = 0  # every success of the batch, for telling a stalled endpoint from a busy one
        self._successes_at_change = 0  # `successes` when `allowed` last changed
        self._until = 0.0
        self._changed = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait until the pause is over and fewer than `allowed` requests are in flight, then hold a place."""
        with self._changed:
            while (delay := self._until - time.monotonic()) > 0 or self._in_flight >= self.allowed:
                self._changed.wait(timeout=delay if delay > 0 else None)
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def succeeded(self) -> None:
        with self._changed:
            self.successes += 1
            if self.allowed < self.ceiling and self.successes - self._successes_at_change >= self.allowed:
                self.allowed += 1
                self._successes_at_change = self.successes
                self._changed.notify_all()

    def rate_limited(self, seconds: float) -> None:
        with self._changed:
            self._until = max(self._until, time.monotonic() + min(seconds, MAX_WAIT_S))
            self.allowed = max(1, self.allowed // 2)
            self._successes_at_change = self.successes
            self.pauses += 1


def retry_after(exc: BaseException) -> float | None:
    """Seconds a rate-limited endpoint asked us to wait, if `exc` (or what caused it) is a 429; else None."""
    seen: BaseException | None = exc
    for _ in range(8):  # a cause chain is short; the bound guards against a cycle
        if seen is None:
            break
        if getattr(seen, "status_code", None) == 429:
            headers = getattr(getattr(seen, "response", None), "headers", None) or {}
            return _header_seconds(headers)
        seen = seen.__cause__ or seen.__context__
    return None


def _header_seconds(headers: Any) -> float:
    """retry-after-ms, retry-after in seconds or as an HTTP date; 0 when absent or unreadable."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return 0.0


def grade_with_backoff(grader: Grader, job: GradeJob, gate: RateGate) -> QuestionGrade:
    """One grade; a 429 that outlasted the client's retries pauses every worker, then this case is graded again.

    Only 429s with no success anywhere in the batch since this case's previous one count toward
    RATE_LIMIT_ATTEMPTS: while other workers get through, the endpoint is serving and this case
    only lost the race for a slot (a hard bound still ends a run that never gets its turn).
    """
    stalled, seen = 0, gate.successes
    for attempt in range(1, RATE_LIMIT_ATTEMPTS * 10 + 1):
        try:
            with gate.slot():
                grade = grader.grade(job.question, job.parts)
            gate.succeeded()
            return grade
        except ProviderError as exc:
            wait = retry_after(exc)
            stalled = stalled + 1 if gate.successes == seen else 1
            seen = gate.successes
            if wait is None or stalled >= RATE_LIMIT_ATTEMPTS or attempt == RATE_LIMIT_ATTEMPTS * 10:
                raise
            gate.rate_limited(wait or FALLBACK_WAIT_S * 2 ** (stalled - 1))
    raise AssertionError("unreachable: the last attempt returns or raises")


class _Counted:
    """Completed futures with a length, so a progress bar knows the total."""

    def __init__(self, futures: Sequence[Future[QuestionGrade]]) -> None:
        self._futures = futures

    def __len__(self) -> int:
        return len(self._futures)

    def __iter__(self) -> Iterator[Future[QuestionGrade]]:
        return as_completed(self._futures)


def grade_jobs(grader: Grader, jobs: Sequence[GradeJob], batch: Batch, set_name: str, progress: Progress = iter) -> list[QuestionGrade]:
    """Every job's grade, in job order; with a journal, jobs it already holds are not graded again."""
    keys = [job.key for job in jobs]
    if len(set(keys)) != len(keys):
        raise ValueError("grade job keys must be unique within a run")
    journal = Journal(batch.journal, grader.name, set_name) if batch.journal else None
    done = dict(journal.done) if journal else {}
    todo = [job for job in jobs if job.key not in done]
    gate = RateGate(batch.concurrency)

    def run(job: GradeJob) -> QuestionGrade:
        grade = grade_with_backoff(grader, job, gate)
        if journal is not None:
            journal.record(job.key, grade)
        return grade

    with ThreadPoolExecutor(max_workers=max(1, batch.concurrency), thread_name_prefix="grader") as pool:
        futures = {pool.submit(run, job): job.key for job in todo}
        try:
            for future in progress(_Counted(list(futures))):
                done[futures[future]] = future.result()
        except BaseException:
            for future in futures:
                future.cancel()  # stop queued work; requests in flight finish and are journaled
            raise
    return [done[key] for key in keys]
