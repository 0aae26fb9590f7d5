"""Validation rules for submitted reports: pure functions, raw cells in, clean rows and problems out.

:mod:`congdoan.intake.ingest` turns a file (form, bulk sheet or CSV) into
:class:`~congdoan.intake.cells.RawReport` objects that keep where every value came from (sheet
and cell, or CSV row); :func:`validate_reports` checks them against the registry, the periods
and the rules below, and returns the clean report rows together with every
:class:`~congdoan.intake.problems.Problem` found, each located (file, sheet, cell/row, field),
with the value found and what is expected, in Vietnamese and English.

Rules: types and ranges (whole numbers ≥ 0 up to a plausible maximum, yes/no, categories);
required fields; cross-field rules, the same as :mod:`congdoan.core.checks` applies to any data
that reaches the engine (women members ≤ members ≤ workers; every reported numerator of a share
of people, cases or units ≤ its denominator — people informed ≤ workers, members visited ≤
members in hardship, committee established ≤ eligible …; an agreement is graded only when
signed; a rating only in the year report and only where the CĐCS had been active 12 months at
the cut-off); the union exists and was active in the period; the
period exists and its cut-off has passed; the form version; text normalised to Unicode NFC;
formula cells refused (in every cell read); outliers against the union's own history are
warnings.

Section III activities (:mod:`congdoan.core.activities`), when a file carries them: for each
programme, activities held, participations and support (đồng) are whole numbers ≥ 0 in range,
all optional (a programme left blank was not run), and participations or support without any
activity held is an error.

Each cell's conversion to a typed value is :func:`congdoan.intake.cells.convert`; the problems,
the error report's table and the limits on one file's work are :mod:`congdoan.intake.problems`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from congdoan.core.activities import MEASURES, activity_fields, activity_key
from congdoan.core.checks import (
    GRADE_EXPECTED,
    GRADE_MESSAGE,
    RATING_YOUNG_MESSAGE,
    at_most_message,
)
from congdoan.core.periods import load_settings, parse_period
from congdoan.core.plan import (
    DataElement,
    load_elements,
    load_register,
    load_sectors_asked,
    register_version,
    report_rules,
)
from congdoan.exceptions import PeriodError
from congdoan.intake.cells import (
    Cell,
    ParsedFile,
    RawReport,
    _Collector,
    convert,
    is_blank,
    nfc,
    parse_day,
    refuse_formula,
)
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    Problem,
    has_errors,
    load_intake_settings,
)
from congdoan.intake.problems import safe_text as safe_text

UNIT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
"""What a CĐCS code may look like (no path separators, no '..')."""

OPTIONAL_ELEMENTS = ("cba_signed", "cba_grade", "rating")
"""Elements that may be left blank (not applicable); every other element is required."""


@dataclass
class Validated:
    """What :func:`validate_submission` found in one file.

    ``activities`` (the ``activities`` table's columns, one row per programme run) is None when
    the file carries no section III; otherwise its rows replace every stored activity of the
    file's (CĐCS, sub-period) reports.
    """

    reports: pd.DataFrame
    activities: pd.DataFrame | None
    problems: list[Problem]


@dataclass(frozen=True)
class Context:
    """What validation compares a file with."""

    units: pd.DataFrame
    today: dt.date
    settings: IntakeSettings
    history: pd.DataFrame | None = None
    budget: Budget | None = None
    """The file's limits (time), checked for every report; None: unbounded (tests)."""


# ----------------------------------------------------------------------------- the rules
def form_version(settings: IntakeSettings | None = None) -> str:
    """The version every form states: the layout's (``intake.yaml``) + the plan register's.

    ``2025.1+74c24a67e493``: a change of the register (:func:`~congdoan.core.plan.register_version`)
    gives new forms a new version, and a form of another version is recognised as such.
    """
    settings = settings or load_intake_settings()
    return f"{settings.form_version}+{register_version()}"


def _check_version(parsed: ParsedFile, out: _Collector, settings: IntakeSettings) -> None:
    """A form of another layout is refused; one of another register says which fields differ."""
    found = str(nfc(parsed.form_version.value)) if parsed.form_version else ""
    current = form_version(settings)
    if found == current:
        return
    layout, _, register = found.partition("+")
    if layout != settings.form_version or not register:
        out.add(parsed.form_version, "form_version",
                "Tệp không đúng phiên bản mẫu báo cáo; hãy dùng mẫu mới (congdoan template).",
                "The file is not the current form version; use a new form (congdoan template).",
                value=found or None, expected=current)
        return
    names = [e.name for e in load_elements().elements]
    added = [n for n in names if n not in parsed.fields]
    removed = [n for n in parsed.fields if n not in names]
    now = current.partition("+")[2]
    if not added and not removed:
        out.add(parsed.form_version, "form_version",
                f"Mẫu lập theo sổ chỉ tiêu phiên bản {register}, hiện hành là {now}; các trường "
                "báo cáo không đổi nên tệp vẫn được nhận.",
                f"The form was made under register version {register}, the current one is "
                f"{now}; its fields are unchanged, so the file is accepted.",
                value=found, expected=current, severity="warning")
        return
    parts_vi = ([f"thêm trường {', '.join(added)}"] if added else []) + (
        [f"bỏ trường {', '.join(removed)}"] if removed else [])
    parts_en = ([f"fields added: {', '.join(added)}"] if added else []) + (
        [f"fields removed: {', '.join(removed)}"] if removed else [])
    out.add(parsed.form_version, "form_version",
            f"Mẫu lập theo sổ chỉ tiêu phiên bản {register}, hiện hành là {now}; khác biệt: "
            f"{'; '.join(parts_vi)}. Hãy dùng mẫu mới (congdoan template).",
            f"The form was made under register version {register}, the current one is {now}; "
            f"differences: {'; '.join(parts_en)}. Use a new form (congdoan template).",
            value=found, expected=current)


def validate_reports(parsed: ParsedFile, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every report of ``parsed``; return the clean rows and all problems (reader's first).

    The returned frame has the ``reports.csv`` columns; it is only meaningful when no problem
    is an error (the file is then accepted whole). Problems past ``max_problems`` are counted,
    not listed (:meth:`_Collector.closed`). Raises :class:`LimitExceeded` when the file's budget
    (``ctx.budget``) runs out of time. :func:`validate_submission` also returns the section III
    activities.
    """
    found = validate_submission(parsed, ctx)
    return found.reports, found.problems


def validate_submission(parsed: ParsedFile, ctx: Context) -> Validated:
    """Check every report of ``parsed`` and its activities (see :func:`validate_reports`)."""
    out = _Collector(parsed.name, ctx.settings.max_problems)
    for problem in parsed.problems:
        out.keep(problem)
    unread = parsed.form_version is None and has_errors(parsed.problems)
    if parsed.layout != "csv" and not unread:  # (a file not read says why already)
        _check_version(parsed, out, ctx.settings)
    if not parsed.reports and not out.has_errors():
        out.add(None, None, "Tệp không có báo cáo nào.", "The file holds no report.",
                expected="ít nhất một dòng báo cáo", expected_en="at least one report")
    elements = load_elements().elements
    units = ctx.units.set_index("unit_id")
    history = _history_stats(ctx.history, elements)
    rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], Cell] = {}
    for report in parsed.reports:
        if ctx.budget is not None:
            ctx.budget.check_time()
        row = _validate_one(report, units, elements, ctx, out, history)
        if row is None:
            continue
        key = (row["unit_id"], row["period"])
        if key in seen:
            out.add(report.unit_id, "unit_id",
                    "Báo cáo của CĐCS cho kỳ này bị lặp lại trong cùng một tệp.",
                    "The same CĐCS and period appear twice in one file.", value=row["unit_id"],
                    expected="mỗi CĐCS một dòng mỗi kỳ", expected_en="one row per CĐCS and period")
            continue
        seen[key] = report.unit_id
        rows.append(row)
        if report.activities is not None:
            activity_rows += _validate_activities(report.activities, row, ctx, out)
    columns = ["unit_id", "period", "submitted_on", *[e.name for e in elements]]
    carried = any(r.activities is not None for r in parsed.reports)
    activities = (pd.DataFrame(activity_rows, columns=["unit_id", "period", "programme",
                                                       *MEASURES]) if carried else None)
    return Validated(pd.DataFrame(rows, columns=columns), activities, out.closed())


def _validate_activities(cells: dict[str, Cell], row: dict[str, Any], ctx: Context,
                         out: _Collector) -> list[dict[str, Any]]:
    """The activities rows of one valid report: one per programme with a figure above zero."""
    fields = activity_fields()
    found: list[dict[str, Any]] = []
    for programme in load_elements().activities:
        figures: dict[str, int] = {}
        for measure in MEASURES:
            key = activity_key(programme.name, measure)
            cell = cells.get(key)
            value = None if cell is None else convert(fields[key], cell, out, ctx.settings)
            figures[measure] = value or 0
        if not any(figures.values()):
            continue
        if figures["events"] == 0:
            events = activity_key(programme.name, "events")
            out.add(cells.get(events), events,
                    f"'{programme.label_vi}': có người tham gia hoặc kinh phí nhưng số hoạt "
                    "động bằng 0 (hoặc để trống).",
                    f"'{programme.label_en}': participations or support with no activity held.",
                    value=cells[events].value if events in cells else None,
                    expected="số hoạt động ≥ 1, hoặc để trống cả ba ô",
                    expected_en="at least 1 activity held, or all three cells blank")
            continue
        found.append({"unit_id": row["unit_id"], "period": row["period"],
                      "programme": programme.name, **figures})
    return found


def _validate_one(report: RawReport, units: pd.DataFrame, elements: tuple[DataElement, ...],
                  ctx: Context, out: _Collector,
                  history: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """Validate one report; None when its identity (unit, period) is unusable."""
    for cell, name in ((report.unit_id, "unit_id"), (report.period, "period"),
                       (report.submitted_on, "submitted_on"), (report.unit_name, "unit_name")):
        if cell is not None and cell.is_formula:
            refuse_formula(cell, name, out)
    if report.unit_id.is_formula or report.period.is_formula:
        return None
    unit_id = nfc(report.unit_id.value)
    unit_id = "" if is_blank(unit_id) else str(unit_id)
    period_text = nfc(report.period.value)
    period_text = "" if is_blank(period_text) else str(period_text)
    if not UNIT_ID_RE.match(unit_id):
        out.add(report.unit_id, "unit_id", "Mã CĐCS trống hoặc không hợp lệ.",
                "The CĐCS code is empty or malformed.", value=unit_id,
                expected="mã trong danh mục, vd. CDCS-0001",
                expected_en="a code from the registry, e.g. CDCS-0001")
        return None
    if unit_id not in units.index:
        out.add(report.unit_id, "unit_id", "Mã CĐCS không có trong danh mục.",
                "Unknown CĐCS code (not in the registry).", value=unit_id,
                expected="mã trong danh mục CĐCS", expected_en="a code from the registry")
        return None
    try:
        period = parse_period(period_text)
    except PeriodError:
        period = None
    settings = load_settings()
    if period is None or period.half is None or period.year < settings.first_year:
        out.add(report.period, "period", "Kỳ báo cáo không hợp lệ.", "Invalid report period.",
                value=period_text,
                expected=f"YYYY-H1 hoặc YYYY-H2, từ {settings.first_year}-H1",
                expected_en=f"YYYY-H1 or YYYY-H2, from {settings.first_year}-H1")
        return None
    if period.cut_off >= ctx.today:
        out.add(report.period, "period", "Kỳ báo cáo chưa kết thúc (chưa qua ngày chốt số liệu).",
                "The period has not ended yet (its cut-off has not passed).", value=period_text,
                expected=f"kỳ có ngày chốt trước {ctx.today:%d/%m/%Y}",
                expected_en=f"a period whose cut-off is before {ctx.today:%d/%m/%Y}")
        return None
    unit: dict[str, Any] = {str(k): v for k, v in units.loc[unit_id].items()}
    founded = pd.Timestamp(unit["founded"])
    dissolved = unit["dissolved"]
    if founded > pd.Timestamp(period.cut_off) or (
            pd.notna(dissolved) and pd.Timestamp(dissolved) < pd.Timestamp(period.start)):
        out.add(report.unit_id, "unit_id",
                "CĐCS không hoạt động trong kỳ này (chưa thành lập hoặc đã giải thể).",
                "The CĐCS was not active in this period (not yet founded or dissolved).",
                value=unit_id, expected=f"hoạt động trong {period.id}",
                expected_en=f"active in {period.id}")
        return None
    if (report.unit_name is not None and not report.unit_name.is_formula
            and not is_blank(report.unit_name.value)):
        if nfc(report.unit_name.value) != nfc(str(unit["name"])):
            out.add(report.unit_name, "unit_name", "Tên CĐCS khác với danh mục.",
                    "The CĐCS name differs from the registry.", value=nfc(report.unit_name.value),
                    expected=nfc(str(unit["name"])), severity="warning")
    submitted_on = None
    if (report.submitted_on is not None and not report.submitted_on.is_formula
            and not is_blank(report.submitted_on.value)):
        submitted_on = parse_day(nfc(report.submitted_on.value))
        if submitted_on is None or submitted_on > ctx.today:
            out.add(report.submitted_on, "submitted_on", "Ngày gửi báo cáo không hợp lệ.",
                    "Invalid submission date.", value=report.submitted_on.value,
                    expected=f"ngày dd/mm/yyyy không sau {ctx.today:%d/%m/%Y}",
                    expected_en=f"a date dd/mm/yyyy not after {ctx.today:%d/%m/%Y}")
    row: dict[str, Any] = {"unit_id": unit_id, "period": period.id,
                           "submitted_on": submitted_on or ctx.today}
    eligible = founded <= pd.Timestamp(period.cut_off) - pd.DateOffset(months=12)
    asked = load_sectors_asked()
    for element in elements:
        cell = report.values.get(element.name)
        if cell is None:
            cell = Cell(None, ref=None, row=report.unit_id.row, sheet=report.unit_id.sheet)
        value = convert(element, cell, out, ctx.settings)
        if value is not None and element.year_only and period.half == 1:
            out.add(cell, element.name,
                    f"'{element.label_vi}' chỉ báo cáo trong báo cáo năm (kỳ H2).",
                    f"'{element.label_en}' is reported in the year report (H2) only.",
                    value=cell.value, expected="để trống trong báo cáo 6 tháng",
                    expected_en="blank in the six-month report (H1)")
            value = None
        elif value is not None and element.name == "rating" and not eligible:
            out.add(cell, element.name, *RATING_YOUNG_MESSAGE, value=cell.value,
                    expected=f"để trống (thành lập {founded:%d/%m/%Y})",
                    expected_en=f"blank (founded {founded:%d/%m/%Y})")
            value = None
        elif (value is None and is_blank(cell.value) and not cell.is_formula
              and element.name not in OPTIONAL_ELEMENTS
              and unit.get("sector") in asked.get(element.name, {unit.get("sector")})):
            out.add(cell, element.name, f"Thiếu '{element.label_vi}' (bắt buộc).",
                    f"'{element.label_en}' is missing (required).", value=None,
                    expected="một giá trị", expected_en="a value")
        row[element.name] = value
    _cross_rules(report, row, out)
    _outliers(report, row, elements, history.get(unit_id), ctx, out)
    _below_first_half(report, row, elements, history.get(unit_id), out)
    return row


def _cross_rules(report: RawReport, row: dict[str, Any], out: _Collector) -> None:
    """The rules between fields of one report (:mod:`congdoan.core.checks`), located."""
    elements = load_elements()
    for rule in report_rules(load_register(), elements):
        a, b = row.get(rule.field), row.get(rule.limit)
        if a is not None and b is not None and a > b:
            vi, en = at_most_message(rule, a, b, elements)  # it names the field of the limit
            out.add(report.values.get(rule.field), rule.field, vi, en,
                    value=a, expected=f"≤ {b}", value_said=True)
    if row.get("cba_grade") is not None and row.get("cba_signed") != 1:
        out.add(report.values.get("cba_grade"), "cba_grade", *GRADE_MESSAGE,
                value=row.get("cba_grade"), expected=GRADE_EXPECTED,
                expected_en="blank, or the agreement's line answered yes")


def _history_stats(history: pd.DataFrame | None,
                   elements: tuple[DataElement, ...]) -> dict[str, pd.DataFrame]:
    if history is None or history.empty:
        return {}
    numeric = [e.name for e in elements if e.kind in ("int", "vnd") and e.name in history]
    frame = history[["unit_id", "period", *numeric]]
    return {str(unit): part for unit, part in frame.groupby("unit_id")}


def modified_z(value: float, history: np.ndarray) -> float | None:
    """Modified z-score of ``value`` against ``history`` (Iglewicz–Hoaglin); None when MAD = 0."""
    median = float(np.median(history))
    mad = float(np.median(np.abs(history - median)))
    if mad == 0:
        return None
    return 0.6745 * (value - median) / mad


def _outliers(report: RawReport, row: dict[str, Any], elements: tuple[DataElement, ...],
              past: pd.DataFrame | None, ctx: Context, out: _Collector) -> None:
    if past is None:
        return
    past = past[past["period"] < row["period"]].sort_values("period").tail(
        ctx.settings.outlier_history)
    for element in elements:
        value = row.get(element.name)
        if value is None or element.name not in past:
            continue
        values = pd.to_numeric(past[element.name], errors="coerce").dropna().to_numpy(float)
        if len(values) < ctx.settings.outlier_min_history:
            continue
        score = modified_z(float(value), values)
        median = float(np.median(values))
        change = abs(value - median) / max(abs(median), 1.0)
        if (score is not None and abs(score) > ctx.settings.outlier_z
                and change >= ctx.settings.outlier_min_change):
            out.add(report.values.get(element.name), element.name,
                    f"Giá trị khác thường so với các kỳ trước của CĐCS (trung vị {median:,.0f}, "
                    f"z cải biên {score:.1f}); kiểm tra lại.",
                    f"Unusual against the union's own history (median {median:,.0f}, "
                    f"modified z {score:.1f}); please check.",
                    value=value, expected=f"|z| ≤ {ctx.settings.outlier_z}", severity="warning")


def _below_first_half(report: RawReport, row: dict[str, Any], elements: tuple[DataElement, ...],
                      past: pd.DataFrame | None, out: _Collector) -> None:
    """Warn when a year report counts fewer people to date than its six-month report did."""
    if past is None or not str(row["period"]).endswith("H2"):
        return
    first = past[past["period"] == str(row["period"])[:4] + "-H1"]
    if first.empty:
        return
    for element in elements:
        value = row.get(element.name)
        if element.aggregation != "ytd" or value is None or element.name not in first:
            continue
        earlier = pd.to_numeric(first[element.name], errors="coerce").iloc[-1]
        if pd.notna(earlier) and value < earlier:
            out.add(report.values.get(element.name), element.name,
                    f"Số lũy kế từ đầu năm ({value}) nhỏ hơn số đã báo cáo 6 tháng đầu năm "
                    f"({int(earlier)}); báo cáo năm tính mọi người từ đầu năm, mỗi người một lần.",
                    f"The year-to-date count ({value}) is below the six-month report's "
                    f"({int(earlier)}); the year report counts everyone since the year began, "
                    "each once.", value=value, expected=f"≥ {int(earlier)}", severity="warning")
