"""The book builds where there are no source files: a user's clone or a GitHub runner (issue: outside the lab).

The project's tracked files are copied into a fresh folder with no ../shared beside it; FFH_SOURCE_MIRROR
points at an empty folder. The strict build runs there with an audit hook in every Python process it starts
(Sphinx and each notebook kernel) that records each file opened for reading. The build must succeed, and no
file inside the copy outside data/, book/ and the analysis package may have been read, nor anything in the
empty archive folder or the raw cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import settings

pytestmark = pytest.mark.slow

HOOK = """
import os, sys
_log = os.environ.get("FFH_TEST_READ_LOG")
if _log:
    def _audit(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            mode = args[1] if len(args) > 1 else "r"
            if isinstance(mode, str) and ("w" in mode or "a" in mode or "x" in mode):
                return
            if isinstance(mode, int) and mode & (os.O_WRONLY | os.O_RDWR):
                return
            path = os.fsdecode(args[0])
            if os.path.isdir(path) or (not os.path.isabs(path) and not os.path.exists(path)):
                # a folder opened to walk or remove it (rmtree opens them relative to a folder's descriptor, so
                # the name does not exist from here): no file's content is read
                return
            try:
                with open(_log, "a", encoding="utf-8") as handle:
                    handle.write(os.path.abspath(path) + "\\n")
            except OSError:
                pass
    sys.addaudithook(_audit)
"""


def _tracked_files(root: Path) -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name]


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    work = tmp_path_factory.mktemp("fresh")
    clone = work / "main"  # nothing beside it: no ../shared
    for name in _tracked_files(settings.PROJECT_ROOT):
        source = settings.PROJECT_ROOT / name
        if source.is_file():
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    hook_dir = work / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    empty = work / "empty-archive"
    empty.mkdir()
    log = work / "reads.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FFH_") or key in ("FFH_CHROMIUM",)
    }
    env.update(
        FFH_SOURCE_MIRROR=str(empty),
        FFH_TEST_READ_LOG=str(log),
        FFH_CACHE_DIR=str(work / "no-cache"),
        PYTHONPATH=os.pathsep.join([str(hook_dir), str(clone)]),
    )
    result = subprocess.run(
        [sys.executable, "-m", "analysis.site", "build"], cwd=clone, env=env, capture_output=True, text=True
    )
    reads = sorted(set(log.read_text(encoding="utf-8").splitlines())) if log.exists() else []
    return {"clone": clone, "empty": empty, "result": result, "reads": reads, "work": work}


def test_the_book_builds_from_a_clone_with_no_source_files(clean_build):
    result = clean_build["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (clean_build["clone"] / "book" / "_build" / "html" / "index.html").is_file()


def test_the_build_reads_nothing_outside_data_book_and_the_code(clean_build):
    clone = clean_build["clone"]
    allowed = [clone / "data", clone / "book", clone / "analysis"]
    reads = clean_build["reads"]
    assert reads, "the audit hook recorded nothing: it did not run"
    inside = [Path(p) for p in reads if Path(p).is_relative_to(clone)]
    outside_allowed = [str(p) for p in inside if not any(p.is_relative_to(a) for a in allowed)]
    # git metadata and the package's own metadata are not content the book shows
    outside_allowed = [p for p in outside_allowed if not p.endswith(("pyproject.toml", "requirements.lock"))]
    assert outside_allowed == [], outside_allowed
    archive = [p for p in reads if Path(p).is_relative_to(clean_build["empty"]) or "/shared/" in p]
    assert archive == []
    assert [p for p in reads if "/.cache/raw/" in p or "/no-cache/" in p] == []
