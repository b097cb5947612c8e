"""The feedback report of a session: per question and per rubric point, as Markdown and JSON."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel

from interviewer.corpus import Corpus
from interviewer.store import Store
from interviewer.grading import COVERED, CodeTestRow, round_score, verdict_for
from interviewer.session import Session
from interviewer.clock import clock_text
from interviewer.turns import Turn, TurnKind


class PointResult(BaseModel):
    point_id: str
    point: str
    weight: float
    coverage: float
    covered: bool
    evidence: str
    contradicted: bool = False
    correction: str = ""


class QuestionResult(BaseModel):
    question_id: str
    round: str
    title: str
    question: str
    tags: list[str]
    score: float
    grader: str
    notes: list[str]
    points: list[PointResult]
    follow_ups: list[str]
    answers: list[str]
    skipped: bool
    reference_answer: str
    code_tests: list[CodeTestRow] = []
    hints_total: int = 0  # authored hints the question has
    hints_used: list[str] = []  # the hints given, in order
    clarifications: list[Clarification] = []
    seconds: float = 0.0  # time spent on the question, thinking pauses excluded
    share_seconds: float = 0.0  # the question's share of the round


class Clarification(BaseModel):
    """A clarifying question the candidate asked and what the interviewer told them."""

    asked: str
    answer: str


class Transcript(BaseModel):
    role: str
    kind: str
    question_id: str
    text: str
    at: str


class Report(BaseModel):
    session_id: str
    round: str
    finished: bool
    score: float
    verdict: str
    questions: list[QuestionResult]
    usage: dict[str, float]
    feedback: str
    transcript: list[Transcript]
    introduction: str = ""
    duration_seconds: float = 0.0
    elapsed_seconds: float = 0.0

    @property
    def missed(self) -> list[tuple[QuestionResult, PointResult]]:
        return [(q, p) for q in self.questions for p in q.points if not p.covered]

    @property
    def weakest(self) -> QuestionResult | None:
        """The lowest-scoring question (skipped ones count): its first tag is the topic the feedback says to practise next."""
        return min(self.questions, key=lambda q: q.score) if self.questions else None


def build_report(session: Session) -> Report:
    """Everything the candidate needs to learn from the session, from what is stored."""
    stored = session.grades()
    grades = []
    results: list[QuestionResult] = []
    clock = session.clock()
    seconds = session.question_seconds()
    for question in session.asked_questions():
        grade = stored.get(question.id) or session.assessment(question)  # not graded yet: the live view
        grades.append(grade)
        state = session.state(question)
        points = [
            PointResult(
                point_id=p.id, point=p.point, weight=p.weight, coverage=g.coverage,
                covered=g.coverage >= COVERED and not g.contradicted, evidence=g.evidence,
                contradicted=g.contradicted, correction=g.correction,
            )
            for p, g in zip(question.rubric, grade.points)
        ]
        results.append(
            QuestionResult(
                question_id=question.id, round=question.round, title=question.title, question=question.question,
                tags=list(question.tags), score=grade.score, grader=grade.grader, notes=list(grade.notes), points=points,
                follow_ups=[t.text for t in state.turns if t.kind == "follow_up"],
                answers=[t.text for t in state.turns if t.kind == "answer"],
                skipped=not any(t.kind == "answer" for t in state.turns),
                reference_answer=question.reference_answer, code_tests=list(grade.code_tests),
                hints_total=len(question.hints), hints_used=[question.hints[i] for i in state.hints_given()],
                clarifications=clarifications(state.turns), seconds=round(seconds.get(question.id, 0.0), 1),
                share_seconds=round(clock.share_s, 1),
            )
        )
    score = round_score(grades)
    record = session.engine.store.session(session.id)
    return Report(
        session_id=session.id, round=session.round, finished=session.finished, score=score, verdict=verdict_for(score),
        questions=results, usage={k: float(v) for k, v in record.usage.items()}, feedback=session.feedback(),
        transcript=[Transcript(role=t.role, kind=t.kind, question_id=t.question_id, text=t.text, at=t.created_at) for t in session.turns],
        introduction=session.introduction, duration_seconds=clock.duration_s, elapsed_seconds=round(clock.elapsed_s, 1),
    )


def clarifications(turns: Sequence[Turn]) -> list[Clarification]:
    """Each clarifying question paired with the interviewer's answer to it."""
    pairs = zip(turns, turns[1:])
    return [Clarification(asked=a.text, answer=b.text) for a, b in pairs
            if a.kind == TurnKind.CLARIFICATION and b.kind == TurnKind.CLARIFICATION_ANSWER]


def to_markdown(report: Report) -> str:
    lines = [
        f"# Interview report: {report.round}",
        "",
        f"Session `{report.session_id}` · score **{report.score:.0f}/100** · verdict **{report.verdict}**"
        + ("" if report.finished else " · (not finished)"),
    ]
    if report.feedback:
        lines += ["", report.feedback]
    if report.usage:
        usage = ", ".join(f"{k.replace('_', ' ')}: {_number(k, v)}" for k, v in sorted(report.usage.items()))
        lines += ["", f"Model usage: {usage}"]
    if report.duration_seconds:
        lines += ["", f"Time: {clock_text(report.elapsed_seconds)} of {clock_text(report.duration_seconds)} "
                      "(thinking pauses excluded)."]
    for i, q in enumerate(report.questions, 1):
        lines += ["", f"## {i}. {q.title} — {q.score:.0f}/100", "", f"> {q.question}", ""]
        if q.skipped:
            lines += ["You skipped this question.", ""]
        mechanics = mechanics_lines(q)
        lines += [*mechanics, ""] if mechanics else []
        lines += ["| | rubric point | weight | coverage | evidence from your answer |", "|---|---|---|---|---|"]
        for p in q.points:
            mark = "⚠️ wrong" if p.contradicted else "✅" if p.covered else "❌"
            evidence = f"“{_cell(p.evidence)}”" if p.evidence and (p.coverage > 0 or p.contradicted) else "—"
            lines.append(f"| {mark} | {_cell(p.point)} | {p.weight:g} | {p.coverage:.0%} | {evidence} |")
        if q.code_tests:
            passed = sum(t.passed for t in q.code_tests)
            lines += ["", f"**Your code against the hidden tests: {passed} of {len(q.code_tests)} passed.**", "",
                      "| test | input | expected | result |", "|---|---|---|---|"]
            lines += [f"| {_cell(t.test)} | {_code_cell(t.input)} | {_code_cell(t.expected)} | {'✅ pass' if t.passed else '❌ ' + _cell(t.result)} |" for t in q.code_tests]
        wrong = [p for p in q.points if p.contradicted]
        if wrong:
            lines += ["", "**Stated wrongly:**", *(f"- You said “{_cell(p.evidence)}”. {p.correction}" for p in wrong)]
        missed = [p.point for p in q.points if not p.covered and not p.contradicted]
        if missed:
            lines += ["", "**To work on:**", *(f"- {m}" for m in missed)]
        for note in q.notes:
            lines += ["", f"_Note: {note}._"]
        lines += ["", f"_Graded by: {q.grader}._", "", "<details><summary>Model answer</summary>", "", q.reference_answer.strip(), "", "</details>"]
    return "\n".join(lines) + "\n"


def transcript_markdown(report: Report) -> str:
    lines = [f"# Transcript: {report.round} (session {report.session_id})", ""]
    for t in report.transcript:
        who = "Interviewer" if t.role == "interviewer" else "You"
        lines += [f"**{who}** ({t.at}):", "", t.text or "_(no answer)_", ""]
    return "\n".join(lines)


def time_line(q: QuestionResult) -> str:
    """The time used against the question's share, or '' when the round had no clock."""
    if not q.share_seconds:
        return ""
    over = " (over its share)" if q.seconds > q.share_seconds else ""
    return f"Time on this question: {clock_text(q.seconds)} of its {clock_text(q.share_seconds)} share{over}"


def hints_count(q: QuestionResult) -> str:
    return f"Hints used: {len(q.hints_used)} of {q.hints_total}"


def hints_cost(q: QuestionResult) -> str:
    """What taking the last hint costs, said once it was taken."""
    return " (points covered only after the last hint earn at most half credit)" if len(q.hints_used) == q.hints_total else ""


def mechanics_lines(q: QuestionResult) -> list[str]:
    """Time used, clarifying questions asked and hints taken on one question (Markdown lines; the page shows them too)."""
    lines = [f"{time_line(q)}."] if q.share_seconds else []
    if q.clarifications:
        lines += ["", "**Clarifying questions you asked:**", *(f"- “{_cell(c.asked)}” → {_cell(c.answer)}" for c in q.clarifications)]
    if q.hints_used:
        lines += ["", f"**{hints_count(q)}**{hints_cost(q)}:", *(f"{n}. {_cell(h)}" for n, h in enumerate(q.hints_used, 1))]
    elif q.hints_total:
        lines.append("Hints used: none.")
    return lines


def _code_cell(text: str) -> str:
    """A hidden test shows its input and expected value only when it fails."""
    return f"`{_cell(text)}`" if text else "(hidden)"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _number(key: str, value: float) -> str:
    return f"${value:.4f}" if key.endswith("usd") else f"{value:,.0f}"


class SessionSummary(BaseModel):
    id: str
    created_at: str
    round: str
    status: str
    answered: int
    score: float | None
    verdict: str | None


class TopicScore(BaseModel):
    tag: str
    round: str
    mean: float
    count: int


class History(BaseModel):
    sessions: list[SessionSummary]
    by_round: dict[str, float]
    weakest: list[TopicScore]
    timeline: list[dict[str, str | float]]


def answered_count(store: Store, session_id: str) -> int:
    """Questions the candidate answered at least once; skipped, unasked and ended-before questions do not count."""
    return len({t.question_id for t in store.turns(session_id) if t.kind == TurnKind.ANSWER})


def history_summary(store: Store, corpus: Corpus | None = None, limit: int = 50) -> History:
    """Past sessions, mean score per round, weakest tags and a score timeline for charts."""
    records = store.sessions(limit)
    graded = store.all_grades()
    sessions = [
        SessionSummary(id=r.id, created_at=r.created_at, round=r.round, status=r.status,
                       answered=answered_count(store, r.id), score=r.score, verdict=r.verdict)
        for r in records
    ]
    by_round: dict[str, list[float]] = defaultdict(list)
    by_tag: dict[tuple[str, str], list[float]] = defaultdict(list)
    timeline: list[dict[str, str | float]] = []
    for record, grade in graded:
        question = corpus.by_id.get(grade.question_id) if corpus else None
        round_name = question.round if question else grade.question_id.split(".")[0]
        by_round[round_name].append(grade.score)
        # A question's first tag is its topic; the others are too broad to practise from.
        topic = question.tags[0] if question else grade.question_id.split(".", 1)[-1]
        by_tag[(topic, round_name)].append(grade.score)
        timeline.append({"date": record.created_at[:10], "round": round_name, "tag": topic, "score": grade.score})
    topics = [TopicScore(tag=t, round=r, mean=sum(v) / len(v), count=len(v)) for (t, r), v in by_tag.items()]
    return History(
        sessions=sessions,
        by_round={r: sum(v) / len(v) for r, v in sorted(by_round.items())},
        weakest=sorted(topics, key=lambda t: (t.mean, -t.count))[:5],
        timeline=timeline,
    )
