"""The validation runner and the publish stage, on small frames built here."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from mirror_sources import MANIFEST

from analysis.csv_writer import spreadsheet_safe
from analysis.datasets import Dataset, SourceFiles
from analysis.errors import ValidationFailed
from analysis.publish import csv_bytes, publish
from analysis.validate import ValidationReport, raise_for_failures, resolve, validate


def _suite(tmp_path, views):
    (tmp_path / "counts.json").write_text(json.dumps({"name": "counts", "views": views}))
    return tmp_path


def _dataset(key=("time_period", "measure"), columns=None) -> Dataset:
    return Dataset(
        name="counts",
        title="Counts",
        description="d",
        families=[],
        build=lambda sources: _frame(),
        key=list(key),
        columns=columns
        or {"time_period": "year", "measure": "what", "value": "how many", "source_id": "file"},
    )


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
    report = validate(_dataset(), _frame(), expectations_dir=suite_dir)
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
    report = validate(_dataset(), _frame(), expectations_dir=suite_dir)
    assert not report.success
    with pytest.raises(ValidationFailed) as caught:
        raise_for_failures(report)
    message = str(caught.value)
    assert "counts" in message and "expect_column_values_to_be_between" in message
    assert "2024" in message  # the offending row's key is shown
    # and where to act: a correction for a value wrong as published, the suite for a rule that changed
    assert message.splitlines()[-1] == (
        "  a value wrong as published (a council's or a home's): record a correction in "
        "data/reference/corrections.csv; a rule that no longer holds: change expectations/counts.json, with "
        "the reason"
    )


def test_expectation_on_a_missing_column_fails_instead_of_passing(tmp_path):
    suite_dir = _suite(
        tmp_path, {"tidy": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nope"}}]}
    )
    assert not validate(_dataset(), _frame(), expectations_dir=suite_dir).success


def test_suite_naming_a_view_the_dataset_lacks_fails(tmp_path):
    suite_dir = _suite(tmp_path, {"tidy": [], "parts_vs_totals": []})
    report = validate(_dataset(), _frame(), expectations_dir=suite_dir)
    assert not report.success
    assert "parts_vs_totals" in report.failures[0].summary


def test_missing_suite_is_an_error(tmp_path):
    with pytest.raises(ValidationFailed, match="no expectation suite"):
        validate(_dataset(), _frame(), expectations_dir=tmp_path)


def test_spreadsheet_safe_neutralises_formulas_but_keeps_numbers():
    frame = pl.DataFrame(
        {"label": ['=HYPERLINK("http://x")', "+1+1 cells", "@SUM(A1)", "-460", "ok"], "n": [-1, 2, 3, 4, 5]}
    )
    safe = spreadsheet_safe(frame)
    assert safe["label"].to_list() == ['\'=HYPERLINK("http://x")', "'+1+1 cells", "'@SUM(A1)", "-460", "ok"]
    assert safe["n"].to_list() == [-1, 2, 3, 4, 5]


def test_csv_is_deterministic_starts_with_a_bom_and_writes_nulls_as_empty():
    frame = pl.DataFrame({"a": [1, None], "b": ["x", None]})
    assert csv_bytes(frame) == csv_bytes(frame.clone())
    assert csv_bytes(frame) == b"\xef\xbb\xbfa,b\n1,x\n,\n"  # UTF-8 byte order mark, as EES files have


def test_publish_writes_csv_dictionary_package_and_report(tmp_path):
    frame = _frame()
    report = ValidationReport("counts", [], frame.height)
    written = publish({"counts": frame}, {"counts": _dataset()}, {"counts": report}, {}, tmp_path)
    published = (tmp_path / "tidy" / "counts.csv").read_text(encoding="utf-8")
    assert published.startswith("\ufefftime_period,measure,value,source_id\n")
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["resources"][0]["schema"]["primaryKey"] == ["time_period", "measure"]
    assert len(written) == 4
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_publish_refuses_undocumented_columns_and_leaves_outputs_untouched(tmp_path):
    (tmp_path / "tidy").mkdir()
    last_good = tmp_path / "tidy" / "counts.csv"
    last_good.write_text("last good\n")
    dataset = _dataset(key=["time_period"], columns={"time_period": "year"})
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
    assert csv_bytes(frame).decode("utf-8-sig") == "value\n1810\n24.5\n\n-3\n"


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
    report = validate(_dataset(), _frame(), expectations_dir=suite_dir)
    assert [o.kwargs["column"] for o in report.failures] == ["missing_column"]


def test_publish_names_neutralised_formula_cells_with_their_file(tmp_path):
    source_id = "dfe-cla-sfr-2012-sfr20-cla2012"
    frame = _frame().with_columns(
        pl.Series("source_id", [source_id, source_id]), pl.Series("measure", ["total", "=1+1"])
    )
    report = ValidationReport("counts", [], frame.height)
    publish({"counts": frame}, {"counts": _dataset()}, {"counts": report}, MANIFEST, tmp_path)
    published = (tmp_path / "tidy" / "counts.csv").read_text(encoding="utf-8-sig")
    assert published.splitlines()[2] == f"2024,'=1+1,12,{source_id}"
    validation = json.loads((tmp_path / "validation" / "counts.json").read_text(encoding="utf-8"))
    assert validation["neutralised_text"] == [
        {"column": "measure", "value": "=1+1", "source_id": source_id, "file": "SFR20_CLA2012.csv"}
    ]


# --- suite parameters computed from the manifest (validate.resolve) ---------------------------------------------


def _files(*source_ids: str) -> SourceFiles:
    """Manifest rows as fetched files (resolve reads only what the manifest says of them)."""
    return SourceFiles({s: MANIFEST[s] for s in source_ids}, {s: Path("/nowhere") / s for s in source_ids})


EES_NETGAIN = [
    f"dfe-cla-ees-{release}-la-cla-on-31-march-la-of-placement-net{'-' if release == '2022' else ''}gain"
    for release in ("2022", "2023", "2024")
]


def test_placeholders_resolve_from_the_files_the_run_read():
    family = "ees:la_cla_on_31_march_la_of_placement_netgain"
    files = _files(*EES_NETGAIN, "ofsted-providers-places-2024-08-31", "ofsted-providers-places-2023-08-31")
    # reference periods in data/sources.csv: 2018-2022, 2019-2023, 2020-2024
    assert resolve({"$years": [family]}, files) == list(range(2018, 2025))
    assert resolve({"$years": [family], "first_release": 2024}, files) == list(range(2020, 2025))
    assert resolve({"$revised_years": [family]}, files) == [2019, 2020, 2021, 2022, 2023]
    assert resolve({"$min": {"$years": [family]}}, files) == 2018
    assert resolve({"$count": {"$years": [family]}}, files) == 7
    assert resolve({"$sources": [family]}, files) == sorted(EES_NETGAIN)
    # the list labelled 31 August 2024 is dated 31 March 2024 (data/reference/corrections.csv)
    assert resolve({"$dates": ["ofsted:providers_places"]}, files) == ["2023-08-31", "2024-03-31"]
    # nested in kwargs, lists and plain values pass through
    assert (
        resolve({"column": "time_period", "value_set": {"$years": [family]}}, files)["value_set"][-1] == 2024
    )
    # a release added to the manifest moves the parameters with no edit to the suite
    assert resolve({"$years": [family]}, _files(*EES_NETGAIN[:2])) == list(range(2018, 2024))


def test_a_suite_placeholder_needs_the_runs_files(tmp_path):
    suite_dir = _suite(
        tmp_path,
        {
            "tidy": [
                {
                    "type": "expect_column_values_to_be_in_set",
                    "kwargs": {
                        "column": "time_period",
                        "value_set": {"$years": ["ees:la_cla_on_31_march_la_of_placement_netgain"]},
                    },
                }
            ]
        },
    )
    with pytest.raises(ValidationFailed, match="needs the run's source files"):
        validate(_dataset(), _frame(), expectations_dir=suite_dir)
    # the frame's 2023 and 2024 are among the years the 2024 release covers; 2025 is not
    assert validate(
        _dataset(), _frame(), expectations_dir=suite_dir, source_files=_files(EES_NETGAIN[2])
    ).success
    later = _frame().with_columns(pl.Series("time_period", [2024, 2025]))
    assert not validate(
        _dataset(), later, expectations_dir=suite_dir, source_files=_files(EES_NETGAIN[2])
    ).success
