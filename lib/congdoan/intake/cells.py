"""A submitted file as read, and each cell's conversion to a typed value.

Readers (:mod:`congdoan.intake.readers`) turn a file into a :class:`ParsedFile` of
:class:`RawReport` objects whose every value is a :class:`Cell` that keeps where it came from
(sheet and cell, or CSV row). :func:`convert` makes the stored value of one cell for a data
element (whole numbers ≥ 0 up to a plausible maximum, yes/no, categories; formulas refused; text
normalised to Unicode NFC), adding a located :class:`~congdoan.intake.problems.Problem` for
what it cannot read to a :class:`_Collector`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from congdoan.core.plan import DataElement
from congdoan.intake.problems import (
    FORMULA_PREFIXES,
    IntakeSettings,
    Problem,
    Severity,
    has_errors,
)

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
class ParsedFile:
    """What a reader found in one file (``fields``: the field codes its layout lists)."""

    name: str
    layout: Literal["form", "bulk", "csv"]
    reports: list[RawReport] = field(default_factory=list)
    form_version: Cell | None = None
    fields: list[str] = field(default_factory=list)
    submitted_by: str | None = None
    problems: list[Problem] = field(default_factory=list)


def nfc(value: Any) -> Any:
    """Unicode NFC form of text (other values unchanged), stripped of surrounding blanks."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip().replace("\u00a0", " ")
    return value


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
            severity: Severity = "error", value_said: bool = False) -> None:
        cell = cell or Cell(None)
        self.keep(Problem(
            file=self.file, sheet=cell.sheet, cell=cell.ref, row=cell.row, field=field_name,
            value=value, expected=expected, expected_en=expected_en, message_vi=vi,
            message_en=en, severity=severity, value_said=value_said))

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
