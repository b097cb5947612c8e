"""Streamlit chat interview: `interviewer ui` (or `streamlit run ui/app.py`). The UI only drives interviewer.session.Session."""

from __future__ import annotations

import streamlit as st
from shared import sidebar

st.set_page_config(page_title="interviewer: ML mock interviews", page_icon="🎙️", layout="wide")
interview = st.Page("interview_page.py", title="Interview", icon=":material/forum:", default=True)
page = st.navigation([interview, st.Page("history_page.py", title="History", icon=":material/insights:")])
# Above the page: where the index progress shows while the sidebar resumes a session on a first start.
sidebar(st.container(), on_interview_page=page.url_path == interview.url_path)
page.run()
