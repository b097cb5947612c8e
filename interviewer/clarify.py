"""Clarifying questions: telling them from answers, and finding the scenario facts that answer them.

A candidate who asks "How many users?" before answering is doing what real design rounds
expect; the turn is answered from the question's `facts` and never graded as an answer.
Facts are found by meaning (the offline sentence embedder) plus lexical overlap with each
fact's `about` terms, against a threshold tuned on evals/sets/clarifications.yaml
(benchmarks/clarify_threshold.py prints the tuning and held-out numbers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from interviewer.claims import matched_terms
from interviewer.corpus import Fact, Question

if TYPE_CHECKING:  # numpy comes with the model, after the first question is on screen
    import numpy as np

    from interviewer.embeddings import Embedder
    from interviewer.providers import Written

# Tuned on the tuning half of evals/sets/clarifications.yaml (42 asks), scoring each fact by the
# better of its answer's and its `about` terms' similarity: accuracy 0.905 there, 0.929 on the
# held-out half (42 asks). Two facts per ask and fact text "about: answer" did worse (0.71 / 0.86).
MATCH_THRESHOLD = 0.40
LEXICAL_BONUS = 0.10
MAX_CLARIFYING_WORDS = 80  # longer turns are answers that happen to contain a question

# How a question opens when the candidate does not bother with a question mark.
_ASKS = re.compile(
    r"^(?:(?:so|and|also|ok|okay|quick question|one question|first|just to (?:check|confirm|clarify))[,:]?\s+)?"
    r"(?:is (?:it|this|that|there|the|our|a)|are (?:there|we|the|they|our|users)|do (?:we|you|they|i|users)|"
    r"does (?:it|the|this|that|our)|did (?:we|they|the|anyone|anything)|can (?:i|we) (?:assume|use|get|expect|rely)|"
    r"could (?:i|we|you)|should (?:i|we)|will (?:we|it|the|they)|would (?:we|it|the|they)|has (?:the|anything|anyone)|"
    r"have (?:we|they)|how (?:many|much|big|large|often|fast|quickly|long|soon|accurate|bad)|"
    r"what(?:'s| is| are| kind| type| sort| share| fraction| proportion| percentage| happens)|"
    r"who (?:is|are|uses|owns|will)|which (?:\w+ )?(?:do|does|is|are|will|would|should|can)|when (?:is|are|do|does|was|did)|"
    r"where (?:is|are|do|does))\b",
    re.IGNORECASE,
)
MAX_UNMARKED_WORDS = 12  # without a question mark, only a short sentence is taken for a question
MAX_STATEMENT_WORDS = 20  # more than this said around the questions, and the turn is an answer
# "A few questions first:" opens a clarifying turn even when the questions that follow are statements.
_ANNOUNCES = re.compile(r"\b(clarif(?:y|ying|ication)|a (?:few|couple of) questions|some questions|questions first)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
# "How many users, and what is the latency budget?" asks two things; each clause is matched on its own.
_CLAUSE = re.compile(r",?\s+(?:and|also|plus)\s+(?=(?:what|how|is|are|do|does|who|which|when|where|can|could|will|would)\b)", re.IGNORECASE)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def is_question_sentence(sentence: str) -> bool:
    """A sentence that asks: it ends with '?', or opens the way a question does ("how many", "is it", "do we")."""
    sentence = sentence.strip().replace("\u2019", "'")
    return sentence.endswith("?") or (len(sentence.split()) <= MAX_UNMARKED_WORDS and bool(_ASKS.match(sentence)))


def asks(text: str) -> list[str]:
    """The questions of a turn: its question sentences, split where one sentence asks two things."""
    return [c.strip() for s in sentences(text) if is_question_sentence(s) for c in _CLAUSE.split(s) if c.strip()]


def is_clarifying(text: str) -> bool:
    """The turn asks about the scenario instead of answering.

    At least half of a short turn's sentences must be questions, with little said around them:
    an answer that poses a rhetorical question along the way ("Why? Because ...") is still an
    answer and is graded.
    """
    if "```" in text or len(text.split()) > MAX_CLARIFYING_WORDS:
        return False
    parts = sentences(text)
    questions = [s for s in parts if is_question_sentence(s)]
    if not questions:
        return False
    said = [s for s in parts if s not in questions]
    if sum(len(s.split()) for s in said) > MAX_STATEMENT_WORDS:
        return False
    announced = any(_ANNOUNCES.search(s) for s in said)
    return len(questions) >= len(said) or (announced and len(questions) >= len(said) - 1)


@dataclass(frozen=True)
class FactMatch:
    """A scenario fact that answers one of the candidate's questions."""

    index: int  # into Question.facts
    score: float
    ask: str


@dataclass(frozen=True)
class Clarification:
    """What the candidate asked, which facts answer it, and what no fact answers."""

    asks: tuple[str, ...]
    matches: tuple[FactMatch, ...]
    unanswered: tuple[str, ...]

    @property
    def fact_indexes(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(m.index for m in self.matches))


class FactFinder:
    """Scores a clarifying question against a question's facts; fact vectors are embedded once per question."""

    def __init__(self, embedder: Embedder, threshold: float = MATCH_THRESHOLD, lexical_bonus: float = LEXICAL_BONUS) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.lexical_bonus = lexical_bonus
        self._vectors: dict[tuple[Fact, ...], tuple[np.ndarray, np.ndarray]] = {}

    def _fact_vectors(self, question: Question) -> tuple[np.ndarray, np.ndarray]:
        if question.facts not in self._vectors:  # keyed by the facts themselves: an edited corpus re-embeds
            answers = self.embedder.embed([f.answer for f in question.facts])
            topics = self.embedder.embed([", ".join(f.about) for f in question.facts])
            self._vectors[question.facts] = (answers, topics)
        return self._vectors[question.facts]

    def evidence(self, question: Question, ask: str) -> list[tuple[float, bool]]:
        """Per fact: the better similarity of the ask to its answer or its topics, and whether the ask names a topic."""
        import numpy as np

        if not question.facts:
            return []
        answers, topics = self._fact_vectors(question)
        vector = self.embedder.embed([ask])[0]
        similarity = np.maximum(answers @ vector, topics @ vector)
        return [(float(s), bool(matched_terms(f.about, ask))) for s, f in zip(similarity, question.facts)]

    def scores(self, question: Question, ask: str) -> list[float]:
        """Per fact: its similarity, plus the lexical bonus when the ask names one of its topics."""
        return [s + (self.lexical_bonus if named else 0.0) for s, named in self.evidence(question, ask)]

    def match(self, question: Question, ask: str) -> FactMatch | None:
        """The fact that best answers `ask`, or None when none reaches the threshold."""
        return best_fact(self.scores(question, ask), self.threshold, ask)

    def clarify(self, question: Question, text: str) -> Clarification:
        """Each question of `text` matched to the fact that answers it."""
        asked = asks(text) or [text.strip()]
        matches: list[FactMatch] = []
        unanswered: list[str] = []
        for ask in asked:
            found = self.match(question, ask)
            if found is None:
                unanswered.append(ask)
            else:
                matches.append(found)
        return Clarification(tuple(asked), tuple(matches), tuple(unanswered))


def best_fact(scores: Sequence[float], threshold: float, ask: str = "") -> FactMatch | None:
    """The top-scoring fact if it reaches `threshold` (one fact per ask: a second one was wrong more often than right)."""
    if not scores:
        return None
    index = max(range(len(scores)), key=lambda i: scores[i])
    return FactMatch(index, round(scores[index], 3), ask) if scores[index] >= threshold else None


@runtime_checkable
class Clarifier(Protocol):
    """A provider that can phrase the answer to a clarifying question itself, grounded on the question's facts."""

    def clarify(self, question: Question, asked: str, facts: Sequence[str]) -> Written:
        """The reply to `asked`, using only `facts`; the usage it cost rides on the result."""
        ...


@lru_cache(maxsize=4)
def finder_for(embedder: Embedder) -> FactFinder:
    """One finder per embedder, so each question's facts are embedded once per process."""
    return FactFinder(embedder)


def fact_line(fact: Fact) -> str:
    """A fact as a model is shown it: its topics, then the answer."""
    return f"- {', '.join(fact.about)}: {fact.answer}"


def offline_reply(question: Question, clarification: Clarification) -> str:
    """The interviewer's answer from the facts found; what no fact answers gets "assume what is reasonable"."""
    from interviewer.prompts import phrase, render

    told = " ".join(question.facts[i].answer for i in clarification.fact_indexes)
    if not told:
        return phrase("offline.yaml", "assume")
    if clarification.unanswered:
        return render(phrase("offline.yaml", "clarification_partly"), facts=told)
    return told
