"""The validation stage: run each dataset's Great Expectations suite before anything is published.

Suites are data (expectations/<dataset>.json, format in docs/ARCHITECTURE.md): named views, each a list of
GX 1.x expectation configurations. The "tidy" view is the dataset itself; other views are derived frames
returned by the dataset's `views` function (parts vs totals, LA sums vs national, ...).

GX validates pandas frames, so polars frames are converted with .to_pandas() (pyarrow).
The saved report (data/validation/<dataset>.json) holds no timestamps or run ids, so re-running on
unchanged data writes a byte-identical file.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from analysis import settings
from analysis.errors import ValidationFailed

settings.quiet_third_party_libraries()

MAX_EXAMPLES = 5
# Columns that say where a row came from: failing examples carry them, so an error names the file and council.
TRACE_COLUMNS = [
    "source_id",
    "new_la_code",
    "la_name",
    "urn",
    "file_row",
    # aggregate views name the council that moved a sum and the files of that period
    "national",
    "council_sum",
    "largest_council",
    "largest_council_code",
    "largest_value",
    "largest_previous_value",
    "sources",
]


@dataclass
class ExpectationOutcome:
    view: str
    expectation: str
    kwargs: dict[str, Any]
    success: bool
    observed: Any = None
    summary: str = ""
    examples: list[Any] = field(default_factory=list)
    why: str = ""

    def as_dict(self) -> dict[str, Any]:
        record = {
            "expectation": self.expectation,
            "kwargs": self.kwargs,
            "success": self.success,
            "observed": self.observed,
        }
        if self.why:
            record["why"] = self.why
        if not self.success:
            record["summary"] = self.summary
            record["examples"] = self.examples
        return record


@dataclass
class ValidationReport:
    dataset: str
    outcomes: list[ExpectationOutcome]
    row_count: int
    # source_id -> file name, to name the files in failure messages (not written to the report)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def as_dict(self) -> dict[str, Any]:
        views: dict[str, list[dict]] = {}
        for outcome in self.outcomes:
            views.setdefault(outcome.view, []).append(outcome.as_dict())
        return {
            "dataset": self.dataset,
            "success": self.success,
            "row_count": self.row_count,
            "expectations": len(self.outcomes),
            "failed": len(self.failures),
            "views": views,
        }


def suite_path(dataset: str, expectations_dir: Path = settings.EXPECTATIONS_DIR) -> Path:
    return expectations_dir / f"{dataset}.json"


def load_suite(dataset: str, expectations_dir: Path = settings.EXPECTATIONS_DIR) -> dict[str, Any]:
    path = suite_path(dataset, expectations_dir)
    if not path.exists():
        raise ValidationFailed(
            dataset, [{"expectation": "suite exists", "summary": f"no expectation suite at {path}"}]
        )
    suite = json.loads(path.read_text(encoding="utf-8"))
    if (
        suite.get("name") != dataset
        or not isinstance(suite.get("views"), dict)
        or "tidy" not in suite["views"]
    ):
        raise ValidationFailed(
            dataset,
            [
                {
                    "expectation": "suite format",
                    "summary": f"{path} must have name={dataset!r} and a 'tidy' view",
                }
            ],
        )
    return suite


@lru_cache(maxsize=1)
def _context():
    # Imported lazily: GX is slow to import and only this stage needs it.
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context, context.data_sources.add_pandas("far_from_home")


def _json_safe(value: Any) -> Any:
    """Make GX result values (numpy scalars, NaN, tuples) JSON-serialisable and stable."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        try:
            value = value.item()
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return round(value, 6)
    if isinstance(value, (str, int, bool)) or value is None:
        return value
    return str(value)


def _set_difference(config: dict, observed: Any) -> str:
    """For set expectations: the values missing from the data and the unexpected ones, named."""
    kwargs = config.get("kwargs", {})
    expected = kwargs.get("value_set")
    if expected is None or not isinstance(observed, list | tuple | set):
        return ""
    expected_set = {_json_safe(v) for v in expected}
    observed_set = {_json_safe(v) for v in observed}
    parts = []
    missing = sorted(expected_set - observed_set, key=str)
    extra = sorted(observed_set - expected_set, key=str)
    if missing and config["type"] != "expect_column_values_to_be_in_set":
        parts.append(f"missing {missing[:20]}")
    if extra and config["type"] != "expect_column_distinct_values_to_contain_set":
        parts.append(f"unexpected {extra[:20]}")
    return "; ".join(parts)


def _run_view(dataset: str, view: str, frame: pl.DataFrame, configs: list[dict], key: list[str]):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context, datasource = _context()
    asset_name = f"{dataset}__{view}"
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(asset_name)
    batch_definition = asset.add_batch_definition_whole_dataframe(
        f"{asset_name}__{len(asset.batch_definitions)}"
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    suite = gx.ExpectationSuite(name=asset_name)
    for index, config in enumerate(configs):
        suite.add_expectation_configuration(
            ExpectationConfiguration(
                type=config["type"],
                kwargs=config.get("kwargs", {}),
                meta={**(config.get("meta") or {}), "ffh_index": index},
            )
        )
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES}
    index_columns = list(dict.fromkeys(c for c in [*key, *TRACE_COLUMNS] if c in frame.columns))
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    results = batch.validate(suite, result_format=result_format)

    # GX does not return results in suite order (an expectation that raised comes first) and rewrites
    # kwargs (adds batch_id, drops defaults): pair each result with its configuration by an index in meta.
    by_index = {}
    for result in results.results:
        index = (result.expectation_config.meta or {}).get("ffh_index")
        if index is None or index in by_index:
            raise RuntimeError(
                f"GX returned a result without a unique ffh_index in view {view!r} of {dataset!r}"
            )
        by_index[index] = result

    outcomes = []
    for index, config in enumerate(configs):
        result = by_index[index]
        info = result.exception_info or {}
        raw = result.result or {}
        if info.get("raised_exception"):
            summary = f"expectation raised: {(info.get('exception_message') or '').splitlines()[0][:300]}"
        elif raw.get("element_count") == 0 or (frame.height == 0 and "unexpected_count" in raw):
            summary = (
                "no rows to check: the data has no rows here (a file with no data rows, or a year dropped)"
            )
        elif isinstance(raw.get("observed_value"), list) and "value_set" in config.get("kwargs", {}):
            summary = _set_difference(config, raw.get("observed_value")) or "observed the expected set"
        elif "unexpected_count" in raw:
            values = raw.get("partial_unexpected_list") or []
            summary = f"{raw.get('unexpected_count')} of {raw.get('element_count')} values unexpected" + (
                f", e.g. {_json_safe(values[:MAX_EXAMPLES])}" if values else ""
            )
        else:
            difference = _set_difference(config, raw.get("observed_value"))
            summary = difference or f"observed {_json_safe(raw.get('observed_value'))!r}"
        examples = raw.get("partial_unexpected_index_list") or raw.get("partial_unexpected_list") or []
        outcomes.append(
            ExpectationOutcome(
                view=view,
                expectation=config["type"],
                kwargs=_json_safe(config.get("kwargs", {})),
                success=bool(result.success) and not info.get("raised_exception"),
                observed=_json_safe(raw.get("observed_value", raw.get("unexpected_count"))),
                summary=summary,
                examples=_json_safe(examples[:MAX_EXAMPLES]),
                why=(config.get("meta") or {}).get("why", ""),
            )
        )
    return outcomes


# --------------------------------------------------------------------------------------------------------------
# Parameters computed from the manifest at validation time
# --------------------------------------------------------------------------------------------------------------
#
# A suite states coverage by what the manifest holds, never by typed years or ids, so a new release needs no
# edit. A kwargs value may be a placeholder object, resolved here from the files the run fetched:
#
#   {"$years": [families], "first_release": 2023}   years the families' files cover (from the given release on)
#   {"$sfr_years": "measure"}                       years of the SFR files that publish the measure (sfr_columns.csv)
#   {"$revised_years": [families]}                  years held by more than one release of a family
#   {"$dates": [families]}                          the dates of the families' lists (after corrections)
#   {"$count": placeholder}                         how many values a list has
#   {"$product": [placeholder or number, ...]}      their product (e.g. years x categories x cells)
#   {"$union": [placeholder, ...]}                  the union of several year lists
#   {"$min": placeholder} / {"$max": placeholder}   the first / last of a year list
#   {"$sources": [families]}                        the source ids of the families' files
#   {"$releases": [families]}                       their release titles
#   {"$difference": [placeholder, placeholder]}     years in the first list and not the second
#   {"$spans": {"series": placeholder, ...}}        [[series, "first-last"], ...] for the years views
#   {"$span_series": {"series": placeholder, ...}}  the series whose year list is not empty
#   {"$pairs": {"label": placeholder, ...}}         [[year, label], ...] for every year of each list


class ParameterError(ValueError):
    """A placeholder in a suite cannot be resolved."""


def _family_files(source_files, families: list[str]) -> list:
    files = []
    for family in families:
        files.extend(source_files.files_of(family))
    return files


def _years_of(file) -> list[int]:
    source = file.source
    if source.reference_period.count("-") == 2 and "/" not in source.reference_period:
        return [source.as_at.year]
    if "/" in source.reference_period:
        return [source.period[1].year]
    return source.years


def resolve(value: Any, source_files) -> Any:
    """A kwargs value with its placeholders replaced by what the run's files cover."""
    if isinstance(value, list):
        return [resolve(v, source_files) for v in value]
    if not isinstance(value, dict):
        return value
    keys = [k for k in value if k.startswith("$")]
    if not keys:
        return {k: resolve(v, source_files) for k, v in value.items()}
    if len(keys) != 1:
        raise ParameterError(f"one placeholder per object: {value}")
    name = keys[0]
    arg = value[name]
    if source_files is None:
        raise ParameterError(f"placeholder {name} needs the run's source files")
    if name == "$years":
        first = value.get("first_release")
        files = [
            f
            for f in _family_files(source_files, arg)
            if first is None or f.source.release_rank >= int(first)
        ]
        return sorted({y for f in files for y in _years_of(f)})
    if name == "$sfr_years":
        return sorted(source_files.sfr_years(arg))
    if name == "$revised_years":
        revised = set()
        for family in arg:
            counts: dict[int, int] = {}
            for f in _family_files(source_files, [family]):
                for year in _years_of(f):
                    counts[year] = counts.get(year, 0) + 1
            revised.update(y for y, n in counts.items() if n > 1)
        return sorted(revised)
    if name == "$dates":
        return sorted({f.source.as_at.isoformat() for f in _family_files(source_files, arg)})
    if name == "$count":
        return len(resolve(arg, source_files))
    if name == "$product":
        result = 1
        for part in arg:
            result *= resolve(part, source_files)
        return result
    if name == "$union":
        return sorted({y for part in arg for y in resolve(part, source_files)})
    if name in ("$min", "$max"):
        years = resolve(arg, source_files)
        if not years:
            return None
        return min(years) if name == "$min" else max(years)
    if name == "$sources":
        return sorted(f.source_id for f in _family_files(source_files, arg))
    if name == "$releases":
        return sorted({f.release_title for f in _family_files(source_files, arg)})
    if name == "$difference":
        first, second = (resolve(part, source_files) for part in arg)
        return sorted(set(first) - set(second))
    if name == "$span_series":
        return sorted(series for series, spec in arg.items() if resolve(spec, source_files))
    if name == "$pairs":
        return [[year, label] for label, spec in arg.items() for year in resolve(spec, source_files)]
    if name == "$spans":
        pairs = []
        for series, years_spec in arg.items():
            years = resolve(years_spec, source_files)
            if years:
                pairs.append([series, f"{min(years)}-{max(years)}"])
        return pairs
    raise ParameterError(f"unknown placeholder {name}")


def validate(
    dataset,
    frame: pl.DataFrame,
    views: dict[str, pl.DataFrame] | None = None,
    *,
    expectations_dir: Path = settings.EXPECTATIONS_DIR,
    source_files=None,
) -> ValidationReport:
    """Run the dataset's suite over the tidy frame and its derived views, with the suite's placeholders
    resolved from the run's files. Never raises on a failed expectation (see raise_for_failures); raises
    ValidationFailed when the suite is missing or names a view the dataset does not provide."""
    name = dataset.name
    key = list(dataset.key)
    suite = load_suite(name, expectations_dir)
    frames = {"tidy": frame, **(views or {})}
    outcomes: list[ExpectationOutcome] = []
    for view, configs in suite["views"].items():
        if view not in frames:
            outcomes.append(
                ExpectationOutcome(
                    view=view,
                    expectation="view exists",
                    kwargs={},
                    success=False,
                    summary=f"the suite names view {view!r} but the dataset provides {sorted(frames)}",
                )
            )
            continue
        try:
            resolved = [{**c, "kwargs": resolve(c.get("kwargs", {}), source_files)} for c in configs]
        except ParameterError as error:
            raise ValidationFailed(
                name, [{"expectation": "suite parameters", "summary": str(error)}]
            ) from error
        outcomes.extend(_run_view(name, view, frames[view], resolved, key))
    report = ValidationReport(dataset=name, outcomes=outcomes, row_count=frame.height)
    report.files = _file_names(source_files)
    return report


def _file_names(source_files) -> dict[str, str]:
    if source_files is None:
        return {}
    return {sid: source_files.file_name(sid) for sid in source_files.ids()}


def _named_examples(examples: list[Any], files: dict[str, str]) -> list[Any]:
    """Failing example rows with the file each came from (source_id -> its file name)."""
    named = []
    for example in examples:
        if isinstance(example, dict):  # counts read back through pandas come as floats: show them as counts
            example = {
                k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in example.items()
            }
        if isinstance(example, dict) and example.get("source_id") in files:
            example = {**example, "file": files[example["source_id"]]}
        elif isinstance(example, dict) and isinstance(example.get("sources"), str):
            example = {
                **example,
                "files": ", ".join(files.get(s.strip(), s.strip()) for s in example["sources"].split(",")),
            }
        named.append(example)
    return named


def raise_for_failures(report: ValidationReport) -> None:
    if not report.success:
        files = getattr(report, "files", {}) or {}
        raise ValidationFailed(
            report.dataset,
            [
                {
                    "view": o.view,
                    "expectation": o.expectation,
                    "kwargs": o.kwargs,
                    "why": o.why,
                    "summary": o.summary,
                    "examples": _named_examples(o.examples, files),
                }
                for o in report.failures
            ],
            hint=(
                "  a value wrong as published (a council's or a home's): record a correction in "
                "data/reference/corrections.csv; a rule that no longer holds: change "
                f"expectations/{report.dataset}.json, with the reason"
            ),
        )


def report_json(report: ValidationReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
