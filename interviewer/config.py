"""Settings in one place: defaults, then a config file, then environment variables, then flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from interviewer.corpus import default_corpus_dir

HOME_ENV = "INTERVIEWER_HOME"


class ConfigError(ValueError):
    """A setting has a value the program cannot use."""


@dataclass(frozen=True)
class Settings:
    home: Path
    corpus_dir: Path
    provider: str = "offline"  # a name in the provider registry
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    questions: int = 3
    max_follow_ups: int = 3
    # The non-technical round is where real interviewers keep pushing ("the customer refuses...").
    non_technical_follow_ups: int = 5
    max_difficulty: int = 3
    timeout_s: float = 60.0
    max_retries: int = 3
    prompt_token_budget: int = 3000
    history_turns: int = 6
    round_minutes: int = 45  # a real round's length; each question gets an equal share of it
    # Shared services for a deployment of several replicas; None means the embedded default in `home`.
    database_url: str | None = None  # postgresql://user:password@host:port/db instead of the SQLite file
    chroma_url: str | None = None  # http://host:port of a Chroma server instead of the index folder

    def follow_ups_for(self, round_name: str) -> int:
        return self.non_technical_follow_ups if round_name == "non-technical" else self.max_follow_ups

    @property
    def db_path(self) -> Path:
        return self.home / "interviewer.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def config_file(self) -> Path:
        return self.home / "config.toml"

    def public(self) -> dict[str, Any]:
        """What may be stored with a session: service URLs lose their passwords, no other secret lives in Settings."""
        return {f.name: redacted_url(str(getattr(self, f.name))) if f.name in _URLS else str(getattr(self, f.name)) for f in fields(self)}


_URLS = frozenset({"database_url", "chroma_url"})


def redacted_url(url: str) -> str:
    """A URL as it may be shown, logged or stored: the password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


_ENV = {
    "provider": "INTERVIEWER_PROVIDER",
    "model": "INTERVIEWER_MODEL",
    "base_url": "OPENAI_BASE_URL",
    "questions": "INTERVIEWER_QUESTIONS",
    "max_follow_ups": "INTERVIEWER_MAX_FOLLOW_UPS",
    "timeout_s": "INTERVIEWER_TIMEOUT",
    "prompt_token_budget": "INTERVIEWER_TOKEN_BUDGET",
    "corpus_dir": "INTERVIEWER_CORPUS",
    "round_minutes": "INTERVIEWER_ROUND_MINUTES",
    "database_url": "INTERVIEWER_DATABASE_URL",
    "chroma_url": "INTERVIEWER_CHROMA_URL",
}


def default_home() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("interviewer", appauthor=False))


def load_settings(**flags: Any) -> Settings:
    """Resolve settings; `flags` are command-line values, None meaning "not given"."""
    settings = Settings(home=default_home(), corpus_dir=default_corpus_dir())
    settings = _apply(settings, _file_values(settings.config_file), "config file")
    settings = _apply(settings, {k: os.environ[v] for k, v in _ENV.items() if os.environ.get(v)}, "environment")
    settings = _apply(settings, {k: v for k, v in flags.items() if v is not None}, "flag")
    from interviewer.providers import provider_names

    if settings.provider not in provider_names():
        raise ConfigError(f"unknown provider '{settings.provider}': choose one of {', '.join(provider_names())}")
    return settings


def _file_values(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _apply(settings: Settings, values: dict[str, Any], origin: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in known or key == "home":
            if origin == "config file":
                raise ConfigError(f"unknown setting '{key}' in the config file")
            continue
        changes[key] = _coerce(key, raw, getattr(settings, key), origin)
    return replace(settings, **changes)


def _coerce(key: str, raw: Any, current: Any, origin: str) -> Any:
    try:
        if isinstance(current, bool):
            return str(raw).lower() in {"1", "true", "yes"}
        if isinstance(current, int):
            value: Any = int(raw)
            if value < 0:
                raise ValueError("must not be negative")
            return value
        if isinstance(current, float):
            return float(raw)
        if isinstance(current, Path):
            return Path(str(raw)).expanduser()
        return str(raw) if raw is not None else None
    except ValueError as exc:
        raise ConfigError(f"{key} from {origin}: cannot use {raw!r} ({exc})") from exc
