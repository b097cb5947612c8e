"""The shared parts a session runs on, built once per process from Settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from interviewer.config import Settings
from interviewer.corpus import FULL_LOOP, Corpus, Question, load_corpus
from interviewer.providers import Provider, create_provider

if TYPE_CHECKING:  # numpy, onnxruntime and chromadb load on the warm-up thread, after the first question is shown
    from interviewer.embeddings import Embedder
    from interviewer.judge import OfflineJudge
    from interviewer.retrieval import Progress, Retriever
from interviewer.store import Store, open_store


@dataclass
class Engine:
    settings: Settings
    corpus: Corpus
    store: Store
    provider_override: Provider | None = None
    index_dir: Path | None = None
    progress: Progress | None = None  # told (done, total, what) per batch while the index builds
    _retriever: Retriever | None = field(default=None, repr=False)
    _focus: dict[tuple[str, str], list[str]] = field(default_factory=dict, repr=False)
    _loading: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @property
    def embedder(self) -> Embedder:
        from interviewer.embeddings import shared_embedder

        return shared_embedder()

    @property
    def retriever(self) -> Retriever:
        """The index (synced with the corpus on first use; chroma takes a second or two to import)."""
        with self._loading:
            if self._retriever is None:
                from interviewer.retrieval import Retriever

                index_dir = self.index_dir or self.settings.index_dir
                self._retriever = Retriever(
                    self.corpus, index_dir, self.embedder, self.progress, self.settings.chroma_url, self.settings.database_url
                )
            return self._retriever

    def warm_up(self) -> threading.Thread:
        """Load the model and the index in the background while the candidate reads the first question."""
        thread = threading.Thread(target=lambda: self.retriever, name="interviewer-warm-up", daemon=True)
        thread.start()
        return thread

    @property
    def provider_name(self) -> str:
        return self.provider_override.name if self.provider_override else self.settings.provider

    @cached_property
    def judge(self) -> OfflineJudge:
        """The offline judge; rubric-point vectors come from the chroma index."""
        from interviewer.judge import OfflineJudge

        return OfflineJudge(self.embedder, self.retriever.rubric_vectors, corpus_dir=self.settings.corpus_dir)

    @cached_property
    def offline(self) -> Provider:
        return create_provider("offline", self.settings, self.judge)

    @cached_property
    def provider(self) -> Provider:
        """The configured provider, from the registry; the offline one is shared as the fallback."""
        if self.provider_override is not None:
            return self.provider_override
        if self.settings.provider == "offline":
            return self.offline
        return create_provider(self.settings.provider, self.settings, self.judge)

    def focus_ids(self, focus: str, round_name: str) -> list[str]:
        """Question ids on a focus topic (e.g. a weak one), best first; empty when nothing in the corpus matches it."""
        key = (focus, round_name)
        if key not in self._focus:
            where = None if round_name == FULL_LOOP else round_name
            self._focus[key] = [h.question.id for h in self.retriever.search(focus, where, self.settings.max_difficulty, k=10)]
        return self._focus[key]

    def related(self, question: Question, k: int = 2) -> list[Question]:
        return self.retriever.related(question, k)


def build_engine(settings: Settings, provider: Provider | None = None) -> Engine:
    """Load the corpus and open the store; the index and model load lazily on first use."""
    return Engine(
        settings=settings,
        corpus=load_corpus(settings.corpus_dir, cache_dir=settings.cache_dir),
        store=open_store(settings),
        provider_override=provider,
    )
