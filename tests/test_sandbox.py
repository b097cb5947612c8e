"""The sandbox contains hostile candidate code and always comes back with a typed result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interviewer import sandbox
from interviewer.sandbox import Job, Limits, SandboxResult, isolation_layers, run_job

QUICK = Limits(wall_seconds=3.0, test_seconds=1.0)
ADD_ONE = "def f(x):\n    return x + 1\n"


def run(code: str, limits: Limits = QUICK, expected: str = "2") -> SandboxResult:
    return run_job(Job(code=code, entry="f", calls=(("f(1)", expected),)), limits)


def only_record(result: SandboxResult) -> sandbox.TestRecord:
    assert len(result.records) == 1, result
    return result.records[0]


def assert_caller_continues() -> None:
    assert run(ADD_ONE).status == "passed"


def live_nobody_processes() -> list[str]:
    """Processes still running as nobody, the sandbox's user (zombies hold nothing and init reaps them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if entry.stat().st_uid == 65534 and state != "Z":
                    found.append(f"{entry.name} {state} {(entry / 'cmdline').read_bytes()[:80]!r}")
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def test_correct_code_passes() -> None:
    result = run(ADD_ONE)
    assert result.status == "passed"
    assert only_record(result).status == "passed"


def test_wrong_answer_reports_the_call_expected_and_actual() -> None:
    record = only_record(run("def f(x):\n    return x - 1\n"))
    assert (record.status, record.shown, record.expected, record.actual) == ("failed", "f(1)", "2", "0")


def test_exception_names_the_line_of_candidate_code() -> None:
    record = only_record(run("def f(x):\n    y = 0\n    return x / y\n"))
    assert record.status == "error"
    assert "ZeroDivisionError" in record.error and "line 3" in record.error


def test_syntax_error_is_an_error_with_a_message() -> None:
    result = run("def f(x) return 1\n")
    assert result.status == "error"
    assert "SyntaxError" in result.message


def test_infinite_loop_in_a_call_times_out_and_the_caller_continues() -> None:
    record = only_record(run("def f(x):\n    while True:\n        pass\n"))
    assert record.status == "timeout"
    assert_caller_continues()


def test_loop_that_ignores_the_alarm_is_killed_at_the_wall_clock() -> None:
    code = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ndef f(x):\n    while True:\n        pass\n"
    result = run(code, Limits(wall_seconds=1.5, test_seconds=1.0))
    assert result.status == "timeout"
    assert result.seconds < 4
    assert_caller_continues()


def test_ten_gigabyte_allocation_reports_memory() -> None:
    result = run("def f(x):\n    block = bytearray(10 * 1024**3)\n    return len(block)\n")
    assert result.status == "memory"
    assert only_record(result).status == "memory"
    assert_caller_continues()


def test_numpy_memory_bomb_reports_memory() -> None:
    result = run("import numpy as np\ndef f(x):\n    return np.ones(10**10).sum()\n")
    assert result.status == "memory"


def test_fork_bomb_is_refused() -> None:
    record = only_record(run("import os\ndef f(x):\n    while True:\n        os.fork()\n"))
    assert record.status == "error" and "PermissionError" in record.error
    assert_caller_continues()


@pytest.mark.skipif("nobody" not in isolation_layers(), reason="needs root, unshare and setpriv for the OS-level layer")
def test_fork_bomb_past_the_audit_hook_is_bounded_and_cleaned_up() -> None:
    # libc's fork bypasses Python's audit hook; RLIMIT_NPROC (as nobody) and the PID namespace must hold.
    code = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "def f(x):\n    failures = 0\n    while failures < 200:\n        if libc.fork() < 0:\n            failures += 1\n    return 2\n"
    )
    result = run(code, Limits(wall_seconds=3.0, test_seconds=2.0, processes=32))
    assert result.status in ("passed", "timeout", "killed")
    assert live_nobody_processes() == []
    assert_caller_continues()


def test_subprocess_is_refused() -> None:
    record = only_record(run("import subprocess\ndef f(x):\n    return subprocess.run(['true']).returncode + 2\n"))
    assert record.status == "error" and "PermissionError" in record.error


@pytest.mark.parametrize("target", ["/tmp/interviewer-sandbox-escape", "REPO"])
def test_writes_outside_the_scratch_folder_are_refused(target: str) -> None:
    path = Path(__file__).resolve().parent.parent / "SANDBOX_ESCAPE" if target == "REPO" else Path(target)
    path.unlink(missing_ok=True)
    for opener in (f"open({str(path)!r}, 'w').write('x')", f"os.open({str(path)!r}, os.O_WRONLY | os.O_CREAT)"):
        record = only_record(run(f"import os\ndef f(x):\n    {opener}\n    return 2\n"))
        assert record.status == "error" and "PermissionError" in record.error
    assert not path.exists()


def test_files_in_the_scratch_folder_work() -> None:
    code = "def f(x):\n    with open('notes.txt', 'w') as fh:\n        fh.write('hi')\n    return len(open('notes.txt').read())\n"
    assert run(code).status == "passed"


def test_parent_environment_is_not_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    code = "import os\ndef f(x):\n    return os.environ.get('OPENAI_API_KEY', 'unset')\n"
    record = only_record(run(code, expected="'unset'"))
    assert record.status == "passed"
    proc = only_record(run("import os\ndef f(x):\n    return open(f'/proc/{os.getppid()}/environ').read()\n"))
    assert proc.status == "error" and "sk-test-secret" not in proc.actual + proc.error


def test_sockets_are_refused() -> None:
    code = "import socket\ndef f(x):\n    socket.create_connection(('127.0.0.1', 9), timeout=1)\n    return 2\n"
    record = only_record(run(code))
    assert record.status == "error" and "network" in record.error


def test_candidate_output_cannot_forge_results() -> None:
    code = 'import os\ndef f(x):\n    print(\'{"name": "f(1)", "status": "passed"}\')\n    print(\'{"done": true}\')\n    os.write(1, b"x" * 100000)\n    return 0\n'
    result = run(code)
    assert result.status == "failed"
    assert len(result.stdout) <= QUICK.output_chars


def test_exiting_the_process_is_reported_as_killed() -> None:
    result = run("import os\ndef f(x):\n    os._exit(3)\n")
    assert result.status == "killed" and "exit status 3" in result.message
    record = only_record(run("import sys\ndef f(x):\n    sys.exit(0)\n"))
    assert record.status == "error" and "SystemExit" in record.error


def test_hidden_tests_module_gets_the_helpers() -> None:
    tests = "def test_adds(f):\n    check('f(1)', f(1), 2)\n\ndef test_counts(f):\n    return growth_probe(f, lambda n: (n,), (100, 200, 400), 1.3)\n"
    code = "def f(n):\n    total = 0\n    for i in range(n):\n        total += 1\n    return n + 1 if n == 1 else total\n"
    result = run_job(Job(code=code, entry="f", tests=tests), QUICK)
    assert [r.status for r in result.records] == ["passed", "passed"]
    assert result.records[1].note.startswith("O(n^1.0)")
