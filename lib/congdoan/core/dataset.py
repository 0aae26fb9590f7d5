"""The dataset: registry, dated hierarchy, enterprise registry and reports, as DataFrames.

A :class:`Dataset` is what the indicator engine reads. It comes from a folder of CSV files
(``congdoan demo`` writes one) or, through :mod:`congdoan.core.store`, from the database. The files:

``meta.json``        organisation_id, organisation_name, seed, scale
``communes.csv``     commune_id, name
``upper_unions.csv`` upper_id, name, kind (district_federation | commune_union | industry_union),
                     direct (1 when directly above CĐCS), valid_from, valid_to (empty = open)
``areas.csv``        commune_id, upper_id, valid_from, valid_to: the territory an upper union
                     covers (used for enterprises without a CĐCS)
``units.csv``        unit_id, name, sector (HCSN | DNNN | NNN), commune_id, founded, dissolved,
                     enterprise_id (empty for HCSN), budget_funded (1: an agency or unit fully
                     funded by the state budget, which pays no member dues from 1/6/2025; the
                     column may be left out: 0 for every unit)
``links.csv``        unit_id, parent_id, valid_from, valid_to: dated parent links of each CĐCS
``enterprises.csv``  enterprise_id, name, commune_id, ownership (DNNN | NNN), workers, opened,
                     closed, unit_id (its CĐCS, empty when it has none)
``reports.csv``      unit_id, period (YYYY-H1 | YYYY-H2), submitted_on, then one column per data
                     element of ``params/data_elements.yaml``
``upper_records.csv`` upper_id, year, rating, audited, nonunion_workers_reached
``activities.csv``   unit_id, period, programme, events, participants, support_vnd
``openings.csv``     unit_id, as_of, members, workers: opening balances, the stocks of a CĐCS on
                     the day it enters the data (``congdoan units import``); optional (no file =
                     no opening balances)
``upper_links.csv`` upper_id, parent_id, valid_from, valid_to: dated parent links of upper
                     unions under another upper union (same rules as ``links.csv``); optional (no
                     file, or no row in force = directly under the organisation)

Dates are ISO (YYYY-MM-DD); ``valid_to`` and ``dissolved`` are the last day in force.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from congdoan.core import checks
from congdoan.core.plan import DataElements, load_elements
from congdoan.exceptions import DataError, Location

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "upper_unions": ("valid_from", "valid_to"),
    "areas": ("valid_from", "valid_to"),
    "units": ("founded", "dissolved"),
    "links": ("valid_from", "valid_to"),
    "enterprises": ("opened", "closed"),
    "reports": ("submitted_on",),
    "upper_records": (),
    "activities": (),
    "communes": (),
    "openings": ("as_of",),
    "upper_links": ("valid_from", "valid_to"),
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "communes": ("commune_id", "name"),
    "upper_unions": ("upper_id", "name", "kind", "direct", "valid_from", "valid_to"),
    "areas": ("commune_id", "upper_id", "valid_from", "valid_to"),
    "units": ("unit_id", "name", "sector", "commune_id", "founded", "dissolved", "enterprise_id",
              "budget_funded"),
    "links": ("unit_id", "parent_id", "valid_from", "valid_to"),
    "enterprises": ("enterprise_id", "name", "commune_id", "ownership", "workers", "opened",
                    "closed", "unit_id"),
    "reports": ("unit_id", "period", "submitted_on"),  # + one column per data element
    "upper_records": ("upper_id", "year", "rating", "audited", "nonunion_workers_reached"),
    "activities": ("unit_id", "period", "programme", "events", "participants", "support_vnd"),
    "openings": ("unit_id", "as_of", "members", "workers"),
    "upper_links": ("upper_id", "parent_id", "valid_from", "valid_to"),
}
"""Required columns of each table (reports also carry every data element)."""

TABLES = tuple(COLUMNS)

OPTIONAL_TABLES = ("openings", "upper_links")
"""Tables a data folder may leave out (read as empty)."""

OPTIONAL_COLUMNS: dict[str, dict[str, Any]] = {"units": {"budget_funded": 0}}
"""Columns a data folder's table may leave out, with the value they are read as."""

ID_COLUMNS = ("unit_id", "upper_id", "parent_id", "commune_id", "enterprise_id", "period",
              "name", "sector", "kind", "ownership", "programme", "rating", "cba_grade")


def report_columns() -> tuple[str, ...]:
    """All columns of the reports table, in order."""
    return COLUMNS["reports"] + tuple(e.name for e in load_elements().elements)


@dataclass
class Dataset:
    """All tables the engine needs, with dates parsed to ``datetime64``."""

    communes: pd.DataFrame
    upper_unions: pd.DataFrame
    areas: pd.DataFrame
    units: pd.DataFrame
    links: pd.DataFrame
    enterprises: pd.DataFrame
    reports: pd.DataFrame
    upper_records: pd.DataFrame
    activities: pd.DataFrame
    openings: pd.DataFrame = field(default_factory=lambda: empty_table("openings"))
    """Opening balances (stocks before a CĐCS's first report), see :mod:`congdoan.core.openings`."""
    upper_links: pd.DataFrame = field(default_factory=lambda: empty_table("upper_links"))
    """Dated parents of nested upper unions (:func:`congdoan.core.registry.upper_chains`)."""
    meta: dict[str, Any] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    """Derived results (e.g. baseline values) memoised for this dataset; do not mutate tables
    after computing from them, or clear this."""

    @property
    def organisation_id(self) -> str:
        """Identifier of the whole area (the 'organisation' level)."""
        return str(self.meta.get("organisation_id", "organisation"))

    @property
    def organisation_name(self) -> str:
        """Vietnamese name of the whole area."""
        return str(self.meta.get("organisation_name", "Toàn địa bàn"))

    def memo(self, key: tuple[object, ...], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``make()`` memoised in :attr:`cache` under ``key``.

        The key includes the identity of the tables, so replacing a table (``ds.reports = …``)
        is never served a stale result; change tables by replacing them, not in place.
        """
        tables = tuple(self.table(name) for name in TABLES)
        full = (*key, *(id(t) for t in tables))
        if full not in self.cache:
            # the tables are kept with the result so that their ids cannot be reused meanwhile
            self.cache[full] = (tables, make())
        frame: pd.DataFrame = self.cache[full][1]
        return frame

    def table(self, name: str) -> pd.DataFrame:
        """Return table ``name``."""
        frame: pd.DataFrame = getattr(self, name)
        return frame


def report_problems(dataset: Dataset) -> pd.DataFrame:
    """Every rule the dataset's reports break (:func:`congdoan.core.checks.report_problems`).

    Computed once per dataset. The engine leaves these reports out of the figures.
    """
    return dataset.memo(("report_problems",),
                        lambda: checks.report_problems(dataset.reports, dataset.units))


def engine_reports(dataset: Dataset, elements: DataElements | None = None) -> pd.DataFrame:
    """The reports as the indicator engine reads them, computed once per dataset.

    One row per (unit, sub-period) — the last one —, with unit_id, period and every data element,
    numeric elements as numbers. Reports that break a rule (:func:`report_problems`) are left
    out, as if they had not come: the same checks as intake, whatever the data's way in.
    """
    elements = elements or load_elements()
    names = [e.name for e in elements.elements]

    def make() -> pd.DataFrame:
        reports = dataset.reports[["unit_id", "period", *names]].drop_duplicates(
            ["unit_id", "period"], keep="last")
        broken = report_problems(dataset)
        refused = pd.MultiIndex.from_frame(broken[["unit_id", "period"]].astype(str))
        keys = pd.MultiIndex.from_arrays([reports["unit_id"].astype(str),
                                          reports["period"].astype(str)])
        reports = reports[~keys.isin(refused)].copy()
        for element in elements.elements:
            if element.kind != "category":
                reports[element.name] = pd.to_numeric(reports[element.name], errors="coerce")
        return reports

    return dataset.memo(("engine_reports", tuple(names)), make)


def empty_table(name: str) -> pd.DataFrame:
    """Table ``name`` with its columns and no rows (dates typed as dates)."""
    frame = pd.DataFrame({col: pd.Series(dtype="object") for col in COLUMNS[name]})
    for col in DATE_COLUMNS[name]:
        frame[col] = pd.to_datetime(frame[col])
    return frame


def with_optional_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with the :data:`OPTIONAL_COLUMNS` of table ``name`` present and blanks filled."""
    for col, value in OPTIONAL_COLUMNS.get(name, {}).items():
        frame[col] = (pd.to_numeric(frame[col], errors="coerce").fillna(value).astype("int64")
                      if col in frame.columns else value)
    return frame


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.csv"
    if not path.exists() and name in OPTIONAL_TABLES:
        return empty_table(name)
    if not path.exists():
        raise DataError("Thiếu tệp dữ liệu.", "Missing data file.", location=Location(file=str(path)))
    dtypes = {c: "string" for c in ID_COLUMNS}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=True, encoding="utf-8")
    frame = with_optional_columns(frame, name)
    required = report_columns() if name == "reports" else COLUMNS[name]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            "Tệp dữ liệu thiếu cột.", "Data file lacks columns.",
            location=Location(file=str(path)), value=missing, expected=", ".join(required),
        )
    for col in DATE_COLUMNS[name]:
        try:
            frame[col] = pd.to_datetime(frame[col], format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise DataError(
                f"Ngày không đúng dạng YYYY-MM-DD: {exc}", f"Bad date: {exc}",
                location=Location(file=str(path), field=col),
            ) from exc
    return frame


def read_dataset(folder: Path, *, strict: bool = False) -> Dataset:
    """Read every table from ``folder`` (as written by :func:`write_dataset`).

    Its reports pass the same rules as intake (:mod:`congdoan.core.checks`): with ``strict``
    a report that breaks one is a DataError naming the file, row, field and value; otherwise
    such reports are left out of the figures and listed by :func:`report_problems`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            "Không tìm thấy thư mục dữ liệu. Chạy 'congdoan demo' để tạo dữ liệu mẫu.",
            "Data folder not found. Run 'congdoan demo' to build the demo district.",
            location=Location(file=str(folder)),
        )
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    tables = {name: _read_table(folder, name) for name in TABLES}
    dataset = Dataset(meta=meta, **tables)  # type: ignore[arg-type]
    broken = report_problems(dataset)
    if strict and len(broken):
        first = broken.iloc[0]
        raise DataError(
            f"{first['message_vi']} ({len(broken)} lỗi trong tệp báo cáo.)",
            f"{first['message_en']} ({len(broken)} problems in the reports file.)",
            location=Location(file=str(folder / "reports.csv"), row=int(first["row"]),
                              field=str(first["field"])),
            value=first["value"], expected=str(first["expected"]))
    return dataset


def write_dataset(dataset: Dataset, folder: Path) -> None:
    """Write every table as UTF-8 CSV (dates ISO, stable order) so re-runs are byte-identical."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(
        json.dumps(dataset.meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    for name in TABLES:
        frame = dataset.table(name).copy()
        for col in DATE_COLUMNS[name]:
            frame[col] = pd.to_datetime(frame[col]).dt.strftime("%Y-%m-%d")
        frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\n")
