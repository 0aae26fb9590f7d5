"""What each cell of a report form accepts, and what it tells the officer, in Vietnamese.

One Excel data validation per field (:func:`field_validation`): a dropdown for yes/no and
categories, a whole number from 0 to a plausible maximum (``params/intake.yaml``) and, for a
field that must not exceed another (``CROSS_RULES``: women members ≤ members …), at most that
field's value once it is filled; a date from the period's start to today for the day of sending
(:func:`date_validation`). Each has its own input hint, shown when the cell is selected, and
its own message naming the field when an entry is refused, within Excel's limits
(:data:`TITLE_MAX`, :data:`MESSAGE_MAX`). :func:`field_hint` is the same hint, short enough to
print beside the field. Intake checks every rule again (:mod:`congdoan.intake.validation`):
these only stop mistakes as they are typed.
"""

from __future__ import annotations

import datetime as dt

from openpyxl.worksheet.datavalidation import DataValidation

from congdoan.core.plan import DataElement, load_elements, load_register, report_rules
from congdoan.intake.cells import CATEGORY_LABELS
from congdoan.intake.problems import load_intake_settings
from congdoan.intake.validation import OPTIONAL_ELEMENTS

TITLE_MAX, MESSAGE_MAX = 32, 255
"""Excel's limits on a data validation's titles and on its messages (characters)."""


def _limit(element: DataElement) -> int:
    settings = load_intake_settings()
    return settings.max_vnd if element.kind == "vnd" else settings.max_people


def _grouped(number: int) -> str:
    """``200000`` → ``200.000`` (Vietnamese grouping)."""
    return f"{number:,}".replace(",", ".")


def not_above(element: DataElement) -> DataElement | None:
    """The field ``element`` must not exceed (the first of :func:`report_rules` on it), if any."""
    elements = load_elements()
    by_name = elements.by_name()
    bigger = next((rule.limit for rule in report_rules(load_register(), elements)
                   if rule.field == element.name), None)
    return by_name[bigger] if bigger in by_name else None


def field_hint(element: DataElement) -> str:
    """What to enter in ``element``'s cell, in a few Vietnamese words (printed beside it)."""
    if element.kind == "bool":
        hint = "Chọn Có hoặc Không."
    elif element.kind == "category":
        hint = "Chọn trong danh sách."
    else:
        kind = "Số tiền (đồng)" if element.kind == "vnd" else "Số nguyên"
        hint = f"{kind} 0 – {_grouped(_limit(element))}."
        bigger = not_above(element)
        if bigger is not None:
            hint += f" Không lớn hơn: {bigger.label_vi}."
    if element.name == "cba_grade":
        hint += " Chỉ điền khi có TƯLĐTT còn hiệu lực."
    elif element.name in OPTIONAL_ELEMENTS:
        hint += " Để trống nếu không áp dụng."
    return hint


def _titled(dv: DataValidation, prompt_title: str, prompt: str, error_title: str,
            error: str) -> DataValidation:
    """``dv`` with its input hint and error message (within Excel's limits), both shown."""
    for text, limit in ((prompt_title, TITLE_MAX), (error_title, TITLE_MAX), (prompt, MESSAGE_MAX),
                        (error, MESSAGE_MAX)):
        if len(text) > limit:
            raise ValueError(f"validation text over {limit} characters: {text!r}")
    dv.promptTitle, dv.prompt, dv.errorTitle, dv.error = prompt_title, prompt, error_title, error
    dv.showInputMessage = dv.showErrorMessage = True
    dv.errorStyle = "stop"
    return dv


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def field_validation(element: DataElement, where: str,
                     bigger_ref: str | None = None) -> DataValidation:
    """The data validation of one field: its rule, input hint and error message, in Vietnamese.

    ``where`` names the field's place as the sheet shows it (``Mục 5``: its number in the
    form; ``Cột AB``: its column in the bulk sheet) and begins both titles, so that each field
    has its own. ``bigger_ref``: the cell (relative, for a column of rows) of the field this
    one must not exceed; the rule then caps the entry at that cell's value once it is filled.
    """
    label = element.label_vi
    hint = field_hint(element)
    prompt = _clip(f"{label}. {hint}", MESSAGE_MAX)
    if element.kind == "bool":
        dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
        return _titled(dv, f"{where}: chọn Có hoặc Không", prompt, f"{where}: chỉ Có hoặc Không",
                       _clip(f"'{label}': chọn Có hoặc Không trong danh sách.", MESSAGE_MAX))
    if element.kind == "category":
        labels = CATEGORY_LABELS.get(element.name, {})
        options = [labels.get(v, v) for v in element.values or ()]
        dv = DataValidation(type="list", formula1=f'"{",".join(options)}"', allow_blank=True)
        return _titled(dv, f"{where}: chọn trong danh sách", prompt,
                       f"{where}: giá trị không hợp lệ",
                       _clip(f"'{label}': chọn một trong: {'; '.join(options)}.", MESSAGE_MAX))
    top = str(_limit(element))
    upper = f'IF({bigger_ref}="",{top},{bigger_ref})' if bigger_ref else top
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2=upper,
                        allow_blank=True)
    kind = "số tiền (đồng)" if element.kind == "vnd" else "số nguyên ≥ 0"
    return _titled(dv, f"{where}: {kind}", prompt, f"{where}: số không hợp lệ",
                   _clip(f"'{label}' phải là số nguyên, không có chữ hay dấu thập phân. {hint}",
                         MESSAGE_MAX))


def date_validation(first: dt.date) -> DataValidation:
    """The day a report is sent: a date from ``first`` (the period's start) to today."""
    dv = DataValidation(type="date", operator="between",
                        formula1=f"DATE({first.year},{first.month},{first.day})",
                        formula2="TODAY()", allow_blank=True)
    since = first.strftime("%d/%m/%Y")
    return _titled(dv, "Ngày gửi báo cáo", f"Nhập ngày dạng dd/mm/yyyy, từ {since} đến hôm nay.",
                   "Ngày không hợp lệ",
                   f"Ngày gửi báo cáo phải là một ngày dd/mm/yyyy từ {since} đến hôm nay.")
