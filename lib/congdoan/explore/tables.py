"""The explorer's tables as an officer reads them: Vietnamese headers, words, formatted numbers.

* :func:`format_view` — the view of :func:`congdoan.explore.views.current_view` as text: level
  and status in words, shares as ``76,9%``, counts with thousands separators;
* :func:`table_html` — that table as HTML for the explorer (first row: the selection itself),
  built by :func:`html_table` (any formatted table as HTML);
* :func:`format_activities` — the section III activity totals, formatted the same way;
* :func:`export_view` — the view to CSV (the formatted text, UTF-8 with BOM for Excel) or Excel
  (the same headers and words; numbers kept as numbers, shown with Excel number formats), with
  formula-like text made safe (:func:`safe_cells`).
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from congdoan.briefing import fmt, theme
from congdoan.briefing.content import change_text
from congdoan.core.periods import parse_period
from congdoan.core.plan import CHANGE_ELEMENTS, Indicator
from congdoan.exceptions import Location, ParameterError
from congdoan.explore.views import LEVEL_LABELS

HEADERS = {
    "level": "Cấp", "unit_name": "Đơn vị", "unit_id": "Mã đơn vị", "period": "Kỳ",
    "indicator": "Chỉ tiêu", "clause": "Điều khoản", "numerator": "Tử số",
    "denominator": "Mẫu số", "value": "Giá trị", "target": "Mục tiêu", "status": "Đánh giá",
    "units_reported": "CĐCS đã báo cáo", "units_expected": "CĐCS phải báo cáo",
    "carried_forward": "CĐCS giữ số liệu báo cáo trước", "coverage": "Tỷ lệ báo cáo",
    "provisional": "Tạm tính", "parts": "Thành phần của thay đổi",
}
"""Column of the view → Vietnamese header, in the order of the exported table."""

SCREEN_COLUMNS = ("level", "unit_name", "clause", "numerator", "denominator", "value", "target",
                  "status", "units_reported", "units_expected", "coverage")
"""Columns shown in the explorer (the indicator, period and ids are in its header); a value
whose coverage is below the register's threshold reads "(tạm tính)"."""

ACTIVITY_HEADERS = {
    "label": "Chương trình, hoạt động", "clause": "Mục", "units": "Số CĐCS thực hiện",
    "events": "Số hoạt động", "participants": "Lượt người tham gia",
    "support_vnd": "Kinh phí hỗ trợ (đồng)",
}
"""Column of :func:`congdoan.explore.views.scope_activities` → Vietnamese header."""

TABLE_CSS = """
.congdoan-scroll { overflow-x: auto; max-width: 100%; }
table.congdoan-view { border-collapse: collapse; font-size: 12.5px; margin: 4px 0; }
table.congdoan-view, table.congdoan-view td, table.congdoan-view th { line-height: 1.35; }
table.congdoan-view th { background: #f0f0f0; text-align: left; padding: 3px 8px;
  border-bottom: 1px solid #999; }
table.congdoan-view td { padding: 2px 8px; border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
table.congdoan-view td.name { white-space: normal; min-width: 11em; }
table.congdoan-view .num { text-align: right; white-space: nowrap; }
"""
"""Style of the tables of :func:`html_table` (the page includes it once)."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these is read as a formula by spreadsheets; exported with ``'``."""

_NUMBER_FORMATS = {"share": "0.0%", "count": "#,##0", "per_unit": "#,##0.00"}
_RIGHT = {"numerator", "denominator", "value", "target", "units_reported", "units_expected",
          "carried_forward", "coverage", "units", "events", "participants", "support_vnd"}


def level_words(view: pd.DataFrame, child_level: str | None) -> list[str]:
    """The level of each row in words; rows after the first are ``child_level`` when given.

    (The engine calls a group of several filters ``group``; in the explorer the rows under the
    selection are its drill-down level.)
    """
    levels = [str(x) for x in view["level"]]
    if child_level:
        levels = levels[:1] + [child_level] * (len(levels) - 1)
    return [LEVEL_LABELS.get(x, x) for x in levels]


def format_view(view: pd.DataFrame, ind: Indicator, child_level: str | None = None) -> pd.DataFrame:
    """The view as text under Vietnamese headers (:data:`HEADERS`), one row per view row.

    A change (member growth, new CĐCS) lists its parts and both readings ("kết nạp +47; giảm
    −32; … (thuần +10, gộp +72)"). A value is shown on its side of the target (0,99996 against
    100 % reads "99,996%", never "100%" beside "Chưa đạt"); a provisional value (coverage below
    the register's threshold)
    reads "… (tạm tính)".
    """
    safe = safe_cells(view)
    provisional = view["provisional"].astype(object).eq(True) if "provisional" in view else \
        pd.Series(False, index=view.index)
    out = pd.DataFrame({
        "level": level_words(view, child_level),
        "unit_name": safe["unit_name"].astype(str).to_numpy(),
        "unit_id": safe["unit_id"].astype(str).to_numpy(),
        "period": [parse_period(str(p)).label() for p in view["period"]],
        "indicator": ind.name_vi,
        "clause": ind.clause,
        "numerator": [fmt.number(x) for x in view["numerator"]],
        "denominator": [fmt.number(x) for x in view["denominator"]],
        "value": [_value_text(ind, x, t, p) for x, t, p in
                  zip(view["value"], view["target"], provisional, strict=True)],
        "target": [fmt.value(ind.measure, x) for x in view["target"]],
        "status": [fmt.status_label(s) for s in view["status"]],
        "units_reported": [fmt.number(x) for x in view["units_reported"]],
        "units_expected": [fmt.number(x) for x in view["units_expected"]],
        "carried_forward": [fmt.number(x) for x in _column(view, "carried_forward")],
        "coverage": [fmt.percent(x) for x in _column(view, "coverage")],
        "provisional": [fmt.PROVISIONAL["vi"] if p else "" for p in provisional],
        "parts": [change_text(row) for _i, row in view.iterrows()]
        if ind.numerator in CHANGE_ELEMENTS else "",
    })
    return out.rename(columns=HEADERS)


def _column(view: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` of the view (all missing when the view has none)."""
    return view[name] if name in view else pd.Series(pd.NA, index=view.index)


def _value_text(ind: Indicator, value: object, target: object, provisional: bool) -> str:
    # shown with the precision that keeps it on its side of the target (never "100 %" not met)
    text = fmt.value(ind.measure, value, target=target)
    return f"{text} ({fmt.PROVISIONAL['vi']})" if provisional and text != fmt.MISSING else text


def html_table(frame: pd.DataFrame, *, right: Collection[str] = (), wrap: Collection[str] = (),
               marks: Mapping[str, Sequence[theme.StatusStyle]] | None = None,
               css: str = "congdoan-view") -> str:
    """``frame`` (text cells under display headers) as an escaped HTML table.

    ``right``: columns aligned right (numbers); ``wrap``: columns that may wrap (names);
    ``marks``: per column, the status style of each row, whose symbol is put before the cell's
    word in the status colour (never colour alone).
    """
    head = "".join(f'<th class="{"num" if c in right else ""}">{html.escape(str(c))}</th>'
                   for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, text in zip(frame.columns, row, strict=True):
            cell = html.escape(str(text))
            if marks and column in marks:
                style = marks[column][i]
                cell = (f'<span style="color:{style.colour}" aria-hidden="true">'
                        f"{style.symbol}</span> {cell}")
            css_class = "num" if column in right else "name" if column in wrap else ""
            cells.append(f'<td class="{css_class}">{cell}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="congdoan-scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def table_html(view: pd.DataFrame, ind: Indicator, child_level: str | None = None) -> str:
    """The explorer's table (:data:`SCREEN_COLUMNS`): its first row, the selection, in bold.

    The status is a word with its symbol (the symbol in the status colour), never colour alone.
    """
    if view.empty:
        return f'<p class="congdoan-empty">{fmt.status_label("no_data")}</p>'
    columns = [*SCREEN_COLUMNS, "parts"] if ind.numerator in CHANGE_ELEMENTS else SCREEN_COLUMNS
    formatted = format_view(view, ind, child_level)[[HEADERS[k] for k in columns]]
    return html_table(formatted, right={HEADERS[k] for k in columns if k in _RIGHT},
                      wrap={HEADERS["unit_name"], HEADERS["parts"]},
                      marks={HEADERS["status"]: [theme.status_style(s) for s in view["status"]]})


def format_activities(totals: pd.DataFrame) -> pd.DataFrame:
    """Activity totals as text under Vietnamese headers (:data:`ACTIVITY_HEADERS`)."""
    out = pd.DataFrame({
        "label": totals["label"].astype(str).to_numpy(),
        "clause": totals["clause"].astype(str).to_numpy(),
        **{k: [fmt.number(x) for x in totals[k]]
           for k in ("units", "events", "participants", "support_vnd")},
    })
    return out.rename(columns=ACTIVITY_HEADERS)


def activities_html(totals: pd.DataFrame) -> str:
    """The activity totals as an HTML table (last row: the total when there is one)."""
    if totals.empty:
        return f'<p class="congdoan-empty">{fmt.status_label("no_data")}</p>'
    return html_table(format_activities(totals),
                      right={ACTIVITY_HEADERS[k] for k in ACTIVITY_HEADERS if k in _RIGHT},
                      wrap={ACTIVITY_HEADERS["label"]}, css="congdoan-view congdoan-activities")


# ----------------------------------------------------------------------------- export
def safe_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with ``'``.

    Numbers are left alone (a negative number is a number, not a formula); only text starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is changed.
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            risky = text.str.startswith(FORMULA_PREFIXES).fillna(False).astype(bool)
            if risky.any():
                out[col] = series.astype(object).where(~risky, "'" + text.astype(object))
    return out


def export_view(view: pd.DataFrame, path: Path | str, ind: Indicator, *,
                child_level: str | None = None,
                about: Mapping[str, str] | None = None) -> Path:
    """Write the view to ``path``: ``.csv`` (UTF-8 with BOM) or ``.xlsx``; returns the path.

    Both have the Vietnamese headers of :data:`HEADERS` and levels and statuses in words. The
    CSV holds the numbers as the explorer shows them (``76,9%``, ``1.502``); the Excel sheet
    'Bảng' holds them as numbers with number formats (a share as a percentage), and the sheet
    'Lựa chọn' lists ``about`` (indicator, clause, period, scope). Formula-like text is made
    safe in both.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ParameterError("Định dạng xuất không hỗ trợ.", "Unsupported export format.",
                             location=Location(file=str(path)), value=path.suffix,
                             expected=".csv hoặc .xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    formatted = format_view(view, ind, child_level)
    if suffix == ".csv":
        formatted.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
        return path
    _write_excel(view, formatted, path, ind, about or {})
    return path


def _write_excel(view: pd.DataFrame, formatted: pd.DataFrame, path: Path, ind: Indicator,
                 about: Mapping[str, str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    plain, bold = Font(name="Arial", size=10), Font(name="Arial", size=10, bold=True)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bảng"
    keys = list(HEADERS)
    sheet.append([HEADERS[k] for k in keys])
    formats = {"numerator": "#,##0", "denominator": "#,##0", "units_reported": "#,##0",
               "units_expected": "#,##0", "carried_forward": "#,##0", "coverage": "0.0%",
               "value": _NUMBER_FORMATS.get(ind.measure, "#,##0"),
               "target": _NUMBER_FORMATS.get(ind.measure, "#,##0")}
    for i in range(len(view)):
        row: list[Any] = []
        for key in keys:
            if key in formats:
                number = pd.to_numeric(view[key].iloc[i], errors="coerce")
                row.append(None if pd.isna(number) else float(number))
            else:
                row.append(formatted[HEADERS[key]].iloc[i])
        sheet.append(row)
    for j, key in enumerate(keys, start=1):
        letter = get_column_letter(j)
        width = max([len(HEADERS[key])] + [len(str(x)) for x in formatted[HEADERS[key]]])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        for cell in sheet[letter]:
            cell.font = bold if cell.row == 1 else plain
            if cell.row > 1 and key in formats:
                cell.number_format = formats[key]
                cell.alignment = Alignment(horizontal="right")
    sheet.freeze_panes = "A2"
    choices = book.create_sheet("Lựa chọn")
    choices.append(["Mục", "Giá trị"])
    listed = safe_cells(pd.DataFrame({"key": list(about), "value": list(about.values())}))
    for key, value in listed.itertuples(index=False):
        choices.append([key, value])
    for row in choices.iter_rows():
        for cell in row:
            cell.font = bold if cell.row == 1 or cell.column == 1 else plain
    choices.column_dimensions["A"].width = 14
    choices.column_dimensions["B"].width = 80
    book.save(path)
