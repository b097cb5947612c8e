"""Questions by topic: dense MiniLM vectors in a persistent chroma index fused with in-memory BM25.

The index holds one vector per question (title, question, tags) and one per rubric point, each
question's entry carrying a hash of what was embedded: opening the index re-embeds only the
questions whose content changed and deletes removed ones. One process at a time syncs the index
(an flock on a file in the index folder); the vectors are then read into memory, so searching
never touches chroma. Rubric-point vectors for grading come from the same index.

With a Chroma server URL the index lives on the server, shared by every app replica, and the
sync is guarded across machines instead (interviewer/chroma_server.py).
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from interviewer.corpus import Corpus, Question
from interviewer.embeddings import DIMENSIONS, Embedder, Vectors, shared_embedder
from interviewer.lexical import LexicalIndex

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

QUESTIONS = "questions"
RUBRIC = "rubric_points"
INDEX_VERSION = "2"  # bump when what is embedded changes; the index is then rebuilt from scratch
LOCK_FILE = "index.lock"
EMBED_BATCH = 64  # texts per embedding call, and so per progress report

# Search, tuned on the even-indexed half of evals/sets/retrieval/topics.yaml (`interviewer eval retrieval`).
RRF_K = 60  # reciprocal-rank fusion constant; 10 and 60 tied
MIN_SIMILARITY = 0.42  # a hit needs this cosine (question or best rubric point) with the topic...
FULL_COVERAGE = 1.0  # ...or every topic term in its text (abbreviations MiniLM does not know: SVD, GIL, SMOTE)

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
Progress = Callable[[int, int, str], None]
"""Called as (done, total, what) after each batch of texts is embedded while the index builds;
(0, 0, what) while waiting for another process that is building it."""


def question_document(q: Question) -> str:
    return f"{q.title}. {q.question} Topics: {', '.join(q.tags)}."


def lexical_document(q: Question) -> str:
    """Everything a candidate might name a topic by: question, tags, reference answer, rubric points and key terms."""
    points = " ".join(f"{p.point} {' '.join(p.key_terms)}" for p in q.rubric)
    return f"{question_document(q)} {' '.join(q.tags).replace('-', ' ')} {q.reference_answer} {points}"


def indexed_hash(q: Question) -> str:
    """A digest of what the index stores for a question, so an edit elsewhere (follow-ups, answer) costs nothing."""
    parts = [INDEX_VERSION, question_document(q), q.round, str(q.difficulty), *(f"{p.id}\x1f{p.point}" for p in q.rubric)]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def chroma_embedding_function(embedder: Embedder) -> Any:
    """Wrap our embedder in chroma's EmbeddingFunction protocol (imported lazily: chroma is slow to import)."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class MiniLMInt8(EmbeddingFunction[Documents]):
        def __init__(self) -> None:
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:
            return list(self._embedder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return "interviewer-minilm-int8"

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "MiniLMInt8":
            return MiniLMInt8()

    return MiniLMInt8()


@dataclass(frozen=True)
class Hit:
    question: Question
    distance: float  # 1 - cosine of the question's own vector with the query
    similarity: float = 0.0  # best cosine of the question or one of its rubric points with the query
    lexical: float = 0.0  # BM25 score
    coverage: float = 0.0  # share of the query's terms found in the question's text


@dataclass(frozen=True)
class SyncReport:
    reindexed: tuple[str, ...]
    removed: tuple[str, ...]


@contextmanager
def index_lock(index_dir: Path, progress: Progress | None = None) -> Iterator[None]:
    """Hold an exclusive flock on the index folder's lock file: other processes wait here while one builds."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if progress is not None:
                progress(0, 0, "waiting for another process to finish building the index")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def locked_client(
    index_dir: Path, progress: Progress | None = None, chroma_url: str | None = None, database_url: str | None = None
) -> Iterator[ClientAPI]:
    """A chroma client held under the index's build lock: the local folder's flock, or a lock across replicas."""
    if chroma_url is None:
        import chromadb
        from chromadb.config import Settings

        with index_lock(index_dir, progress):
            yield chromadb.PersistentClient(path=str(index_dir), settings=Settings(anonymized_telemetry=False, allow_reset=True))
        return
    from interviewer.chroma_server import advisory_lock, collection_lock, http_client

    client = http_client(chroma_url)

    def waiting() -> None:
        if progress is not None:
            progress(0, 0, "waiting for another replica to finish building the index")

    with advisory_lock(database_url, waiting) if database_url else collection_lock(client, waiting):
        yield client


class Retriever:
    """Questions by topic (filtered by round and difficulty), related questions, and rubric-point vectors."""

    def __init__(
        self,
        corpus: Corpus,
        index_dir: Path,
        embedder: Embedder | None = None,
        progress: Progress | None = None,
        chroma_url: str | None = None,
        database_url: str | None = None,
    ) -> None:
        """The index in `index_dir`, or on the Chroma server at `chroma_url` (its builds locked in `database_url` if given)."""
        self.corpus = corpus
        self._embedder = embedder or shared_embedder()
        self._progress = progress
        self._questions = list(corpus.questions)
        with locked_client(index_dir, progress, chroma_url, database_url) as client:
            self._client = client
            self.sync = self._sync()
            self._load_vectors()
        self.rebuilt = bool(self.sync.reindexed or self.sync.removed)
        self._lexical = LexicalIndex([lexical_document(q) for q in self._questions])
        self._vector_cache: dict[str, dict[str, np.ndarray]] = {}

    def _collection(self, name: str) -> Collection:
        return self._client.get_or_create_collection(
            name,
            embedding_function=chroma_embedding_function(self._embedder),
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"index_version": INDEX_VERSION},
        )

    def _sync(self) -> SyncReport:
        """Bring the index in line with the corpus: drop removed questions, re-embed changed ones."""
        if (self._collection(QUESTIONS).metadata or {}).get("index_version") != INDEX_VERSION:
            for name in (QUESTIONS, RUBRIC):
                if name in {c.name for c in self._client.list_collections()}:
                    self._client.delete_collection(name)
        questions, rubric = self._collection(QUESTIONS), self._collection(RUBRIC)
        stored = questions.get(include=["metadatas"])
        stored_hash = {i: str((m or {}).get("content_hash")) for i, m in zip(stored["ids"], stored["metadatas"] or [])}
        wanted = {q.id: indexed_hash(q) for q in self._questions}
        removed = sorted(set(stored_hash) - set(wanted))
        changed = [q for q in self._questions if stored_hash.get(q.id) != wanted[q.id]]
        stale = removed + [q.id for q in changed]
        if stale:
            of_stale: Any = {"question_id": {"$in": stale}}
            rubric.delete(where=of_stale)
            if indexed := [i for i in stale if i in stored_hash]:
                questions.delete(ids=indexed)
        if changed:
            self._add(changed, questions, rubric, wanted)
        return SyncReport(tuple(q.id for q in changed), tuple(removed))

    def _add(self, qs: Sequence[Question], questions: Collection, rubric: Collection, hashes: dict[str, str]) -> None:
        points = [(q, p) for q in qs for p in q.rubric]
        texts = [question_document(q) for q in qs] + [p.point for _, p in points]
        vectors = self._embed_with_progress(texts)
        if points:
            rubric.add(
                ids=[f"{q.id}#{p.id}" for q, p in points],
                documents=[p.point for _, p in points],
                embeddings=vectors[len(qs):],
                metadatas=[{"question_id": q.id, "point_id": p.id, "round": q.round} for q, p in points],
            )
        # Question entries go in last and carry the hash, so an interrupted build is redone next time.
        questions.add(
            ids=[q.id for q in qs],
            documents=[question_document(q) for q in qs],
            embeddings=vectors[: len(qs)],
            metadatas=[
                {"round": q.round, "difficulty": q.difficulty, "tags": ",".join(q.tags), "content_hash": hashes[q.id]}
                for q in qs
            ],
        )

    def _embed_with_progress(self, texts: Sequence[str]) -> Vectors:
        """Embed in batches of similar length (less padding), reporting progress after each."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), EMBED_BATCH):
            batch = order[start : start + EMBED_BATCH]
            out[batch] = self._embedder.embed([texts[i] for i in batch])
            if self._progress is not None:
                self._progress(start + len(batch), len(texts), "indexing questions")
        return out

    def _load_vectors(self) -> None:
        """Read every vector from the index into memory, in corpus order."""
        got = self._collection(QUESTIONS).get(ids=[q.id for q in self._questions], include=["embeddings"])
        by_id = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1)))
        self._question_vectors = np.stack([by_id[q.id] for q in self._questions]) if self._questions else np.zeros((0, DIMENSIONS))
        points = self._collection(RUBRIC).get(include=["embeddings", "metadatas"])
        self._points: dict[str, dict[str, np.ndarray]] = {}
        for meta, vector in zip(points["metadatas"] or [], points["embeddings"] if points["embeddings"] is not None else []):
            self._points.setdefault(str(meta["question_id"]), {})[str(meta["point_id"])] = np.asarray(vector, dtype=np.float32)
        owners = [(i, v) for i, q in enumerate(self._questions) for v in self._points.get(q.id, {}).values()]
        self._point_owner = np.array([i for i, _ in owners], dtype=np.int64)
        self._point_vectors = np.stack([v for _, v in owners]) if owners else np.zeros((0, DIMENSIONS))

    def search(
        self,
        text: str,
        round_name: str | None = None,
        max_difficulty: int | None = None,
        k: int = 5,
        mode: Mode = "hybrid",
        threshold: bool = True,
    ) -> list[Hit]:
        """Questions on the topic `text`, best first, within a round and up to a difficulty.

        With `threshold`, hits that neither resemble the topic (MIN_SIMILARITY) nor contain all its
        terms are dropped, so a topic the corpus does not cover returns no hits rather than noise.
        """
        allowed = np.array([
            (not round_name or q.round == round_name) and (not max_difficulty or q.difficulty <= max_difficulty)
            for q in self._questions
        ], dtype=bool)
        if not allowed.any() or not text.strip():
            return []
        query = self._embedder.embed([text])[0]
        own = self._question_vectors @ query
        best_point = np.full(len(self._questions), -1.0)
        if len(self._point_owner):
            np.maximum.at(best_point, self._point_owner, self._point_vectors @ query)
        similarity = np.maximum(own, best_point)
        bm25, coverage = self._lexical.scores(text), self._lexical.coverage(text)
        score = self._score(mode, own + best_point, bm25)
        hits = []
        for i in np.argsort(-score, kind="stable"):
            if not allowed[i] or (mode == "lexical" and bm25[i] <= 0):
                continue
            if threshold and not matches(mode, float(similarity[i]), float(coverage[i])):
                continue
            hits.append(Hit(self._questions[i], float(1 - own[i]), float(similarity[i]), float(bm25[i]), float(coverage[i])))
            if len(hits) == k:
                break
        return hits

    @staticmethod
    def _score(mode: Mode, dense: np.ndarray, bm25: np.ndarray) -> np.ndarray:
        if mode == "dense":
            return dense
        if mode == "lexical":
            return bm25
        return reciprocal_rank_fusion([dense, bm25])

    def related(self, question: Question, k: int = 2) -> list[Question]:
        """The nearest other questions, e.g. as extra context for an LLM interviewer."""
        hits = self.search(question_document(question), k=k + 1, threshold=False)
        return [h.question for h in hits if h.question.id != question.id][:k]

    def rubric_vectors(self, question: Question) -> dict[str, np.ndarray]:
        """Stored embeddings of a question's rubric points, keyed by point id."""
        if question.id not in self._vector_cache:
            vectors = self._points.get(question.id, {})
            indexed = question.id in self.corpus.by_id and self.corpus.by_id[question.id] == question
            if not indexed or set(vectors) != {p.id for p in question.rubric}:  # e.g. an ad-hoc rubric
                vectors = embed_points(self._embedder, question)
            self._vector_cache[question.id] = vectors
        return self._vector_cache[question.id]


def matches(mode: Mode, similarity: float, coverage: float, min_similarity: float = MIN_SIMILARITY) -> bool:
    """Whether a question is on the topic at all: close in meaning (dense), has every term (lexical), either (hybrid)."""
    by_meaning, by_terms = similarity >= min_similarity, coverage >= FULL_COVERAGE
    return by_meaning if mode == "dense" else by_terms if mode == "lexical" else by_meaning or by_terms


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int = RRF_K) -> np.ndarray:
    """Sum over score arrays of 1 / (k + rank), rank 1 for the highest score."""
    fused = np.zeros(len(rankings[0]))
    for scores in rankings:
        ranks = np.empty(len(scores), dtype=np.int64)
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        fused += 1.0 / (k + ranks)
    return fused


def embed_points(embedder: Embedder, question: Question) -> dict[str, np.ndarray]:
    vectors: Vectors = embedder.embed([p.point for p in question.rubric])
    return {p.id: vectors[i] for i, p in enumerate(question.rubric)}
