"""Data quality: reporting completeness and timeliness, CĐCS without a report, outliers, intake.

Pure functions over a :class:`~congdoan.core.dataset.Dataset` (no files), except the intake readers at
the end, which read the intake's store folder when the intake modules (:mod:`congdoan.intake.ingest`)
are installed, and return empty tables otherwise.

* :func:`report_status` — one row per expected (CĐCS, half-year sub-period): on time, late or
  missing. A CĐCS is expected when active at the sub-period's cut-off; a report is on time when
  ``submitted_on`` ≤ :func:`congdoan.core.periods.due_date`.
* :func:`completeness_by_commune` — expected, received, on time, late, missing and shares per
  sub-period and commune, plus an organisation row per sub-period.
* :func:`missing_reports` — the CĐCS that have not reported for a period.
* :func:`outliers` — reported values far from the unit's own history (modified z-score).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from congdoan.core.completeness import expected_reports
from congdoan.core.dataset import Dataset
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_elements
from congdoan.exceptions import DataError, Location

STATUS_COLUMNS = ("unit_id", "unit_name", "sector", "commune_id", "parent_id", "bodies", "period",
                  "due_date", "submitted_on", "days_late", "status")
"""Columns of :func:`report_status`; status is on_time, late or missing; ``bodies`` the upper
unions the report counts for (its parent and those above it then, a tuple)."""

COMPLETENESS_COLUMNS = ("period", "level", "commune_id", "commune_name", "expected", "received",
                        "on_time", "late", "missing", "received_share", "on_time_share",
                        "median_days_late")
"""Columns of :func:`completeness_by_commune` (shares are fractions of ``expected``)."""

MODIFIED_Z = 0.6745
"""Scale of the modified z-score (Iglewicz and Hoaglin): 0.6745 (x − median) / MAD."""

MEAN_AD = 1.253314
"""When MAD is 0, the mean absolute deviation × this replaces MAD × 1/0.6745 (IBM's rule)."""


def _sub_periods(dataset: Dataset, periods: Sequence[str] | None) -> list[str]:
    if periods is None:
        return sorted(dataset.reports["period"].dropna().unique())
    out: list[str] = []
    for period in periods:
        out.extend(parse_period(period).sub_periods)
    return list(dict.fromkeys(out))


def report_status(dataset: Dataset, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Every expected (CĐCS, sub-period) with its status: on_time, late or missing.

    Args:
        dataset: registry and reports.
        periods: analysis periods (a year means both halves); default every sub-period
            present in the reports.

    """
    attributes = dataset.units[["unit_id", "name", "sector", "commune_id"]].rename(
        columns={"name": "unit_name"})
    parts = [expected_reports(dataset, sub_id).merge(attributes, on="unit_id", how="left")
             for sub_id in _sub_periods(dataset, periods)]
    if not parts:
        return pd.DataFrame(columns=list(STATUS_COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    submitted = pd.to_datetime(out["submitted_on"])
    late_by = (submitted - out["due_date"]).dt.days
    out["days_late"] = late_by.clip(lower=0).where(submitted.notna())
    out["status"] = np.select([submitted.isna(), late_by > 0], ["missing", "late"],
                              default="on_time")
    return out[list(STATUS_COLUMNS)]


def completeness_by_commune(dataset: Dataset, periods: Sequence[str] | None = None,
                            status: pd.DataFrame | None = None) -> pd.DataFrame:
    """Expected, received and on-time reports per sub-period and commune, and the organisation.

    ``status`` is :func:`report_status` when the caller has it already.
    """
    status = report_status(dataset, periods) if status is None else status
    names = dict(zip(dataset.communes["commune_id"], dataset.communes["name"], strict=True))
    district = status.assign(commune_id=dataset.organisation_id)
    parts = []
    for level, frame in (("commune", status), ("organisation", district)):
        grouped = frame.groupby(["period", "commune_id"], sort=True)
        summary = pd.DataFrame({
            "expected": grouped.size(),
            "received": grouped["status"].agg(lambda s: int((s != "missing").sum())),
            "on_time": grouped["status"].agg(lambda s: int((s == "on_time").sum())),
            "late": grouped["status"].agg(lambda s: int((s == "late").sum())),
            "median_days_late": grouped["days_late"].agg(
                lambda s: float(s[s > 0].median()) if (s > 0).any() else 0.0),
        }).reset_index()
        summary["level"] = level
        parts.append(summary)
    out = pd.concat(parts, ignore_index=True)
    out["missing"] = out["expected"] - out["received"]
    out["received_share"] = out["received"] / out["expected"]
    out["on_time_share"] = out["on_time"] / out["expected"]
    out["commune_name"] = [names.get(c, dataset.organisation_name) for c in out["commune_id"]]
    order = {p: i for i, p in enumerate(sorted(out["period"].unique()))}
    out = out.sort_values(["period", "level", "commune_id"],
                          key=lambda s: s.map(order) if s.name == "period" else s)
    return out[list(COMPLETENESS_COLUMNS)].reset_index(drop=True)


def missing_reports(dataset: Dataset, period: str,
                    status: pd.DataFrame | None = None) -> pd.DataFrame:
    """CĐCS that owe at least one report for ``period`` (a half or a whole year).

    Returns one row per CĐCS with ``missing_periods`` (e.g. ``'2024-H2'``), sorted by commune
    and name.
    """
    status = report_status(dataset, [period]) if status is None else status
    subs = parse_period(period).sub_periods
    missing = status[(status["status"] == "missing") & status["period"].isin(subs)]
    if missing.empty:
        return pd.DataFrame(columns=["unit_id", "unit_name", "sector", "commune_id",
                                     "parent_id", "missing_periods"])
    out = missing.groupby(["unit_id", "unit_name", "sector", "commune_id", "parent_id"],
                          sort=False)["period"].agg(", ".join).rename("missing_periods")
    return out.reset_index().sort_values(["commune_id", "unit_name"]).reset_index(drop=True)


def outliers(dataset: Dataset, *, threshold: float = 3.5, min_reports: int = 4,
             elements: Sequence[str] | None = None) -> pd.DataFrame:
    """Reported numbers far from the unit's own history (|modified z-score| > ``threshold``).

    For each CĐCS and numeric data element (whole numbers and money), the median and the median
    absolute deviation (MAD) of all its reports: z = 0.6745 (x − median) / MAD; when MAD is 0
    the mean absolute deviation is used (z = (x − median) / (1.253314 · meanAD)). Units with
    fewer than ``min_reports`` values are not judged.

    Returns:
        unit_id, unit_name, period, element, label_vi, value, median, z — largest |z| first.

    """
    known = {e.name: e for e in load_elements().elements if e.kind in ("int", "vnd")}
    names = list(elements) if elements is not None else list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DataError("Không phải chỉ số dữ liệu dạng số.", "Not a numeric data element.",
                        location=Location(file="params/data_elements.yaml", field="elements"),
                        value=unknown, expected=", ".join(known))
    long = dataset.reports.melt(id_vars=["unit_id", "period"], value_vars=names,
                                var_name="element", value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce")
    long = long.dropna(subset=["value"])
    grouped = long.groupby(["unit_id", "element"])["value"]
    long["n"] = grouped.transform("size")
    long["median"] = grouped.transform("median")
    long["abs_dev"] = (long["value"] - long["median"]).abs()
    by_dev = long.groupby(["unit_id", "element"])["abs_dev"]
    mad = by_dev.transform("median")
    mean_ad = by_dev.transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad > 0, MODIFIED_Z * (long["value"] - long["median"]) / mad,
                     (long["value"] - long["median"]) / (MEAN_AD * mean_ad))
    long["z"] = z
    flagged = long[(long["n"] >= min_reports) & (np.abs(long["z"]) > threshold)].copy()
    unit_names = dict(zip(dataset.units["unit_id"], dataset.units["name"], strict=True))
    flagged["unit_name"] = flagged["unit_id"].map(unit_names)
    flagged["label_vi"] = flagged["element"].map(lambda n: known[n].label_vi)
    flagged = flagged.assign(order=-np.abs(flagged["z"])).sort_values(["order", "unit_id"])
    return flagged[["unit_id", "unit_name", "period", "element", "label_vi", "value", "median",
                    "z"]].reset_index(drop=True)


# ----------------------------------------------------------------------------- intake (optional)
def intake_available() -> bool:
    """True when the intake modules (:mod:`congdoan.intake.ingest`, :mod:`congdoan.core.store`) exist."""
    return all(importlib.util.find_spec(m) is not None
               for m in ("congdoan.intake.ingest", "congdoan.core.store"))


def find_store_dir(data: str | None) -> Path | None:
    """The intake's store folder for a data source (None without intake or when absent).

    A database URL uses :func:`congdoan.core.store.default_store_dir`; a CSV folder its ``store``
    sub-folder; None the default database's store.
    """
    if not intake_available():
        return None
    from congdoan.core import store

    if data and "://" in data:
        folder = store.default_store_dir(data)
    elif data:
        folder = Path(data) / "store"
    else:
        folder = store.default_store_dir(store.default_url())
    return folder if folder.is_dir() else None


def quarantined_files(store_dir: Path | None) -> pd.DataFrame:
    """Rejected files kept in quarantine (empty without intake or store)."""
    if store_dir is None or not intake_available():
        return pd.DataFrame(columns=["original_name", "received_at", "errors",
                                     "error_report_path"])
    from congdoan.intake.ingest import rejected_submissions

    return rejected_submissions(store_dir)


def validation_failures(store_dir: Path | None) -> pd.DataFrame:
    """Every problem the intake recorded: errors of rejected files, warnings of accepted ones.

    Reads the ``*.loi.csv`` reports of ``quarantine/`` (status rejected) and ``reports/``
    (status accepted) in the store folder; empty without intake or store.
    """
    columns = ["status", "report", "severity", "file", "sheet", "cell", "row", "field", "value",
               "expected", "message_vi"]
    if store_dir is None or not intake_available():
        return pd.DataFrame(columns=columns)
    parts = []
    for folder, status in (("quarantine", "rejected"), ("reports", "accepted")):
        for path in sorted((Path(store_dir) / folder).glob("*.loi.csv")):
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
            parts.append(frame.assign(status=status, report=path.name))
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    for col in columns:
        if col not in out:
            out[col] = pd.NA
    return out[columns]


# ----------------------------------------------------------------------------- charts
def colour_range(values: Sequence[float] | np.ndarray, *, step: float = 0.05,
                 share: float = 0.05) -> tuple[float, float]:
    """The colour scale's bounds for shares: from where the data starts to 100 %.

    The lower bound is the ``share`` quantile rounded down to ``step`` (the few lower values
    are drawn in the scale's first colour, and the colour bar says so), so that a district whose
    communes report 85–100 % sees those differences instead of one flat colour of a 0–100 %
    scale. The upper bound is 100 % (shares above it are drawn in the last colour).
    """
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return 0.0, 1.0
    low = np.floor(float(np.quantile(data, share)) / step) * step
    return float(min(max(low, 0.0), 1.0 - step)), 1.0


def completeness_heatmap(table: pd.DataFrame, value: str = "on_time_share",
                         title: str = "Tỷ lệ báo cáo đúng hạn theo xã, phường") -> Figure:
    """Heatmap of a share of :func:`completeness_by_commune`: communes × sub-periods.

    Communes in Vietnamese alphabetical order; the colour scale runs over the data's own range
    (:func:`colour_range`), every cell is labelled with its share.
    """
    from congdoan.briefing import fmt, theme
    from congdoan.explore.collation import vi_sort_key

    theme.apply_theme()
    communes = table[table["level"] == "commune"]
    grid = communes.pivot_table(index="commune_name", columns="period", values=value,
                                aggfunc="first")
    grid = grid.loc[sorted(grid.index, key=vi_sort_key)]
    figure = Figure(figsize=(min(2.4 + 0.6 * grid.shape[1], 11), 0.26 * len(grid) + 1.4),
                    layout="constrained")
    ax = figure.add_subplot()
    if grid.empty:
        ax.text(0.5, 0.5, fmt.status_label("no_data"), ha="center", va="center")
        ax.set_axis_off()
        return figure
    low, high = colour_range(grid.to_numpy().ravel())
    labels = grid.map(lambda v: fmt.percent(v, decimals=0))
    sns.heatmap(grid, annot=labels, fmt="", cmap="viridis", vmin=low, vmax=high, ax=ax,
                cbar_kws={"label": "", "extend": "min" if low > 0 else "neither",
                          "format": FuncFormatter(lambda x, _p: fmt.percent(x, decimals=0))},
                annot_kws={"fontsize": 6.5}, linewidths=0.5, linecolor="white")
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"{title} (thang màu {fmt.percent(low, decimals=0)}–"
                 f"{fmt.percent(high, decimals=0)})", loc="left")
    return figure
