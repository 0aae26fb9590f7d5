"""Validation rules for submitted reports: pure functions, raw cells in, clean rows and problems out.

:mod:`congdoan.intake.ingest` turns a file (form, bulk sheet or CSV) into :class:`RawReport` objects
that keep where every value came from (sheet and cell, or CSV row); :func:`validate_reports`
checks them against the registry, the periods and the rules below, and returns the clean report
rows together with every :class:`Problem` found, each located (file, sheet, cell/row, field),
with the value found and what is expected, in Vietnamese and English.

Rules: types and ranges (whole numbers ≥ 0 up to a plausible maximum, yes/no, categories);
required fields; cross-field rules (women members ≤ members ≤ workers; members upskilled ≤
members; members visited ≤ members in hardship; cases represented ≤ cases needing help; an
agreement is graded only when signed; a rating only in the year report and only where the CĐCS
had been active 12 months at the cut-off); the union exists and was active in the period; the
period exists and its cut-off has passed; the form version; text normalised to Unicode NFC;
formula cells refused; outliers against the union's own history are warnings.

Section III activities (:mod:`congdoan.core.activities`), when a file carries them: for each
programme, activities held, participations and support (đồng) are whole numbers ≥ 0 in range,
all optional (a programme left blank was not run), and participations or support without any
activity held is an error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic

from congdoan.core.activities import MEASURES, activity_fields, activity_key
from congdoan.core.paths import PARAMS_DIR
from congdoan.core.periods import load_settings, parse_period
from congdoan.core.plan import DataElement, load_elements
from congdoan.core.yamlio import load_model
from congdoan.exceptions import CongdoanError, PeriodError

Severity = Literal["error", "warning"]

UNIT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
"""What a CĐCS code may look like (no path separators, no '..')."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet evaluate a cell: such text is exported with '."""

YES = ("1", "có", "co", "yes", "x", "true")
NO = ("0", "không", "khong", "no", "false")

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "rating": {
        "xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
        "tot": "Hoàn thành tốt nhiệm vụ",
        "hoan_thanh": "Hoàn thành nhiệm vụ",
        "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
    },
}
"""Vietnamese labels shown in the form dropdowns for category codes."""

CROSS_RULES: tuple[tuple[str, str], ...] = (
    ("women_members", "members"),
    ("members", "workers"),
    ("members_upskilled", "members"),
    ("members_hardship_visited", "members_in_hardship"),
    ("legal_cases_represented", "legal_cases_need"),
)
"""Pairs (a, b): a must not exceed b."""

OPTIONAL_ELEMENTS = ("cba_signed", "cba_grade", "rating")
"""Elements that may be left blank (not applicable); every other element is required."""


class IntakeSettings(pydantic.BaseModel):
    """Validated content of ``params/intake.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    form_version: str
    max_file_mb: float = pydantic.Field(gt=0)
    max_unpacked_mb: float = pydantic.Field(gt=0)
    max_people: int = pydantic.Field(gt=0)
    max_vnd: int = pydantic.Field(gt=0)
    outlier_z: float = pydantic.Field(gt=0)
    outlier_min_history: int = pydantic.Field(ge=3)
    outlier_history: int = pydantic.Field(ge=3)
    outlier_min_change: float = pydantic.Field(ge=0)


@lru_cache(maxsize=4)
def load_intake_settings(params_dir: Path = PARAMS_DIR) -> IntakeSettings:
    """Load and validate ``intake.yaml``."""
    return load_model(params_dir / "intake.yaml", IntakeSettings)


# ----------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or worth a look (warning) in a submitted file."""

    file: str
    message_vi: str
    message_en: str
    severity: Severity = "error"
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    field: str | None = None
    value: Any = None
    expected: str | None = None

    def where(self, lang: str = "vi") -> str:
        """The location, e.g. ``tệp 'a.xlsx', trang 'BaoCao', ô F17, trường 'members'``."""
        vi = lang == "vi"
        parts = [("tệp" if vi else "file") + f" '{self.file}'"]
        if self.sheet:
            parts.append(("trang" if vi else "sheet") + f" '{self.sheet}'")
        if self.cell:
            parts.append(("ô" if vi else "cell") + f" {self.cell}")
        if self.row is not None:
            parts.append(("dòng" if vi else "row") + f" {self.row}")
        if self.field:
            parts.append(("trường" if vi else "field") + f" '{self.field}'")
        return ", ".join(parts)

    def render(self, lang: str = "vi") -> str:
        """One line for the screen and the error report."""
        vi = lang == "vi"
        head = ("LỖI" if vi else "ERROR") if self.severity == "error" else (
            "CẢNH BÁO" if vi else "WARNING")
        message = (self.message_vi if vi else self.message_en).rstrip(".")
        text = f"[{head}] {self.where(lang)}: {message}"
        if self.value is not None:
            text += "; " + ("giá trị" if vi else "value") + f" {self.value!r}"
        if self.expected:
            text += "; " + ("cần" if vi else "expected") + f" {self.expected}"
        return text


@dataclass(frozen=True)
class Cell:
    """A raw value read from a file and where it was."""

    value: Any
    sheet: str | None = None
    ref: str | None = None
    row: int | None = None
    is_formula: bool = False
    from_text_file: bool = False
    """True for CSV cells, where every value is text (no 'number typed as text' warning)."""


@dataclass
class RawReport:
    """One CĐCS report as read from a file, before validation.

    ``activities``: the section III cells by field code (``tet_sum_vay.events`` …), or None
    when the file has no such section (then the activities already stored are left alone).
    """

    unit_id: Cell
    period: Cell
    values: dict[str, Cell]
    submitted_on: Cell | None = None
    unit_name: Cell | None = None
    activities: dict[str, Cell] | None = None


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


@dataclass
class ParsedFile:
    """What a reader found in one file."""

    name: str
    layout: Literal["form", "bulk", "csv"]
    reports: list[RawReport] = field(default_factory=list)
    form_version: Cell | None = None
    submitted_by: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What validation compares a file with."""

    units: pd.DataFrame
    today: dt.date
    settings: IntakeSettings
    history: pd.DataFrame | None = None


# ----------------------------------------------------------------------------- text helpers
def nfc(value: Any) -> Any:
    """Unicode NFC form of text (other values unchanged), stripped of surrounding blanks."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip().replace("\u00a0", " ")
    return value


def safe_text(value: Any) -> Any:
    """Text that a spreadsheet would evaluate (=, +, -, @ …) prefixed with ``'`` for export."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def is_blank(value: Any) -> bool:
    """True for None, NaN and empty or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and np.isnan(value)


def _label(element: DataElement, lang: str) -> str:
    return element.label_vi if lang == "vi" else element.label_en


class _Collector:
    """Collects problems for one file, locating each from its cell."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, cell: Cell | None, field_name: str | None, vi: str, en: str, *,
            value: Any = None, expected: str | None = None, severity: Severity = "error") -> None:
        cell = cell or Cell(None)
        self.problems.append(Problem(
            file=self.file, sheet=cell.sheet, cell=cell.ref, row=cell.row, field=field_name,
            value=value, expected=expected, message_vi=vi, message_en=en, severity=severity))


# ----------------------------------------------------------------------------- conversions
def convert(element: DataElement, cell: Cell, out: _Collector, settings: IntakeSettings) -> Any:
    """The stored value of one cell (None when blank), adding problems to ``out``."""
    name = element.name
    value = nfc(cell.value)
    if cell.is_formula:
        out.add(cell, name, "Ô chứa công thức, không phải giá trị. Hãy nhập số trực tiếp.",
                "The cell holds a formula, not a value. Type the value itself.",
                value=value, expected="một giá trị nhập trực tiếp / a typed value")
        return None
    if is_blank(value):
        return None
    if element.kind in ("int", "vnd"):
        return _convert_number(element, cell, value, out, settings)
    if element.kind == "bool":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, (int, float)) and value in (0, 1):
            return int(value)
        text = str(value).casefold()
        if text in YES:
            return 1
        if text in NO:
            return 0
        out.add(cell, name, f"'{element.label_vi}' chỉ nhận Có hoặc Không.",
                f"'{element.label_en}' takes yes or no only.", value=value,
                expected="Có/Không (1/0)")
        return None
    labels = CATEGORY_LABELS.get(name, {})
    text = str(value)
    for code in element.values or ():
        if text.casefold() in (code.casefold(), labels.get(code, code).casefold()):
            return code
    allowed = ", ".join(labels.get(c, c) for c in element.values or ())
    out.add(cell, name, f"Giá trị không có trong danh sách của '{element.label_vi}'.",
            f"Value not in the list for '{element.label_en}'.", value=value, expected=allowed)
    return None


def _convert_number(element: DataElement, cell: Cell, value: Any, out: _Collector,
                    settings: IntakeSettings) -> int | None:
    name = element.name
    expected = "số nguyên ≥ 0 / a whole number ≥ 0"
    number: int | None = None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        number = None
    elif isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != round(value):
            out.add(cell, name, "Phải là số nguyên (không có phần thập phân).",
                    "Must be a whole number.", value=value, expected=expected)
            return None
        number = int(value)
    elif isinstance(value, str):
        compact = value.replace(" ", "")
        if re.fullmatch(r"-?\d+", compact):
            number = int(compact)
            if not cell.from_text_file:
                    out.add(cell, name, "Số được nhập dưới dạng văn bản; đã đọc thành số.",
                        "Number typed as text; read as a number.", value=value,
                        severity="warning")
    if number is None:
        out.add(cell, name, f"'{element.label_vi}' phải là số, không phải chữ.",
                f"'{element.label_en}' must be a number, not text.", value=value, expected=expected)
        return None
    if number < 0:
        out.add(cell, name, "Số âm không hợp lệ.", "Negative numbers are not allowed.",
                value=value, expected=expected)
        return None
    limit = settings.max_vnd if element.kind == "vnd" else settings.max_people
    if number > limit:
        out.add(cell, name, "Số quá lớn, không hợp lý cho một CĐCS; kiểm tra lại.",
                "Implausibly large for one CĐCS; check the value.", value=value,
                expected=f"≤ {limit:,}".replace(",", "."))
        return None
    return number


def parse_day(value: Any) -> dt.date | None:
    """A date from an Excel date, ``YYYY-MM-DD`` or ``dd/mm/yyyy`` text; None when unreadable."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    return None


# ----------------------------------------------------------------------------- the rules
def validate_reports(parsed: ParsedFile, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Check every report of ``parsed``; return the clean rows and all problems (reader's first).

    The returned frame has the ``reports.csv`` columns; it is only meaningful when no problem
    is an error (the file is then accepted whole). :func:`validate_submission` also returns
    the section III activities.
    """
    found = validate_submission(parsed, ctx)
    return found.reports, found.problems


def validate_submission(parsed: ParsedFile, ctx: Context) -> Validated:
    """Check every report of ``parsed`` and its activities (see :func:`validate_reports`)."""
    out = _Collector(parsed.name)
    out.problems.extend(parsed.problems)
    if parsed.layout != "csv":
        found = nfc(parsed.form_version.value) if parsed.form_version else None
        if str(found) != ctx.settings.form_version:
            out.add(parsed.form_version, "form_version",
                    "Tệp không đúng phiên bản mẫu báo cáo; hãy dùng mẫu mới (congdoan template).",
                    "The file is not the current form version; use a new form (congdoan template).",
                    value=found, expected=ctx.settings.form_version)
    if not parsed.reports and not any(p.severity == "error" for p in out.problems):
        out.add(None, None, "Tệp không có báo cáo nào.", "The file holds no report.",
                expected="ít nhất một dòng báo cáo / at least one report")
    elements = load_elements().elements
    units = ctx.units.set_index("unit_id")
    history = _history_stats(ctx.history, elements)
    rows: list[dict[str, Any]] = []
    activity_rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], Cell] = {}
    for report in parsed.reports:
        row = _validate_one(report, units, elements, ctx, out, history)
        if row is None:
            continue
        key = (row["unit_id"], row["period"])
        if key in seen:
            out.add(report.unit_id, "unit_id",
                    "Báo cáo của CĐCS cho kỳ này bị lặp lại trong cùng một tệp.",
                    "The same CĐCS and period appear twice in one file.", value=row["unit_id"],
                    expected="mỗi CĐCS một dòng mỗi kỳ / one row per CĐCS and period")
            continue
        seen[key] = report.unit_id
        rows.append(row)
        if report.activities is not None:
            activity_rows += _validate_activities(report.activities, row, ctx, out)
    columns = ["unit_id", "period", "submitted_on", *[e.name for e in elements]]
    carried = any(r.activities is not None for r in parsed.reports)
    activities = (pd.DataFrame(activity_rows, columns=["unit_id", "period", "programme",
                                                       *MEASURES]) if carried else None)
    return Validated(pd.DataFrame(rows, columns=columns), activities, out.problems)


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
                    expected="số hoạt động ≥ 1, hoặc để trống cả ba ô")
            continue
        found.append({"unit_id": row["unit_id"], "period": row["period"],
                      "programme": programme.name, **figures})
    return found


def _validate_one(report: RawReport, units: pd.DataFrame, elements: tuple[DataElement, ...],
                  ctx: Context, out: _Collector,
                  history: dict[str, pd.DataFrame]) -> dict[str, Any] | None:
    """Validate one report; None when its identity (unit, period) is unusable."""
    unit_id = nfc(report.unit_id.value)
    unit_id = "" if is_blank(unit_id) else str(unit_id)
    period_text = nfc(report.period.value)
    period_text = "" if is_blank(period_text) else str(period_text)
    if not UNIT_ID_RE.match(unit_id):
        out.add(report.unit_id, "unit_id", "Mã CĐCS trống hoặc không hợp lệ.",
                "The CĐCS code is empty or malformed.", value=unit_id,
                expected="mã trong danh mục, vd. CDCS-0001 / a registry code")
        return None
    if unit_id not in units.index:
        out.add(report.unit_id, "unit_id", "Mã CĐCS không có trong danh mục.",
                "Unknown CĐCS code (not in the registry).", value=unit_id,
                expected="mã trong danh mục CĐCS / a code from the registry")
        return None
    try:
        period = parse_period(period_text)
    except PeriodError:
        period = None
    settings = load_settings()
    if period is None or period.half is None or period.year < settings.first_year:
        out.add(report.period, "period", "Kỳ báo cáo không hợp lệ.", "Invalid report period.",
                value=period_text,
                expected=f"YYYY-H1 hoặc YYYY-H2, từ {settings.first_year}-H1")
        return None
    if period.cut_off >= ctx.today:
        out.add(report.period, "period", "Kỳ báo cáo chưa kết thúc (chưa qua ngày chốt số liệu).",
                "The period has not ended yet (its cut-off has not passed).", value=period_text,
                expected=f"kỳ có ngày chốt trước {ctx.today:%d/%m/%Y}")
        return None
    unit: dict[str, Any] = {str(k): v for k, v in units.loc[unit_id].items()}
    founded = pd.Timestamp(unit["founded"])
    dissolved = unit["dissolved"]
    if founded > pd.Timestamp(period.cut_off) or (
            pd.notna(dissolved) and pd.Timestamp(dissolved) < pd.Timestamp(period.start)):
        out.add(report.unit_id, "unit_id",
                "CĐCS không hoạt động trong kỳ này (chưa thành lập hoặc đã giải thể).",
                "The CĐCS was not active in this period (not yet founded or dissolved).",
                value=unit_id, expected=f"hoạt động trong {period.id} / active in {period.id}")
        return None
    if report.unit_name is not None and not is_blank(report.unit_name.value):
        if nfc(report.unit_name.value) != nfc(str(unit["name"])):
            out.add(report.unit_name, "unit_name", "Tên CĐCS khác với danh mục.",
                    "The CĐCS name differs from the registry.", value=nfc(report.unit_name.value),
                    expected=nfc(str(unit["name"])), severity="warning")
    submitted_on = None
    if report.submitted_on is not None and not is_blank(report.submitted_on.value):
        submitted_on = parse_day(nfc(report.submitted_on.value))
        if submitted_on is None or submitted_on > ctx.today:
            out.add(report.submitted_on, "submitted_on", "Ngày gửi báo cáo không hợp lệ.",
                    "Invalid submission date.", value=report.submitted_on.value,
                    expected=f"ngày dd/mm/yyyy không sau {ctx.today:%d/%m/%Y}")
    row: dict[str, Any] = {"unit_id": unit_id, "period": period.id,
                           "submitted_on": submitted_on or ctx.today}
    eligible = founded <= pd.Timestamp(period.cut_off) - pd.DateOffset(months=12)
    for element in elements:
        cell = report.values.get(element.name)
        if cell is None:
            cell = Cell(None, ref=None, row=report.unit_id.row, sheet=report.unit_id.sheet)
        value = convert(element, cell, out, ctx.settings)
        if value is not None and element.year_only and period.half == 1:
            out.add(cell, element.name,
                    f"'{element.label_vi}' chỉ báo cáo trong báo cáo năm (kỳ H2).",
                    f"'{element.label_en}' is reported in the year report (H2) only.",
                    value=cell.value, expected="để trống trong báo cáo 6 tháng / blank in H1")
            value = None
        elif value is not None and element.name == "rating" and not eligible:
            out.add(cell, element.name,
                    "CĐCS hoạt động chưa đủ 12 tháng tại ngày chốt nên chưa được xếp loại.",
                    "The CĐCS had not been active 12 months at the cut-off: it is not rated.",
                    value=cell.value,
                    expected=f"để trống (thành lập {founded:%d/%m/%Y}) / blank")
            value = None
        elif (value is None and is_blank(cell.value) and not cell.is_formula
              and element.name not in OPTIONAL_ELEMENTS):
            out.add(cell, element.name, f"Thiếu '{element.label_vi}' (bắt buộc).",
                    f"'{element.label_en}' is missing (required).", value=None,
                    expected="một giá trị / a value")
        row[element.name] = value
    _cross_rules(report, row, out)
    _outliers(report, row, elements, history.get(unit_id), ctx, out)
    return row


def _cross_rules(report: RawReport, row: dict[str, Any], out: _Collector) -> None:
    by_name = load_elements().by_name()
    for small, big in CROSS_RULES:
        a, b = row.get(small), row.get(big)
        if a is not None and b is not None and a > b:
            out.add(report.values.get(small), small,
                    f"'{by_name[small].label_vi}' ({a}) không được lớn hơn "
                    f"'{by_name[big].label_vi}' ({b}).",
                    f"'{by_name[small].label_en}' ({a}) cannot exceed '{by_name[big].label_en}' ({b}).",
                    value=a, expected=f"≤ {b} ({big})")
    if row.get("cba_grade") is not None and row.get("cba_signed") != 1:
        out.add(report.values.get("cba_grade"), "cba_grade",
                "Chỉ xếp loại TƯLĐTT khi đã có thỏa ước còn hiệu lực (cba_signed = Có).",
                "An agreement is graded only when one is in force (cba_signed = yes).",
                value=row.get("cba_grade"), expected="để trống hoặc cba_signed = 1")


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


def has_errors(problems: list[Problem]) -> bool:
    """True when at least one problem is an error."""
    return any(p.severity == "error" for p in problems)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table whose text cells are safe to open in a spreadsheet."""
    columns = ["severity", "file", "sheet", "cell", "row", "field", "value", "expected",
               "message_vi", "message_en"]
    frame = pd.DataFrame([{c: getattr(p, c) for c in columns} for p in problems], columns=columns)
    for col in ("file", "sheet", "field", "value", "expected", "message_vi", "message_en"):
        frame[col] = frame[col].map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return frame


class IntakeError(CongdoanError):
    """A whole input could not be processed (unreadable folder, missing registry …)."""
