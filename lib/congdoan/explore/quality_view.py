"""Data quality as a report an officer reads: Vietnamese tables and controls for period and scope.

The numbers come from :mod:`congdoan.explore.quality`; this module words and formats them:

* ``format_*`` — each quality table under Vietnamese headers, shares as ``97,5%``, money as
  ``1.502.157.000 đồng``, counts with thousands separators, statuses and sectors in words, rows
  in Vietnamese alphabetical order;
* :class:`QualityView` — ipywidgets controls for the period and the upper union, and what they
  choose: a summary line, the two heatmaps (communes × half-years, colour scale over the data's
  own range), the period's completeness by commune, the CĐCS without a report and the outliers.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from congdoan.briefing import fmt, images
from congdoan.core.dataset import Dataset
from congdoan.core.periods import analysis_periods, parse_period, resolve_period
from congdoan.core.plan import load_elements
from congdoan.core.registry import SECTOR_NAMES
from congdoan.explore.collation import vi_sort_key
from congdoan.explore.quality import (
    completeness_by_commune,
    completeness_heatmap,
    missing_reports,
    outliers,
    report_status,
)
from congdoan.explore.tables import TABLE_CSS, html_table
from congdoan.explore.views import name_lookup, sort_periods

ALL = ""
"""Value of the 'all' choice of a dropdown."""

COMPLETENESS_HEADERS = {
    "period": "Kỳ", "commune_name": "Xã, phường", "expected": "Phải nộp",
    "received": "Đã nộp", "on_time": "Đúng hạn", "late": "Nộp muộn", "missing": "Chưa nộp",
    "received_share": "Tỷ lệ đã nộp", "on_time_share": "Tỷ lệ đúng hạn",
    "median_days_late": "Số ngày muộn (trung vị)",
}
"""Columns of :func:`format_completeness`."""

MISSING_HEADERS = {
    "unit_id": "Mã CĐCS", "unit_name": "Tên CĐCS", "sector": "Khu vực",
    "commune_id": "Xã, phường", "parent_id": "Công đoàn cấp trên",
    "missing_periods": "Kỳ chưa nộp",
}
"""Columns of :func:`format_missing`."""

OUTLIER_HEADERS = {
    "unit_id": "Mã CĐCS", "unit_name": "Tên CĐCS", "period": "Kỳ", "label_vi": "Số liệu",
    "value": "Giá trị báo cáo", "median": "Trung vị của CĐCS", "z": "Độ lệch (z cải tiến)",
}
"""Columns of :func:`format_outliers`."""

QUARANTINE_HEADERS = {"original_name": "Tệp", "received_at": "Nhận lúc", "errors": "Số lỗi",
                      "error_report_path": "Báo cáo lỗi"}
FAILURE_HEADERS = {
    "status": "Kết quả", "report": "Báo cáo lỗi", "severity": "Mức", "file": "Tệp",
    "sheet": "Trang tính", "cell": "Ô", "row": "Dòng", "field": "Trường", "value": "Giá trị",
    "expected": "Cần", "message_vi": "Nội dung",
}
_WORDS = {"rejected": "Bị từ chối", "accepted": "Đã nhận", "error": "Lỗi",
          "warning": "Cảnh báo"}
_NUMBERS = {"Phải nộp", "Đã nộp", "Đúng hạn", "Nộp muộn", "Chưa nộp", "Tỷ lệ đã nộp",
            "Tỷ lệ đúng hạn", "Số ngày muộn (trung vị)", "Giá trị báo cáo", "Trung vị của CĐCS",
            "Độ lệch (z cải tiến)", "Số lỗi"}
_NAMES = {"Tên CĐCS", "Xã, phường", "Số liệu", "Nội dung", "Công đoàn cấp trên"}


def _by_name(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows in Vietnamese alphabetical order of ``columns`` (stable)."""
    keys = [tuple(vi_sort_key(frame[c].iloc[i]) for c in columns) for i in range(len(frame))]
    order = sorted(range(len(frame)), key=lambda i: keys[i])
    return frame.iloc[order].reset_index(drop=True)


def format_completeness(table: pd.DataFrame, scope_name: str | None = None) -> pd.DataFrame:
    """:func:`~congdoan.explore.quality.completeness_by_commune` in words and formats.

    Per period: the communes in Vietnamese order, then the scope's own row, "Cộng: " and the
    scope's name (``scope_name`` when given, e.g. an upper union; else the organisation's name).
    """
    parts = []
    for _period, rows in table.groupby("period", sort=False):
        communes = _by_name(rows[rows["level"] == "commune"], "commune_name")
        total = rows[rows["level"] != "commune"]
        total = total.assign(commune_name=[f"Cộng: {scope_name or name}"
                                           for name in total["commune_name"]])
        parts += [communes, total]
    ordered = pd.concat(parts, ignore_index=True) if parts else table
    out = pd.DataFrame({
        "period": ordered["period"].astype(str),
        "commune_name": ordered["commune_name"].astype(str),
        **{k: [fmt.number(x) for x in ordered[k]]
           for k in ("expected", "received", "on_time", "late", "missing")},
        "received_share": [fmt.percent(x) for x in ordered["received_share"]],
        "on_time_share": [fmt.percent(x) for x in ordered["on_time_share"]],
        "median_days_late": [fmt.number(x, decimals=1) for x in ordered["median_days_late"]],
    })
    return out.rename(columns=COMPLETENESS_HEADERS)


def format_missing(missing: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """:func:`~congdoan.explore.quality.missing_reports` in words, by commune then name."""
    out = pd.DataFrame({
        "unit_id": missing["unit_id"].astype(str),
        "unit_name": missing["unit_name"].astype(str),
        "sector": [SECTOR_NAMES.get(str(s), {}).get("vi", str(s)) for s in missing["sector"]],
        "commune_id": [names.get(str(c), str(c)) for c in missing["commune_id"]],
        "parent_id": [names.get(str(p), str(p)) for p in missing["parent_id"]],
        "missing_periods": missing["missing_periods"].astype(str),
    })
    return _by_name(out, "commune_id", "unit_name").rename(columns=MISSING_HEADERS)


def element_value(element: str, value: Any) -> str:
    """A reported number as an officer reads it: money in đồng, counts with separators."""
    kinds = {e.name: e.kind for e in load_elements().elements}
    if kinds.get(element) == "vnd":
        return f"{fmt.number(value)} đồng"
    return fmt.number(value, decimals=1)


def format_outliers(found: pd.DataFrame) -> pd.DataFrame:
    """:func:`~congdoan.explore.quality.outliers` in words and formats (largest deviation first)."""
    out = pd.DataFrame({
        "unit_id": found["unit_id"].astype(str),
        "unit_name": found["unit_name"].astype(str),
        "period": found["period"].astype(str),
        "label_vi": found["label_vi"].astype(str),
        "value": [element_value(e, v) for e, v in zip(found["element"], found["value"],
                                                     strict=True)],
        "median": [element_value(e, v) for e, v in zip(found["element"], found["median"],
                                                      strict=True)],
        "z": [fmt.number(z, decimals=1) for z in found["z"]],
    })
    return out.rename(columns=OUTLIER_HEADERS)


def format_quarantine(files: pd.DataFrame) -> pd.DataFrame:
    """Quarantined intake files under Vietnamese headers."""
    out = files.reindex(columns=list(QUARANTINE_HEADERS)).copy()
    out["received_at"] = [fmt.MISSING if fmt.is_missing(x) else str(x)[:19].replace("T", " ")
                          for x in out["received_at"]]
    out["errors"] = [fmt.number(x) for x in out["errors"]]
    return out.fillna(fmt.MISSING).rename(columns=QUARANTINE_HEADERS)


def format_failures(failures: pd.DataFrame) -> pd.DataFrame:
    """Intake problems under Vietnamese headers, result and severity in words."""
    out = failures.reindex(columns=list(FAILURE_HEADERS)).copy()
    for column in ("status", "severity"):
        out[column] = [_WORDS.get(str(x), str(x)) for x in out[column]]
    return out.fillna(fmt.MISSING).rename(columns=FAILURE_HEADERS)


def report_html(frame: pd.DataFrame, empty: str = "Không có.") -> str:
    """A formatted quality table as HTML (numbers right, names wrapping); ``empty`` if none."""
    if frame.empty:
        return f"<p>{html.escape(empty)}</p>"
    return html_table(frame, right=_NUMBERS & set(frame.columns),
                      wrap=_NAMES & set(frame.columns))


def _figure_html(figure: Any, alt: str) -> str:
    data = base64.b64encode(images.png(figure)).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            'style="max-width:min(100%, 880px);height:auto;display:block">')


class QualityView:
    """Controls for the period and the upper union, and the quality report of what they choose.

    Args:
        dataset: the data.
        period: analysis period shown in the tables, or ``'latest'``.
        upper_union: initial upper union id (None: the whole organisation).
        threshold: |modified z| above which a reported number is an outlier.
        top: outliers listed at most (the largest deviations first; the count says how many).

    """

    def __init__(self, dataset: Dataset, *, period: str = "latest",
                 upper_union: str | None = None, threshold: float = 3.5, top: int = 30) -> None:
        self.dataset = dataset
        self.names = name_lookup(dataset)
        self.status = report_status(dataset)
        self.found = outliers(dataset, threshold=threshold)
        self.top = top
        subs = sorted(self.status["period"].unique())
        periods = sort_periods(analysis_periods(subs))
        start = resolve_period(period, dataset)
        style = {"description_width": "135px"}
        full = widgets.Layout(width="100%", max_width="560px")
        self.period = widgets.Dropdown(
            description="Kỳ", style=style, layout=full, value=start,
            options=[(f"{parse_period(p).label()} ({p})", p) for p in periods])
        self.upper = widgets.Dropdown(description="Công đoàn cấp trên", style=style, layout=full,
                                      options=self._upper_options(start), value=ALL)
        if upper_union is not None:
            self.upper.value = upper_union  # an id not offered is a traitlets error
        self.summary = widgets.HTML()
        self.heatmaps = widgets.HTML()
        self.completeness = widgets.HTML()
        self.missing = widgets.HTML()
        self.outliers = widgets.HTML()
        self.period.observe(self._on_period, names="value")
        self.upper.observe(lambda _c: self.update(), names="value")
        self.widget = widgets.VBox([
            widgets.HTML(f"<style>{_CSS}{TABLE_CSS}</style>"), self.period, self.upper, self.summary,
            widgets.HTML("<h3>Nộp báo cáo theo xã, phường qua các kỳ</h3>"), self.heatmaps,
            widgets.HTML("<h3>Nộp báo cáo trong kỳ theo xã, phường</h3>"), self.completeness,
            widgets.HTML("<h3>CĐCS chưa nộp báo cáo trong kỳ</h3>"), self.missing,
            widgets.HTML("<h3>Số liệu bất thường so với chính lịch sử của CĐCS</h3>"),
            self.outliers,
        ], layout=widgets.Layout(width="100%"))
        self.widget.add_class("congdoan-quality")
        self.update()

    def _upper_options(self, period: str) -> list[tuple[str, str]]:
        subs = parse_period(period).sub_periods
        ids = {body for bodies in self.status.loc[self.status["period"].isin(subs), "bodies"]
               for body in bodies}
        ordered = sorted(ids, key=lambda u: vi_sort_key(self.names.get(u, u)))
        return [("Toàn địa bàn", ALL)] + [(self.names.get(u, u), u) for u in ordered]

    def _on_period(self, _change: Mapping[str, Any]) -> None:
        options = self._upper_options(str(self.period.value))
        keep = self.upper.value if self.upper.value in {v for _l, v in options} else ALL
        with self.upper.hold_trait_notifications():
            self.upper.options = options
            self.upper.value = keep
        self.update()

    def scope(self) -> tuple[pd.DataFrame, str]:
        """The report status rows of the chosen upper union, at any depth (all: the organisation)."""
        upper = self.upper.value or None
        if upper is None:
            return self.status, self.dataset.organisation_name
        mine = self.status["bodies"].map(lambda bodies: upper in bodies).astype(bool)
        return self.status[mine], self.names.get(upper, upper)

    def update(self) -> None:
        """Redraw the report for the chosen period and upper union."""
        period = str(self.period.value)
        status, name = self.scope()
        subs = parse_period(period).sub_periods
        table = completeness_by_commune(self.dataset, status=status)
        now = table[table["period"].isin(subs)]
        total = now[now["level"] == "organisation"]
        expected, received, on_time = (int(total[c].sum()) for c in
                                       ("expected", "received", "on_time"))
        missing = missing_reports(self.dataset, period, status=status)
        units = set(status.loc[status["period"].isin(subs), "unit_id"])
        found = self.found[self.found["period"].isin(subs) & self.found["unit_id"].isin(units)]
        self.summary.value = (
            f"<p><b>{html.escape(name)}</b> — {html.escape(parse_period(period).label())}: "
            f"phải nộp {fmt.number(expected)} báo cáo, đã nộp {fmt.number(received)} "
            f"({fmt.percent(received / expected if expected else None)}), đúng hạn "
            f"{fmt.number(on_time)} ({fmt.percent(on_time / expected if expected else None)}); "
            f"{fmt.number(len(missing))} CĐCS còn thiếu báo cáo; {fmt.number(len(found))} số "
            "liệu bất thường.</p>")
        self.heatmaps.value = "".join(
            _figure_html(completeness_heatmap(table, value=value, title=title),
                         f"{title}, {name}")
            for value, title in (("on_time_share", "Tỷ lệ báo cáo đúng hạn theo xã, phường"),
                                 ("received_share", "Tỷ lệ đã nộp báo cáo theo xã, phường")))
        self.completeness.value = report_html(format_completeness(now, name))
        self.missing.value = report_html(format_missing(missing, self.names),
                                         "Mọi CĐCS đã nộp báo cáo.")
        shown = found.head(self.top)
        note = (f"<p>{fmt.number(len(shown))} trên {fmt.number(len(found))} số liệu, độ lệch "
                "lớn nhất trước.</p>" if len(found) > len(shown) else "")
        self.outliers.value = note + report_html(format_outliers(shown),
                                                 "Không có số liệu bất thường.")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


_CSS = """
.congdoan-quality .widget-html-content { line-height: 1.45; }
.congdoan-quality h3 { margin: 14px 0 4px; }
"""
