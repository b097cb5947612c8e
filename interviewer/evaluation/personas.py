"""Simulated candidates run through full sessions, to measure the interviewer itself.

Personas are built from corpus content: a strong candidate says most of the reference
answer and answers follow-ups with the reference sentences nearest to the question asked;
weaker ones say less, ramble, stay silent, answer another question, or try an injection.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from interviewer.corpus import ROUNDS, Question
from interviewer.engine import Engine
from interviewer.grading import COVERED, split_sentences
from interviewer.resources import eval_sets_dir
from interviewer.session import Session

PERSONAS = ("strong", "partial", "weak", "rambling", "silent", "off-topic", "technical", "injection")
LINES_FILE = eval_sets_dir() / "personas.yaml"


@dataclass
class Candidate:
    persona: str
    engine: Engine
    rng: random.Random
    lines: dict[str, list[str]]
    other: dict[str, Question] = field(default_factory=dict)

    def main_answer(self, question: Question) -> str:
        ref = reference_sentences(question)
        kind = self.persona
        if kind == "silent":
            return ""
        if kind in ("off-topic", "technical"):
            return " ".join(self._keep(reference_sentences(self._other(question)), 0.6))
        if kind == "strong":
            return " ".join(self._keep(ref, 0.8))
        if kind in ("partial", "injection"):
            text = finish_sentence(" ".join(self._keep(ref, 0.4)))
            return inject(text, self.lines["injection"][0]) if kind == "injection" else text
        if kind == "rambling":
            mixed = self._keep(ref, 0.4) + self.rng.sample(self.lines["filler"], 6)
            self.rng.shuffle(mixed)
            return " ".join(mixed)
        return " ".join([self.rng.choice(ref), *self.rng.sample(self.lines["filler"], 2)])  # weak

    def follow_up_answer(self, question: Question, asked: str) -> str:
        kind = self.persona
        if kind == "silent":
            return ""
        if kind in ("off-topic", "technical"):
            return " ".join(self._nearest(self._other(question), asked, 1))
        if kind == "strong":
            return " ".join(self._nearest(question, asked, 2))
        if kind in ("partial", "injection"):
            if self.rng.random() < 0.5:
                return self.rng.choice(self.lines["unsure"])
            text = finish_sentence(" ".join(self._nearest(question, asked, 1)))
            return inject(text, self.lines["injection"][1]) if kind == "injection" else text
        if kind == "rambling":
            return " ".join([*self._nearest(question, asked, 1), *self.rng.sample(self.lines["filler"], 3)])
        return self.rng.choice(self.lines["filler"] + self.lines["unsure"])

    def _keep(self, sentences: list[str], share: float) -> list[str]:
        count = max(1, round(share * len(sentences)))
        keep = sorted(self.rng.sample(range(len(sentences)), count))
        return [sentences[i] for i in keep]

    def _nearest(self, question: Question, asked: str, k: int) -> list[str]:
        sentences = reference_sentences(question)
        vectors = self.engine.embedder.embed([asked, *sentences])
        order = (vectors[1:] @ vectors[0]).argsort()[::-1][:k]
        return [sentences[i] for i in sorted(order)]

    def _other(self, question: Question) -> Question:
        """Another round's question (for 'technical': a technical one) to answer instead."""
        if question.id not in self.other:
            rounds = ["infra-design", "system-design"] if self.persona == "technical" else [r for r in ROUNDS if r != question.round]
            pool = [q for q in self.engine.corpus.questions if q.round in rounds] or [
                q for q in self.engine.corpus.questions if q.round != question.round
            ]
            self.other[question.id] = self.rng.choice(pool)
        return self.other[question.id]


def finish_sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def inject(text: str, instruction: str) -> str:
    """The answer with an instruction to the grader appended as its own sentence."""
    return f"{text} {instruction}"


def reference_sentences(question: Question) -> list[str]:
    """Prose sentences of the reference answer (code lines dropped, they are not something one says)."""
    prose = "\n".join(line for line in question.reference_answer.splitlines() if not line.startswith(("    ", "```")))
    return [s for s in split_sentences(prose) if len(s.split()) >= 4] or [question.reference_answer]


@dataclass(frozen=True)
class SessionOutcome:
    persona: str
    round: str
    seed: int
    scores: dict[str, float]
    follow_ups: int
    drill_hits: int
    authored_follow_ups: int
    drill_chances: int  # follow-ups asked while some rubric point was still uncovered


def simulate(engine: Engine, persona: str, round_name: str, seed: int, questions: int = 2) -> SessionOutcome:
    """One full session: the candidate answers until the interviewer closes it."""
    lines = yaml.safe_load(LINES_FILE.read_text(encoding="utf-8"))
    # The injection persona draws exactly what the partial one does, so the two differ only by the injected lines.
    twin = "partial" if persona == "injection" else persona
    candidate = Candidate(persona, engine, random.Random(f"{twin}-{round_name}-{seed}"), lines)
    # Same questions for every persona at a given seed, so personas are compared like for like.
    session = Session.start(engine, round_name, questions=questions, seed=seed)
    follow_ups = hits = authored = chances = 0
    while not session.finished:
        pending = session.pending_message()
        assert pending is not None
        question = session.current_question()
        text = candidate.main_answer(question) if pending.kind == "question" else candidate.follow_up_answer(question, pending.text)
        session.answer(text)
        before = session.assessment() if text else None
        session.reply()
        turn = session.turns[-1]
        if turn.kind == "follow_up":
            follow_ups += 1
            probes = turn.follow_up.probes if turn.follow_up else None
            authored += probes is not None
            hits += bool(before and probes and any(before.coverage(p) < COVERED for p in probes))
            chances += bool(before and any(g.coverage < COVERED for g in before.points))
    scores = {qid: g.score for qid, g in session.grades().items()}
    return SessionOutcome(persona, round_name, seed, scores, follow_ups, hits, authored, chances)


def run_personas(
    engine: Engine, rounds: Iterable[str], seeds: int, personas: Iterable[str] = PERSONAS,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = iter,
) -> list[SessionOutcome]:
    jobs = [(p, r, s) for r in rounds for p in personas for s in range(seeds)
            if engine.corpus.in_round(r) and (p != "technical" or r == "non-technical")]
    return [simulate(engine, p, r, s) for p, r, s in progress(jobs)]
