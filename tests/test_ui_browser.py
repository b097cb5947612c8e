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
from pathlib import Path

import pytest

from conftest import TINY_CORPUS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
APP = Path(__file__).resolve().parent.parent / "ui" / "app.py"

if not CHROMIUM and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "INTERVIEWER_HOME": str(tmp_path / "home"), "INTERVIEWER_CORPUS": str(TINY_CORPUS)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
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
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_short_interview_in_chromium_ends_with_a_report_screenshot(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM, "chromium is required in CI"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
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
        expect(page.get_by_test_id("stDataFrame")).to_have_count(1, timeout=60_000)
        page.wait_for_load_state("networkidle")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    keep = os.environ.get("INTERVIEWER_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report.png")
