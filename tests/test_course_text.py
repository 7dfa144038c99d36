"""What the course's prose promises, checked without running a notebook (about 2 s of test time in all): every
link into a notebook names one of its headings; notebooks 01-09 link notebook 00's glossary where they first use its
terms; each first cell states the time ``python -m benchmarks.course`` measured (the run committed in
benchmarks/course.json); notebook 08's criteria table shows its evidence in full."""

from __future__ import annotations

import ast
import functools
import html
import json
import re
from pathlib import Path

import mistune
import nbformat
import pandas as pd
import pytest

from benchmarks.course import words
from sumkit.course import build, nb08

STUDENT = build.student_notebooks()
SOLUTIONS = sorted(build.SOLUTIONS.glob("*.ipynb"))
PRIMER = next(p for p in STUDENT if p.name.startswith("00_"))
LINKING = [p for p in STUDENT if "01" <= p.name[:2] <= "09"]  # the notebooks that link the primer's glossary
MEASURED = Path(__file__).resolve().parents[1] / "benchmarks" / "course.json"

LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(([^)\s]+)\)")  # [text](target); the text may hold [x] once
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_markdown = mistune.create_markdown()


def heading_ids(nb) -> set[str]:
    """The anchors JupyterLab gives the headings of ``nb``'s markdown cells: the heading's rendered text (markup
    removed, entities decoded), spaces replaced by hyphens (``createHeaderId`` in @jupyterlab/rendermime)."""
    ids = set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in re.sub(r"```.*?```", "", cell.source, flags=re.S).splitlines():
            if m := HEADING.match(line):
                text = html.unescape(re.sub(r"<[^>]+>", "", _markdown("# " + m.group(1)))).strip()
                ids.add(text.replace(" ", "-"))
    return ids


@functools.lru_cache
def anchors_of(path: Path) -> set[str]:
    """:func:`heading_ids` of the notebook at ``path``, read once."""
    return heading_ids(nbformat.read(path, as_version=4))


def links(nb) -> list[tuple[int, str, str]]:
    """(cell index, link text, target) of every markdown link in ``nb``."""
    return [(i, m.group(1), m.group(2)) for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
            for m in LINK.finditer(cell.source)]


@pytest.mark.parametrize("path", STUDENT + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_link_to_a_notebook_names_one_of_its_headings(path):
    nb = nbformat.read(path, as_version=4)
    broken = []
    for cell, text, target in links(nb):
        name, _, anchor = target.partition("#")
        if re.match(r"[a-z]+:", name) or not (name.endswith(".ipynb") or (not name and anchor)):
            continue  # a web address, or a link to a file that is not a notebook
        linked = (path.parent / name).resolve() if name else path
        if not linked.exists():
            broken.append(f"cell {cell}: [{text}]({target}): no notebook {linked.name} next to {path.name}")
        elif anchor and anchor not in anchors_of(linked):
            broken.append(f"cell {cell}: [{text}]({target}): {linked.name} has no heading with the anchor #{anchor}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("path", STUDENT + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_link_to_a_file_of_the_kit_finds_it(path):
    # notebooks/solutions/ is one folder deeper than notebooks/: course.build rewrites its relative links
    nb = nbformat.read(path, as_version=4)
    missing = [f"cell {cell}: [{text}]({target})" for cell, text, target in links(nb)
               if not re.match(r"[a-z]+:|#", target) and not (path.parent / target.partition("#")[0]).exists()]
    assert not missing, f"{path.name} links files that are not there:\n" + "\n".join(missing)


def test_the_glossary_defines_the_terms_the_notebooks_link():
    anchors = anchors_of(PRIMER.resolve())
    assert "Glossary" in anchors
    linked = {target.partition("#")[2] for path in LINKING for _, _, target in links(nbformat.read(path, as_version=4))
              if target.startswith(PRIMER.name + "#")}
    assert len(linked) >= 25, f"notebooks 01-09 link only {sorted(linked)}"
    assert linked <= anchors  # the test above says which link is broken


@pytest.mark.parametrize("path", LINKING, ids=lambda p: p.name)
def test_notebooks_link_the_glossary_in_their_first_cell_and_in_their_text(path):
    nb = nbformat.read(path, as_version=4)
    to_primer = [(cell, target) for cell, _, target in links(nb) if target.startswith(PRIMER.name + "#")]
    assert any(cell == 0 and target == f"{PRIMER.name}#Glossary" for cell, target in to_primer), \
        "the first cell links the glossary"
    inline = [target for cell, target in to_primer if cell > 0]
    assert inline, "the notebook's text links at least one glossary term where it uses it"


# Terms whose every mention means the glossary's sense, so their first mention in a notebook's text (after its first
# cell, outside headings and code) must be a link to their glossary entry. Common words (account, block, call, view,
# ...) are linked by hand where they first mean the term, which no pattern can tell.
UNAMBIGUOUS = {
    "ABI": r"\bABIs?\b", "Base-fee": r"(?i)\bbase fees?\b", "Checks-effects-interactions":
    r"(?i)\bchecks[- ]effects[- ]interactions\b", "Custom-error": r"(?i)\bcustom errors?\b",
    "EIP-7825": r"\bEIP-7825\b", "EVM": r"\bEVM\b", "Gas-limit": r"(?i)\bgas limits?\b", "Nonce": r"(?i)\bnonces?\b",
    "Private-key": r"(?i)\bprivate keys?\b", "Reentrancy": r"(?i)\breentrancy\b", "Solidity": r"\bSolidity\b",
    "Wei": r"\bwei\b", "msg.sender": r"\bmsg\.sender\b", "tx.origin": r"\btx\.origin\b",
}


def _skipped(source: str) -> list[tuple[int, int]]:
    """Spans of ``source`` a term's mention in is not prose: headings, fenced code, inline code other than the term
    alone, link targets and HTML tags."""
    spans = [m.span() for m in re.finditer(r"```.*?```|^#[^\n]*|\]\([^)\s]*\)|<[^>]+>", source, flags=re.S | re.M)]
    return spans + [m.span() for m in re.finditer(r"`[^`\n]+`", source)]


@pytest.mark.parametrize("path", LINKING, ids=lambda p: p.name)
def test_the_first_mention_of_a_glossary_term_links_it(path):
    nb = nbformat.read(path, as_version=4)
    unlinked = []
    for anchor, pattern in UNAMBIGUOUS.items():
        for i, cell in enumerate(nb.cells[1:], start=1):
            if cell.cell_type != "markdown":
                continue
            skip = _skipped(cell.source)
            spans = [(m.start(1), m.end(1), m.group(2)) for m in LINK.finditer(cell.source)]
            for m in re.finditer(pattern, cell.source):
                code = [s for s in skip if s[0] <= m.start() < s[1]]
                if code and cell.source[code[0][0]:code[0][1]].strip("`") != m.group():
                    continue
                if not any(a <= m.start() < b and target == f"{PRIMER.name}#{anchor}" for a, b, target in spans):
                    line = cell.source[:m.start()].count("\n")
                    unlinked.append(f"{m.group()!r} (cell {i}: {cell.source.splitlines()[line].strip()[:90]!r})")
                break
            else:
                continue
            break
    assert not unlinked, f"link the first mention to {PRIMER.name}#<term>: " + "; ".join(unlinked)


# -- each first cell states what benchmarks.course measured ----------------------------------------------------------

TIME = re.compile(r"\*\*Time:\*\* about (?P<total>[\d.]+(?:-[\d.]+)?) (?P<unit>min|h) \(reading ~(?P<reading>\d+) min, "
                  r"the (?:four |three |two )?exercises ~(?P<exercises>\d+(?:-\d+)?) min, running the cells "
                  r"(?P<run>~(?P<run_n>\d+) (?P<run_unit>s|min))\)")


def stated_run(row: dict) -> str:
    """How a first cell states the run time of a measured ``row`` of benchmarks/course.json: the kernel CPU time of
    the slower of the student and solved runs (what one free core needs; wall time on a shared machine is an upper
    bound that says more about the neighbours), to 5 s (at least 5 s), or to the minute from 90 s on."""
    cpu = max(row["run_student_cpu_s"], row["run_solution_cpu_s"] or 0)
    return f"~{max(5, 5 * round(cpu / 5))} s" if cpu < 90 else f"~{round(cpu / 60)} min"


def test_the_committed_measurement_covers_every_notebook():
    measured = {row["notebook"] for row in json.loads(MEASURED.read_text())}
    assert measured == {p.name for p in STUDENT}, "run python -m benchmarks.course --json benchmarks/course.json"


@pytest.mark.parametrize("path", STUDENT, ids=lambda p: p.name)
def test_the_first_cell_states_the_measured_time(path):
    nb = nbformat.read(path, as_version=4)
    row = {r["notebook"]: r for r in json.loads(MEASURED.read_text())}[path.name]
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    m = TIME.search(first.source)
    assert m, "the first cell says **Time:** about T min (reading ~R min, the exercises ~E min, running the cells ~S s)"
    reading = int(m["reading"])
    assert abs(reading - words(nb) / 120) <= 1, \
        f"reading ~{reading} min stated, the markdown now has {words(nb)} words: ~{words(nb) / 120:.0f} min at 120/min"
    assert m["run"] == stated_run(row), f"running the cells {m['run']} stated, {stated_run(row)} measured"
    run = int(m["run_n"]) * (60 if m["run_unit"] == "min" else 1)
    low, _, high = m["exercises"].partition("-")
    total = [float(t) * (60 if m["unit"] == "h" else 1) for t in m["total"].split("-")]
    expected = (reading + int(low) + run / 60, reading + int(high or low) + run / 60)
    assert total[0] - 5 <= expected[0] and expected[-1] <= total[-1] + 5, \
        f"about {m['total']} {m['unit']} stated; reading + exercises + running make {expected[0]:.0f}-{expected[1]:.0f} min"


# -- notebook 08's criteria table --------------------------------------------------------------------------------------

def shown(code: str, namespace: dict) -> list[str]:
    """Run ``code`` as a notebook cell does and return what it shows: everything passed to ``display`` and the value
    of a final expression, each as its HTML (decoded) and its plain text, rendered when shown (as Jupyter does)."""
    views: list[str] = []

    def display(value):
        html_view = getattr(value, "_repr_html_", lambda: None)()
        views.extend([html.unescape(html_view or ""), repr(value)])

    body = ast.parse(code).body
    last = body.pop() if body and isinstance(body[-1], ast.Expr) else None
    namespace = {**namespace, "display": display}
    exec(compile(ast.Module(body, type_ignores=[]), "<cell>", "exec"), namespace)
    if last is not None and (value := eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)) is not None:
        display(value)
    return views


def test_notebook_08_shows_the_criteria_evidence_in_full():
    """Run the lines of notebook 08 that show the naive deployment's criteria on an outcome whose evidence is longer
    than pandas' default column width (50 characters), and read what the learner would see."""
    path = next(p for p in STUDENT if p.name.startswith("08_"))
    cell = next(c.source for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and "naive_trial.criteria" in c.source)
    assigned = next(node for node in ast.parse(cell).body if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "naive_trial" for t in node.targets))
    shows = "\n".join(cell.splitlines()[assigned.end_lineno:])  # what follows the (slow) trial: the display
    evidence = {"accuracy kept": "test accuracy 0.699 -> 0.338 (at most 0.05 below the start)",
                "honest ahead": "honest balances honest_a -12.5%, honest_b +3.1%, together -412 units "
                                "(must gain together)",
                "attackers behind": "attackers flipper +0.4%, spammer -61.0% (must lose)",
                "gas per contribution": "mean addData gas 95,210 over 214 contributions (budget 150,000)"}
    assert min(map(len, evidence.values())) > pd.get_option("display.max_colwidth")  # pandas' default would cut them
    outcome = nb08.CapstoneOutcome(result=None, gas_per_add=95_210.0,
                                   criteria={name: (i % 2 == 0, text) for i, (name, text) in enumerate(evidence.items())})
    views = shown(shows, {"pd": pd, "naive_trial": outcome})
    for name, text in evidence.items():
        showing = [view for view in views if name in view]
        assert showing, f"the cell does not show the criterion {name!r}"
        for view in showing:
            assert text in view, f"{name}: the evidence is cut: {view[view.index(name):][:200]!r}"
