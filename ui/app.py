"""Streamlit chat interview: `interviewer ui` (or `streamlit run ui/app.py`). The UI only drives interviewer.session.Session."""

from __future__ import annotations

import streamlit as st
from shared import sidebar

st.set_page_config(page_title="interviewer: ML mock interviews", page_icon=":material/record_voice_over:", layout="wide")
page = st.navigation(
    [
        st.Page("interview_page.py", title="Interview", icon=":material/forum:", default=True),
        st.Page("history_page.py", title="History", icon=":material/insights:"),
    ]
)
sidebar()
page.run()
