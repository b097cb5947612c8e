"""The chat: questions and follow-ups stream in, answers go to Session.answer, the report closes it."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from shared import current_session, engine

from interviewer.report import Report, build_report, to_markdown, transcript_markdown
from interviewer.session import Session, SessionError
from interviewer.turns import Turn

PREVIEW_CHARS = 3000


def show_turn(turn: Turn) -> None:
    if turn.kind == "notice":
        st.warning(turn.text)
        return
    role = "assistant" if turn.role == "interviewer" else "user"
    with st.chat_message(role):
        if turn.kind == "skip":
            st.caption("(skipped)")
        elif turn.kind == "end":
            st.caption("(ended the interview)")
        elif len(turn.text) > PREVIEW_CHARS:
            st.text(turn.text[:PREVIEW_CHARS] + f"… ({len(turn.text):,} characters in all)")
        else:
            st.markdown(turn.text)


def live_coverage(session: Session) -> None:
    """Practice mode: how much of the current question's rubric the answers cover so far."""
    question = session.current_question()
    assessment = session.assessment(question)
    with st.expander(f"Rubric coverage so far: {question.title}", expanded=True):
        for point in question.rubric:
            grade = assessment.point(point.id)
            wrong = " — stated wrongly" if grade is not None and grade.contradicted else ""
            st.progress(assessment.coverage(point.id), text=f"{point.point} (weight {point.weight:g}){wrong}")


def show_report(report: Report) -> None:
    st.subheader("Your report")
    left, middle, right = st.columns(3)
    left.metric("Score", f"{report.score:.0f}/100")
    middle.metric("Verdict", report.verdict)
    right.metric("Questions", len(report.questions))
    if report.feedback:
        st.info(report.feedback)
    if report.questions:
        scores = pd.DataFrame({"question": [q.title for q in report.questions], "score": [q.score for q in report.questions]})
        chart = alt.Chart(scores).mark_bar().encode(x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100])), y=alt.Y("question:N", sort=None))
        st.altair_chart(chart, width="stretch")
    for q in report.questions:
        with st.expander(f"{q.title}: {q.score:.0f}/100", expanded=True):
            st.markdown(f"> {q.question}")
            for note in q.notes:
                st.caption(f"Note: {note}")
            for p in q.points:
                if p.contradicted:
                    st.error(f"Stated wrongly: “{p.evidence}”. {p.correction}")
            table = pd.DataFrame(
                {
                    "covered": [p.covered for p in q.points],
                    "status": ["wrong" if p.contradicted else "covered" if p.covered else "missed" for p in q.points],
                    "rubric point": [p.point for p in q.points],
                    "weight": [p.weight for p in q.points],
                    "coverage": [round(p.coverage, 2) for p in q.points],
                    "evidence from your answer": [p.evidence or "—" for p in q.points],
                }
            )
            st.dataframe(table, hide_index=True, width="stretch", column_config={"covered": st.column_config.CheckboxColumn()})
            st.markdown("**Model answer**")
            st.markdown(q.reference_answer)
            st.caption(f"Graded by {q.grader}.")
    if report.usage:
        st.caption("Model usage: " + ", ".join(f"{k}: {v:g}" for k, v in report.usage.items()))
    cols = st.columns(3)
    cols[0].download_button("Report (Markdown)", to_markdown(report), f"report-{report.session_id}.md", "text/markdown")
    cols[1].download_button("Report (JSON)", report.model_dump_json(indent=2), f"report-{report.session_id}.json", "application/json")
    cols[2].download_button("Transcript (Markdown)", transcript_markdown(report), f"transcript-{report.session_id}.md", "text/markdown")


def reply(session: Session) -> None:
    with st.chat_message("assistant"):
        st.write_stream(session.stream_reply())


def take_answer(session: Session, text: str) -> None:
    try:
        receipt = session.answer(text)
    except SessionError as exc:
        st.error(str(exc))
        return
    # Shown after the rerun that redraws the chat, next to the answer they are about.
    flash = list(receipt.notes) + (["Recorded as a skip; moving on."] if receipt.kind == "skip" else [])
    st.session_state["flash"] = flash
    if receipt.kind != "pause":
        reply(session)
    st.rerun()


def page() -> None:
    eng = engine()
    session = current_session(eng)
    if session is None:
        st.title("ML engineer mock interview")
        st.write(
            "Pick a round in the sidebar and press **Start interview**. The interviewer asks a question, "
            "then drills into what your answer left out. At the end every answer is graded against a rubric, "
            "with the sentence of your answer that earned each point and the model answer."
        )
        return
    st.title(f"{session.round} interview")
    asked = len(session.asked_questions())
    st.caption(f"Session {session.id} · question {asked} of {len(session.questions)}")
    for turn in session.turns:
        show_turn(turn)
    for note in st.session_state.pop("flash", []):
        st.info(note)
    if session.finished:
        show_report(build_report(session))
        return
    if st.session_state.get("practice"):
        live_coverage(session)
    if not session.awaiting_answer:  # resumed after a crash between an answer and the reply
        reply(session)
        st.rerun()
    if st.button("Skip this question"):
        take_answer(session, "")
    text = st.chat_input("Your answer")
    if text is not None:
        with st.chat_message("user"):
            st.markdown(text[:PREVIEW_CHARS])
        take_answer(session, text)


page()
