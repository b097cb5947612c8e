"""Past sessions, progress by round and topic, and the weakest topics to practise."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from shared import engine, start_session

from interviewer.report import history_summary


def page() -> None:
    eng = engine()
    st.title("History")
    summary = history_summary(eng.store, eng.corpus)
    if not summary.sessions:
        st.write("No sessions yet. Start one from the sidebar.")
        return
    sessions = pd.DataFrame([s.model_dump() for s in summary.sessions])
    st.dataframe(sessions[["id", "created_at", "round", "answered", "score", "verdict", "status"]], hide_index=True, width="stretch")
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
        st.altair_chart(alt.Chart(by_tag).mark_bar().encode(x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100])), y=alt.Y("tag:N", sort=None)), width="stretch")
    if summary.weakest:
        st.subheader("Weakest topics")
        for topic in summary.weakest:
            left, right = st.columns([3, 1])
            left.write(f"**{topic.tag}** ({topic.round}): {topic.mean:.0f}/100 over {topic.count} answers")
            if right.button("Practise", key=f"practise-{topic.round}-{topic.tag}"):
                start_session(eng, topic.round, 2, 3, focus=topic.tag)
                st.switch_page("interview_page.py")


page()
