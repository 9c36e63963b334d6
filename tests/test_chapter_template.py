"""book/chapter-template.md is a real chapter in miniature: it runs in plain Jupyter (jupytext + nbclient, no
book build), draws its chart as an image, glues its numbers from a published dataset and writes nothing into
book/_build."""

from __future__ import annotations

import os

import polars as pl
import pytest

from analysis import data, settings

PAGE = settings.BOOK_DIR / "chapter-template.md"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run():
    import jupytext
    from nbclient import NotebookClient

    build_dir = settings.BOOK_DIR / "_build"
    before = sorted(str(p) for p in build_dir.rglob("*")) if build_dir.exists() else []
    notebook = jupytext.read(PAGE)
    env = {k: v for k, v in os.environ.items() if k not in ("FFH_BOOK_BUILD", "FFH_CHART_STORE")}
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(PAGE.parent)}}
    ).execute(env=env)
    after = sorted(str(p) for p in build_dir.rglob("*")) if build_dir.exists() else []
    return notebook, before, after


def _outputs(notebook):
    for cell in notebook.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def test_the_template_draws_its_chart_as_an_image_and_writes_nothing(run):
    notebook, before, after = run
    images = [o for o in _outputs(notebook) if "image/svg+xml" in o.get("data", {})]
    assert len(images) == 1 and images[0]["data"]["image/svg+xml"].lstrip().startswith("<svg")
    assert not [o for o in _outputs(notebook) if o.output_type in ("error", "stream")]
    assert after == before


def test_the_template_glues_the_published_latest_count(run):
    notebook = run[0]
    trend = data.load("placements_national_trend").filter(pl.col("measure") == "children_looked_after")
    latest = trend.sort("time_period").row(-1, named=True)
    glued = {
        o["metadata"]["scrapbook"]["name"]: o["data"]
        for o in _outputs(notebook)
        if o.get("metadata", {}).get("scrapbook")
    }
    assert "n_latest" in glued
    shown = next(v for k, v in glued["n_latest"].items() if k.endswith("text/plain"))
    assert f"{latest['value']:,}" in shown
