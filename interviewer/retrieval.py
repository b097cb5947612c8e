"""A persistent chroma index of questions and rubric points, rebuilt only when the corpus changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from interviewer.corpus import Corpus, Question
from interviewer.embeddings import Embedder, Vectors, shared_embedder

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

QUESTIONS = "questions"
RUBRIC = "rubric_points"


def question_document(q: Question) -> str:
    return f"{q.title}. {q.question} Topics: {', '.join(q.tags)}."


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
    distance: float


class Retriever:
    """Questions by meaning (filtered by round and difficulty) and rubric-point vectors."""

    def __init__(self, corpus: Corpus, index_dir: Path, embedder: Embedder | None = None) -> None:
        import chromadb
        from chromadb.config import Settings

        self.corpus = corpus
        self._embedder = embedder or shared_embedder()
        index_dir.mkdir(parents=True, exist_ok=True)
        self._client = chromadb.PersistentClient(
            path=str(index_dir), settings=Settings(anonymized_telemetry=False, allow_reset=True)
        )
        self.rebuilt = self._ensure_index()
        self._vector_cache: dict[str, dict[str, np.ndarray]] = {}

    def _collection(self, name: str) -> Collection:
        return self._client.get_or_create_collection(
            name,
            embedding_function=chroma_embedding_function(self._embedder),
            configuration={"hnsw": {"space": "cosine"}},
        )

    def _ensure_index(self) -> bool:
        """Rebuild both collections when the corpus content hash differs from the stored one."""
        digest = self.corpus.content_hash()
        questions = self._collection(QUESTIONS)
        if (questions.metadata or {}).get("corpus_hash") == digest and questions.count() == len(self.corpus.questions):
            return False
        for name in (QUESTIONS, RUBRIC):
            if name in {c.name for c in self._client.list_collections()}:
                self._client.delete_collection(name)
        self._build(digest)
        return True

    def _build(self, digest: str) -> None:
        questions = self._collection(QUESTIONS)
        rubric = self._collection(RUBRIC)
        qs = self.corpus.questions
        if not qs:
            return
        questions.add(
            ids=[q.id for q in qs],
            documents=[question_document(q) for q in qs],
            metadatas=[{"round": q.round, "difficulty": q.difficulty, "tags": ",".join(q.tags)} for q in qs],
        )
        points = [(q, p) for q in qs for p in q.rubric]
        rubric.add(
            ids=[f"{q.id}#{p.id}" for q, p in points],
            documents=[p.point for _, p in points],
            metadatas=[{"question_id": q.id, "point_id": p.id, "round": q.round} for q, p in points],
        )
        # The hash goes on last, so an interrupted build is redone next time.
        questions.modify(metadata={"corpus_hash": digest})

    def search(self, text: str, round_name: str | None = None, max_difficulty: int | None = None, k: int = 5) -> list[Hit]:
        """Questions nearest in meaning to `text`, optionally within a round and up to a difficulty."""
        clauses: list[dict[str, Any]] = []
        if round_name:
            clauses.append({"round": round_name})
        if max_difficulty:
            clauses.append({"difficulty": {"$lte": max_difficulty}})
        where: dict[str, Any] | None = None
        if len(clauses) == 1:
            where = clauses[0]
        elif clauses:
            where = {"$and": clauses}
        collection = self._collection(QUESTIONS)
        result = collection.query(query_texts=[text], n_results=max(1, min(k, collection.count())), where=where)
        ids, distances = result["ids"][0], (result["distances"] or [[]])[0]
        return [Hit(self.corpus.by_id[i], float(d)) for i, d in zip(ids, distances) if i in self.corpus.by_id]

    def related(self, question: Question, k: int = 2) -> list[Question]:
        """The nearest other questions, e.g. as extra context for an LLM interviewer."""
        hits = self.search(question_document(question), k=k + 1)
        return [h.question for h in hits if h.question.id != question.id][:k]

    def rubric_vectors(self, question: Question) -> dict[str, np.ndarray]:
        """Stored embeddings of a question's rubric points, keyed by point id."""
        if question.id not in self._vector_cache:
            got = self._collection(RUBRIC).get(where={"question_id": question.id}, include=["embeddings", "metadatas"])
            metas: Sequence[Any] = got["metadatas"] or []
            embeddings: Any = got["embeddings"]
            vectors = {str(m["point_id"]): np.asarray(e, dtype=np.float32) for m, e in zip(metas, embeddings)}
            if set(vectors) != {p.id for p in question.rubric}:  # not in the index (e.g. an ad-hoc rubric)
                vectors = embed_points(self._embedder, question)
            self._vector_cache[question.id] = vectors
        return self._vector_cache[question.id]


def embed_points(embedder: Embedder, question: Question) -> dict[str, np.ndarray]:
    vectors: Vectors = embedder.embed([p.point for p in question.rubric])
    return {p.id: vectors[i] for i, p in enumerate(question.rubric)}
