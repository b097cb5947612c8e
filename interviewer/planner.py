"""Interview planning, pure: which questions, which follow-up, which quote.

Everything here is a function of the corpus, the stored turns and the live assessment, so
it is tested without a model or a database. `Session` carries the plans out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from interviewer.claims import matched_terms, split_sentences
from interviewer.clock import ClockReading
from interviewer.corpus import DESIGN_ROUNDS, FULL_LOOP, FULL_LOOP_ORDER, PHASES, ROUND_CHOICES, Corpus, CorpusError, FollowUp, Question
from interviewer.grading import COVERED, AnswerPart, QuestionGrade, scorable_text
from interviewer.swaps import mistake
from interviewer.turns import ClarificationPayload, FollowUpPayload, HintPayload, PlanKind, Turn, TurnKind

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


HINT_PHRASES = {
    "/hint", "hint", "hint please", "a hint please", "hint pls", "i'm stuck", "im stuck", "i am stuck", "stuck",
    "i'm stuck here", "i am stuck here", "i'm a bit stuck", "i'm stuck can i have a hint", "any hints", "can i have a hint",
    "can i get a hint", "could i get a hint", "could i have a hint", "can you give me a hint", "could you give me a hint",
    "give me a hint", "give me a hint please", "can i get a hint please", "can i have a hint please", "i need a hint",
}


def is_hint_request(text: str) -> bool:
    """The candidate is stuck and asks for the next hint ("I'm stuck", "hint please", /hint)."""
    if text.strip().lower() == "/hint":
        return True
    normalized = _normalized(text)
    return normalized in HINT_PHRASES or (len(normalized.split()) <= 8 and bool(re.search(r"\b(hint|stuck)\b", normalized))
                                           and not re.search(r"\b(not|no|never)\b", normalized))


def candidate_turn_kind(text: str) -> TurnKind:
    """What a candidate message is: thinking time, a hint request, a clarifying question, a skip, or an answer to grade."""
    from interviewer.clarify import is_clarifying

    if is_pause(text):
        return TurnKind.PAUSE
    if is_hint_request(text):
        return TurnKind.HINT_REQUEST
    if is_clarifying(text):
        return TurnKind.CLARIFICATION
    return TurnKind.SKIP if is_skip(text) else TurnKind.ANSWER


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

    def hints_given(self) -> list[int]:
        """Indexes of the authored hints already given, in order."""
        return [t.payload.index for t in self.turns if isinstance(t.payload, HintPayload) and t.payload.index is not None]

    def clarifying_questions(self) -> list[str]:
        return [t.text for t in self.turns if t.kind == TurnKind.CLARIFICATION]

    def unanswered_asks(self) -> list[str]:
        """The clarifying questions no scenario fact answered."""
        return [a for t in self.turns if isinstance(t.payload, ClarificationPayload) for a in t.payload.unanswered]

    def facts_given(self) -> list[int]:
        """Indexes of the scenario facts the interviewer has told the candidate, first mention first."""
        found = (i for t in self.turns if isinstance(t.payload, ClarificationPayload) for i in t.payload.facts)
        return list(dict.fromkeys(found))

    def answers_before_last_hint(self) -> list[AnswerPart] | None:
        """The answers given before the question's final hint, or None when that hint was never given."""
        cut = next((i for i, t in enumerate(self.turns) if isinstance(t.payload, HintPayload) and t.payload.last), None)
        if cut is None:
            return None
        return [AnswerPart(t.text) for t in self.turns[:cut] if t.kind == TurnKind.ANSWER]


def next_hint(state: QuestionState) -> int | None:
    """The next authored hint to give, gentlest first; None once every hint has been given."""
    given = len(state.hints_given())
    return given if given < len(state.question.hints) else None


def hint_reply(state: QuestionState) -> tuple[str, HintPayload]:
    """The next hint as the interviewer says it ("Hint 2 of 3: ..."), or that none is left."""
    from interviewer.prompts import phrase, render

    hints = state.question.hints
    index = next_hint(state)
    if index is None:
        return phrase("offline.yaml", "no_hints_left" if hints else "no_hints"), HintPayload(index=None)
    last = index == len(hints) - 1
    text = render(phrase("offline.yaml", "hint_last" if last else "hint"), number=index + 1, total=len(hints), hint=hints[index])
    return text, HintPayload(index=index, last=last)


def next_follow_up(state: QuestionState, assessment: QuestionGrade, steer_ask: str, phases_ask: str | None = None) -> FollowUpPlan | None:
    """Push back on a heard misconception first, then steer a technical answer to people (or a design
    answer back to requirements), then drill a gap.

    None means the question is done: every probed point is covered and the one generic
    "why / what if" has been asked, so nothing the candidate already covered is asked again.
    """
    return (
        push_back(state, assessment)
        or code_failure(state, assessment)
        or steer(state, assessment, steer_ask)
        or (steer_to_requirements(state, assessment, phases_ask) if phases_ask else None)
        or drill(state, assessment)
        or deeper(state, assessment)
    )


def push_back(state: QuestionState, assessment: QuestionGrade) -> FollowUpPlan | None:
    done = {f.misconception for f in state.asked(PlanKind.PUSH_BACK)}
    for grade in assessment.contradicted():
        if grade.misconception and grade.misconception not in done:
            m = mistake(state.question, grade.misconception)
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


FRAMING_PHASES = ("requirements", "metrics")
MIN_DESIGN_PHASES = 3  # an end-to-end design question; a narrow one ("why calibrate?") is not steered


def steer_to_requirements(state: QuestionState, assessment: QuestionGrade, ask: str) -> FollowUpPlan | None:
    """A design answer that opens with the model, before requirements or metrics: steer back, once.

    Real design interviewers do this: the model is only right for a stated goal. Only the main
    answer is steered; the probes are the framing points, so the reply can earn them.
    """
    question = state.question
    phases = {p.phase for p in question.rubric if p.phase}
    framing = [p.id for p in question.rubric if p.phase in FRAMING_PHASES]
    model = [p.id for p in question.rubric if p.phase == "model"]
    if question.round not in DESIGN_ROUNDS or len(phases) < MIN_DESIGN_PHASES or not framing or not model:
        return None
    if state.asked(PlanKind.PHASES) or len(state.answer_parts()) != 1:
        return None
    if any(assessment.coverage(pid) >= COVERED for pid in framing):
        return None
    answer = state.latest_answer()
    model_terms = sorted({t for pid in model for t in question.point(pid).terms})
    if not (any(assessment.coverage(pid) >= COVERED for pid in model) or matched_terms(model_terms, answer)):
        return None
    return FollowUpPlan(PlanKind.PHASES, ask, tuple(framing), 1, quote=relevant_quote(answer, question, model))


@dataclass(frozen=True)
class PhaseStatus:
    phase: str
    covered: bool


@dataclass(frozen=True)
class Progress:
    """What the CLI and the page show beside the conversation: the clock and, in design rounds, the phases."""

    clock: ClockReading
    phases: tuple[PhaseStatus, ...]

    def phases_line(self) -> str:
        return "Phases: " + " · ".join(f"{p.phase} {'✓' if p.covered else '…'}" for p in self.phases) if self.phases else ""


def phase_progress(question: Question, covered: Collection[str]) -> tuple[PhaseStatus, ...]:
    """The design phases the question's rubric spans, in interview order, and whether a point of each is in `covered`."""
    return tuple(
        PhaseStatus(phase, any(p.id in covered for p in question.rubric if p.phase == phase))
        for phase in PHASES if any(p.phase == phase for p in question.rubric)
    )


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


def introduction(round_name: str, minutes: int, questions: int) -> str:
    """The interviewer's opening: who they are, the round's format and time, and what they look for (prompts/intro.yaml)."""
    from interviewer.prompts import prompt_table, render

    table = prompt_table("intro.yaml")
    who = table.get(round_name) or table["default"]
    share = max(1, round(minutes / max(1, questions)))
    pace = render(table["one_question" if questions == 1 else "questions"], questions=questions, share=share)
    return f"{who} {render(table['format'], minutes=minutes, pace=pace)}"
