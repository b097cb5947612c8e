"""Claims in text: does a sentence assert a group of terms together, not negated, not contrasted?

A claim is a tuple of term groups; a sentence asserts it when every group has a term in
the same clause run (no "whereas", "but", ";" between them), the smallest window holding
one term of each group is not negated, and no term used is the object of a contrast
("rather than L2", "unlike L2", "not L2"). A term accepts its regular inflections on every word and,
for a few common words (SYNONYMS), their ordinary paraphrases. Pure text logic: no model, no corpus.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Claim = Sequence[Sequence[str]]

# Words that flip what follows them inside a clause.
_NEGATION = re.compile(
    r"(?<![a-z0-9\-/])(not|no|never|none|nothing|neither|nor|cannot|can't|won't|isn't|aren't|doesn't|don't|didn't|"
    r"wasn't|weren't|shouldn't|wouldn't|couldn't|hasn't|haven't|hadn't|false|untrue|myth|incorrectly|rarely|hardly|"
    r"(?:poor|bad) at|fails? to|unable to|struggles? to)(?![a-z0-9\-/])"
    r"|n't(?![a-z0-9])"
)
# A term right after one of these is what the sentence sets aside, not what it asserts.
_CONTRAST = re.compile(
    r"(?:rather than|instead of|unlike|as opposed to|compared to|compared with|versus|vs\.?|than|not|nor|except|"
    r"other than|beyond|apart from)\s+(?:the\s+|a\s+|an\s+|plain\s+|just\s+|only\s+)?$"
)
# Hard clause boundaries: a claim's terms never span them.
_BOUNDARY = re.compile(r"\bwhereas\b|\bwhile\b|\bbut\b|\bhowever\b|;|\(|\)|—| - ")
# A pre-window for negation stops at these (so "Because we do not want leakage, we split by time" holds).
# "It is not true that", "It is false that", "It's not the case that", "Not true:": the whole sentence is denied.
_NEGATED_FRAME = re.compile(r"^\W*(it\s+is|it's|this\s+is|that\s+is)\s+(not|never)\s+(true|the case|correct)\b[\s,:]*(that\b)?|^\W*(it\s+is\s+)?(false|untrue)\s+that\b")
# A negation before a claim reaches back at most this many words, and not past a comma or a clause
# connective ("do not penalize the bias, tune lambda" negates only the first item of the list).
_SOFT_BOUNDARY = re.compile(r"[,;:.!?()]|\b(because|so|which|that is|but|whereas|while|however|although|though|then)\b")
NEGATION_LOOKBACK_WORDS = 5
# Said right before a claim, these turn it down ("I'd avoid inverse propensity weighting").
_REJECTED_BEFORE = re.compile(r"\b(avoid|avoiding|skip|skipping|ditch|abandon)\s+(?:(?:the|a|an|any|using|doing|adding)\s+)?$")
# Said after a claim, these turn it down: "ID dropout would hurt accuracy, so I'd never use it", "hash matching is outdated".
_REJECTED_AFTER = re.compile(
    r"\b(never|not|n't|no longer|wouldn't|won't|don't)\s+(?:\w+\s+){0,2}?(use|do|need|want|bother with|recommend|apply|add|try|build|include)\s+(it|them|this|that|these|those)\b"
    r"|^\W*(?:\w+\W+){0,3}?(is|are|would be|seems|sounds)\s+(?:just\s+|really\s+|simply\s+)?(overkill|unnecessary|redundant|superfluous|outdated|obsolete|pointless|a waste|not needed|not necessary|not required|not worth it|old-fashioned)\b"
    r"|^\W*(?:\w+\W+){0,2}?(doesn't|does not|don't|do not|won't|will not|wouldn't|would not|isn't|is not|can't|cannot)\s+"
    r"(do\s+(it|that|this|the job)|cut it|suffice|be enough)\b"
)
MISCONCEPTION_SPAN_CHARS = 70  # a wrong statement is said in a few words
MAX_SPAN_CHARS = 220  # about 35 words: farther apart, the terms are not one claim


@lru_cache(maxsize=32768)  # the shipped corpus has about 20,000 distinct terms; a smaller cache thrashes
def term_pattern(term: str) -> re.Pattern[str]:
    """Whole words, case-insensitive, separators optional, simple inflections on the last word."""
    words = [re.escape(w) for w in re.split(r"[\s\-_/]+", term.lower()) if w]
    body = r"[\s\-_/]*".join(words)
    return re.compile(rf"(?<![a-z0-9]){body}(s|es|ed|ing|d)?(?![a-z0-9])")


# Words a claim's or a misconception's term also accepts, so ordinary paraphrases count ("a fine metric"
# states what "the right metric" does; "lowers" what "reduces" does). Directed: the key is the word
# written in the corpus, the values what a candidate may say instead. Only meaning-preserving swaps
# that hold in any ML context; hyphenated compounds ("fine-tune") are never expanded.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "reduce": ("lower", "decrease", "cut", "shrink", "lessen"),
    "lower": ("reduce", "decrease", "cut"),
    "decrease": ("reduce", "lower", "cut", "shrink"),
    "increase": ("raise", "boost", "grow", "inflate"),
    "raise": ("increase", "boost"),
    "large": ("big", "huge", "massive"),
    "big": ("large", "huge", "massive"),
    "huge": ("large", "big", "massive"),
    "small": ("tiny", "little"),
    "fast": ("quick", "rapid"),
    "faster": ("quicker",),
    "cheap": ("inexpensive", "low-cost"),
    "expensive": ("costly", "pricey"),
    "right": ("good", "fine", "appropriate", "suitable", "reasonable", "sensible", "adequate", "ideal", "best", "correct", "proper"),
    "good": ("fine", "right", "appropriate", "suitable", "reasonable", "sensible", "adequate", "ideal", "great", "solid", "proper"),
    "best": ("ideal", "optimal", "right", "ideal"),
    "fine": ("good", "ok", "okay", "acceptable", "adequate"),
    "enough": ("sufficient", "adequate"),
    "sufficient": ("enough", "adequate"),
    "metric": ("measure", "yardstick", "kpi"),
    "always": ("invariably", "every time", "in every case"),
    "bias": ("skew",),
    "biased": ("skewed",),
    "biases": ("skews",),
    "explode": ("blow up",),
    "fix": ("solve", "resolve", "cure"),
    "solve": ("fix", "resolve", "cure"),
    "remove": ("drop", "delete", "discard", "eliminate"),
    "discard": ("drop", "remove", "throw away"),
    "monitor": ("track", "watch", "alert on"),
    "track": ("monitor", "watch"),
    "check": ("verify", "validate"),
    "use": ("rely on", "go with", "opt for", "employ"),
    "guarantee": ("ensure", "guarantees"),
    "identical": ("the same",),
    "useless": ("meaningless", "worthless", "uninformative"),
    "misleading": ("deceptive", "uninformative"),
}


_FIXED_WORDS = frozenset("the and for not nor are was were has had its than then this that with from per".split())


def _inflected(word: str) -> str:
    """A word with its regular inflections: reduce/reduces/reduced/reducing, copy/copies, stop/stopped."""
    w = re.escape(word)
    if not word.isalpha() or len(word) < 3 or word in _FIXED_WORDS:
        return w
    if word.endswith("ize") or word.endswith("ise"):
        return rf"{re.escape(word[:-3])}i[sz](?:e|es|ed|ing|ation|ations)"
    if word.endswith("e"):
        return rf"{re.escape(word[:-1])}(?:e|es|ed|ing|er|ers)"
    if word.endswith("y") and word[-2] not in "aeiou":
        return rf"{re.escape(word[:-1])}(?:y|ies|ied|ying)"
    return rf"{w}(?:s|es|ed|ing|{re.escape(word[-1])}ed|{re.escape(word[-1])}ing|er|ers)?"


def _phrase(words: Sequence[str]) -> str:
    return r"[\s\-_/]*".join(_inflected(w) for w in words)


# Placeholders a claim's term may hold where any value will do: a story question's result is "fell from
# {percent} to {percent}" whatever the candidate's numbers are.
PLACEHOLDERS = {
    "{number}": r"[$€£]?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|x|ms|s|hours?|days?|weeks?|minutes?|million|billion))?",
    "{percent}": r"\d+(?:\.\d+)?\s?(?:%|percent|per cent|percentage points?|points)",
}


@lru_cache(maxsize=32768)  # the shipped corpus has about 20,000 distinct terms; a smaller cache thrashes
def claim_term_pattern(term: str) -> re.Pattern[str]:
    """Like `term_pattern`, but every word inflects, the words of SYNONYMS accept their paraphrases, and PLACEHOLDERS match any value."""
    parts = []
    for token in term.lower().split():
        pieces = [p for p in re.split(r"[\-_/]+", token) if p]
        if token in PLACEHOLDERS:
            parts.append(PLACEHOLDERS[token])
        elif len(pieces) == 1 and pieces[0] in SYNONYMS:
            options = (pieces[0], *SYNONYMS[pieces[0]])
            parts.append("(?:" + "|".join(_phrase(o.split()) for o in options) + ")")
        elif pieces:
            parts.append(_phrase(pieces))
    body = r"[\s\-_/]*".join(parts)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


def matched_terms(terms: Sequence[str], text: str) -> list[str]:
    """Terms that occur in `text` as whole words."""
    lowered = text.lower()
    return [t for t in terms if term_pattern(t).search(lowered)]


@dataclass(frozen=True)
class Assertion:
    """Where a claim is asserted: the char window in the sentence and the terms used."""

    start: int
    end: int
    terms: tuple[str, ...]

    @property
    def width(self) -> int:
        return self.end - self.start


# "O(n log n)", "rand7()", "hash(key)", "floor((n + 2p - k) / s) + 1": parentheses that belong to a word
# or hold a formula are not clause breaks; only an aside in prose is.
_INNERMOST = re.compile(r"\([^()]{0,80}\)")
_FORMULA = re.compile(r"^[^a-z]*$|[+\-*/^=<>|]")
_WORDY = re.compile(r"[a-z]{4,}\s+[a-z]{2,}\s+[a-z]{2,}")


def _kept_parentheses(lowered: str) -> list[tuple[int, int]]:
    """Spans of parenthesised groups that are calls or formulas, innermost first, nested ones included."""
    masked, kept = lowered, []
    while (groups := list(_INNERMOST.finditer(masked))):
        for m in groups:
            inner = masked[m.start() + 1 : m.end() - 1]
            call = m.start() > 0 and re.match(r"[a-z0-9_]", masked[m.start() - 1]) and len(inner) <= 40
            formula = _FORMULA.search(inner) and not _WORDY.search(inner)
            if call or formula:
                kept.append((m.start(), m.end()))
            masked = masked[: m.start()] + "[" + inner + "]" + masked[m.end() :]
    return kept


def _clauses(lowered: str) -> list[tuple[int, int]]:
    kept = _kept_parentheses(lowered) if "(" in lowered else []
    bounds = [0]
    for m in _BOUNDARY.finditer(lowered):
        if not any(a <= m.start() < b for a, b in kept):
            bounds.extend((m.start(), m.end()))
    bounds.append(len(lowered))
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds) - 1, 2)]


@lru_cache(maxsize=32768)
def _any_term(group: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a whole group, so one search finds where the earliest of its terms starts."""
    return re.compile("|".join(f"(?:{claim_term_pattern(t).pattern})" for t in group))


@lru_cache(maxsize=32768)
def _needles(group: tuple[str, ...]) -> tuple[str, ...] | None:
    """Plain substrings one of which any match of the group contains (per term, its most telling word cut
    before its inflections, with its paraphrases), or None when a term is all placeholders. Most groups are
    absent from a clause, and a substring test says so without compiling the group's pattern."""
    needles: set[str] = set()
    for term in group:
        options = [
            {_stem(o.split()[0]) for o in (word, *SYNONYMS.get(word, ()))}
            for token in term.lower().split() if token not in PLACEHOLDERS
            for word in re.split(r"[\-_/]+", token) if word
        ]
        if not options:
            return None
        needles |= max(options, key=lambda o: min(len(n) for n in o))
    return tuple(sorted(needles))


def _stem(word: str) -> str:
    """What every inflection `_inflected` accepts starts with."""
    return word if len(word) <= 3 else word[: max(3, len(word) - 3)]


def _occurrences(group: Sequence[str], lowered: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    needles = _needles(tuple(group))
    if needles is not None and not any(n in lowered[lo:hi] for n in needles):
        return []
    out = []
    for term in group:
        for m in claim_term_pattern(term).finditer(lowered, lo, hi):
            if not _CONTRAST.search(lowered[max(lo, m.start() - 24) : m.start()]):
                out.append((m.start(), m.end(), term))
    return out


def _negations(lowered: str, start: int, end: int, used: Sequence[tuple[int, int]]) -> int:
    """1 if the window (with a few words before it, up to a soft boundary) is negated, else 0.

    Negations cancel only within one stretch between soft boundaries ("it is not untrue"); two in
    different stretches do not ("they don't ship, so there's no need to tell them" is negated).
    """
    before = lowered[:start]
    cut = max((m.end() for m in _SOFT_BOUNDARY.finditer(before)), default=0)
    words = list(re.finditer(r"\S+", before[cut:]))
    lo = cut + words[-NEGATION_LOOKBACK_WORDS].start() if len(words) >= NEGATION_LOOKBACK_WORDS else cut
    stretches = [m.start() for m in _SOFT_BOUNDARY.finditer(lowered, lo, end)]
    counts: dict[int, int] = {}
    for m in _NEGATION.finditer(lowered, lo, end):
        if any(s <= m.start() < e for s, e in used):
            continue
        if re.search(r",\s*$", lowered[max(0, m.start() - 3) : m.start()]):
            continue  # "L1, not L2, gives ..." sets L2 aside; it does not negate the sentence
        stretch = sum(1 for b in stretches if b < m.start())
        counts[stretch] = counts.get(stretch, 0) + 1
    return int(any(c % 2 for c in counts.values()))


def assertion(claim: Claim, sentence: str, max_chars: int | None = None, topic: str = "") -> Assertion | None:
    """The tightest window in which `sentence` asserts `claim` (not negated, not a bare list), or None.

    Windows are tried from the tightest outwards, so a comma-joined pair nearby does not hide
    a real statement further along. `max_chars` bounds the window (misconceptions are tight
    statements; a loose window would join words from different items of a list). `topic` is what
    the sentence talks about without naming it (its paragraph's subject): it stands in for the
    claim's first group when the clause does not name it, and the other groups must be asserted.
    """
    lowered = sentence.lower()
    if not claim or _NEGATED_FRAME.match(lowered):
        return None  # a sentence that opens by denying itself asserts nothing, whatever negations it holds inside
    limit = min(max_chars or MAX_SPAN_CHARS, MAX_SPAN_CHARS)
    about = len(claim) >= 2 and bool(topic) and any(claim_term_pattern(t).fullmatch(topic.lower()) for t in claim[0])
    best: Assertion | None = None
    for lo, hi in _clauses(lowered):
        found = [_occurrences(group, lowered, lo, hi) for group in claim]
        if about and not found[0]:
            found = found[1:]
        if not all(found):
            continue
        for start, end, used in _windows(found, limit):
            if _listed(lowered, used) or _negations(lowered, start, end, [(s, e) for s, e, _ in used]) % 2:
                continue
            if _REJECTED_BEFORE.search(lowered[max(0, start - 30) : start]) or _REJECTED_AFTER.search(lowered[end:]):
                continue
            if best is None or end - start < best.width:
                best = Assertion(start, end, tuple(t for _, _, t in used))
            break
    return best


_LIST_GAP = re.compile(r"^(?:[\s,/&+|]|\band\b|\bor\b)*$")


def _listed(lowered: str, used: Sequence[tuple[int, int, str]]) -> bool:
    """Terms strung together by commas or chained conjunctions ("precision, recall, PR-AUC") are a list, not a claim."""
    spans = sorted((s, e) for s, e, _ in used)
    gaps = [lowered[a[1] : b[0]] for a, b in zip(spans, spans[1:])]
    if not gaps or not all(_LIST_GAP.match(g) for g in gaps):
        return False
    # "a, b and c" or a run-on "a and b and c": joined by nothing but commas and conjunctions.
    return any("," in g or "/" in g for g in gaps) or (len(gaps) >= 2 and all(re.search(r"\b(and|or)\b", g) for g in gaps))


MAX_COMBINATIONS = 512


def _windows(found: list[list[tuple[int, int, str]]], limit: int) -> list[tuple[int, int, list[tuple[int, int, str]]]]:
    """Every way to pick one occurrence per group (distinct words), tightest first, within `limit` chars."""
    if math.prod(len(g) for g in found) > MAX_COMBINATIONS:  # a very repetitive sentence: nearest picks only
        combos = [[min(g, key=lambda o: abs(o[0] - anchor[0])) for g in found] for anchor in itertools.chain(*found)]
    else:
        combos = [list(c) for c in itertools.product(*found)]
    out = []
    for chosen in combos:
        spans = sorted((o[0], o[1]) for o in chosen)
        if any(b[0] < a[1] for a, b in zip(spans, spans[1:])):
            continue  # one word cannot stand for two groups ("get back to them" is not also "them")
        start, end = min(o[0] for o in chosen), max(o[1] for o in chosen)
        if end - start <= limit:
            out.append((start, end, chosen))
    return sorted(out, key=lambda w: w[1] - w[0])


def split_sentences(text: str, max_words: int = 40) -> list[str]:
    """Sentences, bullet items and paragraphs; wrapped lines are joined; very long ones are cut into windows."""
    # A single newline inside a paragraph is wrapping, unless the next line starts a list item.
    text = re.sub(r"(?<!\n)\n(?!\s*\n)(?!\s*([-*•>]|\d+[.)]|[a-z][.)]|#+)\s)", " ", text)
    pieces = re.split(r"(?<![\s(]e\.g\.)(?<![\s(]i\.e\.)(?<!\svs\.)(?<!\setc\.)(?<=[.!?;])\s+|\n+", text)
    out: list[str] = []
    for piece in (p.strip(" -*•\t") for p in pieces):
        words = piece.split()
        if not words or not re.search(r"[^\W\d_]", piece):  # "1." alone, or only numbers and marks
            continue
        for start in range(0, len(words), max_words):
            out.append(" ".join(words[start : start + max_words]))
    return out


# A sentence opening with one of these continues the previous sentence's topic ("MAPE divides by the
# true value. It explodes near zero.").
_PRONOUN_START = re.compile(r"^\W*(it|its|it's|this|they|their|these)\b", re.I)
TOPIC_WORDS = 4


def carried(previous: str, sentence: str) -> str:
    """`sentence` with the topic of `previous` (its first words, up to a comma) put back in front of a leading pronoun.

    Only the words before the previous sentence's first comma or colon, at most TOPIC_WORDS of them, are carried,
    so a claim cannot borrow more than the subject; a sentence that opens by denying itself carries nothing.
    """
    if not previous or not _PRONOUN_START.match(sentence) or _NEGATED_FRAME.match(sentence.lower()):
        return sentence
    head = re.split(r"[,;:(]", previous, maxsplit=1)[0].split()[:TOPIC_WORDS]
    return f"{' '.join(head)}: {sentence}" if head else sentence


def asserts(claim: Claim, sentence: str) -> bool:
    return assertion(claim, sentence) is not None


def states_misconception(pattern: Claim, sentence: str, topic: str = "") -> Assertion | None:
    """Where `sentence` states a misconception's pattern, within a misconception's tight window."""
    return assertion(pattern, sentence, MISCONCEPTION_SPAN_CHARS, topic)


def first_subject(subjects: Sequence[str], sentence: str) -> str:
    """The subject term (of `subjects`) the sentence names first, or "" (a tie at one place goes to the first term in sort order)."""
    lowered = sentence.lower()
    first = _any_term(tuple(subjects)).search(lowered) if subjects else None  # the earliest place any subject starts
    if first is None:
        return ""
    return min(t for t in subjects if claim_term_pattern(t).match(lowered, first.start()))


def negated(sentence: str) -> bool:
    """Whether a sentence carries any negation cue at all (used to withhold meaning-only credit)."""
    return bool(_NEGATION.search(sentence.lower()))
