"""Run untrusted candidate code in a separate, limited Python process and read back typed results.

Contract: `run_job(job, limits)` never raises for anything the candidate's code does and never
hangs past `limits.wall_seconds` (plus a small grace): loops, memory bombs, fork bombs, writes
outside the scratch folder, environment reads and sockets come back as a `SandboxResult` whose
`status` says what happened. It is containment for interview answers, not a security boundary.

Layers, each applied when the machine allows it (`isolation_layers()` says which are on):
- always: `python -I` in a fresh temporary folder (cwd, HOME and TMPDIR), an environment built
  from scratch, rlimits (CPU, address space, file size, processes), a new session whose whole
  process group is SIGKILLed at the wall-clock deadline, results on an inherited file descriptor
  (candidate stdout cannot corrupt them), and an audit hook in the harness that refuses sockets,
  subprocesses, fork, writes outside the scratch folder and reading other processes' /proc files;
- as root with util-linux `unshare`: new network namespace (no network at all) and PID namespace
  (every process dies with the harness), and the code runs as `nobody` so RLIMIT_NPROC applies
  (it does not for root) and the file system is read-only outside world-writable folders.

This module is also the harness: run as a script, it reads one job (JSON) on stdin.
Standard library only, so the child starts fast and needs nothing installed.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

RunStatus = Literal["passed", "failed", "error", "timeout", "memory", "killed"]
TestStatus = Literal["passed", "failed", "error", "timeout", "memory", "not-run"]
NOBODY = 65534
_GRACE_SECONDS = 0.5  # after the deadline, for SIGKILL to land and files to flush


@dataclass(frozen=True)
class Limits:
    """Resource budget for one run of candidate code."""

    wall_seconds: float = 3.0
    cpu_seconds: int = 4
    memory_bytes: int = 1 << 30  # address space: numpy alone maps ~300 MB
    file_bytes: int = 4 << 20
    processes: int = 64  # per uid; threads count too
    test_seconds: float = 1.5  # one hidden test or example, enforced inside the harness
    output_chars: int = 4000


@dataclass(frozen=True)
class Job:
    """What the harness runs: the candidate's code, the entry point, and examples or a tests module."""

    code: str
    entry: str
    calls: tuple[tuple[str, str], ...] = ()  # (expression, expected source) for visible examples
    tests: str | None = None  # source of a hidden-tests module (see interviewer.coding)
    stop_at_first_failure: bool = False


@dataclass(frozen=True)
class TestRecord:
    """One example or hidden test as the harness saw it."""

    name: str
    status: TestStatus
    shown: str = ""
    expected: str = ""
    actual: str = ""
    error: str = ""
    note: str = ""  # e.g. the complexity a probe measured
    seconds: float = 0.0


@dataclass(frozen=True)
class SandboxResult:
    status: RunStatus
    records: tuple[TestRecord, ...] = ()
    message: str = ""  # one sentence for a person when status is not passed/failed
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    isolation: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------- parent side


def run_job(job: Job, limits: Limits = Limits()) -> SandboxResult:
    """Run `job` in a fresh sandboxed process and return what happened."""
    layers = isolation_layers()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="interviewer-sbx-") as scratch:
        if "nobody" in layers:
            os.chown(scratch, NOBODY, NOBODY)
        with tempfile.TemporaryFile() as results, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                [*_launcher(layers), sys.executable, "-I", os.path.abspath(__file__)],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                cwd=scratch,
                env=_clean_env(scratch),
                pass_fds=(results.fileno(),),
                preexec_fn=_limit_child(limits),  # noqa: PLW1509 - apply() only makes syscalls, safe with threads
            )
            payload = json.dumps({**_job_dict(job), "result_fd": results.fileno(), "limits": limits.__dict__})
            timed_out = _feed_and_wait(proc, payload.encode(), limits.wall_seconds)
            records, finished = _read_records(results)
            stdout, stderr = _tail(out, limits.output_chars), _tail(err, limits.output_chars)
    seconds = time.monotonic() - started
    status, message = _classify(proc.returncode, timed_out, finished, records, stderr, limits)
    return SandboxResult(status, tuple(records), message, stdout, stderr, seconds, layers)


def _job_dict(job: Job) -> dict[str, Any]:
    return {
        "code": job.code,
        "entry": job.entry,
        "calls": [list(c) for c in job.calls],
        "tests": job.tests,
        "stop_at_first_failure": job.stop_at_first_failure,
    }


def _feed_and_wait(proc: subprocess.Popen[bytes], payload: bytes, wall_seconds: float) -> bool:
    """Send the job, wait for the deadline; on timeout kill the whole process group. True if timed out."""
    try:
        assert proc.stdin is not None
        proc.stdin.write(payload)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # the child died at start; its exit status says why
    try:
        proc.wait(timeout=wall_seconds)
        return False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        return True
    finally:
        _kill_group(proc)  # stragglers (a forked child) die with the run even when the harness exited


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=_GRACE_SECONDS)


def _read_records(results: Any) -> tuple[list[TestRecord], bool]:
    """Records the harness wrote, one JSON object a line; `finished` when it reached its end marker."""
    results.seek(0)
    records: list[TestRecord] = []
    finished = False
    for line in results.read().decode("utf-8", "replace").splitlines():
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if data.get("done"):
            finished = True
        elif isinstance(data, dict) and "name" in data:
            records.append(TestRecord(**{k: v for k, v in data.items() if k in TestRecord.__dataclass_fields__}))
    return records, finished


def _tail(handle: Any, limit: int) -> str:
    handle.seek(0)
    text: str = handle.read(limit * 4).decode("utf-8", "replace")
    return text[:limit]


def _classify(
    returncode: int | None, timed_out: bool, finished: bool, records: list[TestRecord], stderr: str, limits: Limits
) -> tuple[RunStatus, str]:
    if timed_out:
        return "timeout", f"Stopped after {limits.wall_seconds:g} s of wall time: an infinite loop or a very slow solution."
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGXCPU:
            return "timeout", f"Stopped after {limits.cpu_seconds} s of CPU time."
        return "killed", f"The process was killed by signal {signal.Signals(sig).name}."
    if not finished:
        if "MemoryError" in stderr:
            return "memory", "Ran out of memory."
        return "killed", f"The code ended the process (exit status {returncode}) before the tests finished."
    load_errors = [r for r in records if r.name == "<load>"]
    if load_errors:
        failed = load_errors[0]
        status: RunStatus = failed.status if failed.status in ("timeout", "memory") else "error"
        return status, f"Your code did not load: {failed.error}"
    if any(r.status == "memory" for r in records):
        return "memory", f"Ran out of memory (limit {limits.memory_bytes >> 20} MB)."
    if records and all(r.status == "passed" for r in records):
        return "passed", ""
    return "failed", ""


def _clean_env(scratch: str) -> dict[str, str]:
    """A from-scratch environment: nothing of the caller's (no API keys), single-threaded BLAS."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _limit_child(limits: Limits) -> Any:
    def apply() -> None:  # runs between fork and exec: no imports, no locks
        os.setsid()  # its own process group, so the deadline kills every descendant at once
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def _launcher(layers: tuple[str, ...]) -> list[str]:
    """Command prefix that adds the namespaces and the unprivileged user, when available."""
    if "network-namespace" not in layers:
        return []
    return [*_UNSHARE, *_SETPRIV]


_UNSHARE = ["unshare", "--net", "--pid", "--fork", "--kill-child"]
# nobody, no capabilities except reading files (the interpreter may live under /root).
_SETPRIV = [
    "setpriv",
    f"--reuid={NOBODY}",
    f"--regid={NOBODY}",
    "--clear-groups",
    "--inh-caps=-all,+dac_read_search",
    "--ambient-caps=+dac_read_search",
    "--bounding-set=-all,+dac_read_search",
    "--no-new-privs",
]


@lru_cache(maxsize=1)
def isolation_layers() -> tuple[str, ...]:
    """Which layers this machine allows; probed once per process."""
    base = ("fresh-process", "clean-env", "scratch-cwd", "rlimits", "process-group-kill", "audit-hook")
    if os.name != "posix" or os.geteuid() != 0 or not (shutil.which("unshare") and shutil.which("setpriv")):
        return base
    probe = subprocess.run(
        [*_UNSHARE, *_SETPRIV, sys.executable, "-I", "-c", "import os; print(os.getuid())"],
        capture_output=True,
        timeout=10,
        env=_clean_env("/"),
        check=False,
    )
    if probe.returncode != 0 or probe.stdout.strip() != str(NOBODY).encode():
        return base
    return (*base, "network-namespace", "pid-namespace", "nobody")


# ---------------------------------------------------------------- child side: the harness


class _Denied(PermissionError):
    pass


class _TestTimeout(BaseException):  # BaseException: candidate code's `except Exception` must not swallow it
    pass


class OpsExceeded(BaseException):
    """Raised inside candidate code when a complexity probe's line budget runs out."""


_SPAWN_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn"}
)
_NET_EVENTS = frozenset({"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto"})
_PATH_EVENTS = {  # event -> indexes of path arguments that must stay inside the scratch folder
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1), "os.symlink": (1,),
    "os.link": (1,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,), "os.utime": (0,),
    "shutil.rmtree": (0,), "shutil.copyfile": (1,), "shutil.move": (1,), "os.mkfifo": (0,),
}  # fmt: skip
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _install_guard(scratch: str) -> None:
    """An audit hook: Python-level refusal of network, processes, writes outside `scratch`, other /proc entries."""
    own = f"/proc/{os.getpid()}/"

    def inside(path: Any) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        real = os.path.realpath(os.fsdecode(path))
        return real == scratch or real.startswith(scratch + os.sep) or real == "/dev/null"

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in _SPAWN_EVENTS:
            raise _Denied(f"starting processes is not allowed here ({event})")
        if event in _NET_EVENTS:
            raise _Denied("network access is not allowed here")
        if event == "open" and args and not isinstance(args[0], int):
            path, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool((flags or 0) & _WRITE_FLAGS)
            if writes and not inside(path):
                raise _Denied(f"writing outside the scratch folder is not allowed: {os.fsdecode(path)}")
            text = os.fsdecode(path)
            if text.startswith("/proc/") and text[6:7].isdigit() and not text.startswith(own):
                raise _Denied("reading other processes is not allowed here")
        for index in _PATH_EVENTS.get(event, ()):
            if index < len(args) and args[index] is not None and not inside(args[index]):
                raise _Denied(f"changing files outside the scratch folder is not allowed ({event})")

    sys.addaudithook(hook)


def _plain(value: Any) -> Any:
    """numpy arrays and scalars as plain Python, so reports read [1, 2] rather than array([1, 2])."""
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _show(value: Any, limit: int = 300) -> str:
    text = repr(_plain(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def same(actual: Any, expected: Any, tol: float = 1e-6) -> bool:
    """Equal up to `tol` (relative and absolute) for numbers; arrays, lists and tuples compare elementwise."""
    if hasattr(actual, "tolist") and not isinstance(actual, (int, float)):
        actual = actual.tolist()
    if hasattr(expected, "tolist") and not isinstance(expected, (int, float)):
        expected = expected.tolist()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return bool(actual == expected)
    if isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        return abs(actual - expected) <= tol * max(1.0, abs(expected))
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(actual) == len(expected) and all(same(a, e, tol) for a, e in zip(actual, expected))
    try:
        return bool(actual == expected)
    except Exception:  # noqa: BLE001 - an odd type that cannot compare is simply not equal
        return False


class Failure(AssertionError):
    """A hidden test's verdict with what a person needs to see: the call, expected and actual values."""

    def __init__(self, shown: str, expected: str, actual: str, note: str = "") -> None:
        super().__init__(f"{shown}: expected {expected}, got {actual}")
        self.shown, self.expected, self.actual, self.note = shown, expected, actual, note


def check(shown: str, actual: Any, expected: Any, ok: bool | None = None, tol: float = 1e-6) -> None:
    """Fail with the call `shown` unless `actual` matches `expected` (or `ok` is true)."""
    if ok is None:
        ok = same(actual, expected, tol)
    if not ok:
        raise Failure(shown, expected if isinstance(expected, str) else _show(expected), _show(actual))


def raises(shown: str, call: Any, exc: type[BaseException] = Exception) -> None:
    """Fail unless `call()` raises `exc`."""
    try:
        got = call()
    except exc:
        return
    raise Failure(shown, f"raises {exc.__name__}", _show(got))


def chi_squared(observed: list[int], expected: list[float]) -> float:
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected))


def line_count(f: Any, *args: Any, cap: int = 2_000_000, **kwargs: Any) -> int:
    """Python lines executed inside candidate code during f(*args): an operation count immune to machine noise."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count > cap:
                raise OpsExceeded
        return local

    def calls(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == "<candidate>" else None

    sys.settrace(calls)
    try:
        f(*args, **kwargs)
    except OpsExceeded:
        return cap + 1
    finally:
        sys.settrace(None)
    return count


def growth_probe(f: Any, make_args: Any, sizes: tuple[int, ...], max_exponent: float, cap: int = 400_000) -> str:
    """Fit how line counts grow with n; fail when the exponent exceeds `max_exponent`. Returns e.g. 'O(n^1.0)'."""
    import math

    counts = [line_count(f, *make_args(n), cap=cap) for n in sizes]
    if counts[-1] > cap:
        found = f"more than {cap} Python lines at n={sizes[-1]}"
        raise Failure(f"growing inputs n={list(sizes)}", f"about O(n^{max_exponent:g})", found, note=found)
    a, b = sizes[-2], sizes[-1]
    exponent = math.log(max(counts[-1], 1) / max(counts[-2], 1)) / math.log(b / a)
    found = f"O(n^{exponent:.1f}) by line counts {counts}"
    if exponent > max_exponent:
        raise Failure(f"growing inputs n={list(sizes)}", f"about O(n^{max_exponent:g})", found, note=found)
    return found


class Score(float):
    """A float that counts comparisons, to measure what a top-k or sort really does."""

    comparisons = 0

    def _count(self) -> None:
        Score.comparisons += 1

    def __lt__(self, other: Any) -> bool:
        self._count()
        return float.__lt__(self, other)

    def __le__(self, other: Any) -> bool:
        self._count()
        return float.__le__(self, other)

    def __gt__(self, other: Any) -> bool:
        self._count()
        return float.__gt__(self, other)

    def __ge__(self, other: Any) -> bool:
        self._count()
        return float.__ge__(self, other)

    def __neg__(self) -> Score:
        return Score(-float(self))

    __hash__ = float.__hash__


KIT = {"check": check, "same": same, "raises": raises, "Failure": Failure, "chi_squared": chi_squared,
       "line_count": line_count, "growth_probe": growth_probe, "Score": Score}  # fmt: skip


def _seed() -> None:
    import random

    random.seed(12345)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(12345)


def _where(exc: BaseException) -> str:
    import traceback

    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<candidate>"]
    return f" (line {lines[-1]} of your code)" if lines else ""


def _timed(name: str, shown: str, action: Any, seconds: float) -> dict[str, Any]:
    """Run one example or test under an alarm; a record whatever happens."""
    record: dict[str, Any] = {"name": name, "status": "passed", "shown": shown}
    _seed()
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        note = action()
        if isinstance(note, str):
            record["note"] = note
    except Failure as exc:
        record.update(status="failed", shown=exc.shown or shown, expected=exc.expected, actual=exc.actual, note=exc.note)
    except _TestTimeout:
        record.update(status="timeout", error=f"took longer than {seconds:g} s")
    except MemoryError:
        record.update(status="memory", error="MemoryError: ran out of memory")
    except (Exception, SystemExit, OpsExceeded) as exc:  # noqa: BLE001 - the candidate's error is the result
        kind = "PermissionError" if isinstance(exc, _Denied) else type(exc).__name__
        record.update(status="error", error=f"{kind}: {str(exc)[:200]}{_where(exc)}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    record["seconds"] = round(time.perf_counter() - started, 4)
    return record


def _example_action(expr: str, expected_src: str, namespace: dict[str, Any], entry: tuple[str, Any]) -> Any:
    def action() -> None:
        expected = eval(expected_src, {})  # noqa: S307 - corpus-authored literal
        # examples may build arrays with `np` however the candidate imported numpy
        scope = {**_assumed_imports(expr), **namespace, entry[0]: entry[1]}
        check(expr, eval(expr, scope), expected)  # noqa: S307 - sandboxed candidate call

    return action


def _hidden_tests(source: str) -> list[tuple[str, Any]]:
    namespace: dict[str, Any] = {"__name__": "hidden_tests", **KIT}
    exec(compile(source, "<hidden-tests>", "exec"), namespace)  # noqa: S102 - corpus-authored tests
    return [(k.removeprefix("test_"), v) for k, v in namespace.items() if k.startswith("test_") and callable(v)]


# Names an interviewer reads as their usual import: a missing import line is not what a coding question tests.
ASSUMED_IMPORTS = {
    "np": ("numpy", None), "math": ("math", None), "random": ("random", None), "heapq": ("heapq", None),
    "bisect": ("bisect", None), "itertools": ("itertools", None), "collections": ("collections", None),
    "functools": ("functools", None), "defaultdict": ("collections", "defaultdict"), "Counter": ("collections", "Counter"),
    "deque": ("collections", "deque"), "OrderedDict": ("collections", "OrderedDict"), "lru_cache": ("functools", "lru_cache"),
    "reduce": ("functools", "reduce"), "cache": ("functools", "cache"), "itemgetter": ("operator", "itemgetter"),
    **{name: ("itertools", name) for name in ("chain", "islice", "product", "permutations", "combinations", "accumulate", "groupby")},
    **{name: ("typing", name) for name in ("List", "Dict", "Tuple", "Set", "Optional", "Sequence", "Iterable", "Iterator", "Callable", "Any")},
}  # fmt: skip


_PARSING = threading.Lock()


def parse_python(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse`, one thread at a time: CPython 3.11 can fail with "AST constructor recursion depth
    mismatch" when threads parse at once (the batch grader and the Streamlit server run code answers in threads)."""
    with _PARSING:
        return ast.parse(source, filename)


def usual_names(code: str) -> dict[str, bool]:
    """The usual names (ASSUMED_IMPORTS) the code uses, each with whether the code binds it itself (import, assignment, def)."""
    try:
        tree = parse_python(code)
    except SyntaxError:
        return {}  # the code cannot run; loading it reports why
    nodes = list(ast.walk(tree))
    bound = {a.asname or a.name.split(".")[0] for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    bound |= {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    bound |= {n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    used = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return {name: name in bound for name in ASSUMED_IMPORTS if name in used}


def _assumed_imports(code: str) -> dict[str, Any]:
    """The usual modules and names the code uses, to bind before it runs; its own imports still win."""
    import importlib

    out: dict[str, Any] = {}
    for name in usual_names(code):
        module, attr = ASSUMED_IMPORTS[name]
        loaded = importlib.import_module(module)
        out[name] = getattr(loaded, attr) if attr else loaded
    return out


def _adapted(entry: Any, namespace: dict[str, Any]) -> Any:
    """The candidate's callable, callable the way the tests call it when only the names differ.

    An interviewer who wrote `KNN(k=3)` accepts `NearestNeighbors(n_neighbors=3)` (an unknown keyword
    goes, in order, to the parameters the call left unfilled), and one who hands over `rand7` accepts a
    `rand10()` that calls a global `rand7` (an extra argument binds the global the code uses but never
    defines). A call that binds as written, or cannot be mapped, goes through unchanged.
    """
    try:
        signature = inspect.signature(entry)
    except (TypeError, ValueError):
        return entry
    positional = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    undefined = [n for n in getattr(getattr(entry, "__code__", None), "co_names", ()) if n not in namespace and not hasattr(builtins, n)]

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(*args, **kwargs)
        except TypeError:
            args, kwargs = _rebound(signature, positional, undefined, namespace, args, kwargs)
        return entry(*args, **kwargs)

    call.__name__ = getattr(entry, "__name__", "entry")
    return call


def _rebound(signature: inspect.Signature, positional: list[inspect.Parameter], undefined: list[str],
             namespace: dict[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    known = {k: v for k, v in kwargs.items() if k in signature.parameters}
    unknown = [v for k, v in kwargs.items() if k not in signature.parameters]
    extra = list(args[len(positional):]) if not any(p.kind == p.VAR_POSITIONAL for p in signature.parameters.values()) else []
    if len(extra) > len(undefined):
        return args, kwargs
    open_slots = [p.name for p in positional[len(args) - len(extra):] if p.name not in known]
    if len(unknown) > len(open_slots) or any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
        return args, kwargs
    for name, value in zip(undefined, extra):
        namespace[name] = value
    remapped = {**known, **dict(zip(open_slots, unknown))}
    kept = args[: len(args) - len(extra)]
    try:
        signature.bind(*kept, **remapped)
    except TypeError:
        return args, kwargs
    return kept, remapped


def _only_definition(namespace: dict[str, Any], entry: str) -> Any:
    """The one class (or function) the candidate defined under another name than the signature's.

    An interviewer who asked for `class KNN` accepts `class NearestNeighbors`; with two candidates
    it cannot tell which one is meant, and says so.
    """
    want_class = entry[:1].isupper()
    mine = [v for k, v in namespace.items() if not k.startswith("_") and (
        (isinstance(v, type) and v.__module__ == "candidate") if want_class
        else (inspect.isfunction(v) and v.__code__.co_filename == "<candidate>"))]
    if len(mine) != 1:
        raise NameError(f"your code defines no {'class' if want_class else 'function'} named {entry}")
    return mine[0]


def _harness(job: dict[str, Any], emit: Any) -> None:
    seconds = job["limits"]["test_seconds"]
    namespace: dict[str, Any] = {"__name__": "candidate"}

    def load() -> None:
        namespace.update(_assumed_imports(job["code"]))
        exec(compile(job["code"], "<candidate>", "exec"), namespace)  # noqa: S102 - the point of the sandbox
        if not callable(namespace.get(job["entry"])):
            namespace[job["entry"]] = _only_definition(namespace, job["entry"])

    loaded = _timed("<load>", "", load, seconds)
    if loaded["status"] != "passed":
        emit(loaded)
        return
    entry = _adapted(namespace[job["entry"]], namespace)
    if job["tests"] is None:
        steps = [(expr, expr, _example_action(expr, expected, namespace, (job["entry"], entry))) for expr, expected in job["calls"]]
    else:
        steps = [(name, "", (lambda t=test: t(entry))) for name, test in _hidden_tests(job["tests"])]
    for name, shown, action in steps:
        record = _timed(name, shown, action, seconds)
        emit(record)
        if record["status"] != "passed" and job["stop_at_first_failure"]:
            break


def _child_main() -> None:
    job = json.loads(sys.stdin.read())
    sink = os.fdopen(job["result_fd"], "w", buffering=1)
    harness_pid = os.getpid()

    def emit(record: dict[str, Any]) -> None:
        if os.getpid() != harness_pid:
            os._exit(0)  # a process the candidate forked past the guard: it must not report
        sink.write(json.dumps(record) + "\n")
        sink.flush()

    def on_alarm(signum: int, frame: Any) -> None:
        raise _TestTimeout

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write fails with an error instead of killing us
    _install_guard(os.path.realpath(os.getcwd()))
    _harness(job, emit)
    emit({"done": True})
    sys.stdout.flush()
    os._exit(0)  # skip the candidate's atexit handlers and non-daemon threads


if __name__ == "__main__":
    _child_main()
