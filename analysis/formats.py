"""What a fetched file is, from its bytes: the fetch layer's content check.

`sniff(path)` describes the content (magic bytes and structure, never the name):

    empty file; HTML page; zip archive (PK\\x03\\x04); ODS workbook; XLSX workbook; parquet file (PAR1);
    JSON; text (UTF-8) / text (cp1252) / UTF-16 text; XML or other markup; PDF, gzip, OLE2 (legacy .xls),
    PNG; binary data (NUL or control bytes, or not decodable)

`check_kind(source, path, where)` decides the kind the file must be from its name's extension
(`EXTENSION_KINDS`), sniffs the bytes and raises `FetchError(source_id, file, check, detail)` when they
disagree or the structure is broken. The checks:

- `non-empty body`: the file has at least one byte.
- `not an HTML page`: no HTML page (an error or login page served with status 200), whatever the name says,
  even when its first line holds a comma; detail e.g. "HTML page, not CSV".
- `content is CSV`: text (UTF-8, with or without byte order mark; cp1252, as some Ofsted exports are;
  UTF-16 with a byte order mark, which the readers decode), no NUL or stray control bytes, not JSON or
  markup, and a first line with a comma.
- `content is text` (documentation: .txt, .md, .yaml): text as above, any first line.
- `content is JSON`: text that parses as JSON, with an object or an array at the top.
- `content is a zip archive`: a zip whose central directory opens, with at least one member and every
  member's CRC intact (ODS and XLSX workbooks are not accepted as a plain archive).
- `content is an ODS workbook`: a zip whose `mimetype` member is
  `application/vnd.oasis.opendocument.spreadsheet` and that holds `content.xml`.
- `content is an XLSX workbook`: a zip holding `xl/workbook.xml` and `[Content_Types].xml`.
- `content is parquet`: `PAR1` at both ends and a footer length that fits in the file.
- `content kind for file name`: the extension has no check here (add one before adding such a source).

A mismatch names both sides, e.g. check 'content is JSON', detail 'zip archive (PK\\x03\\x04), not JSON'.
This module only sniffs and checks; reading tables is the readers' work (analysis/sources/).
"""

from __future__ import annotations

import codecs
import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analysis.errors import FetchError
from analysis.manifest import Source

CHUNK_BYTES = 256 * 1024
HEAD_BYTES = 64 * 1024  # how much is looked at for HTML, markup and stray control bytes
MAX_CONTROL_SHARE = 0.01  # more C0 control bytes than this (tab, newlines, form feed aside) is binary
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

# kind -> (how an error names it, content kinds accepted for it)
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "csv": ("CSV", frozenset({"text"})),
    "text": ("text", frozenset({"text", "json", "markup"})),
    "json": ("JSON", frozenset({"json"})),
    "zip": ("a zip archive", frozenset({"zip"})),
    "ods": ("an ODS workbook", frozenset({"ods"})),
    "xlsx": ("an XLSX workbook", frozenset({"xlsx"})),
    "parquet": ("parquet", frozenset({"parquet"})),
}
EXTENSION_KINDS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "text",
    ".md": "text",
    ".yaml": "text",
    ".yml": "text",
    ".json": "json",
    ".hexjson": "json",
    ".geojson": "json",
    ".zip": "zip",
    ".ods": "ods",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
}
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "PDF document (%PDF)"),
    (b"\x1f\x8b", "gzip data (1f 8b)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 compound file (D0 CF 11 E0, e.g. a legacy .xls workbook)"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
]
_HTML_TAGS = ("<!doctype html", "<html", "<head", "<body", "<title", "<meta", "<script", "<div", "<table")
_ALLOWED_CONTROLS = frozenset(b"\t\n\r\x0c")
_CONTROLS = frozenset(range(0x20)) - _ALLOWED_CONTROLS


@dataclass(frozen=True)
class Content:
    """What the bytes are. `problem` is set when they claim a structure (zip, parquet) that is broken."""

    kind: str  # empty | html | json | text | markup | zip | ods | xlsx | parquet | binary
    label: str  # for people: "zip archive (PK\x03\x04)", "text (UTF-8)", "UTF-16 text", ...
    encoding: str | None = None  # text kinds: the codec that decodes the whole file
    problem: str = ""
    first_line: str = ""  # text kinds: the first line, decoded
    json_error: str = ""  # text that starts like JSON but does not parse: why


def expected_kind(file_name: str) -> str | None:
    """The kind a file must be, from its name's extension (None: no check is defined for it)."""
    return EXTENSION_KINDS.get(PurePosixPath(file_name).suffix.lower())


def sniff(path: Path) -> str:
    """A description of what the file at `path` is, from its bytes (see the module docstring)."""
    return inspect(path).label


def inspect(path: Path) -> Content:
    size = path.stat().st_size
    if size == 0:
        return Content("empty", "empty file")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _inspect_zip(path, head)
    if head.startswith(b"PAR1"):
        return _inspect_parquet(path, size)
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return Content("binary", label)
    return _inspect_text(path, head)


def check_kind(source: Source, path: Path, where: str = "", expected: str | None = None) -> Content:
    """Check that the bytes at `path` are what `source.file_name` (or `expected`) says; return what they are.

    Raises FetchError(source_id, file_name, check, detail), `where` (a URL or path) leading the detail.
    """
    prefix = f"{where}: " if where else ""
    kind = expected or expected_kind(source.file_name)

    def fail(check: str, detail: str) -> FetchError:
        return FetchError(source.source_id, source.file_name, check, prefix + detail)

    if kind not in KINDS:
        suffix = PurePosixPath(source.file_name).suffix or "(no extension)"
        raise fail(
            "content kind for file name",
            f"no content check is defined for {suffix!r} files (known: {', '.join(sorted(EXTENSION_KINDS))}); "
            "add one in analysis/formats.py before adding such a source",
        )
    name, accepted = KINDS[kind]
    content = inspect(path)
    check = f"content is {name}"
    if content.kind == "empty":
        raise fail("non-empty body", "the file is empty")
    if content.kind == "html":
        raise fail("not an HTML page", f"HTML page, not {name} (starts {content.first_line[:60]!r})")
    if content.kind not in accepted:
        if kind == "json" and content.json_error:
            raise fail(check, f"{content.label} that does not parse as JSON ({content.json_error}), not JSON")
        raise fail(check, f"{content.label}, not {name}")
    if content.problem:
        raise fail(check, f"{content.label}: {content.problem}")
    if kind == "csv" and "," not in content.first_line:
        raise fail(check, f"{content.label} whose first line has no comma: {content.first_line[:80]!r}")
    return content


# --- text -----------------------------------------------------------------------------------------


def _inspect_text(path: Path, head: bytes) -> Content:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if not _decodes(path, "utf-16"):
            return Content("binary", "binary data (a UTF-16 byte order mark, but not UTF-16 text)")
        return _classify_text(path, head, "utf-16", "UTF-16 text")
    if b"\x00" in head or _has_nul(path):
        return Content("binary", "binary data (contains NUL bytes)")
    controls = sum(1 for byte in head if byte in _CONTROLS)
    if controls > MAX_CONTROL_SHARE * len(head):
        return Content("binary", f"binary data ({controls:,} control bytes in the first {len(head):,})")
    for encoding, label in (("utf-8-sig", "text (UTF-8)"), ("cp1252", "text (cp1252)")):
        if _decodes(path, encoding):
            return _classify_text(path, head, encoding, label)
    return Content("binary", "binary data (decodes neither as UTF-8 nor as cp1252)")


def _has_nul(path: Path) -> bool:
    with path.open("rb") as handle:
        return any(b"\x00" in chunk for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""))


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _classify_text(path: Path, head: bytes, encoding: str, label: str) -> Content:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    start = text.lstrip().lower()
    if start.startswith("<"):
        if any(tag in start for tag in _HTML_TAGS):
            return Content("html", "HTML page", encoding, first_line=first_line)
        return Content("markup", "XML or other markup (starts with '<')", encoding, first_line=first_line)
    if "<!doctype html" in start or "<html" in start:
        return Content("html", "HTML page", encoding, first_line=first_line)
    if start.startswith(("{", "[")):
        try:
            json.loads(path.read_bytes().decode(encoding))
        except (UnicodeDecodeError, ValueError) as exc:
            return Content("text", label, encoding, first_line=first_line, json_error=str(exc))
        return Content("json", "JSON", encoding, first_line=first_line)
    return Content("text", label, encoding, first_line=first_line)


# --- zip containers -------------------------------------------------------------------------------


def _inspect_zip(path: Path, head: bytes) -> Content:
    magic = "PK\\x03\\x04" if head.startswith(b"PK\x03\x04") else "PK\\x05\\x06, an empty archive"
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype")[:200].decode("ascii", errors="replace").strip()
                if mimetype == ODS_MIMETYPE:
                    label = f"ODS workbook (zip, mimetype {ODS_MIMETYPE})"
                    problem = "" if "content.xml" in names else "no content.xml member"
                    return Content("ods", label, problem=problem or _bad_member(archive))
                return Content(
                    "zip", f"zip archive ({magic}, mimetype {mimetype})", problem=_bad_member(archive)
                )
            if "xl/workbook.xml" in names:
                problem = "" if "[Content_Types].xml" in names else "no [Content_Types].xml member"
                return Content(
                    "xlsx",
                    "XLSX workbook (zip with xl/workbook.xml)",
                    problem=problem or _bad_member(archive),
                )
            problem = "" if names else "the archive has no members"
            return Content("zip", f"zip archive ({magic})", problem=problem or _bad_member(archive))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        OSError,
        EOFError,
    ) as exc:
        return Content("zip", f"zip archive ({magic})", problem=f"does not open as a zip archive ({exc})")


def _bad_member(archive: zipfile.ZipFile) -> str:
    try:
        bad = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError) as exc:
        return f"a member does not decompress ({exc})"
    return f"member {bad!r} fails its CRC check" if bad else ""


# --- parquet --------------------------------------------------------------------------------------


def _inspect_parquet(path: Path, size: int) -> Content:
    label = "parquet file (PAR1)"
    if size < 12:
        return Content("parquet", label, problem=f"only {size} bytes: too short for a parquet file")
    with path.open("rb") as handle:
        handle.seek(size - 8)
        tail = handle.read(8)
    if tail[4:] != b"PAR1":
        return Content("parquet", label, problem="no PAR1 magic at the end (a truncated file?)")
    (footer,) = struct.unpack("<I", tail[:4])
    if footer == 0 or footer > size - 12:
        return Content("parquet", label, problem=f"footer length {footer:,} does not fit in {size:,} bytes")
    return Content("parquet", label)
