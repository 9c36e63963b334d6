"""The validation runner and the publish stage, on small frames built here."""

from __future__ import annotations

import json

import polars as pl
import pytest

from analysis.data import spreadsheet_safe
from analysis.datasets import Dataset
from analysis.errors import ValidationFailed
from analysis.publish import csv_bytes, publish
from analysis.validate import raise_for_failures, validate


def _suite(tmp_path, views):
    (tmp_path / "counts.json").write_text(json.dumps({"name": "counts", "views": views}))
    return tmp_path


def _frame():
    return pl.DataFrame(
        {
            "time_period": [2023, 2024],
            "measure": ["total", "total"],
            "value": [10, 12],
            "source_id": ["s", "s"],
        }
    )


def test_passing_suite_reports_every_expectation(tmp_path):
    suite_dir = _suite(
        tmp_path,
        {
            "tidy": [
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "value", "min_value": 0}}
            ]
        },
    )
    report = validate("counts", _frame(), expectations_dir=suite_dir)
    assert report.success
    assert report.as_dict()["expectations"] == 1


def test_failing_expectation_names_dataset_expectation_and_example_rows(tmp_path):
    suite_dir = _suite(
        tmp_path,
        {
            "tidy": [
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "value", "max_value": 11}}
            ]
        },
    )
    report = validate("counts", _frame(), key=["time_period", "measure"], expectations_dir=suite_dir)
    assert not report.success
    with pytest.raises(ValidationFailed) as caught:
        raise_for_failures(report)
    message = str(caught.value)
    assert "counts" in message and "expect_column_values_to_be_between" in message
    assert "2024" in message  # the offending row's key is shown


def test_expectation_on_a_missing_column_fails_instead_of_passing(tmp_path):
    suite_dir = _suite(
        tmp_path, {"tidy": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nope"}}]}
    )
    assert not validate("counts", _frame(), expectations_dir=suite_dir).success


def test_suite_naming_a_view_the_dataset_lacks_fails(tmp_path):
    suite_dir = _suite(tmp_path, {"tidy": [], "parts_vs_totals": []})
    report = validate("counts", _frame(), expectations_dir=suite_dir)
    assert not report.success
    assert "parts_vs_totals" in report.failures[0].summary


def test_missing_suite_is_an_error(tmp_path):
    with pytest.raises(ValidationFailed, match="no expectation suite"):
        validate("counts", _frame(), expectations_dir=tmp_path)


def test_spreadsheet_safe_neutralises_formulas_but_keeps_numbers():
    frame = pl.DataFrame(
        {"label": ['=HYPERLINK("http://x")', "+1+1 cells", "@SUM(A1)", "-460", "ok"], "n": [-1, 2, 3, 4, 5]}
    )
    safe = spreadsheet_safe(frame)
    assert safe["label"].to_list() == ['\'=HYPERLINK("http://x")', "'+1+1 cells", "'@SUM(A1)", "-460", "ok"]
    assert safe["n"].to_list() == [-1, 2, 3, 4, 5]


def test_csv_is_deterministic_and_writes_nulls_as_empty():
    frame = pl.DataFrame({"a": [1, None], "b": ["x", None]})
    assert csv_bytes(frame) == csv_bytes(frame.clone())
    assert csv_bytes(frame).decode() == "a,b\n1,x\n,\n"


def test_publish_writes_csv_dictionary_package_and_report(tmp_path):
    from analysis.validate import ValidationReport

    frame = _frame()
    dataset = Dataset(
        name="counts",
        title="Counts",
        description="d",
        sources=[],
        build=lambda sources: frame,
        key=["time_period", "measure"],
        columns={"time_period": "year", "measure": "what", "value": "how many", "source_id": "file"},
    )
    report = ValidationReport("counts", [], frame.height)
    written = publish({"counts": frame}, {"counts": dataset}, {"counts": report}, {}, tmp_path)
    assert (tmp_path / "tidy" / "counts.csv").read_text().startswith("time_period,measure,value,source_id\n")
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["resources"][0]["schema"]["primaryKey"] == ["time_period", "measure"]
    assert len(written) == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_publish_refuses_undocumented_columns_and_leaves_outputs_untouched(tmp_path):
    from analysis.validate import ValidationReport

    (tmp_path / "tidy").mkdir()
    last_good = tmp_path / "tidy" / "counts.csv"
    last_good.write_text("last good\n")
    dataset = Dataset(
        name="counts",
        title="t",
        description="d",
        sources=[],
        build=lambda s: _frame(),
        key=["time_period"],
        columns={"time_period": "year"},
    )
    with pytest.raises(ValueError, match="without a description"):
        publish(
            {"counts": _frame()},
            {"counts": dataset},
            {"counts": ValidationReport("counts", [], 2)},
            {},
            tmp_path,
        )
    assert last_good.read_text() == "last good\n"


def test_whole_number_floats_are_written_without_decimal_point():
    frame = pl.DataFrame({"value": [1810.0, 24.5, None, -3.0]})
    assert csv_bytes(frame).decode() == "value\n1810\n24.5\n\n-3\n"


def test_failure_is_reported_against_the_expectation_that_failed(tmp_path):
    # the second expectation raises (missing column); GX returns it first, the report must not swap them
    suite_dir = _suite(
        tmp_path,
        {
            "tidy": [
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "value"}},
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "missing_column"}},
            ]
        },
    )
    report = validate("counts", _frame(), expectations_dir=suite_dir)
    assert [o.kwargs["column"] for o in report.failures] == ["missing_column"]
