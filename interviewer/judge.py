"""The offline judge: grades correctness per rubric point from claims, misconceptions and meaning.

A point is covered by a sentence that asserts one of its claims (interviewer.claims), not
by its vocabulary. A sentence that states a known misconception contradicts its point. A
sentence that only repeats the question or lists terms earns nothing. Meaning alone
(sentence embeddings) earns at most a little, never "covered". Points written without
claims (the Mohler adapter's) fall back to meaning plus key terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from interviewer.claims import assertion, carried, first_subject, matched_terms, negated, split_sentences
from interviewer.corpus import STOPWORDS, Question, RubricPoint
from interviewer.embeddings import Embedder, Vectors
from interviewer.coding import CodeReport, assumed_imports, entry_name, extract_code, failure_follow_up, run_hidden
from interviewer.grading import (
    CODE_FAIL_CAP, COVERED, EVIDENCE_CHARS, EVIDENCE_MIN, AnswerPart, CodeTestRow, PointGrade, QuestionGrade,
    score_with_code, scorable_text, weighted_score,
)
from interviewer.retrieval import embed_points
from interviewer.swaps import Mistake, known_mistakes

# Said at the start of a sentence, these negate all of it, however far the claim is.
_NEGATED_FRAME = re.compile(r"^\W*(it\s+is|it's|this\s+is|that\s+is)?\s*(not|never|false|untrue)\b(\s+(true|the case|correct))?", re.I)
# Engineering words: an answer to a people question made mostly of these stayed technical.
TECHNICAL_WORDS = (
    "model", "retrain", "feature", "accuracy", "precision", "recall", "pipeline", "latency", "debug", "bug fix",
    "hyperparameter", "tune", "training", "algorithm", "gradient", "architecture", "deploy", "code", "dataset",
    "threshold", "embedding", "ensemble", "xgboost", "neural", "loss", "metric", "rmse", "auc", "fine-tune",
)
NOT_JUST_TECHNICAL = "not-just-technical"


@dataclass(frozen=True)
class GradingParams:
    """Meaning-and-terms credit, used alone for points without claims (and as a capped extra otherwise).

    Similarity alone tops out below COVERED: MiniLM rates sentences that share words with a
    point highly even when they miss its idea. Chosen on the tuning half of the labelled set.
    """

    sim_low: float = 0.25
    sim_high: float = 0.60
    terms_for_full: int = 2
    semantic_weight: float = 0.45
    term_weight: float = 0.6


@dataclass(frozen=True)
class JudgeParams:
    """How claims turn into coverage; chosen on the tuning halves of the labelled interview set and of the
    adversarial answers written after the claims were (so claims broadened on an answer cannot flatter it)."""

    one_claim: float = 0.5  # one of several claims asserted; two (or all of a one-claim point's) give 1.0
    meaning_cap: float = 0.1  # most a point earns from meaning alone (far below COVERED on purpose)
    corrected_cap: float = 0.5  # a point stated wrongly first, then right (after a push-back)
    technical_cap: float = 20.0  # a non-technical answer that stayed technical scores at most this
    technical_share: float = 0.3  # share of sentences with engineering words that counts as "stayed technical"
    echo_share: float = 0.8  # a sentence whose content words are this much the question's only repeats it
    legacy: GradingParams = field(default_factory=GradingParams)


@dataclass(frozen=True)
class Sentence:
    """A scorable sentence of the answer, with its place (part, index) so order can be told."""

    text: str
    part: int
    index: int
    vector: np.ndarray | None = None
    claim_text: str = ""  # the text claims are read in: `text`, with the previous sentence's topic for a leading pronoun
    topic: str = ""  # the paragraph's subject when the sentence names none ("MAPE ... . Near-zero targets make it explode.")

    @property
    def position(self) -> tuple[int, int]:
        return (self.part, self.index)


def point_coverage(params: GradingParams, similarity: float, found_terms: int, n_terms: int) -> float:
    """Coverage in [0, 1] from the best sentence similarity and the key terms found."""
    semantic = meaning(params, similarity)
    terms = min(1.0, found_terms / max(1, min(params.terms_for_full, n_terms)))
    return min(1.0, params.semantic_weight * semantic + params.term_weight * terms)


def meaning(params: GradingParams, similarity: float) -> float:
    return min(1.0, max(0.0, (similarity - params.sim_low) / (params.sim_high - params.sim_low)))


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9][a-z0-9\-']*", text.lower()) if w not in STOPWORDS and len(w) > 2}


def echoes(sentence: str, question_words: set[str], share: float) -> bool:
    """The sentence mostly repeats the question's own words."""
    words = content_words(sentence)
    return bool(words) and len(words & question_words) >= share * len(words)


def is_term_list(sentence: str, question: Question) -> bool:
    """Rubric terms strung together without a claim.

    A fragment of under four words; a lone rubric term; terms of three or more points with hardly
    a function word; or a run of four or more items that are each little more than a rubric term.
    """
    words = re.findall(r"[\w'-]+", sentence.lower())
    if len(words) < 4:
        return True
    terms = sorted({t for p in question.rubric for t in p.terms})
    items = _items(sentence, r"[,;:]")
    bare = _bare(items, terms)
    if (len(items) >= 4 and bare >= 0.6 * len(items)) or (len(items) == 1 and bare == 1):
        return True
    # "A and B and C and D and ...": a run-on list of short noun phrases, whether or not they are rubric terms.
    chained = _items(sentence, r"\band\b")
    if len(chained) >= RUN_ON_ITEMS and sum(1 for i in chained if len(i.split()) <= 3) >= 0.7 * len(chained):
        return True
    function_share = sum(1 for w in words if w in STOPWORDS) / len(words)
    if function_share >= 0.12:
        return False
    hit_points = sum(1 for p in question.rubric if matched_terms(sorted(p.terms), sentence))
    return hit_points >= 3


RUN_ON_ITEMS = 6  # items joined by "and" before a sentence can count as a run-on list of terms


def _items(sentence: str, separators: str) -> list[str]:
    cleaned = (re.sub(r"^(and|or|also|keywords?|key points?|topics?)\b\W*", "", c.strip(" .").lower()) for c in re.split(separators, sentence))
    return [i for i in cleaned if i]


def _bare(items: Sequence[str], terms: Sequence[str]) -> int:
    """Items that are little more than a rubric term."""
    return sum(1 for i in items if (found := matched_terms(terms, i)) and len(i.split()) <= max(len(t.split()) for t in found) + 1)


def stayed_technical(sentences: Sequence[Sentence], share: float) -> bool:
    technical = sum(1 for s in sentences if matched_terms(TECHNICAL_WORDS, s.text))
    return bool(sentences) and technical >= share * len(sentences)


class OfflineJudge:
    """Correctness per rubric point from claims and misconceptions; meaning from sentence embeddings."""

    name = "offline"

    def __init__(
        self,
        embedder: Embedder,
        point_vectors: Callable[[Question], dict[str, np.ndarray]] | None = None,
        params: JudgeParams = JudgeParams(),
        corpus_dir: Path | None = None,
    ) -> None:
        self._embedder = embedder
        self._point_vectors = point_vectors or partial(embed_points, embedder)
        self.params = params
        self._corpus_dir = corpus_dir
        self._vectors: dict[str, np.ndarray] = {}  # each sentence is embedded once per judge
        self._code_reports: dict[tuple[str, str], CodeReport] = {}  # each code answer runs once per judge

    def grade(self, question: Question, parts: Sequence[AnswerPart]) -> QuestionGrade:
        sentences, notes = self.sentences(question, parts)
        vectors = self._point_vectors(question) if sentences else {}
        heard = self._heard(question, sentences)
        # A sentence that states a known mistake is no evidence for any other point either.
        wrong_at = {s.position for _, saying in heard for s in saying}
        sound = [s for s in sentences if s.position not in wrong_at]
        points = [self._grade_point(question, point, sound, vectors.get(point.id)) for point in question.rubric]
        points = self._apply_misconceptions(question, points, sentences, heard)
        score = weighted_score(question, points)
        if self._technical_only(question, points, sentences):
            score = min(score, self.params.technical_cap)
            notes.append("the answer stayed technical where the question is about people, priorities and communication")
        grade = QuestionGrade(question_id=question.id, score=score, points=tuple(points), grader=self.name, notes=tuple(notes))
        return self.with_code(question, parts, grade)

    def with_code(self, question: Question, parts: Sequence[AnswerPart], grade: QuestionGrade) -> QuestionGrade:
        """A coding question's grade once its latest code has run against the hidden tests."""
        if question.code is None:
            return grade
        code = next((c for c in (extract_code(p.text) for p in reversed(parts)) if c), None)
        if code is None:
            if not question.code.required:
                return grade
            note = "no code was given, so the hidden tests could not run"
            return grade.model_copy(update={"score": min(grade.score, CODE_FAIL_CAP), "notes": (*grade.notes, note)})
        if not question.code.required and not re.search(rf"\b(def|class)\s+{re.escape(entry_name(question))}\b", code):
            return grade.model_copy(update={"notes": (*grade.notes, "the code is a sketch without the function the tests call, so they did not run")})
        key = (question.id, code)
        if key not in self._code_reports:
            self._code_reports[key] = run_hidden(question, code, self._corpus_dir)
        report = self._code_reports[key]
        rows = tuple(CodeTestRow(test=t, input=i, expected=e, result=r, passed=r == "pass") for t, i, e, r in report.as_table())
        passed = bool(rows) and all(r.passed for r in rows) and report.status == "passed"
        failing = "" if passed else failure_follow_up(report)
        note = f"hidden tests: {sum(r.passed for r in rows)} of {len(rows)} passed" + (f"; {report.complexity}" if report.complexity else "")
        assumed = assumed_imports(code)
        if assumed:
            note += f"; your code uses {', '.join(assumed)} without importing it, so the usual import was assumed"
        return grade.model_copy(update={
            "score": score_with_code(grade.score, passed), "code_tests": rows, "code_follow_up": failing,
            "notes": (*grade.notes, note),
        })

    def sentences(self, question: Question, parts: Sequence[AnswerPart]) -> tuple[list[Sentence], list[str]]:
        """The answer's scorable sentences (injections, question echoes and term lists dropped), embedded once."""
        question_words = content_words(question.question)
        # Echo and term-list filters guard claims; a rubric without claims (the Mohler adapter's) is
        # scored the way it was calibrated, on every sentence, short ones included.
        filtered = any(p.claims for p in question.rubric)
        kept: list[Sentence] = []
        notes: list[str] = []
        subjects = question.subjects
        for p, part in enumerate(parts):
            text, part_notes = scorable_text(part.text)
            notes.extend(n for n in part_notes if n not in notes)
            index = 0
            for paragraph in re.split(r"\n\s*\n", text):
                split, topic = split_sentences(paragraph), ""
                for i, sentence in enumerate(split):
                    named = first_subject(subjects, sentence)
                    topic, own = (named, "") if named else (topic, topic)
                    index += 1
                    if filtered and (echoes(sentence, question_words, self.params.echo_share) or is_term_list(sentence, question)):
                        continue
                    kept.append(Sentence(sentence, p, index, claim_text=carried(split[i - 1] if i else "", sentence), topic=own))
        vectors = self.embed([s.text for s in kept])
        return [Sentence(s.text, s.part, s.index, v, s.claim_text, s.topic) for s, v in zip(kept, vectors)], notes

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors for `texts`, embedding only the ones this judge has not seen."""
        new = sorted({t for t in texts if t not in self._vectors})
        if new:
            self._vectors.update(zip(new, self._embedder.embed(new)))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def _grade_point(self, question: Question, point: RubricPoint, sentences: Sequence[Sentence], vector: np.ndarray | None) -> PointGrade:
        if not sentences:
            return PointGrade(point_id=point.id, coverage=0.0)
        if not point.claims:
            return self._legacy_point(point, sentences, vector)
        asserted: dict[int, Sentence] = {}
        for sentence in sentences:
            for c, claim in enumerate(point.claims):
                if c not in asserted and assertion(claim, sentence.claim_text or sentence.text, topic=sentence.topic):
                    asserted[c] = sentence
        if asserted:
            full = len(asserted) >= min(2, len(point.claims))
            evidence = min(asserted.values(), key=lambda s: s.position)
            return PointGrade(point_id=point.id, coverage=1.0 if full else self.params.one_claim, evidence=evidence.text[:EVIDENCE_CHARS])
        # No claim asserted: a little credit for saying something close in meaning, never from a negated sentence.
        # (and never from a formula or fragment with fewer than three content words)
        plain = [s for s in sentences if not negated(s.text) and len(content_words(s.text)) >= 3]
        if vector is None or not plain:
            return PointGrade(point_id=point.id, coverage=0.0)
        sims = np.stack([s.vector for s in plain if s.vector is not None]) @ vector
        best = int(sims.argmax())
        coverage = round(self.params.meaning_cap * meaning(self.params.legacy, float(sims[best])), 3)
        return PointGrade(point_id=point.id, coverage=coverage, evidence=plain[best].text[:EVIDENCE_CHARS] if coverage >= 0.2 else "")

    def _legacy_point(self, point: RubricPoint, sentences: Sequence[Sentence], vector: np.ndarray | None) -> PointGrade:
        """Meaning plus key terms, for points without claims; sentences negated as a whole earn nothing."""
        plain = [s for s in sentences if not _NEGATED_FRAME.search(s.text)]
        if vector is None or not plain:
            return PointGrade(point_id=point.id, coverage=0.0)
        sim, found, best = point_evidence(point.key_terms, vector, [s.text for s in plain], np.stack([s.vector for s in plain if s.vector is not None]))
        coverage = point_coverage(self.params.legacy, sim, found, len(point.key_terms))
        return PointGrade(point_id=point.id, coverage=round(coverage, 3), evidence=best[:EVIDENCE_CHARS] if coverage >= EVIDENCE_MIN else "")

    def _heard(self, question: Question, sentences: Sequence[Sentence]) -> list[tuple[Mistake, list[Sentence]]]:
        """Each known mistake the answer states, with the sentences that state it, in answer order (read once per grade)."""
        heard = []
        for known in known_mistakes(question):
            saying = [s for s in sentences if self._states(question, known, s.claim_text or s.text, s.topic)]
            if saying:
                heard.append((known, saying))
        return heard

    def _apply_misconceptions(
        self, question: Question, points: list[PointGrade], sentences: Sequence[Sentence], heard: Sequence[tuple[Mistake, list[Sentence]]],
    ) -> list[PointGrade]:
        """A stated misconception zeroes its point, unless the candidate states the point right afterwards."""
        out = {p.point_id: p for p in points}
        for known, saying in heard:
            m, said = known.misconception, saying[0]
            if m.contradicts not in out:
                continue
            current = out[m.contradicts]
            later_right = current.coverage >= COVERED and current.evidence and _after(current.evidence, said, sentences)
            if later_right:
                out[m.contradicts] = current.model_copy(update={"coverage": min(current.coverage, self.params.corrected_cap)})
                continue
            if current.contradicted:
                continue
            out[m.contradicts] = PointGrade(
                point_id=m.contradicts, coverage=0.0, evidence=said.text[:EVIDENCE_CHARS], contradicted=True,
                correction=m.correction, misconception=m.id,
            )
        return [out[p.id] for p in question.rubric]

    @staticmethod
    def _states(question: Question, known: Mistake, sentence: str, topic: str = "") -> bool:
        """The sentence states the mistake more tightly than any right claim it also makes."""
        wrong = known.stated(sentence, topic)
        if wrong is None:
            return False
        right = [a for a in (assertion(c, sentence, topic=topic) for c in question.point(known.misconception.contradicts).claims) if a is not None]
        return not any(a.width < wrong.width for a in right)

    def _technical_only(self, question: Question, points: Sequence[PointGrade], sentences: Sequence[Sentence]) -> bool:
        if question.round != "non-technical" or not any(p.id == NOT_JUST_TECHNICAL for p in question.rubric):
            return False
        people = next(p for p in points if p.point_id == NOT_JUST_TECHNICAL)
        return (people.coverage < COVERED or people.contradicted) and stayed_technical(sentences, self.params.technical_share)

    def evidence(self, question: Question, parts: Sequence[AnswerPart]) -> list[dict[str, tuple[float, int, str]]]:
        """Per part: each point's best cosine, key terms found and best sentence (the raw measurements evals re-score)."""
        vectors = self._point_vectors(question)
        sentences, _ = self.sentences(question, parts)
        out: list[dict[str, tuple[float, int, str]]] = []
        for p in range(len(parts)):
            mine = [s for s in sentences if s.part == p and not _NEGATED_FRAME.search(s.text)]
            found: dict[str, tuple[float, int, str]] = {}
            if mine:
                matrix = np.stack([s.vector for s in mine if s.vector is not None])
                for point in question.rubric:
                    found[point.id] = point_evidence(point.key_terms, vectors[point.id], [s.text for s in mine], matrix)
            out.append(found)
        return out


def _after(evidence: str, wrong: Sentence, sentences: Sequence[Sentence]) -> bool:
    right = next((s for s in sentences if s.text.startswith(evidence[:60])), None)
    return right is not None and right.position > wrong.position


def point_evidence(terms: Sequence[str], point_vector: np.ndarray, sentences: list[str], vectors: Vectors) -> tuple[float, int, str]:
    """Best sentence similarity, distinct key terms found, and the sentence that best shows the point."""
    sims = vectors @ point_vector
    hits = np.asarray([len(matched_terms(terms, s)) for s in sentences], dtype=np.float32)
    found = len(matched_terms(terms, " ".join(sentences)))
    strength = sims + 0.15 * np.minimum(hits, 2)
    return float(sims.max()), found, sentences[int(strength.argmax())]
