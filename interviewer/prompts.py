"""Prompt files from prompts/: phrase tables for the offline engine, chat templates for models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import yaml

from interviewer.resources import prompts_dir

PROMPTS_DIR = prompts_dir()


class PromptMissing(FileNotFoundError):
    """A prompt file or key the code expects is not in prompts/."""


@lru_cache(maxsize=32)
def prompt_text(name: str) -> str:
    """The raw text of prompts/NAME (e.g. 'follow_up.md')."""
    path = PROMPTS_DIR / name
    if not path.is_file():
        raise PromptMissing(f"prompt file missing: {path}")
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=8)
def prompt_table(name: str) -> dict[str, Any]:
    """A YAML file of named phrases (e.g. 'offline.yaml')."""
    data = yaml.safe_load(prompt_text(name))
    if not isinstance(data, dict):
        raise PromptMissing(f"prompts/{name} must be a mapping of names to templates")
    return data


def phrase(table: str, key: str, index: int = 0) -> str:
    """One template from a phrase table; list entries rotate with `index`."""
    entry = prompt_table(table).get(key)
    if entry is None:
        raise PromptMissing(f"prompts/{table} has no '{key}'")
    return entry[index % len(entry)] if isinstance(entry, list) else str(entry)


def render(template: str, **values: Any) -> str:
    """Fill a phrase; values are inserted verbatim, so braces in candidate text are safe.

    str.format parses only the template's braces, which is all an f-string phrase needs;
    chat prompts with a history use langchain-core's ChatPromptTemplate (see `chat_prompt`).
    """
    return template.format(**values)


def words(text: str) -> Iterator[str]:
    """Word-sized pieces, so offline text streams the way a model's reply does."""
    yield from re.findall(r"\S+\s*", text)


def persona(round_name: str) -> str:
    table = prompt_table("personas.yaml")
    return f"{table['default']}\n\n{table.get(round_name, '')}".strip()
