from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from interviewer.cli import main
from interviewer.corpus import CorpusError, load_corpus

from conftest import TINY_CORPUS


def test_tiny_corpus_loads_with_rounds_from_files() -> None:
    corpus = load_corpus(TINY_CORPUS)
    assert not corpus.errors
    assert {q.round for q in corpus.questions} == {"ml-fundamentals", "non-technical"}
    assert corpus.by_id["fundamentals.label-imbalance"].point("metrics").weight == 3


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_unknown_round_is_reported_with_file_and_line(corpus_dir: Path) -> None:
    _replace(corpus_dir / "nontech.yaml", "round: non-technical", "round: cooking")
    corpus = load_corpus(corpus_dir)
    assert [str(p).split(": ")[0] for p in corpus.errors] == ["nontech.yaml:1"]
    assert "round" in corpus.errors[0].message
    assert all(q.round != "non-technical" for q in corpus.questions)


def test_follow_up_probing_unknown_point_is_an_error_and_skips_only_that_question(corpus_dir: Path) -> None:
    _replace(corpus_dir / "fundamentals.yaml", "probes: [calibration]", "probes: [calibrate]")
    corpus = load_corpus(corpus_dir)
    assert len(corpus.errors) == 1
    assert "unknown rubric point 'calibrate'" in corpus.errors[0].message
    assert corpus.errors[0].line == 4  # the question's first line
    assert "fundamentals.overfitting" in corpus.by_id
    assert "fundamentals.label-imbalance" not in corpus.by_id


def test_empty_reference_answer_points_at_its_line(corpus_dir: Path) -> None:
    path = corpus_dir / "fundamentals.yaml"
    text = path.read_text()
    start = text.index("    reference_answer: |\n      That is overfitting.")
    end = text.index("    rubric:", start)
    path.write_text(text[:start] + '    reference_answer: ""\n' + text[end:])
    corpus = load_corpus(corpus_dir)
    (problem,) = corpus.errors
    assert "reference_answer" in problem.message
    assert path.read_text().splitlines()[problem.line - 1].strip().startswith("reference_answer")


def test_duplicate_question_id_across_files_keeps_the_first(corpus_dir: Path) -> None:
    _replace(corpus_dir / "nontech.yaml", "id: nontech.conflicting-commitments", "id: fundamentals.overfitting")
    corpus = load_corpus(corpus_dir)
    assert any("duplicate question id 'fundamentals.overfitting'" in p.message for p in corpus.errors)
    assert corpus.by_id["fundamentals.overfitting"].round == "ml-fundamentals"


def test_broken_yaml_reports_line_and_keeps_other_files(corpus_dir: Path) -> None:
    (corpus_dir / "broken.yaml").write_text("round: advanced\nsource: x\nquestions:\n  - id: [unclosed\n")
    corpus = load_corpus(corpus_dir)
    (problem,) = corpus.errors
    assert problem.file == "broken.yaml" and "invalid YAML" in problem.message
    assert len(corpus.questions) == 3


def test_depth_gap_in_follow_up_chain_is_an_error(corpus_dir: Path) -> None:
    _replace(corpus_dir / "nontech.yaml", "        depth: 2\n", "        depth: 5\n")
    corpus = load_corpus(corpus_dir)
    assert any("no follow-up at depth" in p.message for p in corpus.errors)


def test_missing_corpus_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_corpus(tmp_path / "nope")


def test_corpus_check_prints_counts_and_fails_on_errors(corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", "check", "--dir", str(corpus_dir)]) == 0
    out = capsys.readouterr().out
    assert "ml-fundamentals          2 questions" in out
    _replace(corpus_dir / "nontech.yaml", "probes: [prioritize]\n", "probes: [budget]\n")
    assert main(["corpus", "check", "--dir", str(corpus_dir)]) == 1
    assert "nontech.yaml:4: error:" in capsys.readouterr().out


def test_a_common_word_as_key_term_is_flagged(corpus_dir: Path) -> None:
    _replace(corpus_dir / "fundamentals.yaml", "key_terms: [precision, recall, PR-AUC, F1]", "key_terms: [precision, the, PR-AUC]")
    corpus = load_corpus(corpus_dir)
    assert any("key term 'the' of 'metrics' is a common word" in p.message and p.severity == "warning" for p in corpus.problems)


def test_claim_checks_run_for_corpus_check_not_for_an_interview(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "c"
    shutil.copytree(TINY_CORPUS, corpus_dir)
    path = next(corpus_dir.glob("*.yaml"))
    text = path.read_text()
    claims = re.search(r"claims:\s*\n\s*- \[\[([^\]]+)\]", text)
    assert claims, "the tiny corpus has a claim to break"
    path.write_text(text.replace(claims.group(0), claims.group(0).replace(claims.group(1), "zyxwvut"), 1))
    unasserted = "not asserted by any sentence of the reference answer"
    assert not any(unasserted in p.message for p in load_corpus(corpus_dir).problems)
    checked = load_corpus(corpus_dir, judge_texts=True).problems
    assert any(unasserted in p.message and p.severity == "warning" for p in checked)


def test_corpus_check_warns_when_a_clarify_point_cannot_be_credited(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "c"
    shutil.copytree(TINY_CORPUS, corpus_dir)
    path = next(corpus_dir.glob("*.yaml"))
    text = path.read_text()
    assert "      - id: class-weights\n" in text
    path.write_text(text.replace("      - id: class-weights\n", "      - id: clarify-weights\n", 1).replace("[class-weights]", "[clarify-weights]"))
    problems = [p.message for p in load_corpus(corpus_dir, judge_texts=True).problems]
    assert any("'clarify-weights' is credited from clarifying questions, which need at least 3 scenario facts" in m for m in problems)


def test_the_parsed_corpus_is_cached_by_content_and_an_edit_or_a_broken_cache_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import interviewer.corpus as corpus_module

    corpus_dir, cache = tmp_path / "c", tmp_path / "cache"
    shutil.copytree(TINY_CORPUS, corpus_dir)
    first = load_corpus(corpus_dir, cache_dir=cache)
    assert len(list(cache.glob("corpus-*.pickle"))) == 1

    parsed: list[int] = []
    real = corpus_module._parse_files

    def counted(files: list[Path], judge_texts: bool) -> corpus_module.Corpus:
        parsed.append(1)
        return real(files, judge_texts)

    monkeypatch.setattr(corpus_module, "_parse_files", counted)
    assert load_corpus(corpus_dir, cache_dir=cache).questions == first.questions and not parsed  # from the cache

    path = next(corpus_dir.glob("*.yaml"))
    title = first.questions[0].title
    path.write_text(path.read_text().replace(f"title: {title}", "title: An edited title", 1))
    edited = load_corpus(corpus_dir, cache_dir=cache)
    assert parsed == [1] and edited.by_id[first.questions[0].id].title == "An edited title"
    assert len(list(cache.glob("corpus-*.pickle"))) == 1  # the stale cache was replaced, not kept beside

    next(cache.glob("corpus-*.pickle")).write_bytes(b"not a pickle")
    assert load_corpus(corpus_dir, cache_dir=cache).by_id[first.questions[0].id].title == "An edited title"
    assert parsed == [1, 1]
