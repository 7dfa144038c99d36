"""The students' copy of the course: the student notebooks and the kit, without the solutions.

    python -m sumkit.course release DIR              # the kit: a wheel built from this checkout, in DIR/kit/
    python -m sumkit.course release DIR --kit FILE.whl
    python -m sumkit.course release DIR --kit "sumkit @ git+https://github.com/you/sumkit@v1"

``DIR`` (new or empty) gets::

    README.md                  for students: what is here, how to start, where the kit comes from
    notebooks/NN_*.ipynb       the student notebooks, outputs cleared (never notebooks/solutions/ or its answers)
    binder/                    Binder's build: the pinned requirements, runtime.txt, a postBuild that installs the kit
    package.json, package-lock.json   the pinned npm packages (the local node of notebook 07), for `npm ci`
    kit/sumkit-*.whl           the kit itself, unless --kit names a pip requirement

Push ``DIR`` to a repository of its own and it is a Binder repository; on a JupyterHub, install the kit from
``kit/`` in the user image and hand out ``notebooks/`` (see the instructor guide, "Running the course").
Needs a checkout of sumkit (the notebooks and binder/ are not part of an installed wheel).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from ..solc.artifacts import ROOT
from . import build

# What a clean copy of the checkout leaves out before building the wheel (setuptools' build/ directory would
# otherwise add files kept from an earlier build).
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "test-artifacts")


class ReleaseError(ValueError):
    """The release cannot be written (the message says why); nothing was written."""


def build_wheel(out: Path) -> Path:
    """sumkit's wheel, built from a clean copy of this checkout into the folder ``out``; returns its path."""
    if not (ROOT / "pyproject.toml").is_file():
        raise ReleaseError(f"no sumkit checkout at {ROOT}: pass --kit (a wheel file or a pip requirement)")
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sumkit"
        shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
        shutil.copytree(ROOT / "contracts" / "build", source / "contracts" / "build")
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
                              capture_output=True, text=True)
    if proc.returncode != 0:
        raise ReleaseError(f"building the wheel failed:\n{proc.stderr.strip()[-2000:]}")
    wheels = sorted(out.glob("sumkit-*.whl"))
    if len(wheels) != 1:
        raise ReleaseError(f"expected one sumkit wheel in {out}, found {[w.name for w in wheels]}")
    return wheels[0]


def _student_notebooks() -> list[tuple[Path, nbformat.NotebookNode]]:
    """Every student notebook, outputs cleared; ReleaseError if one holds an answer or breaks the conventions."""
    paths = build.student_notebooks()
    if not paths:
        raise ReleaseError(f"no notebooks in {build.NOTEBOOKS}: release needs a sumkit checkout")
    notebooks, errors = [], []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        errors += build.problems(nb, path.name)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        notebooks.append((path, nb))
    if errors:
        raise ReleaseError("the student notebooks are not ready to hand out:\n" + "\n".join(errors))
    return notebooks


def _title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return re.sub(r"^\d\d\s*·\s*", "", line[2:].strip())  # "07 · To a real network"
    return ""


def _postbuild(install: str) -> str:
    return f"""#!/usr/bin/env bash
# Binder: the dependencies come pinned from requirements.txt; install the kit itself without them.
set -e
pip install --no-deps {install}
# The pinned npm packages: the local development node of notebook 07 (Anvil, a native binary inside an npm
# package), fetched at build time, never at run time.
npm ci
# JupyterLab settings for every session (overrides.json): do not ask learners whether to fetch Jupyter's news.
settings="$(python -c 'from jupyterlab.commands import get_app_dir; print(get_app_dir())')/settings"
mkdir -p "$settings"
cp binder/overrides.json "$settings/overrides.json"
"""


def _readme(notebooks: list[tuple[Path, nbformat.NotebookNode]], kit: str, install: str) -> str:
    rows = "\n".join(f"| [`{path.name}`](notebooks/{path.name}) | {_title(nb)} |" for path, nb in notebooks)
    return f"""# Sharing Updatable Models on Blockchain: the course notebooks

These notebooks teach Sharing Updatable Models (SUM): a machine-learning model in a smart contract that anyone
can use for free and improve by sending data with a deposit. They run on **sumkit**, the course's kit, which
runs the real Solidity contracts on an Ethereum chain inside Python. The kit used here: {kit}.

| notebook | |
|---|---|
{rows}

Each notebook starts from a fresh chain, so they run in any order. Exercises are the **Your turn** cells: write
your answer where the `...` is, then run the check cell below it (`sk.course.hint("NN.K")` gives a hint).
Leave the check cells as they are.

## Starting

- **Binder** (if your instructor gave you a link): nothing to install. A session keeps nothing: download
  your notebooks (File > Download) before you leave.
- **Your own machine** (Python >= 3.10; Node.js >= 18 for notebook 07's local node):

  ```bash
  python3 -m venv .venv && .venv/bin/pip install -r binder/requirements.txt && .venv/bin/pip install --no-deps {install} && npm ci && .venv/bin/jupyter lab notebooks/
  ```
"""


def release(out: Path, kit: str | None = None) -> list[Path]:
    """Write the students' copy of the course to the folder ``out`` (new or empty); returns the files written.

    ``kit`` is a sumkit wheel file or a pip requirement for the kit (a git URL of your fork, say); ``None`` builds
    the wheel from this checkout.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} exists and is not an empty folder: release into a new folder")
    notebooks = _student_notebooks()
    binder = ROOT / "binder"
    needed = [binder / "requirements.txt", binder / "runtime.txt", binder / "overrides.json",
              ROOT / "package.json", ROOT / "package-lock.json"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise ReleaseError(f"release needs a sumkit checkout; missing: {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        if kit is None or kit.endswith(".whl"):
            wheel = build_wheel(Path(tmp)) if kit is None else Path(kit)
            if not wheel.is_file():
                raise ReleaseError(f"no wheel at {wheel}")
            install, described = f"kit/{wheel.name}", f"the wheel `kit/{wheel.name}`"
        else:
            wheel, install, described = None, f'"{kit}"', f"`{kit}`"
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        (out / "binder").mkdir()
        written = []
        for path, nb in notebooks:
            nbformat.write(nb, out / "notebooks" / path.name)
            written.append(out / "notebooks" / path.name)
        for source in needed:
            target = out / ("binder" if source.parent == binder else "") / source.name
            shutil.copyfile(source, target)
            written.append(target)
        postbuild = out / "binder" / "postBuild"
        postbuild.write_text(_postbuild(install))
        postbuild.chmod(0o755)
        (out / "README.md").write_text(_readme(notebooks, described, install))
        written += [postbuild, out / "README.md"]
        if wheel is not None:
            (out / "kit").mkdir()
            written.append(Path(shutil.copyfile(wheel, out / "kit" / wheel.name)))
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sumkit.course release", description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="a new or empty folder")
    parser.add_argument("--kit", help="a sumkit wheel file, or a pip requirement for the kit (default: build the "
                                      "wheel from this checkout)")
    args = parser.parse_args(argv)
    try:
        written = release(args.dir, args.kit)
    except ReleaseError as e:
        print(f"release: {e}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files to {args.dir}/ (student notebooks, README.md, binder/, the kit; no solutions)")
    return 0
