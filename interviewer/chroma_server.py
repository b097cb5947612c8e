"""The question index on a Chroma server (INTERVIEWER_CHROMA_URL), shared by every app replica.

Whichever replica finds the index missing or stale builds it; the others wait, then find it up
to date. The build is guarded by a PostgreSQL advisory lock when a database URL is configured
(released by the server if the builder dies), else by a lock collection on the Chroma server
itself: creating a collection that exists fails, so creating it is the test-and-set, and an
expiry in its metadata lets a replica that crashed mid-build be taken over.

`http://host:port/NAME` keeps the index in the server's database NAME (created on first use), so
several deployments, or test runs, can share one Chroma server.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from interviewer.config import ConfigError, redacted_url

if TYPE_CHECKING:
    from chromadb.api import ClientAPI

LOCK_COLLECTION = "interviewer_index_build_lock"
LEASE_S = 15 * 60.0  # longer than any build; a lock older than this belongs to a replica that died
POLL_S = 0.5
ADVISORY_KEY = 0x696E6478  # "indx"; the store's migrations use another key
DEFAULT_PORT = 8000  # `chroma run`'s default


class ChromaServerError(ConfigError):
    """The Chroma server cannot be reached or used; the message says which setting to check (shown like a config error)."""


def http_client(url: str) -> ClientAPI:
    """chromadb's HTTP client for `http(s)://host:port[/database]`, checked up front so a wrong URL fails here, clearly."""
    import chromadb
    from chromadb.config import DEFAULT_DATABASE, Settings

    parts = urlsplit(url)
    database = parts.path.strip("/") or DEFAULT_DATABASE
    if parts.scheme not in ("http", "https") or not parts.hostname or "/" in database:
        raise ChromaServerError(f"INTERVIEWER_CHROMA_URL must look like http://host:port or http://host:port/database, not {redacted_url(url)!r}")
    host, port, ssl = parts.hostname, parts.port or DEFAULT_PORT, parts.scheme == "https"
    try:
        if database != DEFAULT_DATABASE:
            _ensure_database(host, port, ssl, database)
        client = chromadb.HttpClient(host=host, port=port, ssl=ssl, database=database, settings=Settings(anonymized_telemetry=False))
        client.heartbeat()
    except Exception as exc:  # chromadb raises bare ValueError/httpx errors for a server that is down
        raise ChromaServerError(
            f"cannot reach the Chroma server at {redacted_url(url)} ({type(exc).__name__}); check INTERVIEWER_CHROMA_URL and that `chroma run` is up"
        ) from exc
    return client


def _ensure_database(host: str, port: int, ssl: bool, name: str) -> None:
    import chromadb
    from chromadb.config import Settings
    from chromadb.errors import ChromaError, NotFoundError

    admin = chromadb.AdminClient(Settings(
        anonymized_telemetry=False, chroma_api_impl="chromadb.api.fastapi.FastAPI",
        chroma_server_host=host, chroma_server_http_port=port, chroma_server_ssl_enabled=ssl,
    ))
    try:
        admin.get_database(name)
    except NotFoundError:
        try:
            admin.create_database(name)
        except ChromaError:
            admin.get_database(name)  # another replica created it first; anything else raises again


@contextmanager
def advisory_lock(database_url: str, waiting: Callable[[], None]) -> Iterator[None]:
    """Hold a session-level PostgreSQL advisory lock; the server drops it if this process dies."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        got = db.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
        if not (got and got[0]):
            waiting()
            db.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
        try:
            yield
        finally:
            db.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))


@contextmanager
def collection_lock(client: ClientAPI, waiting: Callable[[], None], lease_s: float = LEASE_S) -> Iterator[None]:
    """Hold the lock collection on the Chroma server, polling while another replica holds it."""
    from chromadb.errors import ChromaError

    token = uuid.uuid4().hex
    told = False
    while True:
        try:
            client.create_collection(LOCK_COLLECTION, metadata={"holder": token, "expires": time.time() + lease_s})
            break
        except ChromaError:
            if _expired(client):
                _delete_lock(client)  # its builder died mid-build: take over
                continue
            if not told:
                waiting()
                told = True
            time.sleep(POLL_S)  # no server-side wait to block on: poll
    try:
        yield
    finally:
        _delete_lock(client)


def _expired(client: ClientAPI) -> bool:
    from chromadb.errors import ChromaError

    try:
        metadata = client.get_collection(LOCK_COLLECTION).metadata or {}
    except ChromaError:
        return False  # released between our create and this look: just try again
    expires = metadata.get("expires")
    return isinstance(expires, (int, float)) and expires < time.time()


def _delete_lock(client: ClientAPI) -> None:
    from chromadb.errors import NotFoundError

    try:
        client.delete_collection(LOCK_COLLECTION)
    except NotFoundError:
        pass  # already gone: taken over after our lease ran out
