"""The interactive terminal: an answer editor made for long answers, and progress while the index builds.

Used only when stdin and stdout are both terminals; piped answers keep the blank-line protocol of
`cli.read_answers`. prompt_toolkit and rich are imported where first needed, so importing this
module costs nothing.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer
    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings
    from rich.console import Console, RenderableType

# What the candidate can type instead of an answer; each is sent by one Enter. One source for the
# completion menu and the toolbar; cli.run_turns acts on them.
COMMANDS: dict[str, str] = {
    "/skip": "pass on this question",
    "/hint": "the next hint for this question",
    "/code": "write the code in $EDITOR",
    "/run": "run code against the examples (not sent)",
    "/end": "finish now and see the report",
}
ALIASES = ("/quit", "/exit")  # also end the interview; accepted, not advertised
SEND_KEYS = "Esc Enter"  # Alt+Enter sends the same bytes in most terminals
PROMPT = "You: "
RUN_PROMPT = "Run: "
LOADING = "Loading the question index"
LOADING_QUESTIONS = "Loading the questions"
BUILDING = "Building the question index (first run only)"
RATE_WINDOW = 5  # progress reports the rate is measured over: later batches hold longer texts
# The time left, measured on the shipped corpus (benchmarks/index_eta.py): the batches still to come
# hold longer texts, about 1.3x the recent cost per text, and writing the index and reading it back
# after the last batch costs about as long as embedding 8% of the texts.
LONGER_TEXTS = 1.3
SAVE_SHARE = 0.08
INDENT = "    "
SHOW_AFTER = 0.3  # seconds before a wait shows a bar, so a quick one does not flash


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 question', '3 questions'."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def interactive(stdin: Any, stdout: Any) -> bool:
    """Whether to use the answer editor: both ends are terminals (a pipe on either keeps the plain protocol)."""
    return bool(stdin.isatty() and stdout.isatty())


def is_command(text: str) -> bool:
    """A line that is only a command, so one Enter sends it."""
    return text.strip().lower() in COMMANDS or text.strip().lower() in ALIASES


# -- progress of the index build ---------------------------------------------------------------------


@dataclass(frozen=True)
class IndexStatus:
    what: str
    done: int
    total: int  # 0 while loading or waiting, before the first batch is embedded
    seconds_left: float | None

    def line(self) -> str:
        """One line for a toolbar: what is happening, how far, and about how long is left."""
        if not self.total:
            return f"{self.what}…"
        left = f" · {eta(self.seconds_left)}" if self.seconds_left is not None else ""
        return f"{self.what}: {self.done:,} of {self.total:,} texts{left}"


def eta(seconds: float) -> str:
    if seconds < 5:
        return "a few seconds left"
    return f"about {int(seconds + 0.5)} s left" if seconds < 90 else f"about {int(seconds / 60 + 0.5)} min left"


class IndexProgress:
    """What the index build has reported so far; Engine.progress calls it from the warm-up thread.

    The build embeds texts in batches sorted by length, so the time left is measured over the last
    few batches rather than from the start (early batches are the short, fast ones), and scaled
    for the longer texts still to come.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._reports: deque[tuple[float, int]] = deque(maxlen=RATE_WINDOW + 1)
        self._done = self._total = 0
        self._what = ""
        self._worker: threading.Thread | None = None

    def __call__(self, done: int, total: int, what: str) -> None:
        with self._lock:
            if total and done < self._done:  # a new build (e.g. after waiting for another process)
                self._reports.clear()
            self._done, self._total, self._what = done, total, what
            if total:
                self._reports.append((self._clock(), done))

    def watch(self, worker: object) -> object:
        """Remember the warm-up thread (Engine.warm_up's return value) to know when the index is ready."""
        if isinstance(worker, threading.Thread):
            self._worker = worker
        return worker

    @property
    def busy(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def wait(self) -> None:
        if self._worker is not None:
            self._worker.join()

    def status(self) -> IndexStatus:
        with self._lock:
            if not self._total:
                return IndexStatus(self._what.capitalize() if self._what else LOADING, 0, 0, None)
            return IndexStatus(BUILDING, self._done, self._total, self._seconds_left())

    def _seconds_left(self) -> float | None:
        if len(self._reports) < 2:
            return None
        (start, first), (end, last) = self._reports[0], self._reports[-1]
        if last <= first or end <= start:
            return None
        rate = (last - first) / (end - start)
        texts_left = (self._total - self._done) * LONGER_TEXTS + self._total * SAVE_SHARE
        return max(0.0, texts_left / rate - (self._clock() - end))


class _Bar:
    """A rich renderable that re-reads the status on every refresh of a Live display."""

    def __init__(self, status: Callable[[], IndexStatus]) -> None:
        from rich.spinner import Spinner

        self._status = status
        self._spinner = Spinner("dots", style="cyan")
        self._shown_from = time.monotonic() + SHOW_AFTER

    def __rich__(self) -> RenderableType:
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        if time.monotonic() < self._shown_from:
            return Text("")
        status = self._status()
        row = Table.grid(padding=(0, 1))
        if not status.total:
            row.add_row(self._spinner, Text(f"{status.what}…"))
            return row
        left = eta(status.seconds_left) if status.seconds_left is not None else "estimating time left"
        row.add_row(self._spinner, Text(status.what), ProgressBar(total=status.total, completed=status.done, width=28),
                    Text(f"{status.done:,}/{status.total:,} · {left}", style="dim"))
        return row


@contextmanager
def showing_progress(progress: IndexProgress | str, console: Console | None) -> Iterator[None]:
    """Show the index build's progress (or a spinner with a label) on `console`, normally stderr, while the block runs.

    Nothing is shown when the console is not a terminal, or when the block is over within SHOW_AFTER seconds.
    """
    if console is None or not console.is_terminal:
        yield
        return
    from rich.live import Live

    status = progress.status if isinstance(progress, IndexProgress) else lambda: IndexStatus(str(progress), 0, 0, None)
    with Live(_Bar(status), console=console, transient=True, refresh_per_second=8, redirect_stdout=False, redirect_stderr=False):
        yield


def ready_answers(
    answers: Iterator[tuple[str, bool]], progress: IndexProgress, console: Console | None
) -> Iterator[tuple[str, bool]]:
    """Pass answers on once the index is ready: grading needs it, /run and /hint do not."""
    for text, bad_bytes in answers:
        if progress.busy and not text.strip().lower().startswith(("/run", "/hint")):
            with showing_progress(progress, console):
                progress.wait()
        yield text, bad_bytes


def exit_if_building(progress: IndexProgress, code: int) -> None:
    """Leave at once while the index still builds in the background.

    Interpreter shutdown under a thread inside onnxruntime or chroma aborts the process (SIGABRT,
    "terminate called without an active exception"). Every turn is already committed, and an
    interrupted build is redone on the next run (the index marks a question done last).
    """
    if progress.busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def error_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


# -- the answer editor ------------------------------------------------------------------------------


def _command_completer() -> Completer:
    from prompt_toolkit.completion import Completer, Completion
    from prompt_toolkit.document import Document

    class Commands(Completer):
        """Commands while the buffer is a single word starting with '/'."""

        def get_completions(self, document: Document, complete_event: object) -> Iterator[Completion]:
            typed = document.text_before_cursor
            if not re.fullmatch(r"/\w*", typed):
                return
            for name, meaning in COMMANDS.items():
                if name.startswith(typed.lower()):
                    yield Completion(name, start_position=-len(typed), display_meta=meaning)

    return Commands()


def _key_bindings() -> KeyBindings:
    from prompt_toolkit.filters import has_completions, in_paste_mode
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        """A command alone on its line is sent at once; otherwise Enter starts a new line."""
        buffer = event.current_buffer
        if buffer.complete_state and buffer.complete_state.current_completion:
            buffer.apply_completion(buffer.complete_state.current_completion)
        if is_command(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.newline(copy_margin=not in_paste_mode())

    @bindings.add("tab", filter=~has_completions)
    def _indent(event: KeyPressEvent) -> None:
        """Tab indents code (4 spaces) unless a command is being typed, which it completes."""
        buffer = event.current_buffer
        if re.fullmatch(r"/\w*", buffer.document.text_before_cursor):
            buffer.start_completion(select_first=True)
        else:
            buffer.insert_text(INDENT)

    return bindings


def _answers_history(past: Sequence[str]) -> InMemoryHistory:
    from prompt_toolkit.history import InMemoryHistory

    class AnswersOnly(InMemoryHistory):
        """The session's answers (and code sent to /run) for the up arrow; bare commands are not worth recalling."""

        def store_string(self, string: str) -> None:
            if not is_command(string):
                super().store_string(string)

        def append_string(self, string: str) -> None:
            if not is_command(string):
                super().append_string(string)

    history = AnswersOnly()
    for text in past:
        history.append_string(text)
    return history


def toolbar_text(progress: IndexProgress | None) -> StyleAndTextTuples:
    """The keys (always) and, while the index builds, how far it has got."""
    keys: StyleAndTextTuples = [
        ("bold", f" {SEND_KEYS}"), ("", ": send   "), ("bold", "Enter"), ("", ": new line   "),
        ("bold", "↑"), ("", ": earlier answers   "), ("", " ".join(COMMANDS) + " (one Enter)"),
    ]
    if progress is not None and progress.busy:
        return [*keys, ("", "\n "), ("italic", progress.status().line())]
    return keys


class TerminalAnswers:
    """Answers typed in a multi-line editor, yielded as (text, False) like `cli.read_answers`.

    Ctrl-D on an empty answer ends the input (the session is saved, as when a pipe closes); Ctrl-C
    interrupts. `/run` alone asks for the code to run on the next prompt when `runnable()` says the
    current question has examples; the code run is then one up-arrow away for the answer.
    """

    def __init__(
        self, past_answers: Sequence[str] = (), progress: IndexProgress | None = None, runnable: Callable[[], bool] = lambda: True
    ) -> None:
        self._progress = progress
        self._runnable = runnable
        self._session: PromptSession[str] | None = None
        self._history = list(past_answers)

    def __iter__(self) -> Iterator[tuple[str, bool]]:
        return self

    def __next__(self) -> tuple[str, bool]:
        text = self._ask(PROMPT, f"your answer; {SEND_KEYS} sends it")
        if text.strip().lower() == "/run" and self._runnable():
            code = self._ask(RUN_PROMPT, f"the code to run against the examples; {SEND_KEYS} runs it")
            # Fenced, so code that does not parse still runs and reports its syntax error.
            text = f"/run\n{code}" if "```" in code else f"/run\n```python\n{code}\n```"
        return text, False

    def _ask(self, message: str, placeholder: str = "") -> str:
        from prompt_toolkit.formatted_text import FormattedText

        session = self._prompt_session()
        # The caller has already written a plain "You: " (the piped protocol's prompt); the editor draws
        # its own from the cursor's column, so clear the line rather than show it twice.
        session.output.write_raw("\r\x1b[2K")
        session.output.flush()
        try:
            return session.prompt(message, placeholder=FormattedText([("class:placeholder", placeholder)]))
        except EOFError:
            raise StopIteration from None

    def _prompt_session(self) -> PromptSession[str]:
        if self._session is None:
            self._session = _new_prompt_session(self._history, self._progress)
        return self._session


def _new_prompt_session(past: Sequence[str], progress: IndexProgress | None) -> PromptSession[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.styles import Style
    from prompt_toolkit.validation import Validator

    not_empty = Validator.from_callable(lambda text: bool(text.strip()), error_message="Nothing to send yet: write something, or /skip to pass")
    return PromptSession(
        multiline=True,
        key_bindings=_key_bindings(),
        completer=_command_completer(),
        complete_while_typing=True,
        history=_answers_history(past),
        validator=not_empty,
        validate_while_typing=False,
        prompt_continuation=lambda width, line, wrapped: " " * width,
        bottom_toolbar=lambda: toolbar_text(progress),
        refresh_interval=0.5 if progress is not None else 0,
        enable_open_in_editor=True,  # Ctrl-X Ctrl-E: edit the answer in $EDITOR
        reserve_space_for_menu=len(COMMANDS) + 1,
        style=Style.from_dict({"placeholder": "#888888 italic", "bottom-toolbar": "noreverse bg:#303030 #d0d0d0"}),
    )
