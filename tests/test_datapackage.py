"""The data package passes the reference validator data users run: `frictionless validate` (the Frictionless
Data reference implementation, a client nobody on this project wrote). It checks the package's structure,
each resource's declared schema, types and primary key against the CSV rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from analysis import settings

PACKAGE = settings.DATA_DIR / "datapackage.json"


def _frictionless() -> list[str]:
    return [str(Path(sys.executable).with_name("frictionless"))]


def test_frictionless_validates_the_published_package_with_no_error_or_warning(tmp_path):
    result = subprocess.run(
        [*_frictionless(), "validate", "--json", str(PACKAGE)], capture_output=True, text=True, timeout=900
    )
    report = json.loads(result.stdout)
    errors = [e for task in report.get("tasks", []) for e in task.get("errors", [])] + report.get(
        "errors", []
    )
    warnings = [w for task in report.get("tasks", []) for w in task.get("warnings", [])] + report.get(
        "warnings", []
    )
    assert result.returncode == 0, (errors[:5], result.stderr[-2000:])
    assert report["valid"] is True
    assert errors == [] and warnings == []
    resources = json.loads(PACKAGE.read_text(encoding="utf-8"))["resources"]
    assert len(report["tasks"]) == len(resources)
    assert all(task["valid"] for task in report["tasks"])


def test_the_validator_refuses_a_package_without_resource_profiles(tmp_path):
    package = json.loads(PACKAGE.read_text(encoding="utf-8"))
    small = next(r for r in package["resources"] if r["name"] == "ownership_concentration")
    broken = {**package, "resources": [{k: v for k, v in small.items() if k != "profile"}]}
    (tmp_path / "tidy").mkdir()
    source = settings.DATA_DIR / small["path"]
    (tmp_path / small["path"]).write_bytes(source.read_bytes())
    (tmp_path / "datapackage.json").write_text(json.dumps(broken), encoding="utf-8")
    result = subprocess.run(
        [*_frictionless(), "validate", "--json", str(tmp_path / "datapackage.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "tabular-data-resource" in result.stdout


def test_the_package_names_its_homepage_only_when_the_site_has_an_address():
    package = json.loads(PACKAGE.read_text(encoding="utf-8"))
    assert package.get("homepage", None) != ""
    assert all(r.get("profile") == "tabular-data-resource" for r in package["resources"])
