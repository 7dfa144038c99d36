"""A non-editable install (Binder's postBuild: ``pip install --no-deps .``) carries everything the notebooks read,
and notebook 01 runs from it, in a fresh virtual environment, in a folder outside the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from sumkit import artifacts
from sumkit.course import build

from .test_notebooks import RESULTS, assert_nothing_answered, read_results


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """sumkit's wheel, built from a copy of the checkout without setuptools' build/ directory (files it kept from
    an earlier build, an artifact since deleted say, would end up in the wheel)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    ignore = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(artifacts.ROOT, source, ignore=ignore)
    shutil.copytree(artifacts.CONTRACTS / "build", source / "contracts" / "build")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp), str(source)],
                   check=True, capture_output=True)
    (path,) = tmp.glob("sumkit-*.whl")
    return path


def test_the_wheel_ships_every_artifact_and_source(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "sumkit/solc/soljson.js" in names  # the compiler for sk.compile_source, after a plain pip install
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


def test_notebook_01_runs_from_the_installed_wheel(wheel, tmp_path, monkeypatch):
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
    work = tmp_path / "class"  # a learner's folder, outside the checkout
    work.mkdir()
    shutil.copy(path, work / path.name)

    nb = nbformat.read(work / path.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sumkit; print('SUMKIT_FILE ' + sumkit.__file__)"))
    nb.cells.append(nbformat.v4.new_code_cell(RESULTS))
    NotebookClient(nb, timeout=300, kernel_name="sumkit-wheel", resources={"metadata": {"path": str(work)}}).execute()

    imported = "".join(o.get("text", "") for o in nb.cells[-2].outputs).split("SUMKIT_FILE ", 1)[1].strip()
    assert Path(imported).is_relative_to(tmp_path / "venv"), f"the kernel imported {imported}, not the wheel"
    assert not Path(imported).is_relative_to(artifacts.ROOT)
    assert_nothing_answered(path, read_results("".join(o.get("text", "") for o in nb.cells[-1].outputs)))
