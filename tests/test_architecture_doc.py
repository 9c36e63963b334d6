"""docs/ARCHITECTURE.md lists every module and script (issue 10: a reader finds each file's job there)."""

from __future__ import annotations

from analysis import settings

ROOT = settings.PROJECT_ROOT


def test_every_module_and_script_is_named_in_the_architecture_page():
    page = (ROOT / "docs" / "ARCHITECTURE.md").read_text("utf-8")
    files = [
        *sorted((ROOT / "analysis").rglob("*.py")),
        *sorted(p for p in (ROOT / "scripts").iterdir() if p.is_file()),
    ]
    assert len(files) > 40
    unnamed = []
    for path in files:
        relative = path.relative_to(ROOT)
        if (
            relative.parts[0] == "analysis"
            and path.name == "__init__.py"
            and relative.parent.name != "datasets"
        ):
            continue  # package markers
        # a dataset module is named by its dataset in the list of datasets; others by their file name
        in_datasets = relative.parts[:2] == ("analysis", "datasets") and path.name != "__init__.py"
        name = path.stem if in_datasets else path.name
        if f"`{name}" not in page and f"/{name}`" not in page:
            unnamed.append(relative.as_posix())
    assert not unnamed, f"not in docs/ARCHITECTURE.md: {unnamed}"
