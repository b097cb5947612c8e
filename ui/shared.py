"""State shared by the pages: the engine, the sidebar and the current session."""

from __future__ import annotations

import os

import streamlit as st

from interviewer.config import ConfigError, load_settings
from interviewer.corpus import ROUND_CHOICES, CorpusError
from interviewer.engine import Engine, build_engine
from interviewer.session import Session, SessionError
from interviewer.store import SessionNotFound

SESSION_KEY = "session_id"


@st.cache_resource(show_spinner="Loading the corpus and the offline model…")
def _engine(provider: str, model: str, base_url: str, home: str, corpus: str) -> Engine:
    return build_engine(load_settings(provider=provider, model=model or None, base_url=base_url or None))


def engine() -> Engine:
    """The engine for the provider chosen in the sidebar (one per distinct configuration)."""
    state = st.session_state
    return _engine(
        state.get("provider", "offline"), state.get("model", ""), state.get("base_url", ""),
        os.environ.get("INTERVIEWER_HOME", ""), os.environ.get("INTERVIEWER_CORPUS", ""),
    )


def current_session(eng: Engine) -> Session | None:
    """The session in this browser tab; a reload finds it again through the URL."""
    session_id = st.session_state.get(SESSION_KEY) or st.query_params.get("session")
    if not session_id:
        return None
    try:
        session = Session.resume(eng, session_id)
    except (SessionNotFound, SessionError) as exc:
        st.query_params.clear()
        st.session_state.pop(SESSION_KEY, None)
        st.error(f"Could not resume session {session_id}: {exc}")
        return None
    _remember(session.id)
    return session


def start_session(eng: Engine, round_name: str, questions: int, difficulty: int, focus: str | None = None) -> None:
    try:
        session = Session.start(eng, round_name, questions=questions, max_difficulty=difficulty, focus=focus)
    except (CorpusError, SessionError) as exc:
        st.error(str(exc))
        return
    _remember(session.id)


def _remember(session_id: str) -> None:
    st.session_state[SESSION_KEY] = session_id
    if st.query_params.get("session") != session_id:
        st.query_params["session"] = session_id


def sidebar() -> None:
    with st.sidebar:
        st.header("Interview")
        st.selectbox("Round", ROUND_CHOICES, key="round", index=ROUND_CHOICES.index("ml-fundamentals"))
        st.slider("Questions", 1, 8, 3, key="questions")
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
            start_session(eng, st.session_state["round"], st.session_state["questions"], st.session_state["difficulty"])
        session = current_session(eng)
        if session is not None and not session.finished and st.button("End interview and grade", width="stretch"):
            session.end()
        resumable = [r for r in eng.store.sessions(20) if r.status == "active"]
        if resumable:
            labels = {f"{r.id} · {r.round} · {r.created_at[:16]}": r.id for r in resumable}
            choice = st.selectbox("Resume a session", list(labels), key="resume_choice")
            if st.button("Resume", width="stretch"):
                _remember(labels[choice])
