"""A team deployment: two app replicas on different ports, one PostgreSQL store and one Chroma server, driven in Chromium."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from services import CHROMA_ENV, DATABASE_ENV, fresh_schema, service_url
from test_ui_browser import CHROMIUM, launch, serve, submit

ANSWERS = [
    "I would add dropout and L2 regularization.",
    "Early stopping on the validation loss with some patience.",
    "More data, or augmentation of what we have.",
]


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[list[str], str]]:
    """Two replicas' URLs and the database URL they share."""
    database = service_url(DATABASE_ENV, "PostgreSQL")
    chroma = f"{service_url(CHROMA_ENV, 'Chroma').rstrip('/')}/deploy-{uuid.uuid4().hex[:12]}"
    with fresh_schema(database) as url, ExitStack() as stack:
        services = {"INTERVIEWER_DATABASE_URL": url, "INTERVIEWER_CHROMA_URL": chroma}
        urls = [stack.enter_context(serve(tmp_path / f"replica-{n}", services=services)) for n in range(2)]
        yield urls, url


def session_id(page: Any) -> str:
    for _ in range(120):
        if "session=" in page.url:
            return str(page.url.split("session=")[1].split("&")[0])
        page.wait_for_timeout(250)
    raise AssertionError(f"no session id in {page.url}")


def stored_answers(database_url: str, ids: list[str], expected: list[list[str]]) -> list[list[str]]:
    """Candidate turns per session, polled until each has at least the expected number (the app stores asynchronously)."""
    from interviewer.pgstore import PostgresBackend
    from interviewer.store import Store

    store = Store(backend=PostgresBackend(database_url))
    try:
        for _ in range(240):
            stored = [[t.text for t in store.turns(i) if t.role == "candidate"] for i in ids]
            if all(len(s) >= len(e) for s, e in zip(stored, expected)):
                break
            time.sleep(0.5)  # polling the database the replicas write to; there is no event to wait on
        return stored
    finally:
        store.close()


def test_a_session_moves_between_replicas_and_both_take_answers_at_once_without_loss(replicas: tuple[list[str], str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert CHROMIUM, "chromium is required in CI"
    (first, second), database_url = replicas
    with sync_playwright() as p:
        browser = launch(p)
        pages = [browser.new_context().new_page() for _ in range(2)]
        for page, url in zip(pages, (first, second)):  # one candidate per replica
            page.goto(url)
            page.get_by_role("button", name="Start interview").click()
        for page in pages:
            page.get_by_text("Let's start.").wait_for(timeout=90_000)
        sent: list[list[str]] = [[], []]
        for answer in ANSWERS:  # both replicas take answers at the same time, as fast as the pages allow
            for n, page in enumerate(pages):
                text = f"{answer} [replica {n}]"
                submit(page, text)
                sent[n].append(text)
        ids = [session_id(page) for page in pages]
        assert stored_answers(database_url, ids, sent) == sent

        # The first candidate's next request lands on the other replica: the session resumes there, whole.
        moved = browser.new_context().new_page()
        moved.goto(f"{second}/?session={ids[0]}")
        for text in sent[0]:
            expect(moved.get_by_test_id("stChatMessage").filter(has_text=text).first).to_be_visible(timeout=90_000)
        submit(moved, "And I would monitor the validation curve. [moved]")
        sent[0].append("And I would monitor the validation curve. [moved]")
        browser.close()
    assert stored_answers(database_url, ids, sent) == sent
