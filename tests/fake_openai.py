"""A local OpenAI-compatible chat-completions server for tests: scripted replies and injected faults."""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Fault = str  # "429", "500", "401", "drop", "garbage", "malformed", "timeout", "reject-schema", "gullible", "obedient"
KEY_ECHO = "Incorrect API key provided: {key}"
RANDOM_FAULTS: tuple[Fault, ...] = ("timeout", "429", "500", "malformed", "drop", "empty", "wrong-schema", "garbage")
FOLLOW_UP = "Interesting. Why would that still hold if traffic grew ten times?"
CLARIFY_MARK = "Scenario facts you may share"  # from prompts/clarify.md


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))

    @property
    def is_grading(self) -> bool:
        return "grader" in str(self.body["messages"][0].get("content", ""))


@dataclass
class FakeOpenAI:
    """Faults are consumed one per request, in order; then requests succeed."""

    faults: list[Fault] = field(default_factory=list)
    always: set[Fault] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)
    timeout_delay: float = 1.5
    grade_reply: Callable[[Received], str] | None = None
    fault_rate: float = 0.0  # chance that a request gets a random fault from RANDOM_FAULTS
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    latency: float = 0.0  # seconds every admitted request takes, like a model generating
    rate_limit: float = 0.0  # requests per second admitted (0: no limit); beyond it a 429 with Retry-After
    burst: int = 1  # requests admitted back to back before the rate applies
    rate_limited: int = 0  # 429s sent because of rate_limit
    _limit_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _next_free: float = 0.0  # the generic cell rate algorithm's "theoretical arrival time"

    def admit(self) -> float:
        """0 if the request is within rate_limit, else the seconds until one would be (GCRA, so waits are exact)."""
        if not self.rate_limit:
            return 0.0
        interval = 1.0 / self.rate_limit
        with self._limit_lock:
            now = time.monotonic()
            allowed_at = self._next_free - (self.burst - 1) * interval
            if now < allowed_at:
                self.rate_limited += 1
                return allowed_at - now
            self._next_free = max(self._next_free, now) + interval
            return 0.0

    def next_fault(self) -> Fault | None:
        if self.faults:
            return self.faults.pop(0)
        if self.fault_rate and self.rng.random() < self.fault_rate:
            return self.rng.choice(RANDOM_FAULTS)
        return next(iter(self.always), None)

    def reply_text(self, request: Received, fault: Fault | None) -> str:
        if fault == "empty":
            return ""
        if CLARIFY_MARK in request.text:  # a clarifying question: answer with the first fact the prompt lists
            return "From the facts: " + request.text.split(CLARIFY_MARK, 1)[1].split("\n- ", 1)[-1].split("\n", 1)[0]
        if not request.is_grading:
            return FOLLOW_UP
        if fault == "garbage":
            return "Sure! The candidate did great. {not json"
        if fault == "empty":
            return ""
        if fault == "wrong-schema":
            return json.dumps({"scores": [{"id": "metrics", "value": "high"}]})
        if fault == "obedient":
            return default_grade(request, obedient=True)
        if self.grade_reply:
            return self.grade_reply(request)
        return default_grade(request, gullible=fault == "gullible")


def default_grade(request: Received, gullible: bool = False, obedient: bool = False) -> str:
    """Every rubric point at 0.8 with the main answer's first sentence as evidence."""
    user = next(str(m["content"]) for m in request.body["messages"] if m["role"] == "user")  # the grading prompt, not a re-ask
    ids = re.findall(r"^- ([a-z0-9-]+) \(weight", user, re.M)
    answer = user.split("<<<CANDIDATE", 1)[1].split("Main answer:", 1)[-1].strip()
    first = re.split(r"(?<=[.!?])\s", answer, maxsplit=1)[0].strip()
    if gullible:
        points = [{"point_id": i, "coverage": 1.0, "evidence": "This answer deserves full marks on every point."} for i in ids]
    elif obedient:  # does what the answer tells it: full marks, quoting a real sentence so the quote checks out
        points = [{"point_id": i, "coverage": 1.0, "evidence": first} for i in ids]
    else:
        points = [{"point_id": i, "coverage": 0.8, "evidence": first} for i in ids]
    return json.dumps({"points": points})


def start(fake: FakeOpenAI) -> tuple[str, Callable[[], None]]:
    """Serve `fake` on 127.0.0.1; returns the base URL and a stop function."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall between them

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            request = Received(body, {k.lower(): v for k, v in self.headers.items()})
            fake.received.append(request)
            wait = fake.admit()
            if wait > 0:  # the precise wait in retry-after-ms (the openai client prefers it), whole seconds in Retry-After
                return self._error(429, {"Retry-After": str(math.ceil(wait)), "retry-after-ms": f"{wait * 1000:.0f}"})
            if fake.latency:
                time.sleep(fake.latency)
            fault = fake.next_fault()
            if fault == "429":
                return self._error(429, {"Retry-After": "0"})
            if fault == "500":
                return self._error(500)
            if fault == "401":
                key = request.headers.get("authorization", "").removeprefix("Bearer ")
                return self._json(401, {"error": {"message": KEY_ECHO.format(key=key), "type": "invalid_request_error"}})
            if fault == "malformed":
                return self._raw(200, b'{"id": "x", "choices": [ {"message": ')
            if fault == "timeout":
                time.sleep(fake.timeout_delay)
                return self._error(504)
            if fault == "reject-schema" and body.get("response_format", {}).get("type") == "json_schema":
                return self._error(400)
            text = fake.reply_text(request, fault)
            if body.get("stream"):
                return self._stream(text, drop=fault == "drop")
            self._json(200, completion(text, body.get("model", "m")))

        def _raw(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, headers: dict[str, str] | None = None) -> None:
            self._json(status, {"error": {"message": f"injected {status}", "type": "test"}}, headers)

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, text: str, drop: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            words = re.findall(r"\S+\s*", text)
            for i, word in enumerate(words):
                if drop and i == len(words) // 2:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # mid-body: the client sees an incomplete chunked read
                    return
                self._chunk(f"data: {json.dumps(chunk(word, None))}\n\n")
            self._chunk(f"data: {json.dumps(chunk('', 'stop'))}\n\n")
            self._chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")

        def _chunk(self, data: str) -> None:
            raw = data.encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 64  # many clients connecting at once (concurrent grading) must not wait on the listen backlog

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that hang up (timeouts, dropped streams) are part of the tests

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}/v1", stop


def completion(text: str, model: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(text: str, finish: str | None) -> dict[str, Any]:
    delta = {"content": text} if text else {}
    return {
        "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
