"""The question index on a Chroma server: built once across replicas, searched like the local index."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from interviewer.corpus import load_corpus
from interviewer.retrieval import Retriever

from conftest import TINY_CORPUS
from services import CHROMA_ENV, DATABASE_ENV, service_url


@pytest.fixture
def chroma_url() -> str:
    """A fresh database on the shared test server, so each test starts without an index."""
    return f"{service_url(CHROMA_ENV, 'Chroma').rstrip('/')}/test-{uuid.uuid4().hex[:12]}"


def test_the_server_index_is_built_by_the_first_replica_and_searches_like_the_local_one(chroma_url: str, index_dir: Path, tmp_path: Path) -> None:
    corpus = load_corpus(TINY_CORPUS)
    first = Retriever(corpus, tmp_path / "unused", chroma_url=chroma_url)
    second = Retriever(corpus, tmp_path / "unused", chroma_url=chroma_url)
    local = Retriever(corpus, index_dir)
    assert first.rebuilt and set(first.sync.reindexed) == {q.id for q in corpus.questions}
    assert not second.rebuilt
    assert not (tmp_path / "unused").exists()  # nothing is written locally when the index is on a server
    for topic in ("label imbalance", "overfitting", "gradient descent"):
        assert [h.question.id for h in second.search(topic)] == [h.question.id for h in local.search(topic)]


@pytest.mark.parametrize("guard", ["lock collection", "advisory lock"])
def test_replicas_opening_a_missing_index_at_once_build_it_exactly_once(guard: str, chroma_url: str, tmp_path: Path) -> None:
    database_url = None
    if guard == "advisory lock":
        database_url = service_url(DATABASE_ENV, "PostgreSQL")
    corpus = load_corpus(TINY_CORPUS)
    start = threading.Barrier(3)
    opened: list[Retriever] = []
    errors: list[BaseException] = []

    def replica() -> None:
        try:
            start.wait()
            opened.append(Retriever(corpus, tmp_path / "unused", chroma_url=chroma_url, database_url=database_url))
        except BaseException as exc:  # noqa: BLE001 - the test counts every failure
            errors.append(exc)

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(bool(r.sync.reindexed) for r in opened) == [False, False, True]
    assert len({tuple(h.question.id for h in r.search("label imbalance")) for r in opened}) == 1


def test_a_replica_waits_for_the_build_lock_and_takes_over_one_whose_lease_ran_out(chroma_url: str) -> None:
    from interviewer.chroma_server import LOCK_COLLECTION, collection_lock, http_client

    client = http_client(chroma_url)
    waited, acquired = threading.Event(), threading.Event()

    def second_replica() -> None:
        with collection_lock(http_client(chroma_url), waited.set):
            acquired.set()

    with collection_lock(client, lambda: pytest.fail("the first replica should not wait")):
        thread = threading.Thread(target=second_replica)
        thread.start()
        assert waited.wait(30)
        assert not acquired.is_set()
    thread.join(30)
    assert acquired.is_set()
    client.create_collection(LOCK_COLLECTION, metadata={"holder": "crashed", "expires": time.time() - 1})
    with collection_lock(client, lambda: pytest.fail("an expired lock should be taken over, not waited on")):
        assert client.get_collection(LOCK_COLLECTION).metadata["holder"] != "crashed"


def test_an_unreachable_chroma_server_is_one_clear_error(tmp_path: Path) -> None:
    from interviewer.chroma_server import ChromaServerError

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ChromaServerError, match=f"cannot reach the Chroma server at http://127.0.0.1:{port}.*INTERVIEWER_CHROMA_URL"):
        Retriever(load_corpus(TINY_CORPUS), tmp_path, chroma_url=f"http://127.0.0.1:{port}")
