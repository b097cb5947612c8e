"""The interview state machine: ask → answer → assess → follow-up | next question → grade.

All state is derived from the stored turns, so a session resumes exactly where it stopped.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from interviewer.corpus import FULL_LOOP, FULL_LOOP_ORDER, ROUND_CHOICES, Corpus, CorpusError, FollowUp, Question
from interviewer.grading import COVERED, AnswerPart, QuestionGrade, round_score, scorable_text, split_sentences, verdict_for
from interviewer.prompts import phrase, render
from interviewer.providers import Exchange, FollowUpContext, FollowUpPlan, Provider, ProviderError, ProviderUnavailable, QuestionSummary
from interviewer.providers.offline import chunks, follow_up_text
from interviewer.store import SessionRecord, Turn
from interviewer.engine import Engine

MAX_STORED_CHARS = 100_000
QUOTE_WORDS = 12
QUOTE_MIN_SIMILARITY = 0.35
SKIP_PHRASES = {
    "", "skip", "pass", "next", "let me think", "i don't know", "i dont know", "no idea",
    "not sure", "idk", "i do not know", "i'm not sure", "im not sure",
}


class SessionError(RuntimeError):
    """The session cannot do what was asked in its current state."""


class UnknownRound(SessionError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown round '{name}'. Valid rounds: {', '.join(ROUND_CHOICES)}")


def is_skip(text: str) -> bool:
    """An empty answer or a "let me think"/"I don't know" style pass."""
    normalized = re.sub(r"[^a-z' ]+", " ", text.lower().replace("\u2019", "'")).strip()
    return " ".join(normalized.split()) in SKIP_PHRASES


def pick_questions(
    corpus: Corpus,
    round_name: str,
    count: int,
    seed: int | None = None,
    max_difficulty: int = 3,
    preferred: Sequence[str] = (),
) -> list[Question]:
    """`count` questions on varied topics (least tag overlap), easier first; `preferred` ids go first."""
    if round_name == FULL_LOOP:
        return [q for r in FULL_LOOP_ORDER if corpus.in_round(r) for q in pick_questions(corpus, r, count, seed, max_difficulty, preferred)]
    if round_name not in ROUND_CHOICES:
        raise UnknownRound(round_name)
    pool = [q for q in corpus.in_round(round_name) if q.difficulty <= max_difficulty] or corpus.in_round(round_name)
    if not pool:
        raise CorpusError(f"the corpus has no questions for round '{round_name}'; run `interviewer corpus check`")
    random.Random(seed).shuffle(pool)
    rank = {qid: i for i, qid in enumerate(preferred)}
    pool.sort(key=lambda q: rank.get(q.id, len(rank)))
    chosen: list[Question] = []
    seen_tags: set[str] = set()
    while pool and len(chosen) < count:
        best = min(pool, key=lambda q: (len(set(q.tags) & seen_tags) if q.id not in rank else -1, pool.index(q)))
        pool.remove(best)
        chosen.append(best)
        seen_tags.update(best.tags)
    return sorted(chosen, key=lambda q: q.difficulty)


def choose_follow_up(question: Question, assessment: QuestionGrade, asked: Sequence[int]) -> FollowUpPlan | None:
    """The authored follow-up probing the weightiest uncovered point, else a deeper one, else a generic probe."""
    asked_depths = {question.follow_ups[i].depth for i in asked}
    reach = max(asked_depths, default=0) + 1
    eligible = [(i, fu) for i, fu in enumerate(question.follow_ups) if i not in asked and fu.depth <= reach]
    uncovered = {p.id: p.weight for p in question.rubric if assessment.coverage(p.id) < COVERED}

    def drill_value(item: tuple[int, FollowUp]) -> tuple[float, float, int, int]:
        i, fu = item
        weight = max((uncovered.get(p, 0.0) for p in fu.probes), default=0.0)
        gap = max((1 - assessment.coverage(p) for p in fu.probes if p in uncovered), default=0.0)
        return weight, gap, int(fu.depth == reach), -i

    drilling = [item for item in eligible if any(p in uncovered for p in item[1].probes)]
    if drilling:
        i, fu = max(drilling, key=drill_value)
        return FollowUpPlan("drill", fu.ask, fu.probes, fu.depth, i)
    if eligible:
        i, fu = max(eligible, key=lambda item: (item[1].depth, -item[0]))
        return FollowUpPlan("deeper", fu.ask, fu.probes, fu.depth, i)
    # The authored chain is used up: a generic "why / what if" probe on what they said.
    return FollowUpPlan("deeper", "", None, reach, None)


def short_quote(sentence: str) -> str:
    words = sentence.strip().rstrip(".!?;").split()
    return " ".join(words[:QUOTE_WORDS]) + ("…" if len(words) > QUOTE_WORDS else "")


@dataclass(frozen=True)
class AnswerReceipt:
    kind: Literal["answer", "skip"]
    notes: tuple[str, ...]
    assessment: QuestionGrade | None


@dataclass(frozen=True)
class QuestionState:
    question: Question
    turns: tuple[Turn, ...]

    @property
    def asked_follow_ups(self) -> list[int]:
        return [t.meta["authored_index"] for t in self.turns if t.kind == "follow_up" and t.meta.get("authored_index") is not None]

    @property
    def follow_up_count(self) -> int:
        return sum(1 for t in self.turns if t.kind == "follow_up")

    def answer_parts(self) -> list[AnswerPart]:
        """Candidate answers, each limited to the points its follow-up probed."""
        parts: list[AnswerPart] = []
        probes: tuple[str, ...] | None = None
        for turn in self.turns:
            if turn.role == "interviewer" and turn.kind in ("question", "follow_up"):
                raw = turn.meta.get("probes")
                probes = tuple(raw) if raw is not None else None
            elif turn.kind == "answer":
                parts.append(AnswerPart(turn.text, probes))
        return parts


class Session:
    """One interview; the CLI, the Streamlit app and the evals all drive this class."""

    def __init__(self, engine: Engine, record: SessionRecord) -> None:
        self.engine = engine
        self.record = record
        self.questions = [engine.corpus.by_id[qid] for qid in record.plan if qid in engine.corpus.by_id]
        if not self.questions:
            raise SessionError(f"session {record.id}: none of its questions are in the corpus any more")
        self.turns: list[Turn] = engine.store.turns(record.id)
        self.provider = engine.provider
        self._assessments: dict[str, QuestionGrade] = {}

    @classmethod
    def start(
        cls,
        engine: Engine,
        round_name: str,
        questions: int | None = None,
        seed: int | None = None,
        focus: str | None = None,
        max_difficulty: int | None = None,
    ) -> Session:
        """Pick the questions, store the session and ask the first question."""
        settings = engine.settings
        count = questions or (1 if round_name == FULL_LOOP else settings.questions)
        preferred = engine.focus_ids(focus, round_name) if focus else []
        picked = pick_questions(engine.corpus, round_name, count, seed, max_difficulty or settings.max_difficulty, preferred)
        meta = {**settings.public(), "seed": seed, "focus": focus, "provider": engine.provider_name}
        session_id = engine.store.create_session(round_name, [q.id for q in picked], meta)
        session = cls(engine, engine.store.session(session_id))
        session._add("interviewer", "question", picked[0].id, session._question_text(picked[0], first=True))
        return session

    @classmethod
    def resume(cls, engine: Engine, id_or_prefix: str) -> Session:
        return cls(engine, engine.store.session(id_or_prefix))

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def round(self) -> str:
        return self.record.round

    @property
    def finished(self) -> bool:
        return any(t.kind == "closing" for t in self.turns)

    @property
    def awaiting_answer(self) -> bool:
        last = self._last_exchange()
        return last is not None and last.role == "interviewer" and last.kind in ("question", "follow_up")

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
        if self.finished:
            raise SessionError("this interview has finished; start a new one or read its report")
        pending = self.pending_message()
        if pending is None:
            raise SessionError("the interviewer has not asked anything yet; get the reply first")
        notes: list[str] = []
        text = text.replace("\x00", "").strip()
        if len(text) > MAX_STORED_CHARS:
            text = text[:MAX_STORED_CHARS]
            notes.append(f"answer cut to its first {MAX_STORED_CHARS:,} characters")
        kind: Literal["answer", "skip"] = "skip" if is_skip(text) else "answer"
        self._add("candidate", kind, pending.question_id, text)
        if kind == "skip":
            return AnswerReceipt("skip", tuple(notes), None)
        assessment = self.assessment()
        notes.extend(assessment.notes)
        return AnswerReceipt("answer", tuple(notes), assessment)

    def assessment(self, question: Question | None = None) -> QuestionGrade:
        """The offline engine's live view of the rubric coverage so far (drives follow-ups)."""
        state = self.state(question)
        key = f"{state.question.id}:{len(state.turns)}"
        if key not in self._assessments:
            self._assessments[key] = self.engine.assessor.grade(state.question, state.answer_parts())
        return self._assessments[key]

    def stream_reply(self) -> Iterator[str]:
        """The interviewer's next message, chunk by chunk; it is stored once complete."""
        if self.finished or self.awaiting_answer:
            return
        state = self.state()
        last = self._last_exchange()
        plan = None
        if last is not None and last.kind == "answer" and state.follow_up_count < self.engine.settings.follow_ups_for(state.question.round):
            plan = self._with_quote(choose_follow_up(state.question, self.assessment(), state.asked_follow_ups), last.text)
        if plan is not None:
            yield from self._stream_follow_up(state, plan, last.text if last else "")
            return
        self._close_question(state.question)
        upcoming = self._next_question()
        if upcoming is None:
            yield from self._finish()
            return
        text = self._question_text(upcoming, first=False, after_skip=last is not None and last.kind == "skip", previous=state.question)
        self._add("interviewer", "question", upcoming.id, text)
        yield from chunks(text)

    def reply(self) -> str:
        return "".join(self.stream_reply())

    def end(self) -> None:
        """Finish now: grade what was answered and close the session."""
        if self.finished:
            return
        for _ in self._finish():
            pass

    def grades(self) -> dict[str, QuestionGrade]:
        return self.engine.store.grades(self.id)

    def asked_questions(self) -> list[Question]:
        asked = {t.question_id for t in self.turns if t.kind == "question"}
        return [q for q in self.questions if q.id in asked]

    # -- internals -------------------------------------------------------------------------

    def _stream_follow_up(self, state: QuestionState, plan: FollowUpPlan, answer: str) -> Iterator[str]:
        context = FollowUpContext(
            round=state.question.round,
            question=state.question,
            answer=answer,
            assessment=self.assessment(),
            plan=plan,
            history=self._history(),
            find_related=lambda: self.engine.related(state.question),
        )
        pieces: list[str] = []
        provider = self.provider
        try:
            for piece in provider.stream_follow_up(context):
                pieces.append(piece)
                yield piece
        except ProviderError as exc:
            notice = self._fall_back(exc)
            yield f"{chr(10) if pieces else ''}({notice})\n"
            pieces = list(chunks(follow_up_text(plan)))
            yield from pieces
        finally:
            self._record_usage(provider)
        if not "".join(pieces).strip():  # a model that answered with nothing: ask the planned question
            pieces = list(chunks(follow_up_text(plan)))
            yield from pieces
        text = "".join(pieces).strip()
        meta = {"probes": list(plan.probes) if plan.probes is not None else None, "depth": plan.depth,
                "authored_index": plan.authored_index, "plan": plan.kind, "quote": plan.quote}
        self._add("interviewer", "follow_up", state.question.id, text, meta)

    def _fall_back(self, exc: Exception) -> str:
        """Switch to the offline engine for the rest of the session, saying so in the transcript."""
        notice = f"The model endpoint failed ({exc}); the interview continues on the offline engine."
        self._add("interviewer", "notice", self.current_question().id, notice)
        self.provider = self.engine.offline
        return notice

    def _record_usage(self, provider: Provider) -> None:
        usage = provider.drain_usage()
        if usage.calls:
            self.engine.store.add_usage(
                self.id, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                calls=usage.calls, cost_usd=usage.cost_usd,
            )

    def _with_quote(self, plan: FollowUpPlan | None, answer: str) -> FollowUpPlan | None:
        if plan is None:
            return None
        if plan.authored_index is None:
            return self._generic_deeper(plan)
        sentences = split_sentences(scorable_text(answer)[0])[:60]  # never quote an injection back
        if not sentences:
            return plan
        # The quote is the sentence nearest to what the follow-up asks or probes.
        question = self.current_question()
        targets = [plan.ask, *(question.point(p).point for p in plan.probes or ())]
        vectors = self.engine.embedder.embed([*targets, *sentences])
        sims = (vectors[len(targets) :] @ vectors[: len(targets)].T).max(axis=1)
        best = int(sims.argmax())
        if sims[best] < QUOTE_MIN_SIMILARITY:
            return plan
        return FollowUpPlan(plan.kind, plan.ask, plan.probes, plan.depth, plan.authored_index, short_quote(sentences[best]))

    def _generic_deeper(self, plan: FollowUpPlan) -> FollowUpPlan:
        """Quote what the candidate said about the weightiest point and ask why / what if."""
        state = self.state()
        asked = sum(1 for t in state.turns if t.kind == "follow_up" and t.meta.get("authored_index") is None)
        assessment = self.assessment()
        ranked = sorted(state.question.rubric, key=lambda p: -p.weight)
        by_id = {g.point_id: g for g in assessment.points}
        evidence = next((by_id[p.id].evidence for p in ranked if by_id[p.id].evidence), "")
        if evidence:
            ask = render(phrase("offline.yaml", "deeper", asked), quote=short_quote(evidence))
        else:
            ask = phrase("offline.yaml", "deeper_no_quote", asked)
        return FollowUpPlan("deeper", ask, None, plan.depth, None, short_quote(evidence) if evidence else "")

    def _close_question(self, question: Question) -> None:
        state = self.state(question)
        parts = state.answer_parts()
        provider = self.provider
        try:
            grade = provider.grade(question, parts)
        except ProviderError as exc:
            if isinstance(exc, ProviderUnavailable):
                self._fall_back(exc)
            grade = self.engine.assessor.grade(question, parts)
            grade = grade.model_copy(update={"notes": (*grade.notes, f"graded by the offline engine: the model failed ({exc})")})
        finally:
            self._record_usage(provider)
        self.engine.store.save_grade(self.id, grade)

    def _finish(self) -> Iterator[str]:
        graded = self.grades()
        for question in self.asked_questions():
            if question.id not in graded:
                self._close_question(question)
        grades = self.grades()
        score = round_score(list(grades.values()))
        self.engine.store.finish_session(self.id, score, verdict_for(score))
        text = phrase("offline.yaml", "closing")
        self._add("interviewer", "closing", self.current_question().id, text, {"feedback": self._feedback(grades)})
        yield from chunks(text)

    def _feedback(self, grades: dict[str, QuestionGrade]) -> str:
        summaries = [self._summary(q, grades[q.id]) for q in self.asked_questions() if q.id in grades]
        provider = self.provider
        try:
            return provider.feedback(self.round, summaries)
        except ProviderError as exc:
            return f"{self.engine.offline.feedback(self.round, summaries)} (Written offline: the model failed: {exc}.)"
        finally:
            self._record_usage(provider)

    def _summary(self, question: Question, grade: QuestionGrade) -> QuestionSummary:
        covered = set(grade.covered_ids())
        answered = any(t.kind == "answer" for t in self.state(question).turns)
        ranked = sorted(question.rubric, key=lambda p: -p.weight)
        return QuestionSummary(
            title=question.title, tag=question.tags[0], score=grade.score,
            covered=tuple(p.point for p in ranked if p.id in covered),
            missed=tuple(p.point for p in ranked if p.id not in covered) if answered else (),
        )

    def feedback(self) -> str:
        """The closing feedback paragraph, once the session has finished."""
        return next((str(t.meta.get("feedback", "")) for t in self.turns if t.kind == "closing"), "")

    def _next_question(self) -> Question | None:
        asked = {q.id for q in self.asked_questions()}
        return next((q for q in self.questions if q.id not in asked), None)

    def _question_text(self, q: Question, first: bool, after_skip: bool = False, previous: Question | None = None) -> str:
        if first:
            return render(phrase("offline.yaml", "first_question"), question=q.question)
        if previous is not None and previous.round != q.round:
            text = render(phrase("offline.yaml", "round_change"), round=q.round, question=q.question)
        else:
            text = render(phrase("offline.yaml", "next_question"), question=q.question)
        return f"{phrase('offline.yaml', 'skip_ack')} {text}" if after_skip else text

    def _history(self) -> tuple[Exchange, ...]:
        window = [t for t in self.turns if t.kind != "notice"][-2 * self.engine.settings.history_turns :]
        return tuple(Exchange(t.role, t.text) for t in window)

    def _last_exchange(self) -> Turn | None:
        return next((t for t in reversed(self.turns) if t.kind != "notice"), None)

    def _add(self, role: Literal["interviewer", "candidate"], kind: str, question_id: str, text: str, meta: dict[str, Any] | None = None) -> Turn:
        turn = self.engine.store.add_turn(self.id, role, kind, question_id, text, meta)  # type: ignore[arg-type]
        self.turns.append(turn)
        return turn
