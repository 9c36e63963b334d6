"""Errors that name what failed: the source, the file and the check.

A refresh that raises one of these writes nothing: outputs are only replaced after every dataset
has been built and validated (pipeline.py).
"""

from __future__ import annotations


class FarFromHomeError(Exception):
    """Base class: every pipeline failure the user should read."""


class SourceError(FarFromHomeError):
    """An upstream file could not be fetched or read, or is not what it should be."""

    def __init__(self, source_id: str, file: str, check: str, detail: str):
        self.source_id = source_id
        self.file = file
        self.check = check
        self.detail = detail
        super().__init__(f"source {source_id!r}, file {file!r}: check {check!r} failed: {detail}")


class FetchError(SourceError):
    """Fetching failed (HTTP status, timeout, size or content check, checksum)."""


class ParseError(SourceError):
    """The file was fetched but its content is not laid out as the parser expects."""


class GeographyError(FarFromHomeError):
    """An area name or code could not be mapped (a new spelling, an unknown code)."""


class ValidationFailed(FarFromHomeError):
    """A Great Expectations suite failed for a dataset."""

    def __init__(self, dataset: str, failures: list[dict], hint: str = ""):
        self.dataset = dataset
        self.failures = failures
        lines = [f"dataset {dataset!r}: {len(failures)} expectation(s) failed"]
        for failure in failures[:10]:
            kwargs = {k: v for k, v in (failure.get("kwargs") or {}).items() if k != "value_set"}
            lines.append(
                f"  - [{failure.get('view', 'tidy')}] {failure['expectation']} {kwargs}: {failure.get('summary', '')}"
            )
            if failure.get("why"):
                lines.append(f"      why: {failure['why']}")
            for example in failure.get("examples", [])[:5]:
                lines.append(f"      e.g. {example}")
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))
