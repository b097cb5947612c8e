from __future__ import annotations

from pathlib import Path

import numpy as np

from interviewer.corpus import load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.retrieval import Retriever, embed_points


def test_index_is_rebuilt_only_when_the_corpus_changes(corpus_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = Retriever(load_corpus(corpus_dir), index)
    assert first.rebuilt
    assert not Retriever(load_corpus(corpus_dir), index).rebuilt
    path = corpus_dir / "fundamentals.yaml"
    path.write_text(path.read_text().replace("How do you handle it?", "What would you do about it?"))
    changed = Retriever(load_corpus(corpus_dir), index)
    assert changed.rebuilt
    assert "What would you do" in changed.search("class imbalance rare positives", k=1)[0].question.question


def test_search_filters_by_round_and_difficulty(corpus_dir: Path, tmp_path: Path) -> None:
    retriever = Retriever(load_corpus(corpus_dir), tmp_path / "index")
    hits = retriever.search("customers with deadlines on the same day", k=3)
    assert hits[0].question.id == "nontech.conflicting-commitments"
    only_fundamentals = retriever.search("customers with deadlines on the same day", round_name="ml-fundamentals", k=3)
    assert {h.question.round for h in only_fundamentals} == {"ml-fundamentals"}
    easy = retriever.search("imbalanced labels", round_name="ml-fundamentals", max_difficulty=1, k=3)
    assert [h.question.id for h in easy] == ["fundamentals.overfitting"]


def test_rubric_point_vectors_come_from_the_index(corpus_dir: Path, tmp_path: Path) -> None:
    corpus = load_corpus(corpus_dir)
    retriever = Retriever(corpus, tmp_path / "index")
    question = corpus.by_id["fundamentals.label-imbalance"]
    stored = retriever.rubric_vectors(question)
    fresh = embed_points(shared_embedder(), question)
    assert set(stored) == {p.id for p in question.rubric}
    for point_id, vector in stored.items():
        assert np.allclose(vector, fresh[point_id], atol=1e-4)
