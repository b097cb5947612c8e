"""Command line: interview, resume, history, report, corpus check, eval."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TextIO

from interviewer import resources, terminal
from interviewer.resources import EmbeddingModelMissing
from interviewer.config import ConfigError, Settings, load_settings
from interviewer.corpus import ROUND_CHOICES, ROUNDS, CorpusError, load_corpus
from interviewer.evaluation.cases import LabelledSetError
from interviewer.providers import ProviderError
from interviewer.session import Session, SessionError, UnknownRound
from interviewer.store import SessionNotFound, StoreError
from interviewer.terminal import plural
from interviewer.turns import TurnKind

EVAL_SETS = resources.eval_sets_dir()
NAMED_SETS = {"gold": "interview", "adversarial": "adversarial"}
END_COMMANDS = {"/end", "/quit", "/exit"}


class InputEnded(Exception):
    """Standard input closed before the interview finished."""


def read_answers(stream: IO[bytes]) -> Iterator[tuple[str, bool]]:
    """Blank-line-separated answers as (text, had_invalid_utf8); a ``` fence keeps blank lines inside."""
    lines: list[str] = []
    fenced = False
    bad = False
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace")
        bad = bad or "\ufffd" in line
        if line.strip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            yield "".join(lines).strip(), bad
            lines, bad = [], False
            continue
        lines.append(line)
    if lines:
        yield "".join(lines).strip(), bad


def corpus_check(directory: Path | None) -> int:
    """Validate the corpus, run every coding question's reference solution and buggy versions, show counts."""
    from interviewer.coding import check_reference_solutions

    corpus = load_corpus(directory, judge_texts=True)
    for problem in corpus.problems:
        print(problem)
    code_problems = check_reference_solutions(corpus, directory)
    for message in code_problems:
        print(f"code: error: {message}")
    counts: Counter[str] = Counter(q.round for q in corpus.questions)
    for name in ROUNDS:
        print(f"{name:22} {plural(counts.get(name, 0), 'question'):>13}")
    coding = sum(1 for q in corpus.questions if q.code is not None)
    print(f"{plural(coding, 'coding question')}: reference solutions pass their hidden tests and buggy versions fail them"
          if not code_problems else f"{len(code_problems)} problems with coding questions' hidden tests")
    errors = len(corpus.errors) + len(code_problems)
    warnings = len(corpus.problems) - len(corpus.errors)
    print(f"{plural(len(corpus.questions), 'question')} in {plural(len(corpus.files), 'file')}, {plural(errors, 'error')}, {plural(warnings, 'warning')}")
    return 1 if errors else 0


def interview(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from interviewer.engine import build_engine
    from interviewer.report import build_report, to_markdown, transcript_markdown
    from interviewer.terminal_report import print_report, report_console

    progress, errors = terminal.IndexProgress(), terminal.error_console()
    with terminal.showing_progress(terminal.LOADING_QUESTIONS, errors):  # parsing the corpus takes seconds without its cache
        engine = build_engine(settings)
    if engine.corpus.errors:
        print(f"note: {len(engine.corpus.errors)} corpus entries were skipped as invalid; `interviewer corpus check` lists them", file=sys.stderr)
    engine.progress = progress
    live = terminal.interactive(sys.stdin, out)
    with terminal.showing_progress(progress, errors):  # --focus searches the index, so a first run builds it here
        session = Session.resume(engine, args.resume) if args.resume else Session.start(
            engine, args.round, args.questions, args.seed, args.focus, args.difficulty)
    if args.resume:
        out.write(f"Resuming session {session.id} ({session.round}).\n")
    else:
        if args.focus and not engine.focus_ids(args.focus, args.round):  # cached: no second search
            print(f"note: no question in this round matches the focus '{args.focus}'; picking questions as usual", file=sys.stderr)
        keys = (f"{terminal.SEND_KEYS} sends an answer, Enter starts a new line" if live else "End each answer with a blank line")
        out.write(f"Session {session.id}: {session.round}, {plural(len(session.questions), 'question')}. "
                  f"{keys}; /skip to pass, /hint when stuck, /end to finish early.\n")
        out.write(f"\nInterviewer: {session.introduction}\n")
    past = [t.text for t in session.turns if t.kind == TurnKind.ANSWER]
    typed = terminal.TerminalAnswers(past, progress, lambda: session.current_question().code is not None) if live else read_answers(sys.stdin.buffer)
    answers = terminal.ready_answers(typed, progress, errors)
    stopped: str | None = None
    try:
        try:
            run_turns(session, answers, out, echo=not sys.stdin.isatty(), on_shown=lambda: progress.watch(engine.warm_up()))
        except InputEnded:
            stopped = "Input ended before the interview finished"
    except KeyboardInterrupt:  # outside the inner try: SIGINT can land just after readline saw EOF
        stopped = "Interrupted"
    if stopped:
        out.write(f"\n{stopped}. Every answer so far is saved. Resume with: interviewer --resume {session.id}\n")
        code = 130 if stopped == "Interrupted" else 0
        terminal.exit_if_building(progress, code)
        return code
    report = build_report(session)
    folder = settings.runs_dir / session.id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text(to_markdown(report), encoding="utf-8")
    (folder / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    (folder / "transcript.md").write_text(transcript_markdown(report), encoding="utf-8")
    out.write("\n")
    print_report(report, report_console(out), args.model_answer)
    out.write(f"\nSaved to {folder}\n")
    return 0


def run_turns(
    session: Session, answers: Iterator[tuple[str, bool]], out: TextIO, echo: bool = False, on_shown: Callable[[], object] | None = None
) -> None:
    """Alternate interviewer replies (streamed) and candidate answers until the session closes.

    on_shown runs once the first message is on screen (the CLI loads the model then, while the candidate reads).
    """
    pending = session.pending_message()
    if pending is not None:
        out.write(f"\nInterviewer: {pending.text}\n")
        out.flush()
    if on_shown is not None:
        on_shown()
    while not session.finished:
        if not session.awaiting_answer:
            out.write("\nInterviewer: ")
            for piece in session.stream_reply():
                out.write(piece)
                out.flush()
            out.write("\n")
            continue
        out.write(f"\n{status_text(session)}\nYou: ")
        out.flush()
        try:
            text, bad_bytes = next(answers)
        except StopIteration:
            raise InputEnded from None
        if echo:  # piped answers are not shown by a terminal, so the transcript on screen would have gaps
            out.write((text or "(no answer)") + "\n")
        if bad_bytes:
            print("note: your answer had bytes that are not UTF-8; they were replaced with \ufffd", file=sys.stderr)
        if text.strip().lower() in END_COMMANDS:
            session.end()
            return
        command = text.strip().split(maxsplit=1)[0].lower() if text.strip() else ""
        if command == "/run":
            out.write(examples_table(session, text.strip()[4:]) + "\n")
            continue
        if command == "/code":
            text = code_from_editor(session)
            if not text:
                out.write("\nInterviewer: Nothing was written; answer in the terminal instead, with the code in a ``` block.\n")
                continue
            out.write(text + "\n")
        receipt = session.answer("" if text.strip().lower() == "/skip" else text)
        if receipt.kind == "pause":
            out.write(f"\nInterviewer: {receipt.notes[-1]}\n")
            continue
        for note in receipt.notes:
            print(f"note: {note}", file=sys.stderr)


def status_text(session: Session) -> str:
    """The clock, and in design rounds the phases covered so far, shown above each prompt."""
    progress = session.progress()
    return "\n".join(f"[{line}]" for line in (progress.clock.line(), progress.phases_line()) if line)


def examples_table(session: Session, text: str) -> str:
    """What /run prints: the visible examples run against the code in `text`."""
    from interviewer.coding import extract_code

    code = extract_code(text)
    if code is None:
        return "Interviewer: Put the code after /run in a ``` block (or as a def ...) and I will run the examples."
    try:
        report = session.run_examples(code)
    except SessionError as exc:
        return f"Interviewer: {exc}."
    rows = [f"  {'PASS' if result == 'pass' else 'FAIL'}  {shown}  ->  expected {expected}" + ("" if result == "pass" else f", {result}")
            for _, shown, expected, result in report.as_table()]
    head = f"Examples: {sum(r.startswith('  PASS') for r in rows)} of {len(rows)} passed." if rows else f"The code did not run: {report.message}"
    return "\n".join([head, *rows, "(Not submitted: send the answer when you are ready.)"])


def code_from_editor(session: Session) -> str:
    """/code: open $EDITOR on a file holding the signature; what is saved becomes the answer."""
    import os
    import shlex
    import subprocess
    import tempfile

    from interviewer.coding import code_stub

    question = session.current_question()
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if question.code is None or not editor or not sys.stdin.isatty():
        return ""
    with tempfile.NamedTemporaryFile("w+", suffix=".py", delete=False, encoding="utf-8") as handle:
        handle.write(code_stub(question))
    subprocess.run([*shlex.split(editor), handle.name], check=False)
    code = Path(handle.name).read_text(encoding="utf-8").strip()
    Path(handle.name).unlink(missing_ok=True)
    return f"```python\n{code}\n```" if code and not code.endswith("...") else ""


def history(settings: Settings, out: TextIO) -> int:
    from interviewer.report import history_summary
    from interviewer.store import open_store

    summary = history_summary(open_store(settings), load_corpus(settings.corpus_dir, cache_dir=settings.cache_dir))
    if not summary.sessions:
        out.write("No sessions yet. Start one with: interviewer --round ml-fundamentals\n")
        return 0
    out.write(f"{'session':13}{'date':22}{'round':21}{'answered':>9}{'score':>7}  verdict\n")
    for s in summary.sessions:
        score = f"{s.score:.0f}" if s.score is not None else "-"
        out.write(f"{s.id:13}{s.created_at[:19]:22}{s.round:21}{s.answered:>9}{score:>7}  {s.verdict or s.status}\n")
    if summary.by_round:
        out.write("\nAverage score by round: " + ", ".join(f"{r} {v:.0f}" for r, v in summary.by_round.items()) + "\n")
    if summary.weakest:
        out.write("Weakest topics: " + ", ".join(f"{t.tag} ({t.mean:.0f}, n={t.count})" for t in summary.weakest) + "\n")
        out.write(f"Practise them: interviewer --round {summary.weakest[0].round} --focus \"{summary.weakest[0].tag}\"\n")
    return 0


def show_report(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    """A session's report for the terminal (or plain text when piped), as report.md's Markdown, or as JSON."""
    from interviewer.engine import build_engine
    from interviewer.report import build_report, to_markdown
    from interviewer.terminal_report import print_report, report_console

    engine = build_engine(settings)
    progress = terminal.IndexProgress()
    engine.progress = progress
    with terminal.showing_progress(progress, terminal.error_console()):  # grading an unfinished session needs the index
        report = build_report(Session.resume(engine, args.session_id))
    if args.json or args.markdown:
        out.write(report.model_dump_json(indent=2) + "\n" if args.json else to_markdown(report))
    else:
        print_report(report, report_console(out), args.model_answer)
    return 0


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def run_eval(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from interviewer.engine import build_engine
    from interviewer.evaluation import mohler, runner
    from interviewer.evaluation.log import RunLog
    from interviewer.evaluation.runner import ProviderGrader

    engine = build_engine(settings)
    progress = (lambda items: items) if args.quiet else runner.progress_bar(args.set)
    grader = ProviderGrader(engine.provider) if settings.provider != "offline" else None
    target = Path(args.set)
    # A model's grades are journaled in the run folder as they arrive: rerunning with --out FOLDER resumes.
    folder = args.out or runner.run_folder(settings.runs_dir.parent / "eval-runs", target.stem)
    batch = runner.Batch(args.concurrency, folder / runner.JOURNAL_NAME) if grader else runner.Batch()
    report: RunLog
    if args.set == "retrieval" or target.parent.name == "retrieval":
        from interviewer.evaluation import retrieval

        report = retrieval.evaluate(engine.retriever, retrieval.DEFAULT_SET if args.set == "retrieval" else target, progress)
    elif args.set == "personas":
        report = runner.evaluate_personas(engine, args.rounds or list(ROUNDS), args.seeds, progress)
    elif args.set == "mohler" or target.suffix == ".csv":
        csv_path = mohler.DEFAULT_CSV if args.set == "mohler" else target
        if csv_path is None or not csv_path.is_file():
            raise CorpusError(
                f"Mohler CSV not found{f' at {csv_path}' if csv_path else ''} (the data set is not shipped with interviewer; "
                f"a checkout looks in ../shared/data/mohler/): pass its path, e.g. interviewer eval path/to/{resources.MOHLER_CSV_NAME}"
            )
        report = runner.evaluate_mohler(engine, csv_path, args.bootstrap, progress, grader, batch)
    elif args.set in NAMED_SETS or target.exists():
        path = EVAL_SETS / NAMED_SETS[args.set] if args.set in NAMED_SETS else target
        report = runner.evaluate_set(engine, path, args.bootstrap, progress, grader, batch)
    else:
        raise CorpusError(f"unknown eval set '{args.set}': use mohler, {', '.join(NAMED_SETS)}, personas, a CSV or a labelled folder")
    folder = report.save(folder)
    out.write("\n".join(report.markdown) + f"\n\nSaved to {folder}\n")
    return 0


def run_ui(streamlit_args: list[str]) -> int:
    """Serve the packaged Streamlit app with its shipped config; extra arguments go to `streamlit run` last."""
    import subprocess

    command = [sys.executable, "-m", "streamlit", "run", str(resources.ui_app()), *resources.ui_config_flags(), *streamlit_args]
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:  # Ctrl-C reaches streamlit too, which shuts down by itself
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interviewer",
        description="Mock ML-engineer interviews that drill down and grade against a rubric.",
        epilog=f"rounds: {', '.join(ROUND_CHOICES)}",
    )
    parser.add_argument("--round", help="round to practise (see the list below)")
    parser.add_argument("--resume", metavar="ID", help="continue an interrupted session (id or prefix)")
    parser.add_argument("--questions", type=int, help="questions per round (default 3; 1 per round in full-loop)")
    parser.add_argument("--seed", type=int, help="random seed for question choice")
    parser.add_argument("--focus", help="prefer questions about this topic, e.g. 'calibration'")
    parser.add_argument("--difficulty", type=int, choices=(1, 2, 3), help="highest difficulty to ask")
    parser.add_argument("--follow-ups", dest="max_follow_ups", type=int, help="follow-ups per question (default 3; 5 in non-technical)")
    parser.add_argument("--provider", help="offline (default), openai (any OpenAI-compatible endpoint), or a registered provider")
    parser.add_argument("--model", help="model name for --provider openai")
    parser.add_argument("--base-url", help="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    parser.add_argument("--minutes", type=positive_int, help="length of the round in minutes (default 45); each question gets an equal share")
    parser.add_argument("--model-answer", action="store_true", help="show each question's model answer in the report")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("history", help="past sessions, scores by round and weakest topics")
    report = sub.add_parser("report", help="show the report of a session")
    report.add_argument("session_id")
    report.add_argument("--json", action="store_true")
    report.add_argument("--markdown", action="store_true", help="the Markdown of report.md instead of the terminal view")
    report.add_argument("--model-answer", action="store_true", default=argparse.SUPPRESS, help="show each question's model answer")
    evaluate = sub.add_parser("eval", help="batch rubric evals: grader vs human grades, simulated candidates")
    evaluate.add_argument("set", help="'mohler' or a Mohler-format CSV; 'gold' or a labelled folder/file; 'personas'; 'retrieval'")
    evaluate.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the 95%% intervals")
    evaluate.add_argument("--seeds", type=int, default=3, help="personas: sessions per persona and round")
    evaluate.add_argument("--rounds", nargs="*", help="personas: rounds to simulate (default: all)")
    evaluate.add_argument("--out", type=Path, help="run folder (default: DATA_FOLDER/eval-runs/TIMESTAMP-NAME)")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bars")
    evaluate.add_argument("--concurrency", type=positive_int, default=1, help="with a model grader: requests in flight at once")
    corpus = sub.add_parser("corpus", help="corpus tools").add_subparsers(dest="corpus_command", required=True)
    check = corpus.add_parser("check", help="validate corpus/*.yaml and show per-round counts")
    check.add_argument("--dir", type=Path, help="corpus folder (default: INTERVIEWER_CORPUS, else the shipped corpus)")
    sub.add_parser("ui", help="the interview in a browser (Streamlit); other arguments go to `streamlit run`, e.g. --server.port 8502")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "ui":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    out = sys.stdout
    try:
        if args.command == "ui":
            return run_ui(extra)
        if args.command == "corpus":
            return corpus_check(args.dir or load_settings().corpus_dir)
        settings = load_settings(
            provider=args.provider, model=args.model, base_url=args.base_url,
            max_follow_ups=args.max_follow_ups, non_technical_follow_ups=args.max_follow_ups, round_minutes=args.minutes,
        )
        if args.command == "history":
            return history(settings, out)
        if args.command == "eval":
            return run_eval(settings, args, out)
        if args.command == "report":
            return show_report(settings, args, out)
        if not args.round and not args.resume:
            parser.print_help()
            return 2
        if args.round and args.round not in ROUND_CHOICES:
            print(f"interviewer: unknown round '{args.round}'. Valid rounds: {', '.join(ROUND_CHOICES)}", file=sys.stderr)
            return 2
        return interview(settings, args, out)
    except (ConfigError, CorpusError, LabelledSetError) as exc:
        print(f"interviewer: {exc}", file=sys.stderr)
        return 2
    except SessionNotFound as exc:
        print(f"interviewer: {exc.args[0]}", file=sys.stderr)
        return 2
    except (SessionError, UnknownRound, EmbeddingModelMissing, ProviderError, StoreError) as exc:
        print(f"interviewer: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
