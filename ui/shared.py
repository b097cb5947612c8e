"""State shared by the pages: the engine, the index build, the sidebar and the current session."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from interviewer.config import ConfigError, load_settings
from interviewer.corpus import ROUND_CHOICES, CorpusError
from interviewer.engine import Engine, build_engine
from interviewer.session import Session, SessionError
from interviewer.store import SessionNotFound

SESSION_KEY = "session_id"
START_KEY = "start_request"  # a session the sidebar or History asked for, started by the interview page
SYNCED_KEY = "sidebar_synced_to"  # the session whose round and question count the sidebar widgets show
MAX_QUESTIONS = 8
POLL_S = 0.25  # how often a page waiting for the index redraws its progress bar
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexProgress:
    """One report from the index build: texts embedded so far, of how many, and the seconds one text took last."""

    done: int = 0
    total: int = 0
    what: str = ""
    seconds_per_text: float | None = None


class IndexBuild:
    """The question index, built in a background thread as soon as the engine exists.

    Pages wait on it with a progress bar (`wait_for_index`); a rerun only interrupts the wait,
    never the build, so clicking around during the first start costs nothing.
    """

    def __init__(self, eng: Engine) -> None:
        self.started = time.monotonic()
        self.progress = IndexProgress()  # replaced whole, so a reader never sees half an update
        self.error: Exception | None = None
        self.finished = threading.Event()
        self._last_report = self.started
        eng.progress = self.report
        threading.Thread(target=self._build, args=(eng,), name="interviewer-index", daemon=True).start()

    def report(self, done: int, total: int, what: str) -> None:
        """Engine.progress: called from the build thread after each batch of texts is embedded."""
        now = time.monotonic()
        previous = self.progress
        # Batches run shortest text first, so the latest batch's pace is the best guess for the rest.
        pace = (now - self._last_report) / (done - previous.done) if previous.total and done > previous.done else previous.seconds_per_text
        self.progress = IndexProgress(done, total, what, pace)
        self._last_report = now

    def _build(self, eng: Engine) -> None:
        try:
            eng.retriever
        except Exception as exc:  # handed to the page, which says what failed (a thread cannot raise into it)
            _log.exception("building the question index failed")
            self.error = exc
        finally:
            self.finished.set()


def index_status(progress: IndexProgress, elapsed: float) -> tuple[float, str]:
    """The bar's fill and a sentence saying what is happening and how long it will take."""
    if progress.total and progress.done:
        pace = progress.seconds_per_text
        left = f"about {_duration(pace * (progress.total - progress.done))} left" if pace else "working out the time left"
        return progress.done / progress.total, (
            f"Building the question index (first start only): {progress.done:,} of {progress.total:,} texts embedded, {left}."
        )
    if progress.what:  # (0, 0, what): another process holds the index
        return 0.0, f"{progress.what[0].upper()}{progress.what[1:]} ({_duration(elapsed)} so far)."
    return 0.0, (
        "Loading the offline model and the question index. The first start embeds every question once, "
        f"usually within a minute; later starts take seconds ({_duration(elapsed)} so far)."
    )


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{round(seconds / 60)} min"


@st.cache_resource(show_spinner="Loading the corpus…")
def _engine(provider: str, model: str, base_url: str, home: str, corpus: str) -> tuple[Engine, IndexBuild]:
    eng = build_engine(load_settings(provider=provider, model=model or None, base_url=base_url or None))
    return eng, IndexBuild(eng)


def _loaded() -> tuple[Engine, IndexBuild]:
    state = st.session_state
    return _engine(
        state.get("provider", "offline"), state.get("model", ""), state.get("base_url", ""),
        os.environ.get("INTERVIEWER_HOME", ""), os.environ.get("INTERVIEWER_CORPUS", ""),
    )


def engine() -> Engine:
    """The engine for the provider chosen in the sidebar (one per distinct configuration)."""
    return _loaded()[0]


def wait_for_index(where: DeltaGenerator | None = None) -> None:
    """Return once the question index is ready, showing progress meanwhile (in `where`, else here)."""
    build = _loaded()[1]
    if not build.finished.is_set():
        slot = where.empty() if where is not None else st.empty()
        while not build.finished.wait(POLL_S):
            slot.progress(*index_status(build.progress, time.monotonic() - build.started))
        slot.empty()
    if build.error is not None:
        _engine.clear()  # the next page load tries again, e.g. after the model files are repaired
        (where.error if where is not None else st.error)(f"The question index could not be built: {build.error}")
        st.stop()


def current_session(eng: Engine, where: DeltaGenerator | None = None) -> Session | None:
    """The session in this browser tab; a reload finds it again through the URL."""
    session_id = st.session_state.get(SESSION_KEY) or st.query_params.get("session")
    if not session_id:
        return None
    wait_for_index(where)
    try:
        session = Session.resume(eng, session_id)
    except (SessionNotFound, SessionError) as exc:
        st.query_params.clear()
        st.session_state.pop(SESSION_KEY, None)
        st.error(f"Could not resume session {session_id}: {exc}")
        return None
    _remember(session.id)
    return session


@dataclass(frozen=True)
class StartRequest:
    round: str
    questions: int
    difficulty: int
    focus: str | None = None


def request_start(request: StartRequest, switch_page: bool = True) -> None:
    """Ask for a new session for the interview page to start (after the index, with a progress bar); go there unless on it."""
    st.session_state[START_KEY] = request
    if switch_page:  # a page switch clears the page at once, so staying keeps the welcome and its progress bar in view
        st.switch_page("interview_page.py")


def start_requested(eng: Engine) -> None:
    """Start the requested session, if any, waiting for the index here first; then redraw the page around it.

    The request stays until the session exists: a click that interrupts the wait only delays it.
    """
    request: StartRequest | None = st.session_state.get(START_KEY)
    if request is None:
        return
    if not _loaded()[1].finished.is_set():
        st.caption(f"Your {request.round} interview starts as soon as the question index is ready.")
    session = start_session(eng, request)
    st.session_state.pop(START_KEY, None)
    if session is not None:
        st.rerun()


def start_session(eng: Engine, request: StartRequest) -> Session | None:
    wait_for_index()
    try:
        session = Session.start(eng, request.round, questions=request.questions, max_difficulty=request.difficulty, focus=request.focus)
    except (CorpusError, SessionError) as exc:
        st.error(str(exc))
        return None
    _remember(session.id)
    st.session_state[SYNCED_KEY] = session.id  # the sidebar already shows what it was started with
    return session


def _remember(session_id: str) -> None:
    st.session_state[SESSION_KEY] = session_id
    if st.query_params.get("session") != session_id:
        st.query_params["session"] = session_id


def _show_session_settings(eng: Engine) -> None:
    """Set the sidebar's round and question count to the session's, e.g. after a reload resumed it.

    Runs before the widgets are drawn: Streamlit lets a widget's value be set only then.
    """
    session_id = st.session_state.get(SESSION_KEY) or st.query_params.get("session")
    if not session_id or st.session_state.get(SYNCED_KEY) == session_id:
        return
    try:
        record = eng.store.session(session_id)
    except SessionNotFound:
        return  # current_session says so in the page
    if record.round in ROUND_CHOICES:
        st.session_state["round"] = record.round
    st.session_state["questions"] = min(max(len(record.plan), 1), MAX_QUESTIONS)
    st.session_state[SYNCED_KEY] = session_id


def sidebar(main: DeltaGenerator, on_interview_page: bool) -> None:
    """The interview settings and controls; `main` is where the index progress shows while a resumed session waits for it."""
    state = st.session_state
    state.setdefault("round", "ml-fundamentals")
    state.setdefault("questions", 3)
    try:
        _show_session_settings(engine())
    except (ConfigError, CorpusError):
        pass  # said once, below, where the engine is needed
    with st.sidebar:
        st.header("Interview")
        st.selectbox("Round", ROUND_CHOICES, key="round")
        st.slider("Questions", 1, MAX_QUESTIONS, key="questions")
        st.select_slider("Highest difficulty", options=[1, 2, 3], value=3, key="difficulty")
        st.toggle("Practice mode: show rubric coverage", key="practice", value=False)
        with st.expander("Model"):
            st.radio("Provider", ("offline", "openai"), key="provider", horizontal=True,
                     help="offline: the embedded engine. openai: any OpenAI-compatible endpoint.")
            st.text_input("Model", key="model", placeholder="gpt-4o-mini")
            st.text_input("Base URL", key="base_url", placeholder="https://api.openai.com/v1 or http://localhost:11434/v1")
            key_state = "set" if os.environ.get("OPENAI_API_KEY") else "not set (fine for local servers)"
            st.caption(f"The API key is read from OPENAI_API_KEY only: {key_state}.")
        try:
            eng = engine()
        except (ConfigError, CorpusError) as exc:
            st.error(str(exc))
            return
        if st.button("Start interview", type="primary", width="stretch"):
            request_start(StartRequest(state["round"], state["questions"], state["difficulty"]), switch_page=not on_interview_page)
        session = current_session(eng, main)
        if session is not None and not session.finished and st.button("End interview and grade", width="stretch"):
            session.end()
        resumable = [r for r in eng.store.sessions(20) if r.status == "active"]
        if resumable:
            labels = {f"{r.id} · {r.round} · {r.created_at[:16]}": r.id for r in resumable}
            choice = st.selectbox("Resume a session", list(labels), key="resume_choice")
            if st.button("Resume", width="stretch"):
                _remember(labels[choice])
                st.rerun()  # so the sidebar shows the resumed session's round and question count
