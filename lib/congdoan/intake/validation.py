"""Validation rules for submitted reports: pure functions, raw cells in, clean rows and problems out.

:mod:`congdoan.intake.ingest` turns a file (form, bulk sheet or CSV) into :class:`RawReport` objects
that keep where every value came from (sheet and cell, or CSV row); :func:`validate_reports`
checks them against the registry, the periods and the rules below, and returns the clean report
rows together with every :class:`Problem` found, each located (file, sheet, cell/row, field),
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

Work per file is bounded (:class:`Budget`): rows, columns, filled cells, unpacked size and time
have limits in ``params/intake.yaml``; a file over one is refused with a problem that names the
limit. An error report lists the first ``max_problems`` problems and counts the rest.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pydantic

from congdoan.core import paths
from congdoan.core.activities import MEASURES, activity_fields, activity_key
from congdoan.core.checks import GRADE_MESSAGE, RATING_YOUNG_MESSAGE, at_most_message
from congdoan.core.periods import load_settings, parse_period
from congdoan.core.plan import (
    DataElement,
    load_elements,
    load_register,
    register_version,
    report_rules,
)
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


OPTIONAL_ELEMENTS = ("cba_signed", "cba_grade", "rating")
"""Elements that may be left blank (not applicable); every other element is required."""


class IntakeSettings(pydantic.BaseModel):
    """Validated content of ``params/intake.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    form_version: str
    max_file_mb: float = pydantic.Field(gt=0)
    max_unpacked_mb: float = pydantic.Field(gt=0)
    max_rows: int = pydantic.Field(gt=0)
    max_columns: int = pydantic.Field(gt=0)
    max_cells: int = pydantic.Field(gt=0)
    max_seconds: float = pydantic.Field(gt=0)
    max_problems: int = pydantic.Field(gt=0)
    max_people: int = pydantic.Field(gt=0)
    max_vnd: int = pydantic.Field(gt=0)
    outlier_z: float = pydantic.Field(gt=0)
    outlier_min_history: int = pydantic.Field(ge=3)
    outlier_history: int = pydantic.Field(ge=3)
    outlier_min_change: float = pydantic.Field(ge=0)


def load_intake_settings(params_dir: Path | None = None) -> IntakeSettings:
    """Load and validate ``intake.yaml`` (default: the parameters folder in force)."""
    return _load_intake_settings(Path(params_dir) if params_dir is not None else paths.params_dir())


@lru_cache(maxsize=8)
def _load_intake_settings(params_dir: Path) -> IntakeSettings:
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
    expected_en: str | None = None
    """What is expected, in English (``expected`` is Vietnamese; None: the same text)."""
    omitted: int = 0
    """For the closing line of a capped report: how many problems of this severity it stands
    for (they are counted, not listed); 0 for an ordinary problem."""

    def where(self, lang: str = "vi") -> str:
        """The location, e.g. ``tệp 'a.xlsx', trang 'BaoCao', ô F17, trường 'members'``."""
        vi = lang == "vi"
        parts = [("tệp" if vi else "file") + f" '{printable(self.file)}'"]
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
        expected = self.expected if vi else (self.expected_en or self.expected)
        if expected:
            text += "; " + ("cần" if vi else "expected") + f" {expected}"
        return text


def count_problems(problems: list[Problem]) -> tuple[int, int]:
    """``(errors, warnings)`` in ``problems``, those only counted in a capped report included."""
    errors = sum(p.omitted or 1 for p in problems if p.severity == "error")
    warnings = sum(p.omitted or 1 for p in problems if p.severity == "warning")
    return errors, warnings


LIMITS: dict[str, tuple[str, str]] = {
    "max_file_mb": ("dung lượng tệp (MB)", "file size (MB)"),
    "max_unpacked_mb": ("dung lượng giải nén (MB)", "unpacked size (MB)"),
    "max_rows": ("số dòng", "rows"),
    "max_columns": ("số cột", "columns"),
    "max_cells": ("số ô có dữ liệu", "filled cells"),
    "max_seconds": ("thời gian xử lý một tệp (giây)", "time to process one file (seconds)"),
}
"""The limits of ``params/intake.yaml`` on the work done for one file, with what they count."""


def limit_problem(file: str, limit: str, settings: IntakeSettings, found: str, *,
                  sheet: str | None = None, row: int | None = None,
                  template: str = "congdoan template") -> Problem:
    """The error of a file over ``limit`` (a key of :data:`LIMITS`); ``found``: what it has.

    ``template``: the command that writes the file's template, named in the advice.
    """
    what_vi, what_en = LIMITS[limit]
    bound = getattr(settings, limit)
    setting = f"{limit} = {bound:g} (params/intake.yaml)"
    return Problem(
        file=file, sheet=sheet, row=row,
        message_vi=f"Tệp quá lớn so với giới hạn {what_vi}, {setting}; tệp không được đọc "
        f"tiếp. Hãy tách tệp hoặc dùng mẫu ({template}).",
        message_en=f"The file is too large for the limit on {what_en}, {setting}; it was not "
        f"read further. Split the file or use the template ({template}).",
        value=found, expected=f"≤ {bound:g}")


class LimitExceeded(Exception):
    """Reading or validating a file passed a limit; carries the file's :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


@dataclass
class Budget:
    """The work allowed for one file (limits of ``params/intake.yaml``), checked as it is done.

    Readers and :func:`validate_reports` call :meth:`check_time` as they go and raise
    :class:`LimitExceeded` with a problem naming the limit, so a hostile file stops costing
    time at the limit, whatever its declared size.
    """

    file: str
    settings: IntakeSettings
    template: str = "congdoan template"
    """The command that writes the file's template (named in a limit's advice)."""
    started: float = field(default_factory=time.monotonic)

    def check_time(self) -> None:
        """Raise :class:`LimitExceeded` once the file has taken more than ``max_seconds``."""
        spent = time.monotonic() - self.started
        if spent > self.settings.max_seconds:
            raise LimitExceeded(limit_problem(self.file, "max_seconds", self.settings,
                                              f"> {self.settings.max_seconds:g} s",
                                              template=self.template))

    def check(self, limit: str, count: int, *, sheet: str | None = None,
              row: int | None = None) -> None:
        """Raise :class:`LimitExceeded` when ``count`` exceeds the setting ``limit``."""
        if count > getattr(self.settings, limit):
            raise LimitExceeded(limit_problem(self.file, limit, self.settings, f"≥ {count}",
                                              sheet=sheet, row=row, template=self.template))


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
    """What a reader found in one file (``fields``: the field codes its layout lists)."""

    name: str
    layout: Literal["form", "bulk", "csv"]
    reports: list[RawReport] = field(default_factory=list)
    form_version: Cell | None = None
    fields: list[str] = field(default_factory=list)
    submitted_by: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What validation compares a file with."""

    units: pd.DataFrame
    today: dt.date
    settings: IntakeSettings
    history: pd.DataFrame | None = None
    budget: Budget | None = None
    """The file's limits (time), checked for every report; None: unbounded (tests)."""


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


def printable(text: str) -> str:
    """``text`` with control characters (a new line in a file name …) shown as escapes.

    A file name is printed in every outcome line: a name holding a new line must not be able to
    print a line of its own (a forged "ĐÃ NHẬN: …").
    """
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def unprotected(value: Any) -> Any:
    """A spreadsheet text read back: the ``'`` that :func:`safe_text` put before =, +, -, @ … removed.

    A form exported with a hostile name (``'=Công ty``) then reads as the name itself.
    """
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
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
    """Collects problems for one file, locating each from its cell.

    Only the first ``limit`` problems are kept; the others are counted by severity and
    :meth:`closed` adds one closing line per severity that says how many were left out.
    """

    def __init__(self, file: str, limit: int | None = None) -> None:
        self.file = file
        self.limit = limit
        self.problems: list[Problem] = []
        self.left_out: dict[Severity, int] = {"error": 0, "warning": 0}

    def keep(self, problem: Problem) -> None:
        if self.limit is not None and len(self.problems) >= self.limit:
            self.left_out[problem.severity] += 1
        else:
            self.problems.append(problem)

    def add(self, cell: Cell | None, field_name: str | None, vi: str, en: str, *,
            value: Any = None, expected: str | None = None, expected_en: str | None = None,
            severity: Severity = "error") -> None:
        cell = cell or Cell(None)
        self.keep(Problem(
            file=self.file, sheet=cell.sheet, cell=cell.ref, row=cell.row, field=field_name,
            value=value, expected=expected, expected_en=expected_en, message_vi=vi,
            message_en=en, severity=severity))

    def closed(self) -> list[Problem]:
        """The problems kept, then a line for each severity of which some were left out."""
        words = {"error": ("lỗi", "errors"), "warning": ("cảnh báo", "warnings")}
        tail = [Problem(
            file=self.file, severity=severity, omitted=count,
            message_vi=f"… và {count} {words[severity][0]} khác, không liệt kê (báo cáo chỉ ghi "
            f"{self.limit} vấn đề đầu tiên: max_problems trong params/intake.yaml).",
            message_en=f"… and {count} more {words[severity][1]}, not listed (a report lists the "
            f"first {self.limit} problems: max_problems in params/intake.yaml).")
            for severity, count in self.left_out.items() if count]
        return self.problems + tail

    def has_errors(self) -> bool:
        """True when an error was kept or counted."""
        return bool(self.left_out["error"]) or has_errors(self.problems)


# ----------------------------------------------------------------------------- conversions
def refuse_formula(cell: Cell, field_name: str, out: _Collector) -> None:
    """The error of a formula where a typed value is expected (any cell, text cells too)."""
    out.add(cell, field_name, "Ô chứa công thức, không phải giá trị. Hãy nhập trực tiếp giá trị.",
            "The cell holds a formula, not a value. Type the value itself.",
            value=nfc(cell.value), expected="một giá trị nhập trực tiếp",
            expected_en="a typed value")


def convert(element: DataElement, cell: Cell, out: _Collector, settings: IntakeSettings) -> Any:
    """The stored value of one cell (None when blank), adding problems to ``out``."""
    name = element.name
    value = nfc(cell.value)
    if cell.is_formula:
        refuse_formula(cell, name, out)
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
                expected="Có/Không (1/0)", expected_en="yes or no: 'Có' or 'Không' (1/0)")
        return None
    labels = CATEGORY_LABELS.get(name, {})
    text = str(value)
    for code in element.values or ():
        if text.casefold() in (code.casefold(), labels.get(code, code).casefold()):
            return code
    allowed = ", ".join(labels.get(c, c) for c in element.values or ())
    out.add(cell, name, f"Giá trị không có trong danh sách của '{element.label_vi}'.",
            f"Value not in the list for '{element.label_en}'.", value=value, expected=allowed,
            expected_en="one of " + ", ".join(f"'{labels.get(c, c)}'" for c in element.values or ()))
    return None


def _convert_number(element: DataElement, cell: Cell, value: Any, out: _Collector,
                    settings: IntakeSettings) -> int | None:
    name = element.name
    whole = ("số nguyên ≥ 0", "a whole number ≥ 0")
    number: int | None = None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        number = None
    elif isinstance(value, (int, np.integer)):
        number = int(value)
    elif isinstance(value, (float, np.floating)):
        if not np.isfinite(value) or value != round(value):
            out.add(cell, name, "Phải là số nguyên (không có phần thập phân).",
                    "Must be a whole number.", value=value, expected=whole[0],
                    expected_en=whole[1])
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
                f"'{element.label_en}' must be a number, not text.", value=value,
                expected=whole[0], expected_en=whole[1])
        return None
    if number < 0:
        out.add(cell, name, "Số âm không hợp lệ.", "Negative numbers are not allowed.",
                value=value, expected=whole[0], expected_en=whole[1])
        return None
    limit = settings.max_vnd if element.kind == "vnd" else settings.max_people
    if number > limit:
        out.add(cell, name, "Số quá lớn, không hợp lý cho một CĐCS; kiểm tra lại.",
                "Implausibly large for one CĐCS; check the value.", value=value,
                expected=f"≤ {limit:,}".replace(",", "."), expected_en=f"≤ {limit:,}")
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
              and element.name not in OPTIONAL_ELEMENTS):
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
    for rule in report_rules(load_register(), load_elements()):
        a, b = row.get(rule.field), row.get(rule.limit)
        if a is not None and b is not None and a > b:
            vi, en = at_most_message(rule, a, b)
            out.add(report.values.get(rule.field), rule.field, vi, en,
                    value=a, expected=f"≤ {b} ({rule.limit})")
    if row.get("cba_grade") is not None and row.get("cba_signed") != 1:
        out.add(report.values.get("cba_grade"), "cba_grade", *GRADE_MESSAGE,
                value=row.get("cba_grade"), expected="để trống hoặc cba_signed = 1",
                expected_en="blank, or cba_signed = 1")


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
