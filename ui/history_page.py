"""Past sessions, progress by round and topic, and the weakest topics to practise."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from shared import StartRequest, engine, request_start

from interviewer.report import SessionSummary, TopicScore, history_summary


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def sessions_table(sessions: list[SessionSummary]) -> pd.DataFrame:
    """One row per session, in words: an unfinished session has no score yet, not a None."""
    return pd.DataFrame(
        {
            "session": [s.id for s in sessions],
            "started": [s.created_at[:16].replace("T", " ") for s in sessions],
            "round": [s.round for s in sessions],
            "answered": [s.answered for s in sessions],
            "score": ["not graded" if s.score is None else f"{s.score:.0f}/100" for s in sessions],
            "verdict": [s.verdict or "—" for s in sessions],
            "status": [s.status for s in sessions],
        }
    )


def topic_line(topic: TopicScore) -> str:
    # count: the topic's graded questions, skipped ones included (they score 0)
    return f"**{topic.tag}** ({topic.round}): {topic.mean:.0f}/100 over {plural(topic.count, 'question')}"


def page() -> None:
    eng = engine()
    st.title("History")
    summary = history_summary(eng.store, eng.corpus)
    if not summary.sessions:
        st.write("No sessions yet. Start one from the sidebar.")
        return
    st.dataframe(sessions_table(summary.sessions), hide_index=True, width="stretch")
    if summary.timeline:
        timeline = pd.DataFrame(summary.timeline)
        st.subheader("Score over time by round")
        by_round = timeline.groupby(["date", "round"], as_index=False)["score"].mean()
        st.altair_chart(
            alt.Chart(by_round).mark_line(point=True).encode(x="date:T", y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 100])), color="round:N"),
            width="stretch",
        )
        st.subheader("Score by topic")
        by_tag = timeline.groupby("tag", as_index=False)["score"].mean().sort_values("score")
        # labelLimit 0: Vega cuts axis labels at 180 px by default, and topic names run longer.
        topic_axis = alt.Y("tag:N", sort=None, title="topic", axis=alt.Axis(labelLimit=0))
        st.altair_chart(alt.Chart(by_tag).mark_bar().encode(x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100])), y=topic_axis), width="stretch")
    if summary.weakest:
        st.subheader("Weakest topics")
        for topic in summary.weakest:
            left, right = st.columns([3, 1])
            left.write(topic_line(topic))
            if right.button("Practise", key=f"practise-{topic.round}-{topic.tag}"):
                request_start(StartRequest(topic.round, questions=2, difficulty=3, focus=topic.tag))


page()
