"""Config as data: no source id, file name, release or year typed in analysis/ to choose sources.

Sources are chosen by family from data/sources.csv (analysis.datasets.SourceFiles). This check reads every
module's code (not docstrings or comments) and fails on a string that is a manifest source id or file name (or
looks like one), and on a year written as a number, unless its line says why it is a domain rule
(`# domain: ...`, e.g. the years in which two published counts do not add up)."""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

from analysis import settings

ANALYSIS = settings.PROJECT_ROOT / "analysis"
SOURCE_ID = re.compile(r"^(dfe|ofsted|geo)-[a-z0-9]+(-[a-z0-9]+)+$")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def literals(path: Path, ids: set[str], names: set[str]) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    skip = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or id(node) in skip:
            continue
        value = node.value
        where = f"{path.relative_to(settings.PROJECT_ROOT)}:{node.lineno}"
        if isinstance(value, str) and (value in ids or value in names or SOURCE_ID.match(value)):
            problems.append(f"{where}: source named in code: {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and 2000 <= value <= 2040:
            if "# domain:" not in lines[node.lineno - 1]:
                problems.append(
                    f"{where}: year {value} typed in code (say `# domain: why` if it is a domain rule)"
                )
    return problems


def manifest_names() -> tuple[set[str], set[str]]:
    with settings.SOURCES_MANIFEST.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {r["source_id"] for r in rows}, {r["file_name"] for r in rows}


def test_no_source_id_file_name_or_year_selects_sources_in_analysis():
    ids, names = manifest_names()
    problems = [p for path in sorted(ANALYSIS.rglob("*.py")) for p in literals(path, ids, names)]
    assert problems == []


def test_the_check_finds_a_typed_source_id_and_a_typed_year(tmp_path):
    module = settings.PROJECT_ROOT / "analysis" / "_literal_probe.py"
    try:
        module.write_text(
            'SOURCES = {2024: "dfe-cla-ees-2024-cla-number-and-rate-per-10k-children"}\nOK = 2015  # domain: parts add up from 2015\n'
        )
        ids, names = manifest_names()
        found = literals(module, ids, names)
    finally:
        module.unlink()
    assert len(found) == 2
    assert "year 2024" in found[0] or "year 2024" in found[1]
    assert any("source named in code" in p for p in found)
