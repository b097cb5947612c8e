"""The Streamlit app through AppTest: it only drives Session, so these check the wiring and the flows."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
ANSWER = "Training loss falls while validation rises: overfitting. I would add dropout and L2 regularization."


@pytest.fixture
def app(cli_env: Path) -> AppTest:
    return AppTest.from_file(APP, default_timeout=120).run()


def chat(at: AppTest) -> list[tuple[str, str]]:
    return [(m.name, m.markdown[0].value if m.markdown else "") for m in at.chat_message]


def start(at: AppTest, round_name: str = "ml-fundamentals", questions: int = 1, difficulty: int = 1) -> AppTest:
    """Start from the sidebar; difficulty 1 makes the tiny corpus ask its overfitting question first."""
    at.sidebar.selectbox(key="round").set_value(round_name)
    at.sidebar.slider(key="questions").set_value(questions)
    at.sidebar.select_slider(key="difficulty").set_value(difficulty)
    return at.sidebar.button[0].click().run()


def test_start_answer_follow_up_finish_and_report(app: AppTest) -> None:
    assert not app.exception
    start(app)
    assert chat(app)[0][0] == "assistant" and chat(app)[0][1].startswith("Let's start.")
    app.chat_input[0].set_value(ANSWER).run()
    messages = chat(app)
    assert [m[0] for m in messages] == ["assistant", "user", "assistant"]
    assert messages[1][1] == ANSWER and messages[2][1].endswith("?")
    end = next(b for b in app.sidebar.button if b.label == "End interview and grade")
    end.click().run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert labels == ["Score", "Verdict", "Questions"]
    assert app.metric[1].value in {"Strong No Hire", "Lean No Hire", "Lean Hire", "Strong Hire"}
    assert len(app.get("download_button")) == 3
    assert any("dropout" in str(df.value) for df in app.dataframe)


def test_practice_mode_shows_live_rubric_coverage(app: AppTest) -> None:
    start(app)
    assert not app.get("progress")
    app.sidebar.toggle(key="practice").set_value(True).run()
    app.chat_input[0].set_value(ANSWER).run()
    bars = app.get("progress")
    assert len(bars) == 3
    assert any(getattr(b, "value", 0) > 0.5 for b in bars)  # the regularization point is covered


def test_skip_and_huge_paste_are_explained_and_kept(app: AppTest) -> None:
    start(app, questions=2, difficulty=3)
    next(b for b in app.button if b.label == "Skip this question").click().run()
    assert any("skip" in i.value.lower() for i in app.info)
    app.chat_input[0].set_value("precision and recall " * 6000).run()  # ~126 kB
    assert any("cut to its first 100,000 characters" in i.value for i in app.info)
    assert not app.exception


def test_reload_resumes_the_session_from_the_url(app: AppTest, cli_env: Path) -> None:
    start(app)
    app.chat_input[0].set_value(ANSWER).run()
    session_id = app.query_params["session"]
    reloaded = AppTest.from_file(APP, default_timeout=120)
    reloaded.query_params["session"] = session_id
    reloaded.run()
    assert [m[1] for m in chat(reloaded)][:2] == [chat(app)[0][1], ANSWER]


def test_history_page_lists_sessions_and_offers_practice(app: AppTest) -> None:
    start(app)
    app.chat_input[0].set_value("I have no idea what to do, honestly, maybe buy more servers.").run()
    next(b for b in app.sidebar.button if b.label == "End interview and grade").click().run()
    app.switch_page("history_page.py").run()
    assert not app.exception
    assert app.title[0].value == "History"
    assert app.dataframe[0].value["round"].tolist() == ["ml-fundamentals"]
    practise = [b for b in app.button if b.label == "Practise"]
    assert practise
    practise[0].click().run()
    assert not app.exception


def test_provider_failure_is_shown_in_the_chat_and_nothing_is_lost(app: AppTest) -> None:
    app.sidebar.radio(key="provider").set_value("openai")
    app.sidebar.text_input(key="base_url").set_value("http://127.0.0.1:9/v1")  # nothing listens on port 9
    app.run()
    start(app)
    app.chat_input[0].set_value(ANSWER).run()
    assert not app.exception
    assert any("offline engine" in w.value for w in app.warning)
    assert [m[1] for m in chat(app)][1] == ANSWER


def test_chat_streams_follow_ups_from_a_configured_model(app: AppTest) -> None:
    from fake_openai import FOLLOW_UP, FakeOpenAI, start as serve

    fake = FakeOpenAI()
    base_url, stop = serve(fake)
    try:
        app.sidebar.radio(key="provider").set_value("openai")
        app.sidebar.text_input(key="model").set_value("gpt-4o-mini")
        app.sidebar.text_input(key="base_url").set_value(base_url)
        app.run()
        start(app)
        app.chat_input[0].set_value(ANSWER).run()
        assert chat(app)[-1] == ("assistant", FOLLOW_UP)
        assert fake.received and fake.received[0].body["stream"] is True
    finally:
        stop()


def test_sidebar_resumes_an_unfinished_session(app: AppTest, cli_env: Path) -> None:
    start(app)
    first = app.query_params["session"]
    fresh = AppTest.from_file(APP, default_timeout=120).run()  # a new tab: nothing in its URL
    assert fresh.title[0].value == "ML engineer mock interview"
    next(b for b in fresh.sidebar.button if b.label == "Resume").click().run()
    assert fresh.query_params["session"] == first
    assert chat(fresh)[0][1].startswith("Let's start.")


def test_a_wrong_claim_is_pushed_back_and_the_report_shows_it_as_wrong(app: AppTest) -> None:
    start(app)
    app.chat_input[0].set_value("I would keep training for more epochs. Dropout can help too.").run()
    assert 'You said "I would keep training for more epochs"' in chat(app)[-1][1]
    next(b for b in app.sidebar.button if b.label == "End interview and grade").click().run()
    assert not app.exception
    assert any("Stated wrongly" in e.value for e in app.error)
    assert any("wrong" in str(df.value) for df in app.dataframe)
