"""Nothing published speaks of how it was built: pages, CSVs, JSON, citations and the changelog cite
publishers and documents only.

`build_machinery(text)` finds the words that give the build away: absolute local paths, the local archive of
source files and its notes, the project's working documents. `scan(root, suffixes)` applies it to every
published file under a folder (the built site, data/).
"""

from __future__ import annotations

import re
from pathlib import Path

DENY = [
    ("absolute local path", re.compile(r"(?<![\w/])/(?:work|tmp|home|root|Users|mnt|var/folders)/[\w.-]+")),
    ("local archive of the sources", re.compile(r"shared/upstream|\.\./shared\b")),
    ("working document", re.compile(r"DATA-MAP", re.IGNORECASE)),
    ("seed documents", re.compile(r"\bseeds?\b|\bseed_(?:file|line|documents)\b", re.IGNORECASE)),
    ("mirror", re.compile(r"\bmirror(?:s|ed)?\b|\bmirror_", re.IGNORECASE)),
    ("project's source notes", re.compile(r"project'?s source notes", re.IGNORECASE)),
]


def build_machinery(text: str) -> list[str]:
    """'<what>: <the text found>' for each deny-listed phrase in `text`."""
    found = []
    for what, pattern in DENY:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            found.append(f"{what}: …{text[start : match.end() + 40]}…".replace("\n", " "))
    return found


def scan(root: Path, suffixes: tuple[str, ...] = (".html", ".csv", ".json", ".xml", ".txt")) -> list[str]:
    """'<file>: <problem>' for every published file under `root` that speaks of the build machinery. The
    site's theme and vendored libraries (_static/ other than the data downloads and chart files) are not the
    project's words and are skipped."""
    root = Path(root)
    problems = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes):
        parts = path.relative_to(root).parts
        if parts[0] == "_static" and not (len(parts) > 1 and parts[1] in ("downloads", "charts")):
            continue
        if parts[0] in ("_sources", ".doctrees", "reports"):
            continue
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        problems += [f"{path.relative_to(root)}: {p}" for p in build_machinery(text)]
    return problems
