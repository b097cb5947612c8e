"""What every benchmark runs on: the labelled gold set's own answers, and sessions over questions that have them.

The strong answers are what a prepared candidate writes (median 245 words, about 34 sentences),
so figures measured on them are figures a user would see.
"""

from __future__ import annotations

from collections import defaultdict

from interviewer.corpus import Corpus, Question
from interviewer.engine import Engine
from interviewer.evaluation.cases import Case, load_cases
from interviewer.prompts import phrase, render
from interviewer.resources import eval_sets_dir
from interviewer.session import Session, question_text


def gold_cases(corpus: Corpus) -> list[Case]:
    return load_cases(eval_sets_dir() / "interview", corpus)


def answers_by_question(corpus: Corpus, kinds: tuple[str, ...] = ("partial", "strong", "weak")) -> dict[str, list[str]]:
    """Question id -> its labelled answers of these kinds, in the order of `kinds`."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for case in gold_cases(corpus):
        if case.kind in kinds:
            found[case.question.id].setdefault(case.kind, case.text)
    return {qid: [by_kind[k] for k in kinds if k in by_kind] for qid, by_kind in found.items() if len(by_kind) == len(kinds)}


def session_over(engine: Engine, questions: list[Question]) -> Session:
    """A session asking exactly these questions (Session.start would pick its own)."""
    first = render(phrase("offline.yaml", "first_question"), question=question_text(questions[0]))
    session_id = engine.store.create_session(questions[0].round, [q.id for q in questions], {}, first_turn=(questions[0].id, first))
    return Session(engine, engine.store.session(session_id))
