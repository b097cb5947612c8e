"""Interview planning, pure: which questions, which follow-up, which quote.

Everything here is a function of the corpus, the stored turns and the live assessment, so
it is tested without a model or a database. `Session` carries the plans out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from interviewer.claims import matched_terms, split_sentences
from interviewer.corpus import FULL_LOOP, FULL_LOOP_ORDER, ROUND_CHOICES, Corpus, CorpusError, FollowUp, Question
from interviewer.grading import COVERED, AnswerPart, QuestionGrade, scorable_text
from interviewer.turns import FollowUpPayload, PlanKind, Turn, TurnKind

QUOTE_WORDS = 12
SKIP_PHRASES = {
    "", "skip", "pass", "next", "i don't know", "i dont know", "no idea",
    "not sure", "idk", "i do not know", "i'm not sure", "im not sure",
}


class UnknownRound(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown round '{name}'. Valid rounds: {', '.join(ROUND_CHOICES)}")


PAUSE_PHRASES = {
    "let me think", "let me think about it", "let me think about that", "give me a minute", "give me a moment",
    "one moment", "one sec", "one second", "hmm", "hmm let me think", "thinking", "wait", "hold on",
}


def _normalized(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower().replace("\u2019", "'")).split())


def is_pause(text: str) -> bool:
    """The candidate asks for thinking time; the question stays open."""
    return _normalized(text) in PAUSE_PHRASES


def is_skip(text: str) -> bool:
    """An empty answer or an "I don't know" style pass (in any script, real text is an answer)."""
    normalized = _normalized(text)
    if text.strip() and not normalized:
        return False  # emoji or symbols only: still something the candidate said
    return normalized in SKIP_PHRASES


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


@dataclass(frozen=True)
class FollowUpPlan:
    """The next follow-up: the offline engine asks `ask`; a model may rephrase it."""

    kind: PlanKind
    ask: str
    probes: tuple[str, ...] | None
    depth: int
    authored_index: int | None = None
    quote: str = ""
    misconception: str | None = None

    def payload(self) -> FollowUpPayload:
        return FollowUpPayload(
            plan=self.kind, probes=self.probes, depth=self.depth, authored_index=self.authored_index,
            quote=self.quote, misconception=self.misconception,
        )


@dataclass(frozen=True)
class QuestionState:
    """One question's turns, and what they say about where the interview stands on it."""

    question: Question
    turns: tuple[Turn, ...]

    def follow_ups(self) -> list[FollowUpPayload]:
        return [t.follow_up for t in self.turns if t.follow_up is not None]

    @property
    def asked_authored(self) -> list[int]:
        return [f.authored_index for f in self.follow_ups() if f.authored_index is not None]

    @property
    def follow_up_count(self) -> int:
        return len(self.follow_ups())

    def asked(self, kind: PlanKind) -> list[FollowUpPayload]:
        return [f for f in self.follow_ups() if f.plan == kind]

    def answer_parts(self) -> list[AnswerPart]:
        return [AnswerPart(t.text) for t in self.turns if t.kind == TurnKind.ANSWER]

    @property
    def answered(self) -> bool:
        return any(t.kind == TurnKind.ANSWER for t in self.turns)

    def latest_answer(self) -> str:
        return next((t.text for t in reversed(self.turns) if t.kind == TurnKind.ANSWER), "")


def next_follow_up(state: QuestionState, assessment: QuestionGrade, steer_ask: str) -> FollowUpPlan | None:
    """Push back on a heard misconception first, then steer a technical answer to people, then drill a gap.

    None means the question is done: every probed point is covered and the one generic
    "why / what if" has been asked, so nothing the candidate already covered is asked again.
    """
    return (
        push_back(state, assessment)
        or code_failure(state, assessment)
        or steer(state, assessment, steer_ask)
        or drill(state, assessment)
        or deeper(state, assessment)
    )


def push_back(state: QuestionState, assessment: QuestionGrade) -> FollowUpPlan | None:
    done = {f.misconception for f in state.asked(PlanKind.PUSH_BACK)}
    for grade in assessment.contradicted():
        if grade.misconception and grade.misconception not in done:
            m = state.question.misconception(grade.misconception)
            return FollowUpPlan(PlanKind.PUSH_BACK, m.push_back, (m.contradicts,), 1, quote=short_quote(grade.evidence), misconception=m.id)
    return None


def code_failure(state: QuestionState, assessment: QuestionGrade) -> FollowUpPlan | None:
    """The candidate's code failed a hidden test: walk through that input, as an interviewer would."""
    if not assessment.code_follow_up or any(f.plan == PlanKind.CODE and f.quote == assessment.code_follow_up for f in state.follow_ups()):
        return None
    return FollowUpPlan(PlanKind.CODE, assessment.code_follow_up, None, 1, quote=assessment.code_follow_up)


def steer(state: QuestionState, assessment: QuestionGrade, ask: str) -> FollowUpPlan | None:
    stayed = any("stayed technical" in n for n in assessment.notes)
    if not stayed or state.asked(PlanKind.STEER):
        return None
    return FollowUpPlan(PlanKind.STEER, ask, ("not-just-technical",), 1)


def drill(state: QuestionState, assessment: QuestionGrade) -> FollowUpPlan | None:
    """The authored follow-up into the weightiest uncovered point, whose prerequisites the candidate covered."""
    question = state.question
    covered = set(assessment.covered_ids())
    uncovered = {p.id: p.weight for p in question.rubric if p.id not in covered}
    asked = state.asked_authored
    reach = max((question.follow_ups[i].depth for i in asked), default=0) + 1

    def fits(i: int, fu: FollowUp) -> bool:
        return i not in asked and fu.depth <= reach and set(fu.requires) <= covered and any(p in uncovered for p in fu.probes)

    def value(item: tuple[int, FollowUp]) -> tuple[float, float, int, int]:
        i, fu = item
        gap = max((1 - assessment.coverage(p) for p in fu.probes if p in uncovered), default=0.0)
        return max(uncovered.get(p, 0.0) for p in fu.probes), gap, int(fu.depth == reach), -i

    options = [(i, fu) for i, fu in enumerate(question.follow_ups) if fits(i, fu)]
    if not options:
        return None
    i, fu = max(options, key=value)
    return FollowUpPlan(PlanKind.DRILL, fu.ask, fu.probes, fu.depth, i, quote=relevant_quote(state.latest_answer(), question, fu.probes))


def deeper(state: QuestionState, assessment: QuestionGrade) -> FollowUpPlan | None:
    """One generic why / what-if on the weightiest point the candidate got right, then move on."""
    if state.asked(PlanKind.DEEPER) or not state.answered:
        return None
    by_id = {g.point_id: g for g in assessment.points}
    ranked = sorted(state.question.rubric, key=lambda p: -p.weight)
    evidence = next((by_id[p.id].evidence for p in ranked if p.id in by_id and by_id[p.id].evidence and by_id[p.id].coverage >= COVERED), "")
    depth = max((f.depth for f in state.follow_ups()), default=0) + 1
    return FollowUpPlan(PlanKind.DEEPER, "", None, depth, quote=short_quote(evidence) if evidence else "")


def relevant_quote(answer: str, question: Question, probes: Sequence[str]) -> str:
    """A short quote of the answer's sentence most about the probed points, or '' when none is."""
    terms = sorted({t for pid in probes for t in question.point(pid).terms})
    best, hits = "", 0
    for sentence in split_sentences(scorable_text(answer)[0])[:60]:  # never quote an injection back
        found = len(matched_terms(terms, sentence))
        if found > hits:
            best, hits = sentence, found
    return short_quote(best) if best else ""


def short_quote(sentence: str) -> str:
    words = sentence.strip().rstrip(".!?;").split()
    return " ".join(words[:QUOTE_WORDS]) + ("…" if len(words) > QUOTE_WORDS else "")
