"""A non-editable install (Binder's postBuild: ``pip install --no-deps .``) carries everything the notebooks read;
``python -m sumkit.course release`` writes the students' copy (no solutions, no answers); and notebook 01 runs from
that copy, with the kit installed from its wheel into a fresh virtual environment, outside the checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sumkit import artifacts
from sumkit.course import build, release

from .test_notebooks import RESULTS, assert_nothing_answered, read_results


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """sumkit's wheel, built from a clean copy of the checkout (as the release builds it)."""
    return release.build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def released(wheel, tmp_path_factory) -> Path:
    """The students' copy of the course, written by the command an instructor runs."""
    out = tmp_path_factory.mktemp("release") / "class"
    proc = subprocess.run([sys.executable, "-m", "sumkit.course", "release", str(out), "--kit", str(wheel)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def test_the_wheel_ships_every_artifact_and_source(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "sumkit/solc/soljson.js" in names  # the compiler for sk.compile_source, after a plain pip install
    assert "sumkit/classroom/gateway.py" in names  # sk.Classroom's gateway, run as a process of its own
    shipped = {name.rsplit("/", 1)[-1] for name in names if "contracts_build/" in name}
    assert shipped == {f"{name}.json" for name in artifacts.load_all()}
    sources = {name.split("contracts_src/", 1)[1] for name in names if "/contracts_src/" in name}
    assert sources == {p.relative_to(artifacts.CONTRACTS).as_posix() for p in artifacts.CONTRACTS.rglob("*.sol")}
    assert not [name for name in names if name.startswith("notebooks/") or "/answers/" in name], "no answers"


def _fresh_venv(where: Path, wheel: Path) -> Path:
    """A new virtual environment with only sumkit installed in it, from ``wheel``, the way binder/postBuild installs
    it (no dependencies, no index: nothing is downloaded). Its dependencies are this test run's own (the ones
    binder/requirements.txt pins), reached through a .pth file that adds this interpreter's site-packages *after*
    the new environment's own: so ``import sumkit`` can only find the installed wheel, never the checkout."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True)
    python = where / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_release_holds_the_student_notebooks_and_the_kit_but_no_answers(released, wheel):
    files = sorted(p.relative_to(released).as_posix() for p in released.rglob("*") if p.is_file())
    students = build.student_notebooks()
    assert files == sorted([f"notebooks/{p.name}" for p in students] + [
        "README.md", "binder/overrides.json", "binder/postBuild", "binder/requirements.txt", "binder/runtime.txt",
        "package.json", "package-lock.json", f"kit/{wheel.name}"])
    for path in students:
        copy = nbformat.read(released / "notebooks" / path.name, as_version=4)
        assert build.problems(copy, path.name) == []  # every answer cell still holds `...`
        assert [c.source for c in copy.cells] == [c.source for c in nbformat.read(path, as_version=4).cells]
        for ex, cells in build.exercise_cells(copy).items():
            answer = build.read_answers(build.ANSWERS / f"{ex[:2]}.py")[ex]
            assert answer not in copy.cells[cells.answer].source, f"the answer of {ex} is in the release"
    readme = (released / "README.md").read_text()
    assert f"kit/{wheel.name}" in readme and all(p.name in readme for p in students)
    postbuild = (released / "binder" / "postBuild").read_text()
    assert f"pip install --no-deps kit/{wheel.name}" in postbuild and "npm ci" in postbuild
    assert (released / "binder" / "requirements.txt").read_text() == (artifacts.ROOT / "binder" / "requirements.txt").read_text()


def test_release_refuses_a_folder_in_use_and_loses_nothing(released, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(release.ReleaseError, match="not an empty folder"):
        release.release(tmp_path, kit=str(next((released / "kit").glob("*.whl"))))
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"] and (tmp_path / "mine.txt").read_text() == "keep me"


def test_notebook_01_runs_from_the_release_with_the_kit_installed_from_its_wheel(released, tmp_path, monkeypatch):
    (wheel,) = (released / "kit").glob("sumkit-*.whl")  # what the release's binder/postBuild installs
    python = _fresh_venv(tmp_path / "venv", wheel)
    # A kernel that runs the new environment's Python, and nothing that could point it at the checkout.
    kernels = tmp_path / "jupyter" / "kernels" / "sumkit-wheel"
    kernels.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (kernels / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "sumkit wheel", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    (path,) = [p for p in build.student_notebooks() if p.name.startswith("01_")]
    work = released / "notebooks"  # the students' copy, outside the checkout
    assert not work.resolve().is_relative_to(artifacts.ROOT)

    nb = nbformat.read(work / path.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sumkit; print('SUMKIT_FILE ' + sumkit.__file__)"))
    nb.cells.append(nbformat.v4.new_code_cell(RESULTS))
    NotebookClient(nb, timeout=300, kernel_name="sumkit-wheel", resources={"metadata": {"path": str(work)}}).execute()

    imported = "".join(o.get("text", "") for o in nb.cells[-2].outputs).split("SUMKIT_FILE ", 1)[1].strip()
    assert Path(imported).is_relative_to(tmp_path / "venv"), f"the kernel imported {imported}, not the wheel"
    assert not Path(imported).is_relative_to(artifacts.ROOT)
    assert_nothing_answered(path, read_results("".join(o.get("text", "") for o in nb.cells[-1].outputs)))
