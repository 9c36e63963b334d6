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
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from analysis import settings
from analysis.errors import ValidationFailed

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

MAX_EXAMPLES = 5


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
    index_columns = [c for c in key if c in frame.columns]
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
        elif "unexpected_count" in raw:
            summary = f"{raw.get('unexpected_count')} of {raw.get('element_count')} values unexpected"
        else:
            summary = f"observed {raw.get('observed_value')!r}"
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


def validate(
    dataset: str,
    frame: pl.DataFrame,
    views: dict[str, pl.DataFrame] | None = None,
    key: list[str] | None = None,
    expectations_dir: Path = settings.EXPECTATIONS_DIR,
) -> ValidationReport:
    """Run the dataset's suite over the tidy frame and its derived views. Never raises on a failed
    expectation (see raise_for_failures); raises ValidationFailed when the suite is missing or names a
    view the dataset does not provide."""
    suite = load_suite(dataset, expectations_dir)
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
        outcomes.extend(_run_view(dataset, view, frames[view], configs, key or []))
    return ValidationReport(dataset=dataset, outcomes=outcomes, row_count=frame.height)


def raise_for_failures(report: ValidationReport) -> None:
    if not report.success:
        raise ValidationFailed(
            report.dataset,
            [
                {
                    "view": o.view,
                    "expectation": o.expectation,
                    "kwargs": o.kwargs,
                    "summary": o.summary,
                    "examples": o.examples,
                }
                for o in report.failures
            ],
        )


def report_json(report: ValidationReport) -> str:
    return json.dumps(report.as_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
