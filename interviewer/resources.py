"""Where the shipped data lives: the corpus, the prompts, the eval sets and the Streamlit app.

The checkout keeps them in top-level folders (corpus/, prompts/, evals/sets/, ui/). A wheel
carries them inside the package as interviewer/_data/<name>/, mapped from those folders by
`[tool.setuptools.package-dir]` in pyproject.toml. An editable install or a plain checkout
reads the top-level folders themselves: setuptools' editable finder cannot import folders
mapped into the package from outside it (pypa/setuptools#4943), and there the package sits
in the checkout anyway. Every data path in the code comes from here.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

_PACKAGE = Path(str(files("interviewer")))
_CHECKOUT = _PACKAGE.parent
MOHLER_CSV_NAME = "mohler_dataset_edited.csv"


class EmbeddingModelMissing(RuntimeError):
    """The packaged ONNX model or tokenizer is not installed, or is not the pinned file (see interviewer.embeddings)."""


def _data_dir(shipped: str, checkout: str) -> Path:
    """interviewer/_data/SHIPPED in an installed wheel, else CHECKOUT beside the package."""
    packaged = _PACKAGE / "_data" / shipped
    return packaged if packaged.is_dir() else _CHECKOUT / checkout


def corpus_dir() -> Path:
    """The shipped corpus (questions YAML and corpus/code/ hidden tests); INTERVIEWER_CORPUS overrides it in config."""
    return _data_dir("corpus", "corpus")


def prompts_dir() -> Path:
    """Every prompt and phrase file."""
    return _data_dir("prompts", "prompts")


def eval_sets_dir() -> Path:
    """Labelled answer sets and the personas' lines (evals/sets/ in a checkout)."""
    return _data_dir("eval_sets", "evals/sets")


def ui_app() -> Path:
    """The Streamlit app's entry script."""
    return _data_dir("ui", "ui") / "app.py"


def ui_config_flags() -> list[str]:
    """The app's .streamlit/config.toml as `streamlit run` flags, so it applies whatever the working folder."""
    config = ui_app().parent / ".streamlit" / "config.toml"
    if not config.is_file():
        return []
    flags: list[str] = []
    for section, options in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def mohler_csv() -> Path | None:
    """The Mohler CSV beside a checkout (../shared/data/mohler/); None in an installed wheel, which does not ship it."""
    if (_PACKAGE / "_data").is_dir():
        return None
    return _CHECKOUT.parent / "shared" / "data" / "mohler" / MOHLER_CSV_NAME
