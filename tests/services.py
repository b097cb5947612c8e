"""The PostgreSQL and Chroma servers tests share: from the environment (.ci/run starts them), else a skip.

Outside CI a developer without the services gets a skip that says how to get them; in CI (the CI
variable set) a missing service is a failure, so a broken .ci/run cannot pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

DATABASE_ENV = "INTERVIEWER_TEST_DATABASE_URL"
CHROMA_ENV = "INTERVIEWER_TEST_CHROMA_URL"


def service_url(env: str, what: str) -> str:
    """The URL in `env`; a failure in CI and a skip elsewhere when it is not set."""
    url = os.environ.get(env)
    if url:
        return url
    message = f"{what} tests need {env} (`.ci/run` starts a throwaway {what} server and sets it)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}, but it is not set")
    pytest.skip(message)


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose tables land in a new, empty schema (dropped afterwards): tests share one server, not data."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
