"""End to end in a real headless Chromium: start the app, finish a short interview, screenshot the report."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import TINY_CORPUS
from interviewer.resources import ui_config_flags

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"

if not CHROMIUM and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


def launch(playwright: Any) -> Any:
    """Debian's chromium, headless, with the flags this closed network needs."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The tiny corpus, or (parametrized with "coding") a corpus holding one coding question."""
    if getattr(request, "param", None) == "coding":
        return one_coding_question(tmp_path / "coding-corpus")
    if getattr(request, "param", None) == "design":
        return one_design_question(tmp_path / "design-corpus")
    return TINY_CORPUS


@contextmanager
def serve(home: Path, corpus: Path = TINY_CORPUS, services: dict[str, str] | None = None) -> Iterator[str]:
    """`ui/app.py` served as `interviewer ui` serves it, with its own data folder; yields its URL once it answers."""
    port = free_port()
    env = {**os.environ, "INTERVIEWER_HOME": str(home), "INTERVIEWER_CORPUS": str(corpus), **(services or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), *ui_config_flags()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:  # poll the health endpoint until the server answers
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(proc.stdout.read().decode() if proc.stdout else "streamlit did not start") from None
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def app_url(home: Path, corpus: Path) -> Iterator[str]:
    with serve(home, corpus) as url:
        yield url


def start_round(browser: Any, url: str, round_name: str) -> Any:
    """A tall page on the app with `round_name` picked and Start pressed."""
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.goto(url)
    page.get_by_label("Round").click()
    page.get_by_role("option", name=round_name).click()
    page.get_by_role("button", name="Start interview").click()
    return page


def test_short_interview_in_chromium_ends_with_a_report_screenshot(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM, "chromium is required in CI"
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(app_url)
        page.get_by_role("button", name="Start interview").click()
        expect(page.get_by_text("Let's start.")).to_be_visible(timeout=60_000)
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("Training loss falls while validation rises, so it is overfitting. I would add dropout and L2 regularization.")
        box.press("Enter")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(3, timeout=60_000)
        page.get_by_role("button", name="End interview and grade").click()
        expect(page.get_by_text("Your report", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Verdict", exact=True)).to_be_visible()
        page.reload()  # a reload keeps the session (it is in the URL)
        expect(page.get_by_text("Your report", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_test_id("stMetricValue")).to_have_count(3, timeout=60_000)
        expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text(re.compile("Hire"))
        expect(page.locator(".vega-embed")).to_have_count(1, timeout=60_000)
        table = page.get_by_test_id("stTable")  # the rubric table
        expect(table).to_have_count(1, timeout=60_000)
        for point in longest_rubric_points("fundamentals.overfitting"):
            expect(table).to_contain_text(point)  # whole, not cut off at the column's edge
        expect(table).to_contain_text(re.compile(r"\b\d{1,3}%"))  # coverage as a percentage, as in the terminal
        clipped = table.evaluate("t => [...t.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1).length")
        assert clipped == 0, f"{clipped} cells of the rubric table cut their text off"
        page.wait_for_load_state("networkidle")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("INTERVIEWER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")


def longest_rubric_points(question_id: str) -> list[str]:
    from interviewer.corpus import load_corpus

    return sorted((p.point for p in load_corpus(TINY_CORPUS).by_id[question_id].rubric), key=len)[-2:]


def test_first_start_shows_what_it_waits_for_and_nothing_leaves_the_machine(app_url: str, home: Path, tmp_path: Path) -> None:
    """A fresh data folder whose index another process is building: the page says so, after Start too, then asks."""
    import fcntl

    from playwright.sync_api import expect, sync_playwright

    from interviewer.config import Settings
    from interviewer.retrieval import LOCK_FILE

    assert CHROMIUM, "chromium is required in CI"
    index_dir = Settings(home=home, corpus_dir=TINY_CORPUS).index_dir
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+b") as lock, sync_playwright() as p:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the app's build waits for this lock, as it would for another process
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith((app_url, "data:")) else outside.append(r.url))
        page.goto(app_url)
        progress = page.get_by_test_id("stProgress")
        expect(progress).to_contain_text("Waiting for another process to finish building the index", timeout=60_000)
        page.get_by_role("button", name="Start interview").click()
        expect(page.get_by_text("interview starts as soon as the question index is ready")).to_be_visible(timeout=60_000)
        expect(progress).to_have_count(1)  # one bar, saying what it waits for: the main area is never blank
        expect(progress).to_contain_text("Waiting for another process")
        page.screenshot(path=str(tmp_path / "first-start.png"))
        fcntl.flock(lock, fcntl.LOCK_UN)
        expect(page.get_by_text("Let's start.")).to_be_visible(timeout=60_000)
        expect(progress).to_have_count(0)
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)  # client.toolbarMode = minimal
        page.wait_for_load_state("networkidle")
        browser.close()
    assert outside == [], f"the page fetched from outside this machine: {outside}"  # no usage statistics, no icon CDN
    keep = os.environ.get("INTERVIEWER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "first-start.png", Path(keep) / "first-start.png")


FAST_ANSWERS = [
    "I would add dropout and L2 regularization.",
    "Early stopping on the validation loss with some patience.",
    "More data, or augmentation of what we have.",
    "Let me think.",
    "Я бы уменьшил сложность модели.",
]


def submit(page: Any, text: str) -> None:
    """Type and send as soon as the box is enabled; the box empties when the page has taken the answer."""
    from playwright.sync_api import expect

    box = page.get_by_test_id("stChatInputTextArea")
    for _ in range(60):
        expect(box).to_be_enabled(timeout=60_000)
        if box.input_value() != text:
            box.fill(text)
        box.press("Enter")
        try:
            expect(box).to_have_value("", timeout=2_000)
        except AssertionError:
            continue  # the box was disabled between typing and Enter: nothing was sent yet, send again
        # The page shows the answer in the chat at once; that is when it takes the next one.
        expect(page.get_by_test_id("stChatMessage").filter(has_text=text).first).to_be_visible(timeout=60_000)
        return
    raise AssertionError(f"the page never took {text!r}")


def test_two_browsers_answering_as_fast_as_the_page_allows_lose_nothing(app_url: str, home: Path) -> None:
    from playwright.sync_api import sync_playwright

    from interviewer.store import Store

    assert CHROMIUM, "chromium is required in CI"
    with sync_playwright() as p:
        browser = launch(p)
        pages = [browser.new_context().new_page() for _ in range(2)]
        for page in pages:
            page.goto(app_url)
            page.get_by_role("button", name="Start interview").click()
        for page in pages:
            page.get_by_text("Let's start.").wait_for(timeout=60_000)
        sent: list[list[str]] = [[], []]
        for answer in FAST_ANSWERS:  # alternate tabs, and submit the moment the box takes input: no waiting for replies
            for n, page in enumerate(pages):
                text = f"{answer} [tab {n}]"
                submit(page, text)
                sent[n].append(text)
        ids = []
        for page in pages:  # let every queued answer be taken, then read the session id from the URL
            for _ in range(120):
                if "session=" in page.url:
                    break
                page.wait_for_timeout(250)
            ids.append(page.url.split("session=")[1].split("&")[0])
        store = Store(home / "interviewer.sqlite3")
        for _ in range(240):
            stored = [[t.text for t in store.turns(i) if t.role == "candidate"] for i in ids]
            if all(len(s) >= len(sent[n]) for n, s in enumerate(stored)):
                break
            pages[0].wait_for_timeout(500)
        browser.close()
    for n in range(2):
        assert stored[n] == sent[n], f"tab {n}: sent {sent[n]}, stored {stored[n]}"


def one_coding_question(folder: Path, question_id: str = "coding.string-problems") -> Path:
    """A corpus with a single coding question from the shipped corpus, and its hidden tests."""
    import yaml

    from interviewer.resources import corpus_dir

    shipped = corpus_dir()
    data = yaml.safe_load((shipped / "ml-coding.yaml").read_text(encoding="utf-8"))
    data["questions"] = [q for q in data["questions"] if q["id"] == question_id]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ml-coding.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "code").mkdir(exist_ok=True)
    test_file = data["questions"][0]["code"]["tests"]
    shutil.copy(shipped / test_file, folder / test_file)
    return folder


@pytest.mark.parametrize("corpus", [pytest.param("coding", id="coding-corpus")], indirect=True)
def test_a_coding_question_is_answered_in_the_editor_and_the_report_shows_the_test_table(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    buggy = "def edit_distance(a, b):\n    if a and b and a[0] == b[0]:\n        return edit_distance(a[1:], b[1:])\n    return abs(len(a) - len(b))\n"
    with sync_playwright() as p:
        browser = launch(p)
        page = start_round(browser, app_url, "ml-coding")
        expect(page.get_by_text("edit_distance('kitten', 'sitting')").first).to_be_visible(timeout=60_000)
        editor = page.get_by_label("Your code")
        editor.fill(buggy)
        editor.press("Control+Enter")  # commit the text area before pressing a button
        page.get_by_role("button", name="Run examples").click()
        expect(page.get_by_text(re.compile(r"Examples: \d of 2 passed"))).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Submit code as my answer").click()
        expect(page.get_by_text(re.compile("Walk me through|how would you fix it"))).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="End interview and grade").click()
        expect(page.get_by_text(re.compile(r"Your code against the hidden tests: \d+ of \d+ passed"))).to_be_visible(timeout=60_000)
        page.screenshot(path=str(tmp_path / "coding-report.png"), full_page=True)
        browser.close()


def one_design_question(folder: Path, question_id: str = "arch.bank-fraud-detection") -> Path:
    """A corpus with a single architecture question from the shipped corpus (facts, hints, phases)."""
    import yaml

    from interviewer.resources import corpus_dir

    data = yaml.safe_load((corpus_dir() / "architecture.yaml").read_text(encoding="utf-8"))
    data["questions"] = [q for q in data["questions"] if q["id"] == question_id]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "architecture.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.mark.parametrize("corpus", [pytest.param("design", id="design-corpus")], indirect=True)
def test_a_design_round_answers_clarifications_gives_hints_keeps_time_and_steers_to_requirements(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page = start_round(browser, app_url, "architecture")
        expect(page.get_by_text(re.compile("I'm a customer engineer"))).to_be_visible(timeout=60_000)  # the introduction
        expect(page.get_by_text(re.compile(r"Time: \d+:\d\d elapsed, \d+:\d\d left"))).to_be_visible()
        expect(page.get_by_text(re.compile("Phases: requirements …"))).to_be_visible()
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill("What's the latency budget for the fraud check?")
        box.press("Enter")
        expect(page.get_by_text(re.compile("may use 50 ms at p99"))).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Hint").click()
        expect(page.get_by_text(re.compile("Hint 1 of 3:"))).to_be_visible(timeout=60_000)
        expect(box).to_be_enabled(timeout=60_000)
        box.fill("I would train gradient-boosted trees on transaction features and serve them behind the authorization API.")
        box.press("Enter")
        expect(page.get_by_text("Before the model: what are we optimising, and for whom?")).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="End interview and grade").click()
        expect(page.get_by_text("Your report", exact=True)).to_be_visible(timeout=60_000)
        expect(page.get_by_text(re.compile("Hints used: 1 of 3"))).to_be_visible()
        expect(page.get_by_text("Clarifying questions you asked:")).to_be_visible()
        expect(page.get_by_text(re.compile(r"Time on this question: \d+:\d\d of its 45:00 share"))).to_be_visible()
        page.screenshot(path=str(tmp_path / "design-report.png"), full_page=True)
        browser.close()
    keep = os.environ.get("INTERVIEWER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "design-report.png", Path(keep) / "design-report.png")
