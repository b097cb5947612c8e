"""The feedback report of a session: per question and per rubric point, as Markdown and JSON."""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import BaseModel

from interviewer.corpus import Corpus
from interviewer.store import Store
from interviewer.grading import COVERED, CodeTestRow, round_score, verdict_for
from interviewer.session import Session


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

    @property
    def missed(self) -> list[tuple[QuestionResult, PointResult]]:
        return [(q, p) for q in self.questions for p in q.points if not p.covered]


def build_report(session: Session) -> Report:
    """Everything the candidate needs to learn from the session, from what is stored."""
    stored = session.grades()
    grades = []
    results: list[QuestionResult] = []
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
            )
        )
    score = round_score(grades)
    record = session.engine.store.session(session.id)
    return Report(
        session_id=session.id, round=session.round, finished=session.finished, score=score, verdict=verdict_for(score),
        questions=results, usage={k: float(v) for k, v in record.usage.items()}, feedback=session.feedback(),
        transcript=[Transcript(role=t.role, kind=t.kind, question_id=t.question_id, text=t.text, at=t.created_at) for t in session.turns],
    )


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
    for i, q in enumerate(report.questions, 1):
        lines += ["", f"## {i}. {q.title} — {q.score:.0f}/100", "", f"> {q.question}", ""]
        if q.skipped:
            lines += ["You skipped this question.", ""]
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


def history_summary(store: Store, corpus: Corpus | None = None, limit: int = 50) -> History:
    """Past sessions, mean score per round, weakest tags and a score timeline for charts."""
    records = store.sessions(limit)
    graded = store.all_grades()
    answered = Counter(record.id for record, _ in graded)
    sessions = [
        SessionSummary(id=r.id, created_at=r.created_at, round=r.round, status=r.status,
                       answered=answered.get(r.id, 0), score=r.score, verdict=r.verdict)
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
