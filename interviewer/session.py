"""The interview, orchestrated: store the turn, assess, plan (interviewer.planner), ask the provider.

All state is derived from the stored turns, so a session resumes exactly where it stopped;
every candidate turn is stored before anything that can fail runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeVar

from interviewer.coding import CodeReport, run_examples
from interviewer.corpus import FULL_LOOP, Question
from interviewer.engine import Engine
from interviewer.clarify import Clarifier, fact_line, finder_for, offline_reply
from interviewer.clock import ClockReading, TimedTurn, question_seconds, reading, timed_turns
from interviewer.grading import AnswerPart, QuestionGrade, round_score, verdict_for, with_clarifications, with_hint_cap
from interviewer.planner import (
    FollowUpPlan, Progress, QuestionState, UnknownRound, candidate_turn_kind, hint_reply, introduction, is_skip, next_follow_up,
    phase_progress, pick_questions,
)
from interviewer.prompts import phrase, render, words
from interviewer.providers import Exchange, FollowUpContext, Provider, ProviderError, ProviderUnavailable, QuestionSummary
from interviewer.store import SessionRecord
from interviewer.tokens import Usage
from interviewer.turns import ClarificationPayload, ClosingPayload, Empty, Payload, Role, Turn, TurnKind

__all__ = ["AnswerReceipt", "Session", "SessionError", "UnknownRound", "is_skip"]

MAX_STORED_CHARS = 100_000
_ASSESSED = (TurnKind.ANSWER, TurnKind.CLARIFICATION, TurnKind.CLARIFICATION_ANSWER)  # the turns a live assessment depends on
T = TypeVar("T")


class SessionError(RuntimeError):
    """The session cannot do what was asked in its current state."""


def question_text(question: Question) -> str:
    """The question as asked; a coding question adds the signature to write and its visible examples."""
    if question.code is None:
        return question.question
    examples = "\n".join(f"    {e.call}  ->  {e.expected}" for e in question.code.examples)
    return render(phrase("offline.yaml", "code_question"), question=question.question, signature=question.code.signature, examples=examples)


Clock = Callable[[], float]  # seconds since the epoch; tests pass a fake so the round clock never sleeps


@dataclass(frozen=True)
class AnswerReceipt:
    """What became of a candidate message. A clarification or hint request is answered by the next reply."""

    kind: Literal["answer", "skip", "pause", "clarification", "hint"]
    notes: tuple[str, ...]
    assessment: QuestionGrade | None


class Session:
    """One interview; the CLI, the Streamlit app and the evals all drive this class."""

    def __init__(self, engine: Engine, record: SessionRecord, now: Clock | None = None) -> None:
        self.engine = engine
        self.record = record
        self.now: Clock = now or time.time
        self.questions = [engine.corpus.by_id[qid] for qid in record.plan if qid in engine.corpus.by_id]
        if not self.questions:
            raise SessionError(f"session {record.id}: none of its questions are in the corpus any more")
        self.turns: list[Turn] = engine.store.turns(record.id)
        self._provider: Provider | None = None  # resolved on first use: building it loads the index and the model
        self._assessments: dict[tuple[str, int], QuestionGrade] = {}

    @classmethod
    def start(
        cls,
        engine: Engine,
        round_name: str,
        questions: int | None = None,
        seed: int | None = None,
        focus: str | None = None,
        max_difficulty: int | None = None,
        now: Clock | None = None,
    ) -> Session:
        """Pick the questions, store the session with its first question, and return it."""
        settings = engine.settings
        count = questions or (1 if round_name == FULL_LOOP else settings.questions)
        preferred = engine.focus_ids(focus, round_name) if focus else []
        picked = pick_questions(engine.corpus, round_name, count, seed, max_difficulty or settings.max_difficulty, preferred)
        clock = now or time.time
        minutes = max(1, settings.round_minutes) * (len({q.round for q in picked}) if round_name == FULL_LOOP else 1)
        meta = {
            **settings.public(), "seed": seed, "focus": focus, "provider": engine.provider_name,
            # The clock starts with the first question; the introduction is stored with the session it opened.
            "started_at": clock(), "duration_s": 60.0 * minutes, "intro": introduction(round_name, minutes, len(picked)),
        }
        first = render(phrase("offline.yaml", "first_question"), question=question_text(picked[0]))
        session_id = engine.store.create_session(round_name, [q.id for q in picked], meta, first_turn=(picked[0].id, first))
        return cls(engine, engine.store.session(session_id), now)

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            self._provider = self.engine.provider
        return self._provider

    @classmethod
    def resume(cls, engine: Engine, id_or_prefix: str, now: Clock | None = None) -> Session:
        return cls(engine, engine.store.session(id_or_prefix), now)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def round(self) -> str:
        return self.record.round

    @property
    def finished(self) -> bool:
        return any(t.kind == TurnKind.CLOSING for t in self.turns)

    @property
    def ending(self) -> bool:
        """The candidate asked to end; grading and the closing turn may still be owed."""
        return any(t.kind == TurnKind.END for t in self.turns)

    @property
    def awaiting_answer(self) -> bool:
        last = self._last_exchange()
        return last is not None and last.asks and not self.ending

    def pending_message(self) -> Turn | None:
        """The interviewer message the candidate has yet to answer."""
        return self._last_exchange() if self.awaiting_answer else None

    def current_question(self) -> Question:
        last = self._last_exchange()
        return self.engine.corpus.by_id.get(last.question_id, self.questions[0]) if last else self.questions[0]

    def state(self, question: Question | None = None) -> QuestionState:
        question = question or self.current_question()
        return QuestionState(question, tuple(t for t in self.turns if t.question_id == question.id))

    def answer(self, text: str) -> AnswerReceipt:
        """Store the answer first, then assess it; the reply comes from `stream_reply`."""
        if self.finished or self.ending:
            raise SessionError("this interview has finished; start a new one or read its report")
        pending = self.pending_message()
        if pending is None:
            raise SessionError("the interviewer has not asked anything yet; get the reply first")
        notes: list[str] = []
        text = text.replace("\x00", "").strip()
        if len(text) > MAX_STORED_CHARS:
            text = text[:MAX_STORED_CHARS]
            notes.append(f"answer cut to its first {MAX_STORED_CHARS:,} characters")
        kind = candidate_turn_kind(text)
        self._add("candidate", kind, pending.question_id, text)
        if kind == TurnKind.PAUSE:
            return AnswerReceipt("pause", (*notes, phrase("offline.yaml", "take_your_time")), None)
        if kind in (TurnKind.CLARIFICATION, TurnKind.HINT_REQUEST):  # answered by the next reply; nothing is graded
            return AnswerReceipt("clarification" if kind == TurnKind.CLARIFICATION else "hint", tuple(notes), None)
        if kind == TurnKind.SKIP:
            return AnswerReceipt("skip", tuple(notes), None)
        assessment = self.assessment()
        notes.extend(assessment.notes)
        return AnswerReceipt("answer", tuple(notes), assessment)

    def hint(self) -> str:
        """The current question's next authored hint (stored, in order), or word that none is left."""
        pending = self.pending_message()
        if pending is None:
            raise SessionError("there is no open question to give a hint for")
        self._add("candidate", TurnKind.HINT_REQUEST, pending.question_id, "/hint")
        return self.reply()

    def assessment(self, question: Question | None = None) -> QuestionGrade:
        """The offline judge's live view of the rubric so far (drives follow-ups and push-backs)."""
        state = self.state(question)
        # Only answers and clarifications change it; follow-ups, hints and pauses do not.
        key = (state.question.id, sum(t.kind in _ASSESSED for t in state.turns))
        if key not in self._assessments:
            grade = self.engine.judge.grade(state.question, state.answer_parts())
            credited = with_clarifications(state.question, grade, state.clarifying_questions(), state.facts_given(), state.unanswered_asks())
            self._assessments[key] = credited.model_copy(update={"notes": grade.notes})  # the credit note belongs in the report, not every answer
        return self._assessments[key]

    def clock(self) -> ClockReading:
        """Elapsed and remaining time of the round, and the current question's use of its share."""
        duration = float(self.record.settings.get("duration_s") or 60.0 * self.engine.settings.round_minutes)
        return reading(self._timed(), self.now(), duration, len(self.questions), self.current_question().id)

    def question_seconds(self) -> dict[str, float]:
        """Seconds spent on each question so far (thinking pauses excluded)."""
        return question_seconds(self._timed(), self.now())

    def progress(self) -> Progress:
        """The clock and the current question's design phases (assessed only once it has been answered or asked about)."""
        state = self.state()
        spoken = state.answered or bool(state.clarifying_questions())
        covered = self.assessment(state.question).covered_ids() if spoken and any(p.phase for p in state.question.rubric) else []
        return Progress(self.clock(), phase_progress(state.question, covered))

    @property
    def introduction(self) -> str:
        """What the interviewer said about themselves and the round before the first question."""
        return str(self.record.settings.get("intro") or "")

    def stream_reply(self) -> Iterator[str]:
        """The interviewer's next message, chunk by chunk; it is stored once complete."""
        if self.finished:
            return
        if self.ending:
            yield from self._finish()
            return
        if self.awaiting_answer:
            return
        state = self.state()
        last = self._last_exchange()
        if last is not None and last.kind == TurnKind.CLARIFICATION:
            yield from self._answer_clarification(state, last.text)
            return
        if last is not None and last.kind == TurnKind.HINT_REQUEST:
            yield from self._give_hint(state)
            return
        out_of_time = last is not None and last.kind == TurnKind.ANSWER and self.clock().question_over
        plan = None if out_of_time else self._plan(state, last)
        if plan is not None and last is not None:
            yield from self._stream_follow_up(state, plan, last.text)
            return
        self._close_question(state.question)
        upcoming = self._next_question()
        if upcoming is None:
            yield from self._finish()
            return
        text = self._question_text(upcoming, after_skip=last is not None and last.kind == TurnKind.SKIP, previous=state.question)
        if out_of_time:
            text = f"{phrase('offline.yaml', 'time_up')} {text}"
        self._add("interviewer", TurnKind.QUESTION, upcoming.id, text)
        yield from words(text)

    def reply(self) -> str:
        return "".join(self.stream_reply())

    def end(self) -> None:
        """Finish now: store the request, grade what was answered and close the session."""
        if self.finished:
            return
        if not self.ending:
            self._add("candidate", TurnKind.END, self.current_question().id, "/end")
        for _ in self._finish():
            pass

    def run_examples(self, code: str) -> CodeReport:
        """Run code against the current question's visible examples, as an interviewer lets you before you submit."""
        question = self.current_question()
        if question.code is None:
            raise SessionError("this question does not ask for code, so there are no examples to run")
        return run_examples(question, code)

    def grades(self) -> dict[str, QuestionGrade]:
        return self.engine.store.grades(self.id)

    def asked_questions(self) -> list[Question]:
        asked = {t.question_id for t in self.turns if t.kind == TurnKind.QUESTION}
        return [q for q in self.questions if q.id in asked]

    def answered_questions(self) -> list[Question]:
        return [q for q in self.asked_questions() if self.state(q).answered]

    def feedback(self) -> str:
        """The closing feedback paragraph, once the session has finished."""
        closing = next((t.payload for t in self.turns if t.kind == TurnKind.CLOSING), None)
        return closing.feedback if isinstance(closing, ClosingPayload) else ""

    # -- internals -------------------------------------------------------------------------

    def _plan(self, state: QuestionState, last: Turn | None) -> FollowUpPlan | None:
        limit = self.engine.settings.follow_ups_for(state.question.round)
        if last is None or last.kind != TurnKind.ANSWER or state.follow_up_count >= limit:
            return None
        return next_follow_up(state, self.assessment(), phrase("offline.yaml", "steer"), phrase("offline.yaml", "steer_phases"))

    def _answer_clarification(self, state: QuestionState, asked: str) -> Iterator[str]:
        """Answer from the question's facts: found by meaning offline, then phrased by the model when it can."""
        question = state.question
        found = finder_for(self.engine.embedder).clarify(question, asked)
        text, by_model = offline_reply(question, found), False
        provider = self.provider
        if isinstance(provider, Clarifier) and question.facts:
            try:
                written = provider.clarify(question, asked, [fact_line(f) for f in question.facts])
                self._record_usage(written.usage)
                text, by_model = (written.text.strip(), True) if written.text.strip() else (text, False)
            except ProviderError as exc:  # the facts found offline answer instead
                self._record_usage(exc.usage)
                if isinstance(exc, ProviderUnavailable):
                    self._fall_back(exc)
        payload = ClarificationPayload(facts=found.fact_indexes, unanswered=found.unanswered, by_model=by_model)
        self._add("interviewer", TurnKind.CLARIFICATION_ANSWER, question.id, text, payload)
        yield from words(text)

    def _give_hint(self, state: QuestionState) -> Iterator[str]:
        text, payload = hint_reply(state)
        self._add("interviewer", TurnKind.HINT, state.question.id, text, payload)
        yield from words(text)

    def _timed(self) -> list[TimedTurn]:
        return timed_turns(self.turns, self.record.settings.get("started_at"))

    def _stream_follow_up(self, state: QuestionState, plan: FollowUpPlan, answer: str) -> Iterator[str]:
        context = FollowUpContext(
            round=state.question.round, question=state.question, answer=answer, assessment=self.assessment(),
            plan=plan, history=self._history(), find_related=lambda: self.engine.related(state.question),
        )
        pieces: list[str] = []
        reply = self.provider.stream_follow_up(context)
        try:
            for piece in reply:
                pieces.append(piece)
                yield piece
            self._record_usage(reply.usage)
        except ProviderError as exc:
            self._record_usage(exc.usage)
            notice = self._fall_back(exc)
            yield f"{chr(10) if pieces else ''}({notice})\n"
            pieces = []
        if not "".join(pieces).strip():  # the model failed or said nothing: ask the planned question offline
            pieces = list(self.engine.offline.stream_follow_up(context))
            yield from pieces
        self._add("interviewer", TurnKind.FOLLOW_UP, state.question.id, "".join(pieces).strip(), plan.payload())

    def _call(self, ask: Callable[[], T], offline: Callable[[], T], what: str) -> tuple[T, str | None]:
        """Ask the provider; on failure record what it cost, fall back offline, and say why."""
        try:
            return ask(), None
        except ProviderError as exc:
            self._record_usage(exc.usage)
            if isinstance(exc, ProviderUnavailable):
                self._fall_back(exc)
            return offline(), f"{what} by the offline engine: the model failed ({exc})"

    def _fall_back(self, exc: Exception) -> str:
        """Switch to the offline engine for the rest of the session, saying so in the transcript."""
        notice = f"The model endpoint failed ({exc}); the interview continues on the offline engine."
        if self.provider is not self.engine.offline:
            self._add("interviewer", TurnKind.NOTICE, self.current_question().id, notice)
            self._provider = self.engine.offline
        return notice

    def _record_usage(self, usage: Usage) -> None:
        if usage.calls:
            self.engine.store.add_usage(
                self.id, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                calls=usage.calls, cost_usd=usage.cost_usd,
            )

    def _close_question(self, question: Question) -> None:
        state = self.state(question)
        parts = state.answer_parts()
        grade, failure = self._grade(question, parts)
        before = state.answers_before_last_hint()
        if before is not None and parts:  # what was covered before the strongest hint keeps full credit
            grade = with_hint_cap(question, grade, self._grade(question, before)[0] if before else None)
        if parts:  # a skipped question earns nothing, however good the questions asked before it
            grade = with_clarifications(question, grade, state.clarifying_questions(), state.facts_given(), state.unanswered_asks())
        if failure:
            grade = grade.model_copy(update={"notes": (*grade.notes, failure)})
        self.engine.store.save_grade(self.id, grade)

    def _grade(self, question: Question, parts: list[AnswerPart]) -> tuple[QuestionGrade, str | None]:
        """The provider's grade (the offline one if it fails, with a note saying so); its usage is recorded."""
        provider = self.provider
        graded, failure = self._call(lambda: provider.grade(question, parts), lambda: self.engine.offline.grade(question, parts), "graded")
        self._record_usage(graded.usage)
        return graded.grade, failure

    def _finish(self) -> Iterator[str]:
        graded = self.grades()
        for question in self.answered_questions():
            if question.id not in graded:
                self._close_question(question)
        grades = self.grades()  # skipped questions were graded 0 when the interview moved on; unasked ones never are
        score = round_score(list(grades.values()))
        summaries = [self._summary(q, grades[q.id]) for q in self.asked_questions() if q.id in grades]
        provider = self.provider
        written, failure = self._call(lambda: provider.feedback(self.round, summaries), lambda: self.engine.offline.feedback(self.round, summaries), "Written")
        self._record_usage(written.usage)
        feedback = f"{written.text} ({failure}.)" if failure else written.text
        text = phrase("offline.yaml", "closing")
        self._add("interviewer", TurnKind.CLOSING, self.current_question().id, text, ClosingPayload(feedback=feedback))
        self.engine.store.finish_session(self.id, score, verdict_for(score))
        yield from words(text)

    def _summary(self, question: Question, grade: QuestionGrade) -> QuestionSummary:
        covered = set(grade.covered_ids())
        wrong = {p.point_id for p in grade.contradicted()}
        ranked = sorted(question.rubric, key=lambda p: -p.weight)
        return QuestionSummary(
            title=question.title, tag=question.tags[0], score=grade.score,
            covered=tuple(p.point for p in ranked if p.id in covered),
            missed=tuple(p.point for p in ranked if p.id not in covered and p.id not in wrong),
            contradicted=tuple(p.point for p in ranked if p.id in wrong),
        )

    def _next_question(self) -> Question | None:
        asked = {q.id for q in self.asked_questions()}
        return next((q for q in self.questions if q.id not in asked), None)

    def _question_text(self, q: Question, after_skip: bool, previous: Question) -> str:
        if previous.round != q.round:
            text = render(phrase("offline.yaml", "round_change"), round=q.round, question=question_text(q))
        else:
            text = render(phrase("offline.yaml", "next_question"), question=question_text(q))
        return f"{phrase('offline.yaml', 'skip_ack')} {text}" if after_skip else text

    def _history(self) -> tuple[Exchange, ...]:
        skipped = (TurnKind.NOTICE, TurnKind.END, TurnKind.PAUSE, TurnKind.HINT_REQUEST)
        window = [t for t in self.turns if t.kind not in skipped][-2 * self.engine.settings.history_turns :]
        return tuple(Exchange(t.role, t.text) for t in window)

    def _last_exchange(self) -> Turn | None:
        return next((t for t in reversed(self.turns) if t.kind not in (TurnKind.NOTICE, TurnKind.PAUSE)), None)

    def _add(self, role: Role, kind: TurnKind, question_id: str, text: str, payload: Payload | None = None) -> Turn:
        payload = (payload or Empty()).model_copy(update={"at": self.now()})
        turn = self.engine.store.add_turn(self.id, role, kind, question_id, text, payload)
        self.turns.append(turn)
        return turn

