"""The Streamlit app through AppTest: it only drives Session, so these check the wiring and the flows."""

from __future__ import annotations

import re
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
    assert any("dropout" in str(table.value) for table in app.table)


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
    assert any("wrong" in str(table.value) for table in app.table)


def test_report_table_keeps_every_column_and_shows_coverage_in_percent(app: AppTest) -> None:
    start(app)
    app.chat_input[0].set_value(ANSWER).run()
    next(b for b in app.sidebar.button if b.label == "End interview and grade").click().run()
    assert not app.dataframe  # a static table wraps long points and evidence; a data grid cuts them off
    table = app.table[0].value
    assert list(table.columns) == ["status", "rubric point", "weight", "coverage", "evidence from your answer"]
    assert all(re.fullmatch(r"\d{1,3}%", c) for c in table["coverage"])
    assert any(c != "0%" for c in table["coverage"]) and "dropout" in " ".join(table["evidence from your answer"])


def test_practice_mode_hides_the_rubric_until_the_first_answer(app: AppTest) -> None:
    app.sidebar.toggle(key="practice").set_value(True).run()
    start(app)
    assert not app.get("progress") and not app.main.expander  # nothing of the rubric before the candidate has spoken
    app.chat_input[0].set_value(ANSWER).run()
    assert len(app.get("progress")) == 3


def test_reload_shows_the_sessions_round_and_question_count_in_the_sidebar(app: AppTest) -> None:
    start(app, round_name="ml-fundamentals", questions=2, difficulty=3)
    session_id = app.query_params["session"]
    reloaded = AppTest.from_file(APP, default_timeout=120)
    reloaded.query_params["session"] = session_id
    reloaded.run()
    assert reloaded.caption[0].value.endswith("question 1 of 2")
    assert reloaded.sidebar.slider(key="questions").value == 2  # the default is 3
    assert reloaded.sidebar.selectbox(key="round").value == "ml-fundamentals"
    other = AppTest.from_file(APP, default_timeout=120).run()  # the same through the sidebar's Resume button
    start(other, round_name="non-technical", questions=1)
    next(b for b in other.sidebar.button if b.label == "Resume").click().run()
    assert (other.sidebar.selectbox(key="round").value, other.sidebar.slider(key="questions").value) == ("ml-fundamentals", 2)
    assert not other.exception


def test_history_counts_only_answered_questions_and_says_not_graded(app: AppTest) -> None:
    start(app, questions=2, difficulty=3)
    next(b for b in app.button if b.label == "Skip this question").click().run()  # graded 0, but not answered
    app.chat_input[0].set_value(ANSWER).run()
    next(b for b in app.sidebar.button if b.label == "End interview and grade").click().run()
    start(app)  # left unfinished
    app.switch_page("history_page.py").run()
    assert not app.exception
    sessions = app.dataframe[0].value
    assert sessions["answered"].tolist() == [0, 1]  # newest first
    assert sessions["score"].iloc[0] == "not graded" and re.fullmatch(r"\d+/100", sessions["score"].iloc[1])
    lines = [m.value for m in app.markdown if "/100 over" in m.value]
    assert len(lines) == 2 and all(line.endswith("over 1 question") for line in lines)
    topic_chart = app.get("vega_lite_chart")[-1].proto.spec
    assert '"labelLimit": 0' in topic_chart  # Vega's default cuts topic names at 180 px


def test_report_feedback_offers_to_practise_the_weakest_topic(app: AppTest) -> None:
    start(app)
    app.chat_input[0].set_value("I have no idea, honestly.").run()
    next(b for b in app.sidebar.button if b.label == "End interview and grade").click().run()
    finished = app.query_params["session"]
    assert "Practise next: overfitting." in app.info[0].value
    next(b for b in app.button if b.label == "Practise overfitting").click().run()
    assert not app.exception
    assert app.query_params["session"] != finished
    assert app.title[0].value == "ml-fundamentals interview" and chat(app)[0][1].startswith("Let's start.")


def test_index_progress_says_what_happens_and_how_long_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("ui_shared", Path(APP).parent / "shared.py")
    assert spec is not None and spec.loader is not None
    shared = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "ui_shared", shared)  # dataclasses look their module up there
    spec.loader.exec_module(shared)
    fill, text = shared.index_status(shared.IndexProgress(640, 1426, "indexing questions", 0.02), elapsed=9.0)
    assert fill == pytest.approx(640 / 1426)
    assert text == "Building the question index (first start only): 640 of 1,426 texts embedded, about 16 s left."
    _, text = shared.index_status(shared.IndexProgress(), elapsed=3.2)
    assert text.startswith("Loading the offline model and the question index.") and text.endswith("(3 s so far).")
    _, text = shared.index_status(shared.IndexProgress(0, 0, "waiting for another process to finish building the index"), elapsed=100)
    assert text == "Waiting for another process to finish building the index (2 min so far)."
