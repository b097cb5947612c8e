"""The Q&A corpus: schema, loading and validation of corpus/*.yaml."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import VERSION as PYDANTIC_VERSION
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from interviewer import resources

RoundName = Literal[
    "phone-screen",
    "ml-fundamentals",
    "ml-coding",
    "system-design",
    "infra-design",
    "advanced",
    "systems-engineering",
    "architecture",
    "non-technical",
]
ROUNDS: tuple[str, ...] = get_args(RoundName)
FULL_LOOP = "full-loop"
# A Google-style loop visits these rounds in this order, one question each by default.
FULL_LOOP_ORDER: tuple[str, ...] = (
    "phone-screen",
    "ml-fundamentals",
    "ml-coding",
    "system-design",
    "systems-engineering",
    "architecture",
    "non-technical",
)
ROUND_CHOICES: tuple[str, ...] = (*ROUNDS, FULL_LOOP)
REFERENCE_WORDS = (150, 400)
# Function words: as key terms they match almost any answer.
STOPWORDS = frozenset(
    """a an the of to in on for and or but is are was were be been being it its this that these those with as by
    at from into than then so such can could will would should may might must do does did done have has had not no
    if when which who whom whose what where why how all any each some more most other their there they them you your
    we our us he she his her i me my also only just very use used using one two""".split()
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# A claim: term groups that one sentence must assert together (any term of each group).
TermGroup = Annotated[tuple[Text, ...], Field(min_length=1)]
ClaimSpec = Annotated[tuple[TermGroup, ...], Field(min_length=1, max_length=4)]
Phase = Literal["requirements", "metrics", "data", "features", "model", "serving", "monitoring"]
PHASES: tuple[str, ...] = get_args(Phase)
# Rounds whose questions must carry misconceptions (or, in non-technical, failure behaviours).
MISCONCEPTION_ROUNDS = ROUNDS
MIN_MISCONCEPTIONS = 3
# Rounds where a candidate is expected to ask about the scenario before answering.
FACT_ROUNDS: tuple[str, ...] = ("system-design", "infra-design", "architecture", "advanced", "non-technical")
DESIGN_ROUNDS: tuple[str, ...] = ("system-design", "infra-design", "architecture")
# Rubric points whose id starts with this are credited from the clarifying questions a candidate asks.
CLARIFY_POINT_PREFIX = "clarify"


class RubricPoint(_Frozen):
    id: Slug
    weight: float = Field(gt=0, le=10)
    point: Text
    key_terms: tuple[Text, ...] = Field(min_length=1)
    claims: tuple[ClaimSpec, ...] = ()
    phase: Phase | None = None

    @cached_property
    def terms(self) -> frozenset[str]:
        """Every term the point is written in: its key terms and each term of each claim."""
        return frozenset({*self.key_terms, *(t for claim in self.claims for group in claim for t in group)})


class Misconception(_Frozen):
    """A common wrong statement: its pattern in a sentence marks `contradicts` as contradicted."""

    id: Slug
    contradicts: Slug
    pattern: ClaimSpec
    correction: Text
    push_back: Text


class Fact(_Frozen):
    """Scenario detail a candidate may ask for before answering (scale, users, constraints)."""

    about: tuple[Text, ...] = Field(min_length=1)
    answer: Text


class CodeExample(_Frozen):
    call: Text  # a Python expression calling the candidate's function, e.g. "edit_distance('ab', 'b')"
    expected: Text  # its expected value as Python source, shown to the candidate


class CodeSpec(_Frozen):
    """What a coding question runs: the function to write, visible examples, hidden tests."""

    signature: Text
    examples: tuple[CodeExample, ...] = Field(min_length=1, max_length=4)
    tests: Text  # path of the hidden-test module, relative to the corpus folder
    # False when the question asks how, not for code: a spoken answer is not capped, code given is still run.
    required: bool = True


class FollowUp(_Frozen):
    ask: Text
    probes: tuple[Slug, ...] = Field(min_length=1)
    depth: int = Field(default=1, ge=1, le=6)
    # Points the candidate must have covered for this follow-up to make sense (it builds on them).
    requires: tuple[Slug, ...] = ()


class Question(_Frozen):
    id: QuestionId
    title: Text
    question: Text
    difficulty: Literal[1, 2, 3]
    tags: tuple[Text, ...] = Field(min_length=1)
    reference_answer: Text
    rubric: tuple[RubricPoint, ...] = Field(min_length=3, max_length=8)
    follow_ups: tuple[FollowUp, ...] = Field(min_length=2, max_length=6)
    misconceptions: tuple[Misconception, ...] = ()
    facts: tuple[Fact, ...] = ()
    hints: tuple[Text, ...] = Field(default=(), max_length=3)
    code: CodeSpec | None = None
    round: RoundName = "ml-fundamentals"  # set by the loader from the file's `round`

    def point(self, point_id: str) -> RubricPoint:
        return next(p for p in self.rubric if p.id == point_id)

    @property
    def total_weight(self) -> float:
        return sum(p.weight for p in self.rubric)

    @property
    def subjects(self) -> tuple[str, ...]:
        """What the question's claims and misconceptions are about: the first term group of each (of two or more groups)."""
        patterns = [c for p in self.rubric for c in p.claims] + [m.pattern for m in self.misconceptions]
        return tuple(dict.fromkeys(t for c in patterns if len(c) >= 2 for t in c[0]))


class CorpusFile(_Frozen):
    round: RoundName
    source: Text
    questions: tuple[dict[str, Any], ...] = Field(min_length=1)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a corpus file, located for a person to fix."""

    file: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class Corpus:
    questions: tuple[Question, ...]
    problems: tuple[Problem, ...] = ()
    files: tuple[str, ...] = ()
    by_id: dict[str, Question] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_id.update({q.id: q for q in self.questions})

    def in_round(self, round_name: str) -> list[Question]:
        return [q for q in self.questions if q.round == round_name]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def content_hash(self) -> str:
        """A digest of every valid question, so indexes rebuild only when content changes."""
        digest = hashlib.sha256()
        for q in sorted(self.questions, key=lambda q: q.id):
            digest.update(q.model_dump_json().encode())
        return digest.hexdigest()[:16]


class CorpusError(Exception):
    """The corpus cannot serve what was asked (missing folder, empty round)."""


def default_corpus_dir() -> Path:
    """The shipped corpus (see interviewer.resources); a user's own folder comes through INTERVIEWER_CORPUS."""
    return resources.corpus_dir()


def load_corpus(directory: Path | None = None, *, judge_texts: bool = False, cache_dir: Path | None = None) -> Corpus:
    """Load every corpus/*.yaml; invalid questions or files are skipped and reported.

    judge_texts adds the checks of claims and misconceptions against each reference answer
    (all warnings, several seconds for the whole corpus): `corpus check` asks for them, an interview does not.
    With a cache_dir, the parsed corpus is kept there keyed by the files' bytes: parsing the YAML
    costs about 0.6 s of CPU for the shipped corpus, reading the cache 20 ms.
    """
    directory = directory or default_corpus_dir()
    if not directory.is_dir():
        raise CorpusError(f"corpus folder not found: {directory}")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise CorpusError(f"no corpus files (*.yaml) in {directory}; point INTERVIEWER_CORPUS at a folder of question files")
    if cache_dir is None or judge_texts:
        return _parse_files(files, judge_texts)
    cached = cache_dir / f"corpus-{_files_key(files)}.pickle"
    try:
        corpus = pickle.loads(cached.read_bytes())
        if isinstance(corpus, Corpus):
            return corpus
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # no cache yet, or one this version cannot read: parse and write it anew
    corpus = _parse_files(files, judge_texts=False)
    _write_cache(cached, corpus)
    return corpus


def _files_key(files: Sequence[Path]) -> str:
    """Changes with any file's path or bytes, and with the code that parses them."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + PYDANTIC_VERSION.encode())
    for path in files:  # the full path too: a Corpus records where its files are
        digest.update(str(path.resolve()).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def _write_cache(path: Path, corpus: Corpus) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob("corpus-*.pickle"):
            stale.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(corpus, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        pass  # a read-only or full data folder costs speed, not the interview


def _parse_files(files: Sequence[Path], judge_texts: bool) -> Corpus:
    questions: list[Question] = []
    problems: list[Problem] = []
    for path in files:
        file_questions, file_problems = _load_file(path, judge_texts)
        questions.extend(file_questions)
        problems.extend(file_problems)
    unique, dup_problems = _drop_duplicates(questions, files)
    return Corpus(tuple(unique), tuple(problems + dup_problems), tuple(str(f) for f in files))


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: several times faster


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that refuses a key given twice in one mapping (YAML keeps the last, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first on line {seen[key]})", key_node.start_mark
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _load_file(path: Path, judge_texts: bool) -> tuple[list[Question], list[Problem]]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_Loader)
    except UnicodeDecodeError as exc:
        return [], [Problem(name, 1, f"not UTF-8 text ({exc.reason})")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [Problem(name, line, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    nodes = _NodeTree(text)
    if not isinstance(data, dict):
        return [], [Problem(name, 1, "expected a mapping with round, source and questions")]
    try:
        header = CorpusFile.model_validate(data)
    except ValidationError as exc:
        return [], [_problem_from(name, nodes.root, (), err) for err in exc.errors()]
    questions: list[Question] = []
    problems: list[Problem] = []
    for index, raw in enumerate(header.questions):
        loc: tuple[Any, ...] = ("questions", index)
        try:
            question = Question.model_validate({**raw, "round": header.round})
        except ValidationError as exc:
            problems.extend(_problem_from(name, nodes.root, loc, err) for err in exc.errors())
            continue
        semantic = list(_semantic_problems(question))
        if judge_texts:
            semantic += _judgement_problems(question)
        if semantic:
            line = _line_of(nodes.root, loc)
            problems.extend(Problem(name, line, msg, sev) for sev, msg in semantic)
        if not any(sev == "error" for sev, _ in semantic):
            questions.append(question)
    return questions, problems


class _NodeTree:
    """The YAML node tree with line numbers, composed only when a problem needs locating."""

    def __init__(self, text: str) -> None:
        self._text = text

    @cached_property
    def root(self) -> yaml.Node | None:
        return yaml.compose(self._text, Loader=_Loader)


def _semantic_problems(q: Question) -> Iterable[tuple[Literal["error", "warning"], str]]:
    point_ids = [p.id for p in q.rubric]
    for dup in sorted({p for p in point_ids if point_ids.count(p) > 1}):
        yield "error", f"{q.id}: duplicate rubric point id '{dup}'"
    for fu in q.follow_ups:
        for probe in fu.probes:
            if probe not in point_ids:
                yield "error", f"{q.id}: follow-up probes unknown rubric point '{probe}' (has: {', '.join(point_ids)})"
    depths = {fu.depth for fu in q.follow_ups}
    for depth in sorted(depths):
        if depth > 1 and depth - 1 not in depths:
            yield "error", f"{q.id}: follow-up at depth {depth} has no follow-up at depth {depth - 1} to come after"
    for point in q.rubric:
        for term in point.key_terms:
            if term.lower() in STOPWORDS:
                yield "warning", f"{q.id}: key term '{term}' of '{point.id}' is a common word that matches almost any answer"
    yield from _reference_problems(q)
    words = len(q.reference_answer.split())
    low, high = REFERENCE_WORDS
    if not low <= words <= high:
        yield "warning", f"{q.id}: reference answer has {words} words (aim for {low}-{high})"


def _reference_problems(q: Question) -> Iterable[tuple[Literal["error", "warning"], str]]:
    """Follow-up prerequisites and misconceptions that name rubric points the question does not have."""
    point_ids = {p.id for p in q.rubric}
    for fu in q.follow_ups:
        for need in fu.requires:
            if need not in point_ids:
                yield "error", f"{q.id}: follow-up requires unknown rubric point '{need}'"
    ids = [m.id for m in q.misconceptions]
    for dup in sorted({m for m in ids if ids.count(m) > 1}):
        yield "error", f"{q.id}: duplicate misconception id '{dup}'"
    for m in q.misconceptions:
        if m.contradicts not in point_ids:
            yield "error", f"{q.id}: misconception '{m.id}' contradicts unknown rubric point '{m.contradicts}'"


def _judgement_problems(q: Question) -> Iterable[tuple[Literal["error", "warning"], str]]:
    """Claims, misconceptions, facts, hints and phases, checked against the question's own texts."""
    from interviewer.claims import asserts, matched_terms, split_sentences, states_misconception

    reference = split_sentences(q.reference_answer)
    for point in q.rubric:
        for claim in point.claims:
            if not any(asserts(claim, s) for s in reference):
                yield "warning", f"{q.id}: claim {_show(claim)} of '{point.id}' is not asserted by any sentence of the reference answer"
            if all(matched_terms(group, q.question) for group in claim):
                yield "warning", f"{q.id}: claim {_show(claim)} of '{point.id}' only repeats the question"
        repeated = matched_terms(point.key_terms, q.question)
        if len(repeated) >= 2:
            yield "warning", f"{q.id}: key terms {repeated} of '{point.id}' already appear in the question"
    for point in q.rubric:
        unstated = unsupported_facts(point.point, q.reference_answer)
        if unstated:
            yield "warning", f"{q.id}: rubric point '{point.id}' names {', '.join(unstated)}, which the reference answer never states"
    for m in q.misconceptions:
        hits = [s for s in reference if states_misconception(m.pattern, s)]
        if hits:
            yield "warning", f"{q.id}: misconception '{m.id}' matches the reference answer: \"{hits[0][:80]}\""
    yield from _completeness_problems(q)


# Numbers, acronyms and named methods: the facts a rubric point can state that a reference must back.
_FACT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?%?|[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*)(?![\w])")


def unsupported_facts(point: str, reference: str) -> list[str]:
    """Numbers and named terms (acronyms, methods) in a rubric point that the reference answer does not contain."""
    ref = re.sub(r"[^a-z0-9%.]+", " ", reference.lower())
    missing = []
    for token in dict.fromkeys(_FACT.findall(point)):
        bare = token.lower().removesuffix("s") if token[-1:] == "s" and any(ch.isupper() for ch in token[:-1]) else token.lower()
        if not re.search(rf"(?<![a-z0-9]){re.escape(bare)}", ref):
            missing.append(token)
    return missing


ASKS_FOR_CODE = re.compile(r"\b(write|implement|code)\b", re.I)


def _completeness_problems(q: Question) -> Iterable[tuple[Literal["error", "warning"], str]]:
    """What every question of its round must carry for the judge and the interview mechanics."""
    bare = [p.id for p in q.rubric if not p.claims]
    if bare:
        yield "warning", f"{q.id}: rubric points without claims: {', '.join(bare)}"
    if q.round in MISCONCEPTION_ROUNDS and len(q.misconceptions) < MIN_MISCONCEPTIONS:
        yield "warning", f"{q.id}: has {len(q.misconceptions)} misconceptions (at least {MIN_MISCONCEPTIONS})"
    if len(q.hints) < 2:
        yield "warning", f"{q.id}: has {len(q.hints)} hints (2-3, from a nudge to a strong pointer)"
    if q.round in FACT_ROUNDS and len(q.facts) < 3:
        yield "warning", f"{q.id}: has {len(q.facts)} scenario facts (at least 3 in {q.round})"
    for point in q.rubric:
        if point.id.startswith(CLARIFY_POINT_PREFIX):
            if point.phase not in (None, "requirements"):
                yield "warning", f"{q.id}: '{point.id}' is credited from clarifying questions, so its phase must be requirements"
            if len(q.facts) < 3:
                yield "warning", f"{q.id}: '{point.id}' is credited from clarifying questions, which need at least 3 scenario facts"
    if q.code is not None and q.code.required and not ASKS_FOR_CODE.search(q.question):
        yield "warning", f"{q.id}: the question never asks for code, yet an answer without code is capped (set code.required: false, or ask for it)"
    if q.round in DESIGN_ROUNDS:
        unphased = [p.id for p in q.rubric if p.phase is None]
        if unphased:
            yield "warning", f"{q.id}: design rubric points without a phase: {', '.join(unphased)}"


def _show(claim: Sequence[Sequence[str]]) -> str:
    return " + ".join("/".join(group) for group in claim)


def _drop_duplicates(questions: Sequence[Question], files: Sequence[Path]) -> tuple[list[Question], list[Problem]]:
    seen: set[str] = set()
    unique: list[Question] = []
    problems: list[Problem] = []
    for q in questions:
        if q.id in seen:
            problems.append(Problem(_file_defining(q.id, files), 1, f"duplicate question id '{q.id}' (kept the first)"))
            continue
        seen.add(q.id)
        unique.append(q)
    return unique, problems


def _file_defining(question_id: str, files: Sequence[Path]) -> str:
    hits = [f.name for f in files if re.search(rf"id:\s*{re.escape(question_id)}\s*$", f.read_text("utf-8", "replace"), re.M)]
    return hits[-1] if hits else "corpus"


def _problem_from(name: str, root: yaml.Node | None, prefix: tuple[Any, ...], err: Any) -> Problem:
    loc = (*prefix, *err["loc"])
    where = ".".join(str(part) for part in loc) or "file"
    return Problem(name, _line_of(root, loc), f"{where}: {err['msg']}")


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest YAML node that `loc` reaches."""
    node = root
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line
