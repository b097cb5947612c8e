"""A BM25 index (bm25s, English stemming and stop words) over one text per question, kept in memory."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float64]


class LexicalIndex:
    """BM25 scores and query-term coverage for a fixed list of documents, in their order."""

    def __init__(self, documents: Sequence[str]) -> None:
        import bm25s
        import Stemmer

        self._bm25s: Any = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        self._size = len(documents)
        self._terms = [set(tokens) for tokens in self._tokens(documents)]
        self._model: Any = None
        if documents:
            self._model = bm25s.BM25(k1=1.2, b=0.75)  # (1.5, 0.5) and (0.9, 0.4) tied on the tuning topics
            self._model.index(bm25s.tokenize(list(documents), stopwords="en", stemmer=self._stemmer, show_progress=False), show_progress=False)

    def _tokens(self, texts: Sequence[str]) -> list[list[str]]:
        tokenized = self._bm25s.tokenize(list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        return [list(tokens) for tokens in tokenized]

    def query_terms(self, text: str) -> list[str]:
        """The stemmed, stop-word-free terms BM25 sees in `text`."""
        return self._tokens([text])[0] if text.strip() else []

    def scores(self, text: str) -> Scores:
        """One BM25 score per document (0 where no query term occurs)."""
        terms = self.query_terms(text)
        if not terms or self._model is None:
            return np.zeros(self._size)
        return np.asarray(self._model.get_scores(terms), dtype=np.float64)

    def coverage(self, text: str) -> Scores:
        """Per document, the share of the query's terms it contains (1.0: every term occurs)."""
        terms = set(self.query_terms(text))
        if not terms:
            return np.zeros(self._size)
        return np.array([len(terms & doc) / len(terms) for doc in self._terms], dtype=np.float64)
