"""Swapped roles and turned directions: a right claim said about the wrong one of two things the question
compares, or said the other way round.

"L1 is a Gaussian prior", "tree maps give O(1) lookups", "recall is the share of flagged items that
are real": each uses a claim's own words but hangs them on the question's other subject. A real
interviewer hears that at once; the corpus cannot list every such swap, so they are derived here
from the claims themselves.

Subjects are claims' first groups that the question names. Two are rivals when the question sets
them side by side ("hash map versus a tree map") or the rubric does (one point's claims about both,
or a listed misconception that puts one where the other belongs). A swap is a claim's other groups
said about the rival, where the nearest subject before them (or after, if none is before) is the
rival. It is dropped when the reference answer says it too (it holds for both), and its words that
the rival's own claims use ("state", of an HMM) do not count. Listed misconceptions and swaps are
both `Mistake`s, so the judge, the planner and the report treat them alike.

A flip is a claim with its direction word turned (OPPOSITES: "a MASE above 1 beats the naive forecast",
"a higher perplexity means more probability"), dropped when the reference or another claim says it so.

No mistake is stated by a sentence that names a pitfall to turn it down ("The tempting shortcut is…"),
nor, for a listed one, inside a concession ("Even if their extract caused it, …").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache

from interviewer.claims import Assertion, Claim, assertion, claim_term_pattern, split_sentences, states_misconception, term_pattern
from interviewer.corpus import Misconception, Question


@dataclass(frozen=True)
class Mistake:
    """A known mistake: a listed misconception, a flip, or a swap (a claim with a rival subject in place of its own)."""

    misconception: Misconception
    right: tuple[str, ...]  # a swap's own subject terms (empty for a listed misconception)
    wrong: tuple[str, ...]  # the rival's terms, said with the claim's other groups
    rival_claims: tuple[Claim, ...] = ()  # what is true of the rival: a sentence asserting one of these is not a swap

    def stated(self, sentence: str, topic: str = "") -> Assertion | None:
        """Where `sentence` states it; a swap only when the rival is the nearest subject of the claim's words."""
        if _PITFALL.match(sentence):
            return None  # "The tempting shortcut is fixing their code myself": a mistake named to be turned down
        if not self.wrong:
            found = states_misconception(self.misconception.pattern, sentence, topic)
            return None if found is None or _CONCEDED.search(sentence[: found.start].lower()) else found
        # A swap is heard only when the rival is named: a paragraph's topic is too loose a guess to accuse anyone by.
        found = None if _CODE.search(sentence) else states_misconception(self.misconception.pattern, sentence)
        if found is None:
            return None
        lowered = sentence.lower()
        subjects = [(m.start(), m.end(), term in self.wrong) for term in (*self.right, *self.wrong)
                    for m in claim_term_pattern(term).finditer(lowered)]
        property_at = min(
            (m.start() for group in self.misconception.pattern[1:] for t in group for m in claim_term_pattern(t).finditer(lowered, found.start, found.end)),
            default=found.start,
        )
        before = [s for s in subjects if s[1] <= property_at]
        nearest = max(before, key=lambda s: s[1]) if before else min((s for s in subjects if s[0] >= property_at), key=lambda s: s[0])
        if not nearest[2]:
            return None
        true_of_rival = (a for c in self.rival_claims if (a := assertion(c, sentence)) and a.start < found.end and found.start < a.end and a.width <= found.width)
        return None if next(true_of_rival, None) else found


# A sentence that opens by naming a pitfall ("The tempting shortcut is…", "A classic mistake would be…",
# "What I wouldn't do is…") turns it down; so does a concession ("Even if their extract caused it, …").
_PITFALL = re.compile(
    r"^\W*(?:(?:the|a|one)\s+)?(?:(?:tempting|lazy|wrong|classic|common|typical)\s+(?:shortcut|move|mistake|trap|reaction|instinct|answer)"
    r"|(?:trap|pitfall|anti-pattern|mistake)|what i (?:would not|wouldn't|won't|will not) do)\b[^.]{0,20}?\b(?:is|are|would be|here is|here would be)\b",
    re.I,
)
_CONCEDED = re.compile(r"\b(?:even if|even though|whether or not)\b[^,;:]*$")


# Two assignments: a line of code ("prec = tp / (tp + fp) ... f1 = ..."), whose names are not subjects.
_CODE = re.compile(r"\w\s*=[^=].*\w\s*=[^=]")


def rivals(question: Question) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Pairs of subjects the question compares: claims' first groups (merged when they share a term) that the
    question names, and that stand side by side, as subjects of one rubric point's claims or as the subject of
    a listed misconception against the other's point."""
    merged: list[set[str]] = []
    for point in question.rubric:
        for claim in point.claims:
            if len(claim) < 2:
                continue
            group = {t.lower() for t in claim[0]}
            for m in [m for m in merged if m & group]:
                group |= m
                merged.remove(m)
            merged.append(group)
    text = f"{question.title} {question.question}".lower()
    named: list[set[str]] = []
    for group in (g for g in merged if any(term_pattern(t).search(text) for t in g)):
        for same in [n for n in named if _overlap(n, group)]:  # "tree" and "balanced tree" are one subject
            group |= same
            named.remove(same)
        named.append(group)
    subjects_named = [tuple(sorted(g)) for g in named]

    def subjects(groups: Sequence[Sequence[str]]) -> set[tuple[str, ...]]:
        return {e for e in subjects_named for g in groups if {t.lower() for t in g} <= set(e)}

    pairs = {(a, b) for a in subjects_named for b in subjects_named if a != b and _contrasted(question.question.lower(), a, b)}
    for point in question.rubric:
        own = subjects([c[0] for c in point.claims if len(c) >= 2])
        said = subjects([m.pattern[0] for m in question.misconceptions if m.contradicts == point.id and len(m.pattern) >= 2])
        pairs |= {(a, b) for a in own for b in own | said if a != b}
    return sorted(pairs | {(b, a) for a, b in pairs})


# "hash map versus a balanced-tree map", "precision and recall", "Adam or SGD": two subjects set side by side.
_SIDE_BY_SIDE = re.compile(r"^\W*(?:[a-z]+\W+){0,2}?(?:and|or|vs\.?|versus|compared (?:to|with)|against|over)\W+(?:[a-z]+\W+){0,2}$")


def _contrasted(text: str, a: Sequence[str], b: Sequence[str]) -> bool:
    """The question text names `a` and then `b`, a few words apart, joined as alternatives."""
    ends = [m.end() for t in a for m in term_pattern(t).finditer(text)]
    starts = [m.start() for t in b for m in term_pattern(t).finditer(text)]
    return any(0 < s - e <= 40 and _SIDE_BY_SIDE.match(text[e:s]) for e in ends for s in starts)


def _overlap(a: Collection[str], b: Collection[str]) -> bool:
    """One subject's term is written inside the other's ("hash map" and "hash maps", "recall" and "recall@k")."""
    return any(term_pattern(x).search(y) or term_pattern(y).search(x) for x in a for y in b)


def swaps(question: Question) -> tuple[Mistake, ...]:
    """Every claim of the question said about a rival subject, unless the reference answer says it of the rival too."""
    pairs = rivals(question)
    entities = {e for pair in pairs for e in pair}
    reference = split_sentences(question.reference_answer)
    out: list[Mistake] = []
    for point in question.rubric:
        for c, claim in enumerate(point.claims):
            own = next((e for e in entities if _about(claim, e)), None)
            if own is None or len(claim) < 2:
                continue
            rest = tuple(tuple(g) for g in claim[1:])
            if any(_overlap(group, e) for group in rest for e in entities):
                continue  # the claim names both subjects ("L1 is sparser than L2"): no single rival to swap in
            for rival in (b for a, b in pairs if a == own):
                # What the rival's points say about it, or about no subject in particular, is true of it, and its words
                # ("state" of an HMM, "worst case" of a hash map) say nothing wrong about the rival.
                true_of_rival = tuple(
                    k for p in question.rubric if any(_about(k, rival) for k in p.claims)
                    for k in p.claims if len(k) >= 2 and (_about(k, rival) or not any(_about(k, e) for e in entities))
                )
                shared = " ".join(t for k in true_of_rival for g in k for t in g if t.lower() not in rival).lower()
                said = tuple(tuple(t for t in group if not term_pattern(t).search(shared)) for group in rest)
                if not all(said):
                    continue
                pattern = (rival, *said)
                swap = Mistake(_misconception(question, point.id, c, own, rival, pattern), own, rival, true_of_rival)
                if not any(swap.stated(s) for s in reference):
                    out.append(swap)
    return tuple(out)


# Words whose opposite turns a claim around: "lowers variance" said as "raises variance".
OPPOSITES: dict[str, str] = {
    "increase": "decrease", "decrease": "increase", "reduce": "increase", "raise": "lower",
    "higher": "lower", "lower": "higher", "more": "less", "less": "more", "fewer": "more",
    "faster": "slower", "slower": "faster", "larger": "smaller", "bigger": "smaller", "smaller": "larger",
    "overfit": "underfit", "underfit": "overfit", "overfitting": "underfitting", "underfitting": "overfitting",
    "overestimate": "underestimate", "underestimate": "overestimate", "above": "below", "below": "above",
}
_OPPOSITE = re.compile(r"(?<![a-z0-9])(" + "|".join(OPPOSITES) + r")(s|d|ed|es|ing)?(?![a-z0-9])")


def flips(question: Question) -> tuple[Mistake, ...]:
    """Every claim of the question said the other way round ("increases" for "reduces"), unless the reference or
    another claim says it that way too."""
    reference = split_sentences(question.reference_answer)
    written = [t.lower() for p in question.rubric for k in p.claims for g in k for t in g]
    out: list[Mistake] = []
    for point in question.rubric:
        for c, claim in enumerate(point.claims):
            at = next((i for i, g in enumerate(claim) if any(_OPPOSITE.search(t.lower()) for t in g)), None)
            if at is None:
                continue
            turned = {_turned(t) for t in claim[at] if _OPPOSITE.search(t.lower())}
            group = tuple(sorted(t for t in turned if not any(term_pattern(t).fullmatch(w) for w in written)))
            if not group:
                continue
            pattern = tuple((*claim[:at], group, *claim[at + 1 :]))
            flip = Mistake(Misconception(
                id=f"flip-{point.id}-{c}", contradicts=point.id, pattern=pattern,
                correction=f"It goes the other way. The point: {_lowered(question.point(point.id).point)}",
                push_back="Which way does that go? Walk me through the mechanism, step by step.",
            ), (), ())
            if not any(flip.stated(s) for s in reference):
                out.append(flip)
    return tuple(out)


def _turned(term: str) -> str:
    return _OPPOSITE.sub(lambda m: OPPOSITES[m.group(1)], term.lower())


def _lowered(text: str) -> str:
    """A point's text to follow "The point:": its first letter lowered, unless it opens an acronym ("MAE")."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _about(claim: Claim, subject: Collection[str]) -> bool:
    return {t.lower() for t in claim[0]} <= set(subject)


def _misconception(question: Question, point_id: str, claim: int, own: Sequence[str], rival: Sequence[str], pattern: tuple[tuple[str, ...], ...]) -> Misconception:
    right, wrong = _display(question, own), _display(question, rival)
    point = question.point(point_id).point
    return Misconception(
        id="-".join(["swap", point_id, str(claim), *re.findall(r"[a-z0-9]+", wrong.lower())]),
        contradicts=point_id,
        pattern=pattern,
        correction=f"That is true of {right}, not {wrong}. The point: {_lowered(point)}",
        push_back=f"Which one is that true of, {wrong} or {right}? Walk me through how each one behaves.",
    )


def _display(question: Question, terms: Sequence[str]) -> str:
    """The subject as the question writes it: its first mention, with overlapping terms joined ("balanced-tree map")."""
    text = question.question.lower()
    spans = sorted((m.start(), m.end()) for t in terms for m in term_pattern(t).finditer(text))
    if not spans:
        return min(terms, key=len)
    start, end = spans[0]
    for a, b in spans[1:]:
        if a < end:
            end = max(end, b)
    return question.question[start:end]


@lru_cache(maxsize=1024)
def known_mistakes(question: Question) -> tuple[Mistake, ...]:
    """The question's listed misconceptions (with no subjects to check), then its derived swaps."""
    return (*(Mistake(m, (), ()) for m in question.misconceptions), *swaps(question), *flips(question))


def mistake(question: Question, misconception_id: str) -> Misconception:
    """The listed or derived mistake a grade names, for its push-back."""
    return next(k.misconception for k in known_mistakes(question) if k.misconception.id == misconception_id)
