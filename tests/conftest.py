from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.config import Settings
from interviewer.corpus import load_corpus
from interviewer.engine import Engine
from interviewer.store import Store

TINY_CORPUS = Path(__file__).parent / "data" / "tiny_corpus"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A copy of the tiny corpus a test may edit."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", corpus_dir=TINY_CORPUS)


@pytest.fixture
def engine(settings: Settings, index_dir: Path) -> Iterator[Engine]:
    engine = Engine(settings=settings, corpus=load_corpus(TINY_CORPUS), store=Store(settings.db_path), index_dir=index_dir)
    yield engine
    engine.store.close()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment for running the real CLI against the tiny corpus in a private home."""
    home = tmp_path / "home"
    monkeypatch.setenv("INTERVIEWER_HOME", str(home))
    monkeypatch.setenv("INTERVIEWER_CORPUS", str(TINY_CORPUS))
    return home
