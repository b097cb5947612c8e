"""The chat: questions and follow-ups stream in, answers go to Session.answer, the report closes it."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from shared import START_KEY, StartRequest, current_session, engine, request_start, start_requested, wait_for_index

from interviewer.coding import code_stub
from interviewer.report import PointResult, Report, build_report, mechanics_lines, to_markdown, transcript_markdown
from interviewer.session import Session, SessionError
from interviewer.store import StoreError
from interviewer.turns import Turn

PREVIEW_CHARS = 3000
QUEUE_KEY = "queued_answers"
INPUT_KEY = "answer_box"


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


def show_progress(session: Session) -> None:
    """The round clock (as of this run) and, for design questions, which phases the answers have covered."""
    progress = session.progress()
    st.caption(progress.clock.line())
    if progress.phases:
        st.caption(progress.phases_line())


def live_coverage(session: Session) -> None:
    """Practice mode: how much of the current question's rubric the answers cover so far."""
    question = session.current_question()
    assessment = session.assessment(question)
    with st.expander(f"Rubric coverage so far: {question.title}", expanded=True):
        for point in question.rubric:
            grade = assessment.point(point.id)
            wrong = " — stated wrongly" if grade is not None and grade.contradicted else ""
            st.progress(assessment.coverage(point.id), text=f"{point.point} (weight {point.weight:g}){wrong}")


STATUS_STYLE = {  # the terminal report's colours: covered, partial, missed, stated wrongly
    "covered": "color: #1a7f37; font-weight: 600",
    "partial": "color: #9a6700; font-weight: 600",
    "missed": "color: #6e7781",
    "wrong": "color: #cf222e; font-weight: 600",
}


def point_status(p: PointResult) -> str:
    return "wrong" if p.contradicted else "covered" if p.covered else "partial" if p.coverage > 0 else "missed"


def rubric_table(points: list[PointResult]) -> pd.DataFrame:
    """One row per rubric point, as report.md shows it: its status, the point, its weight, coverage in percent, the evidence."""
    return pd.DataFrame(
        {
            "status": [point_status(p) for p in points],
            "rubric point": [p.point for p in points],
            "weight": [f"{p.weight:g}" for p in points],
            "coverage": [f"{p.coverage:.0%}" for p in points],
            # A point with no credit has no evidence: its best-matching sentence would only mislead.
            "evidence from your answer": [f"“{p.evidence}”" if p.evidence and (p.coverage > 0 or p.contradicted) else "—" for p in points],
        }
    )


def show_report(report: Report) -> None:
    st.subheader("Your report")
    left, middle, right = st.columns(3)
    left.metric("Score", f"{report.score:.0f}/100")
    middle.metric("Verdict", report.verdict)
    right.metric("Questions", len(report.questions))
    if report.feedback:
        st.info(report.feedback)
        weakest = report.weakest
        if weakest is not None and st.button(f"Practise {weakest.tags[0]}"):
            request_start(StartRequest(weakest.round, questions=2, difficulty=3, focus=weakest.tags[0]))
    if report.questions:
        scores = pd.DataFrame({"question": [q.title for q in report.questions], "score": [q.score for q in report.questions]})
        titles = alt.Y("question:N", sort=None, axis=alt.Axis(labelLimit=0))  # Vega cuts labels at 180 px by default
        chart = alt.Chart(scores).mark_bar().encode(x=alt.X("score:Q", scale=alt.Scale(domain=[0, 100])), y=titles)
        st.altair_chart(chart, width="stretch")
    for q in report.questions:
        with st.expander(f"{q.title}: {q.score:.0f}/100", expanded=True):
            st.markdown(f"> {q.question}")
            for note in q.notes:
                st.caption(f"Note: {note}")
            st.markdown("\n".join(mechanics_lines(q)))  # time used, clarifying questions, hints
            for p in q.points:
                if p.contradicted:
                    st.error(f"Stated wrongly: “{p.evidence}”. {p.correction}")
            table = rubric_table(q.points)
            # A static table, not a data grid: long points and evidence wrap instead of being cut off.
            st.table(table.style.map(STATUS_STYLE.get, subset=["status"]), hide_index=True)
            if q.code_tests:
                passed = sum(t.passed for t in q.code_tests)
                st.markdown(f"**Your code against the hidden tests: {passed} of {len(q.code_tests)} passed**")
                st.dataframe(
                    pd.DataFrame({"test": [t.test for t in q.code_tests], "input": [t.input for t in q.code_tests],
                                  "expected": [t.expected for t in q.code_tests],
                                  "result": ["pass" if t.passed else t.result for t in q.code_tests]}),
                    hide_index=True, width="stretch",
                )
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


def take_answer(session: Session, queue: list[str]) -> None:
    """Store the oldest queued answer, and only then drop it from the queue and stream the reply.

    Any Streamlit call can be interrupted by a rerun, so none runs between taking the answer
    from the queue and storing it (Session.answer stores before it assesses).
    """
    text = queue[0]
    try:
        receipt = session.answer(text)
    except (SessionError, StoreError) as exc:
        queue.pop(0)
        st.error(str(exc))
        return
    queue.pop(0)
    flash = list(receipt.notes) + (["Recorded as a skip; moving on."] if receipt.kind == "skip" else [])
    st.session_state["flash"] = flash  # shown after the rerun that redraws the chat, next to the answer
    with st.chat_message("user"):
        st.markdown(text[:PREVIEW_CHARS])
    if receipt.kind != "pause":
        reply(session)
    st.rerun()


def queue_input(text: str | None) -> None:
    """Keep a submitted answer in this tab's state at once: a rerun in flight cannot swallow it."""
    if text is not None:
        st.session_state.setdefault(QUEUE_KEY, []).append(text)


def _on_submit() -> None:
    # Streamlit runs a widget's callback for every submission, even when two arrive while one
    # run is in flight and their reruns are merged into one (the merged run sees only the last).
    queue_input(st.session_state.get(INPUT_KEY))


def code_panel(session: Session) -> None:
    """For coding questions: write the function, run the visible examples, submit it as the answer."""
    question = session.current_question()
    assert question.code is not None
    key = f"code-{session.id}-{question.id}"
    st.markdown("**Your code**")
    code = st.text_area("Your code", value=code_stub(question), height=260, key=key, label_visibility="collapsed")
    st.code(code, language="python")  # highlighted view of what will be run
    left, right = st.columns(2)
    if left.button("Run examples", width="stretch"):
        report = session.run_examples(code)
        rows = report.as_table()
        if rows:
            st.dataframe(pd.DataFrame(rows, columns=["example", "call", "expected", "result"]), hide_index=True, width="stretch")
        passed = sum(r[3] == "pass" for r in rows)
        (st.success if rows and passed == len(rows) else st.warning)(
            f"Examples: {passed} of {len(rows)} passed." if rows else f"The code did not run: {report.message}"
        )
    if right.button("Submit code as my answer", type="primary", width="stretch"):
        queue_input(f"```python\n{code.strip()}\n```")
        st.rerun()


def page() -> None:
    eng = engine()
    session = current_session(eng)
    if session is None or START_KEY in st.session_state:
        st.title("ML engineer mock interview")
        st.write(
            "Pick a round in the sidebar and press **Start interview**. The interviewer asks a question, "
            "then drills into what your answer left out and pushes back on what it got wrong. At the end every "
            "answer is graded against a rubric, with the sentence of your answer that earned each point and the model answer."
        )
        # On a first start the index builds while the candidate reads this; the progress bar shows here,
        # below the same words, whether or not Start was pressed.
        start_requested(eng)
        wait_for_index()
        return
    # Read the input before anything else runs; chat_input renders at the bottom wherever it is called.
    if not session.finished:
        # Disabled while this run answers: Streamlit merges two submissions that arrive before the
        # next run starts and keeps only the last, so the box takes one answer per reply.
        busy = bool(st.session_state.get(QUEUE_KEY)) or not session.awaiting_answer
        st.chat_input("Wait for the interviewer…" if busy else "Your answer", key=INPUT_KEY, on_submit=_on_submit, disabled=busy)
    st.title(f"{session.round} interview")
    asked = len(session.asked_questions())
    st.caption(f"Session {session.id} · question {asked} of {len(session.questions)}")
    if session.introduction:
        with st.container(border=True):
            st.markdown(f"**Your interviewer:** {session.introduction}")
    if not session.finished:
        show_progress(session)
    for turn in session.turns:
        show_turn(turn)
    for note in st.session_state.pop("flash", []):
        st.info(note)
    if session.finished:
        st.session_state.pop(QUEUE_KEY, None)
        show_report(build_report(session))
        return
    if st.session_state.get("practice") and session.state().answered:  # the rubric stays hidden until a first answer
        live_coverage(session)
    if not session.awaiting_answer:  # a reply is owed: resumed after a crash, or a rerun cut the last one short
        reply(session)
    queued = st.session_state.get(QUEUE_KEY) or []
    if queued and session.awaiting_answer:
        take_answer(session, queued)
    elif not session.awaiting_answer:
        st.rerun()
    if session.awaiting_answer and session.current_question().code is not None:
        code_panel(session)
    skip, hint = st.columns(2)
    if skip.button("Skip this question", width="stretch"):
        queue_input("")
        st.rerun()
    if hint.button("Hint", icon=":material/lightbulb:", width="stretch", help="the next hint for this question, gentlest first"):
        queue_input("/hint")
        st.rerun()


page()
