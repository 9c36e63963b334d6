"""Far from home: the analysis package.

Each dataset moves through explicit stages (OWID etl style):
snapshot (fetch.py: raw upstream file + provenance) -> tidy (analysis/datasets/*: polars frames in the
DfE EES layout) -> validated (validate.py: Great Expectations suites from expectations/) ->
published (publish.py: data/tidy/*.csv, data dictionary, datapackage.json).
"""

__all__ = ["settings"]
