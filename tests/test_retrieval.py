from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from interviewer.corpus import load_corpus
from interviewer.embeddings import shared_embedder
from interviewer.evaluation.cases import LabelledSetError
from interviewer.evaluation.retrieval import evaluate, load_topics
from interviewer.retrieval import RUBRIC, Retriever, embed_points, reciprocal_rank_fusion
from conftest import TINY_CORPUS

QUESTIONS_AND_POINTS = 3 + 4 + 3 + 4  # tiny corpus: 3 questions with 4, 3 and 4 rubric points


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return Retriever(load_corpus(TINY_CORPUS), tmp_path_factory.mktemp("index"))


def stored_point_ids(index: Path, question_id: str) -> list[str]:
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(index), settings=Settings(anonymized_telemetry=False, allow_reset=True))
    return list(client.get_collection(RUBRIC).get(where={"question_id": question_id})["ids"])


def test_only_changed_questions_are_reembedded_and_removed_ones_deleted(corpus_dir: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = Retriever(load_corpus(corpus_dir), index)
    assert first.rebuilt and len(first.sync.reindexed) == 3
    assert not Retriever(load_corpus(corpus_dir), index).rebuilt

    path = corpus_dir / "fundamentals.yaml"
    path.write_text(path.read_text().replace("How do you handle it?", "What would you do about it?"))
    changed = Retriever(load_corpus(corpus_dir), index)
    assert changed.sync.reindexed == ("fundamentals.label-imbalance",) and not changed.sync.removed
    assert "What would you do" in changed.search("class imbalance rare positives", k=1)[0].question.question

    path.write_text(path.read_text().replace("Why is accuracy misleading here", "Why does accuracy mislead here"))
    assert not Retriever(load_corpus(corpus_dir), index).rebuilt  # follow-ups are not embedded

    (corpus_dir / "nontech.yaml").unlink()
    removed = Retriever(load_corpus(corpus_dir), index)
    assert removed.sync.removed == ("nontech.conflicting-commitments",) and not removed.sync.reindexed
    assert stored_point_ids(index, "nontech.conflicting-commitments") == []
    assert len(stored_point_ids(index, "fundamentals.overfitting")) == 3


def test_progress_is_reported_per_batch_up_to_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    Retriever(load_corpus(TINY_CORPUS), tmp_path / "index", progress=lambda done, total, what: calls.append((done, total, what)))
    assert calls and calls[-1][:2] == (QUESTIONS_AND_POINTS, QUESTIONS_AND_POINTS)
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    again: list[tuple[int, int, str]] = []
    Retriever(load_corpus(TINY_CORPUS), tmp_path / "index", progress=lambda *call: again.append(call))
    assert again == []


def test_search_filters_by_round_and_difficulty(retriever: Retriever) -> None:
    hits = retriever.search("customers with deadlines on the same day", k=3)
    assert hits[0].question.id == "nontech.conflicting-commitments"
    in_round = retriever.search("rare positive class", round_name="ml-fundamentals", k=3)
    assert in_round and {h.question.round for h in in_round} == {"ml-fundamentals"}
    easy = retriever.search("overfitting", round_name="ml-fundamentals", max_difficulty=1, k=3)
    assert [h.question.id for h in easy] == ["fundamentals.overfitting"]


def test_a_topic_the_corpus_does_not_cover_returns_no_hits(retriever: Retriever) -> None:
    assert retriever.search("best pizza toppings") == []
    assert retriever.search("CSS flexbox centering", mode="dense") == []
    assert retriever.search("best pizza toppings", threshold=False)  # the ranking itself always has an answer


def test_an_abbreviation_is_found_by_its_terms(retriever: Retriever) -> None:
    hits = retriever.search("SMOTE", k=1)
    assert [h.question.id for h in hits] == ["fundamentals.label-imbalance"]
    assert hits[0].coverage == 1.0


def test_related_questions_are_never_cut_by_the_threshold(retriever: Retriever) -> None:
    question = retriever.corpus.by_id["nontech.conflicting-commitments"]
    related = retriever.related(question, k=2)
    assert len(related) == 2 and question not in related


def test_rubric_point_vectors_come_from_the_index(retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    question = retriever.corpus.by_id["fundamentals.label-imbalance"]
    fresh = embed_points(shared_embedder(), question)
    monkeypatch.setattr("interviewer.retrieval.embed_points", lambda *_: pytest.fail("re-embedded a stored rubric"))
    stored = retriever.rubric_vectors(question)
    assert set(stored) == {p.id for p in question.rubric}
    for point_id, vector in stored.items():
        assert np.allclose(vector, fresh[point_id], atol=1e-4)


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([np.array([3.0, 2.0, 1.0]), np.array([0.0, 5.0, 1.0])], k=1)
    assert list(np.argsort(-fused)) == [1, 0, 2]


CHILD = """
import json, sys
from pathlib import Path
from interviewer.corpus import load_corpus
from interviewer.retrieval import Retriever
corpus = load_corpus(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
waits = []
retriever = Retriever(corpus, Path(sys.argv[2]), progress=lambda done, total, what: waits.append(total == 0))
print(json.dumps({"reindexed": len(retriever.sync.reindexed), "waited": any(waits), "hit": retriever.search("overfitting", k=1)[0].question.id}))
"""


def test_four_processes_on_an_empty_index_build_it_once_and_all_succeed(tmp_path: Path) -> None:
    index = tmp_path / "home" / "index"
    procs = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(TINY_CORPUS), str(index)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
        for _ in range(4)
    ]
    for proc in procs:  # every child has imported everything before any opens the index
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["reindexed"] for r in results) == [0, 0, 0, 3]
    assert [r["waited"] for r in results if r["reindexed"]] == [False]  # the builder never waited; the others were told
    assert {r["hit"] for r in results} == {"fundamentals.overfitting"}


def test_cli_focus_that_matches_nothing_says_so_and_picks_as_usual(tmp_path: Path) -> None:
    env = {**os.environ, "INTERVIEWER_HOME": str(tmp_path / "home"), "INTERVIEWER_CORPUS": str(TINY_CORPUS)}
    result = subprocess.run(
        [sys.executable, "-m", "interviewer.cli", "--round", "ml-fundamentals", "--questions", "1", "--focus", "best pizza toppings"],
        input=b"/end\n\n", env=env, capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    notes = [line for line in result.stderr.decode().splitlines() if "focus" in line]
    assert notes == ["note: no question in this round matches the focus 'best pizza toppings'; picking questions as usual"]
    assert "Interviewer:" in result.stdout.decode()


def test_retrieval_eval_scores_each_mode_per_topic(retriever: Retriever, tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text(
        "topics:\n"
        "  - {topic: SMOTE, relevant: [fundamentals.label-imbalance]}\n"
        "  - {topic: best pizza toppings, relevant: []}\n"
        "  - {topic: two deadlines on the same day, relevant: [nontech.conflicting-commitments]}\n"
        "  - {topic: CNN, relevant: [], pending: true}\n"
    )
    run = evaluate(retriever, topics)
    assert [r.topic for r in run.records] == ["SMOTE", "best pizza toppings", "two deadlines on the same day", "CNN"]
    assert [r.heldout for r in run.records] == [False, True, False, True]
    assert run.records[1].precision_at_1["hybrid"] == 1.0 and run.records[1].returned["hybrid"] == []
    assert run.metrics["all"]["topics"] == 2 and run.metrics["all"]["no_match_topics"] == 1
    assert run.metrics["all"]["hybrid"]["hit_at_3"] == 1.0
    assert set(run.metrics["all"]) >= {"dense", "lexical", "hybrid"}
    assert any("| precision@1 |" in line for line in run.markdown)
    folder = run.save(tmp_path / "run")
    assert json.loads((folder / "results.json").read_text())["records"][0]["returned"]["hybrid"][0] == "fundamentals.label-imbalance"


def test_topics_naming_unknown_questions_are_rejected(tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text("topics:\n  - {topic: SVD, relevant: [fundamentals.svd]}\n")
    with pytest.raises(LabelledSetError, match="fundamentals.svd"):
        load_topics(topics, load_corpus(TINY_CORPUS))
