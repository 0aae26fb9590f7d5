"""The plan register as an Excel workbook: its layout, and reading a filled one into ``plan.yaml``.

Layout (:mod:`congdoan.intake.plan_template` writes it; ``congdoan plan template``):

- sheet :data:`PLAN_SHEET` ("KeHoach"): the plan's identity, one field a row (label, field key,
  value) from :data:`~congdoan.intake.units.FIRST_ROW`, and the register's version;
- sheet :data:`TARGETS_SHEET` ("ChiTieu"): one row per indicator, columns keyed on
  :data:`~congdoan.intake.units.KEY_ROW` as in the units list (:func:`target_columns`): the
  annual target (min, max, "trên"), one column per milestone year (:func:`sheet_years`: those
  of sheet KeHoach's "Các năm mốc" and those the lines have; a cleared cell removes a milestone,
  a value in an empty one adds it), "khoảng" and its tolerance, and "Giữ" (Không drops the line).
  Shares are shown and typed as percents; the register keeps fractions. The CĐCS a line counts
  ("Khu vực": all, one sector, the state or the enterprise sectors) can be changed where the line
  counts CĐCS. Below the lines, :data:`NEW_ROWS` rows marked :data:`NEW_MARK` add lines: each
  names an existing line in "Như chỉ tiêu" and takes its way of computing (what is counted, over
  what, at which level), with its own clause, name, words, CĐCS and target: an annual target
  (a "từ" cell) or milestones (milestone cells), one or the other;
- sheet "HuongDan": instructions.

:func:`read_plan_sheet` reads a filled workbook within the intake limits (the report readers'
:func:`~congdoan.intake.readers.open_workbook` and :func:`~congdoan.intake.readers.sheet_grid`)
and checks every cell (located problems, Vietnamese and English);
:func:`congdoan.intake.plan_import.import_plan_sheet` applies it to ``plan.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from congdoan.core.plan import (
    LAST_YEAR,
    POPULATION_SECTORS,
    Indicator,
    PlanRegister,
)
from congdoan.intake.cells import NO, YES, Cell, _Collector, is_blank, nfc, parse_day, refuse_formula
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    LimitExceeded,
    Problem,
)
from congdoan.intake.readers import grid_cell, open_workbook, sheet_grid, unreadable_workbook
from congdoan.intake.units import FIRST_DAY, FIRST_ROW, KEY_ROW

PLAN_SHEET, TARGETS_SHEET = "KeHoach", "ChiTieu"
PLAN_TEMPLATE = "congdoan plan template"
"""The command that writes the workbook (named in messages)."""
VERSION_KEY = "register_version"
"""Key of the row of sheet KeHoach that carries the register's version the sheet was made from."""

Kind = Literal["text", "optional_text", "date", "year", "years", "clause", "code", "value",
               "yes_no", "percent", "shown", "population", "lines", "reading"]

NEW_MARK = "(dòng mới)"
"""What the id cell of a row for a new line shows (the reader takes it as blank)."""
NEW_ROWS = 10
"""Rows for new lines the template leaves below the lines."""

POPULATION_WORDS: dict[str, str] = {
    "all": "Tất cả CĐCS",
    "HCSN": "HCSN",
    "DNNN": "DNNN",
    "NNN": "Ngoài nhà nước",
    "state": "Khu vực nhà nước (HCSN + DNNN)",
    "enterprise": "Doanh nghiệp (DNNN + NNN)",
    "district_federation": "Chính tổ chức",
    "upper_direct": "Công đoàn cấp trên trực tiếp",
    "enterprises_25": "Doanh nghiệp từ 25 lao động",
    "nonunion_enterprises": "Doanh nghiệp chưa có công đoàn",
}
"""How column "Khu vực" names each population; only the CĐCS ones
(:data:`~congdoan.core.plan.POPULATION_SECTORS`) can be chosen."""


@dataclass(frozen=True)
class Column:
    """One field of the workbook: its key, labels, kind and column width."""

    key: str
    label_vi: str
    label_en: str
    kind: Kind
    width: int = 12


IDENTITY_FIELDS = (
    Column("number", "Số hiệu kế hoạch (vd. 12/KH-CĐX)", "Plan number", "optional_text"),
    Column("date", "Ngày ban hành (dd/mm/yyyy)", "Date of issue", "date"),
    Column("issued_by", "Cơ quan ban hành", "Issuing body", "optional_text"),
    Column("title", "Tên kế hoạch (trích yếu)", "Title", "text"),
    Column("implements", "Nghị quyết (văn bản) thực hiện", "Resolution implemented", "text"),
    Column("baseline_year", "Năm gốc", "Baseline year", "year"),
    Column("projection_years", "Các năm dự báo (cách nhau bởi dấu phẩy)", "Projection years",
           "years"),
    Column("milestone_years", "Các năm mốc (cách nhau bởi dấu phẩy; mỗi năm một cột ở trang "
           "ChiTieu)", "Milestone years (one column each in sheet ChiTieu)", "years"),
    Column("untracked", "Chỉ tiêu chưa theo dõi được (chưa có câu hỏi báo cáo; mỗi dòng một "
           "chỉ tiêu: điều khoản: nội dung)", "Targets not followed (one a line)", "lines"),
)
"""Rows of sheet KeHoach: the fields of the ``plan`` block the workbook carries."""

READING_WORDS: dict[str, str] = {"gross": "gộp", "net": "thuần"}
"""How column "Cách đọc" names the reading of a change (members or CĐCS gained)."""

OPTIONAL_ROWS = ("untracked",)
"""Rows of sheet KeHoach a workbook may lack (made before they existed)."""

UNIT_WORDS = {"share": "%", "count": "số", "per_unit": "bình quân/CĐCS"}
"""How the unit of each measure is shown (column 'Đơn vị')."""


def sheet_years(register: PlanRegister) -> tuple[int, ...]:
    """The milestone years sheet ChiTieu has a column for, in order.

    The plan's own list (``plan.milestone_years``, the cell "Các năm mốc" of sheet KeHoach) and
    every year a line has a milestone in.
    """
    return tuple(sorted({*register.plan.milestone_years, *register.milestone_years}))


def with_years(register: PlanRegister, years: tuple[int, ...]) -> PlanRegister:
    """``register`` with ``years`` among the plan's milestone years (a column each in the sheet)."""
    wanted = tuple(sorted({*register.plan.milestone_years, *years}))
    if wanted == register.plan.milestone_years:
        return register
    plan = register.plan.model_copy(update={"milestone_years": wanted})
    return register.model_copy(update={"plan": plan})


def target_columns(register: PlanRegister) -> tuple[Column, ...]:
    """Columns of sheet ChiTieu, in order: one per year of :func:`sheet_years`."""
    years = tuple(Column(f"milestone_{y}", f"Mốc năm {y}", f"Milestone {y}", "value")
                  for y in sheet_years(register))
    return (
        Column("id", "Mã chỉ tiêu (không sửa)", "Indicator id (locked)", "code", 22),
        Column("based_on", "Như chỉ tiêu (dòng mới: mã của dòng có cùng cách tính)",
               "Same measure as (new lines: id of the line to copy)", "code", 20),
        Column("clause", "Điều khoản", "Clause", "clause", 10),
        Column("name_vi", "Tên chỉ tiêu", "Name", "text", 34),
        Column("wording_vi", "Nội dung (nguyên văn kế hoạch)", "The plan's words", "text", 48),
        Column("unit", "Đơn vị", "Unit", "shown", 9),
        Column("population", "Khu vực (CĐCS được tính)", "Which CĐCS count", "population", 16),
        Column("reading", "Cách đọc số tăng (gộp: số kết nạp, thành lập; thuần: cuối kỳ − đầu "
               "kỳ)", "Reading of a change (gross: joined; net: end − start)", "reading", 14),
        Column("min", "Chỉ tiêu năm: từ (tối thiểu)", "Annual target: minimum", "value"),
        Column("max", "Chỉ tiêu năm: đến (tối đa, nếu là khoảng)", "Annual target: maximum",
               "value"),
        Column("strict", "\"Trên\" (vượt hẳn mức tối thiểu)", "Strictly above the minimum",
               "yes_no", 11),
        *years,
        Column("about", "\"Khoảng\" (đạt trong sai số)", "About (within a tolerance)",
               "yes_no", 11),
        Column("tolerance", "Sai số của \"khoảng\" (%, trống: mặc định)",
               "Tolerance of 'about' (%, blank: the default)", "percent", 12),
        Column("keep", "Giữ (Không: bỏ chỉ tiêu)", "Keep (Không: drop the line)", "yes_no", 10),
    )


# ----------------------------------------------------------------------------- shown values
def shown_identity(register: PlanRegister) -> dict[str, Any]:
    """What sheet KeHoach shows of the ``plan`` block, as the reader returns it."""
    plan = register.plan
    return {"number": plan.number, "date": plan.date, "issued_by": plan.issued_by,
            "title": plan.title, "implements": plan.implements,
            "baseline_year": plan.baseline_year, "projection_years": plan.projection_years,
            "milestone_years": sheet_years(register), "untracked": plan.untracked}


def shown_indicator(ind: Indicator, years: tuple[int, ...]) -> dict[str, Any]:
    """What the template shows of ``ind``, as the reader returns it (shares as fractions)."""
    marks = list((ind.milestones or {}).values())
    tolerances = {m.tolerance for m in marks} if marks else {ind.target.tolerance if ind.target
                                                             else None}
    shown: dict[str, Any] = {
        "id": ind.id, "based_on": None, "clause": ind.clause, "name_vi": ind.name_vi,
        "wording_vi": ind.wording_vi, "unit": UNIT_WORDS[ind.measure],
        "population": ind.population, "reading": ind.reading,
        "min": ind.target.min if ind.target else None,
        "max": ind.target.max if ind.target else None,
        "strict": ind.target.strict if ind.target else any(m.strict for m in marks),
        "about": any(m.about for m in marks) if marks else bool(ind.target and ind.target.about),
        "tolerance": next(iter(tolerances)) if len(tolerances) == 1 else None,
        "keep": True}
    for year in years:
        mark = (ind.milestones or {}).get(year)
        shown[f"milestone_{year}"] = None if mark is None else mark.value
    return shown


def _percent_text(value: float) -> str:
    return f"{value * 100:g} %"


def describe(value: Any, share: bool) -> str:
    """A value as the change list shows it: ``70 %``, ``600``, ``Có``, ``—`` for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float) and share:
        return _percent_text(value)
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, tuple):
        return ", ".join(map(str, value))
    return str(value)


def applies(ind: Indicator, key: str, kind: str | None = None) -> bool:
    """True when ``key`` is a field of ``ind`` (or of a new line like it, of ``kind``).

    Target fields for annual lines; for milestone lines, every milestone year (a value in a year
    the line has no milestone in adds one; a cleared one removes it). "Trên", "khoảng" and its
    tolerance apply to both: a milestone line's to each of its milestones. "Khu vực" where the
    line counts CĐCS; "Như chỉ tiêu" to new lines only.
    """
    kind = kind or ind.kind
    if key in ("min", "max"):
        return kind == "annual"
    if key.startswith("milestone_"):
        return kind == "milestone"
    if key == "population":
        return ind.population in POPULATION_SECTORS
    if key == "reading":
        return ind.reading is not None
    return key != "based_on"


def counts_cdcs(ind: Indicator) -> bool:
    """True when ``ind`` counts CĐCS of some sectors (its "Khu vực" can be chosen)."""
    return ind.population in POPULATION_SECTORS


# ----------------------------------------------------------------------------- reading
_BAD = object()
"""A cell that could not be read (its problem is recorded)."""


class _Reader:
    """Converts the cells of a plan workbook, collecting located problems."""

    def __init__(self, name: str, settings: IntakeSettings) -> None:
        self.out = _Collector(name, settings.max_problems)

    def value(self, column: Column, cell: Cell, *, share: bool = False) -> Any:
        """The value of ``cell`` for ``column`` (None when blank, :data:`_BAD` when wrong)."""
        raw = nfc(cell.value)
        if cell.is_formula:
            refuse_formula(cell, column.key, self.out)
            return _BAD
        if is_blank(raw):
            return None
        reader = {"date": self._date, "year": self._year, "years": self._years,
                  "value": self._number, "percent": self._number, "yes_no": self._yes_no,
                  "population": self._population, "lines": self._lines,
                  "reading": self._reading}.get(column.kind, self._text)
        return reader(column, cell, raw, share or column.kind == "percent")

    def bad(self, cell: Cell, column: Column, vi: str, en: str, value: Any,
            expected: str, expected_en: str | None = None) -> Any:
        self.out.add(cell, column.key, vi, en, value=value, expected=expected,
                     expected_en=expected_en)
        return _BAD

    def _text(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        text = unicodedata.normalize("NFC", text)
        if len(text) > 1000 or not text.isprintable():
            return self.bad(cell, column, f"'{column.label_vi}': chữ quá dài hoặc có ký tự ẩn.",
                            f"'{column.label_en}': text too long or holding a hidden character.",
                            text[:40], "≤ 1000 ký tự trên một dòng",
                            "≤ 1000 characters on one line")
        if column.kind == "clause" and not re.fullmatch(r"[0-9A-Za-z.–-]{1,20}", text):
            return self.bad(cell, column, "Điều khoản không đúng dạng.", "Malformed clause.",
                            text, "vd. 1.4 hoặc 2.1–2.4", "e.g. 1.4 or 2.1–2.4")
        return text

    def _date(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        day = parse_day(raw)
        if day is None or not FIRST_DAY <= day <= dt.date(LAST_YEAR, 12, 31):
            return self.bad(cell, column, f"'{column.label_vi}' không phải một ngày hợp lệ.",
                            f"'{column.label_en}' is not a valid date.", raw, "dd/mm/yyyy")
        return day

    def _year(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        text = str(raw).strip().removesuffix(".0")
        if not text.isdigit() or not FIRST_DAY.year <= int(text) <= LAST_YEAR:
            return self.bad(cell, column, f"'{column.label_vi}' không phải một năm.",
                            f"'{column.label_en}' is not a year.", raw,
                            f"{FIRST_DAY.year}–{LAST_YEAR}")
        return int(text)

    def _years(self, column: Column, cell: Cell, raw: Any, share: bool) -> Any:
        parts = [p for p in re.split(r"[,;\s]+", str(raw).strip().removesuffix(".0")) if p]
        years = [self._year(column, cell, p, share) for p in parts]
        return _BAD if _BAD in years else tuple(years)

    def _lines(self, column: Column, cell: Cell, raw: Any, share: bool) -> Any:
        lines = [" ".join(line.split()) for line in str(raw).splitlines() if line.strip()]
        read = [self._text(column, cell, line, share) for line in lines]
        return _BAD if _BAD in read else tuple(read)

    def _reading(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        text = " ".join(str(raw).split()).casefold()
        for key, word in READING_WORDS.items():
            if text in (key, word):
                return key
        return self.bad(cell, column, f"'{column.label_vi}': chỉ nhận gộp hoặc thuần.",
                        f"'{column.label_en}': gross or net only.", raw, "gộp, thuần")

    def _population(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        text = " ".join(str(raw).split()).casefold()
        for key, word in POPULATION_WORDS.items():
            if text in (key.casefold(), word.casefold()):
                return key
        return self.bad(cell, column, f"'{column.label_vi}': khu vực lạ.",
                        f"'{column.label_en}': unknown population.", raw,
                        ", ".join(POPULATION_WORDS[k] for k in POPULATION_SECTORS))

    def _yes_no(self, column: Column, cell: Cell, raw: Any, _share: bool) -> Any:
        text = str(raw).casefold()
        if isinstance(raw, bool) or text in YES + NO:
            return raw if isinstance(raw, bool) else text in YES
        return self.bad(cell, column, f"'{column.label_vi}' chỉ nhận Có hoặc Không.",
                        f"'{column.label_en}' takes yes or no only.", raw, "Có/Không")

    def _number(self, column: Column, cell: Cell, raw: Any, share: bool) -> Any:
        """A number ≥ 0; a share or percent as a fraction.

        A cell formatted % holds the fraction already; a text ``70`` or ``70 %`` is a percent.
        """
        expected = ("0 %–100 % (gõ 70 hoặc 70%)", "0 %–100 % (type 70 or 70%)") if share else (
            "một số ≥ 0", "a number ≥ 0")
        if isinstance(raw, bool):
            return self.bad(cell, column, "Không phải là số.", "Not a number.", raw, *expected)
        if isinstance(raw, (int, float)):
            number = float(raw)
        else:
            text = str(raw).replace(" ", "").replace(",", ".")
            percent = text.endswith("%")
            try:
                number = float(text.removesuffix("%"))
            except ValueError:
                return self.bad(cell, column, f"'{column.label_vi}': không phải là số.",
                                f"'{column.label_en}': not a number.", raw, *expected)
            if percent and not share:
                return self.bad(cell, column, "Chỉ tiêu này không phải tỷ lệ: ghi số, không %.",
                                "This target is not a share: type a number, no %.", raw,
                                *expected)
            number = number / 100 if share else number
        if number < 0 or (share and number > 1):
            return self.bad(cell, column,
                            "Tỷ lệ phải từ 0 % đến 100 %." if share else "Số phải ≥ 0.",
                            "A share is from 0 % to 100 %." if share else "A number ≥ 0.",
                            _percent_text(number) if share else raw, *expected)
        return round(number, 10)


@dataclass
class PlanSheet:
    """What a plan workbook holds once read: the values of each field, where each came from."""

    name: str
    identity: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    lines: dict[str, dict[str, Any]] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    """(indicator id or 'plan', field key) → the cell it was read from."""
    added: list[NewLine] = field(default_factory=list)
    """Rows that add a line (:data:`NEW_MARK`), in sheet order."""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class NewLine:
    """A row of sheet ChiTieu that adds a line like ``base``, of ``kind``."""

    row: int
    base: Indicator
    kind: Literal["annual", "milestone"]
    line: dict[str, Any]
    cells: dict[str, Cell]


def _read_identity(sheet: PlanSheet, grid: dict[tuple[int, int], tuple[Any, bool]],
                   reader: _Reader) -> None:
    fields = {f.key: f for f in IDENTITY_FIELDS}
    last_row = max((r for r, _ in grid), default=0)
    for row in range(FIRST_ROW, last_row + 1):
        key_cell = grid_cell(grid, PLAN_SHEET, row, 2)
        key, cell = nfc(key_cell.value), grid_cell(grid, PLAN_SHEET, row, 3)
        if key == VERSION_KEY:
            sheet.version = None if is_blank(cell.value) else str(cell.value)
        elif key in fields:
            sheet.identity[key] = reader.value(fields[key], cell)
            sheet.cells[("plan", key)] = cell
        elif not is_blank(key):
            reader.out.add(key_cell, "key", "Mã trường lạ.", "Unknown field key.", value=key,
                           expected=", ".join(fields))
    for key, column in fields.items():
        if key not in sheet.identity and key in OPTIONAL_ROWS:
            continue  # a workbook made before the row existed: the field stays as it is
        if key not in sheet.identity:
            reader.out.add(Cell(None, PLAN_SHEET), key, f"Thiếu dòng '{column.label_vi}'.",
                           f"The row '{column.label_en}' is missing.",
                           expected=f"mẫu / the template: {PLAN_TEMPLATE}")
        elif sheet.identity[key] is None and key in ("milestone_years", "untracked"):
            sheet.identity[key] = ()
        elif sheet.identity[key] is None and column.kind not in ("optional_text", "date"):
            reader.out.add(sheet.cells[("plan", key)], key, f"Thiếu '{column.label_vi}'.",
                           f"'{column.label_en}' is missing.", expected="một giá trị / a value")


def _read_targets(sheet: PlanSheet, grid: dict[tuple[int, int], tuple[Any, bool]],
                  reader: _Reader, register: PlanRegister,
                  optional: set[str] | None = None) -> None:
    """Read sheet ChiTieu into ``sheet``, its problems into ``reader``.

    The ``optional`` columns (years just typed in "Các năm mốc") may be absent: a workbook made
    before they were typed gets them in the next template.
    """
    columns = {c.key: c for c in target_columns(register)}
    last_col = max((c for r, c in grid if r == KEY_ROW), default=0)
    where: dict[str, int] = {}
    for col in range(1, last_col + 1):
        cell = grid_cell(grid, TARGETS_SHEET, KEY_ROW, col)
        key = nfc(cell.value)
        if is_blank(key):
            continue
        if key not in columns or key in where:
            reader.out.add(cell, "header", "Cột lạ hoặc lặp ở dòng mã trường (vd. một năm mốc "
                           "không có trong kế hoạch).", "Unknown or repeated column in the row "
                           "of field keys (e.g. a milestone year the plan does not have).",
                           value=key, expected=", ".join(columns))
        where[str(key)] = col
    missing = [k for k in columns if k not in where and k not in (optional or set())]
    columns = {k: c for k, c in columns.items() if k in where or k not in (optional or set())}
    if missing:
        reader.out.add(Cell(None, TARGETS_SHEET, f"A{KEY_ROW}"), "header",
                       "Thiếu cột ở dòng mã trường.", "Columns missing from the row of field keys.",
                       value=missing, expected=f"mẫu / the template: {PLAN_TEMPLATE}")
        return
    known = {ind.id: ind for ind in register.indicators}
    last_row = max((r for r, _ in grid), default=0)
    for row in range(FIRST_ROW, last_row + 1):
        cells = {k: grid_cell(grid, TARGETS_SHEET, row, c) for k, c in where.items()}
        marked = nfc(cells["id"].value) == NEW_MARK
        if all(is_blank(c.value) for k, c in cells.items() if not (marked and k == "id")):
            continue
        if marked or is_blank(cells["id"].value):
            _read_new_line(sheet, reader, known, row, cells, columns)
            continue
        ind = known.get(str(nfc(cells["id"].value)))
        if ind is None or ind.id in sheet.lines:
            reader.out.add(cells["id"], "id", "Mã chỉ tiêu lạ hoặc lặp (thêm chỉ tiêu: dùng các "
                           f"dòng {NEW_MARK} ở cuối trang).", "Unknown or repeated indicator id "
                           f"(to add a line, use the rows {NEW_MARK} at the end).",
                           value=nfc(cells["id"].value), expected=", ".join(known))
            continue
        share = ind.measure == "share"
        line = {k: reader.value(columns[k], cells[k], share=share) for k in columns
                if k not in ("id", "unit")}
        sheet.lines[ind.id] = line
        sheet.cells.update({(ind.id, k): c for k, c in cells.items()})
        _check_line(reader, ind, line, cells, columns)
    for ind_id in known.keys() - sheet.lines.keys():
        reader.out.add(Cell(None, TARGETS_SHEET), "id", "Thiếu dòng của chỉ tiêu (bỏ chỉ tiêu: "
                       "chọn Không ở cột 'Giữ').", "The indicator's line is missing (to drop it, "
                       "choose Không in 'Giữ').", value=ind_id, expected=PLAN_TEMPLATE)


def _read_new_line(sheet: PlanSheet, reader: _Reader, known: dict[str, Indicator], row: int,
                   cells: dict[str, Cell], columns: dict[str, Column]) -> None:
    """Read a row that adds a line: it needs a known "Như chỉ tiêu" and one kind of target."""
    base_id = nfc(cells["based_on"].value)
    base = known.get(str(base_id).strip()) if not is_blank(base_id) else None
    if base is None:
        reader.out.add(cells["based_on"], "based_on", "Dòng mới cần mã của một chỉ tiêu có sẵn "
                       "có cùng cách tính (cột 'Như chỉ tiêu').", "A new line needs the id of an "
                       "existing line computed the same way ('Như chỉ tiêu').",
                       value=None if is_blank(base_id) else base_id, expected=", ".join(known))
        return
    share = base.measure == "share"
    line = {k: reader.value(columns[k], cells[k], share=share) for k in columns
            if k not in ("id", "unit", "based_on")}
    if line["keep"] is False:
        return
    annual = line["min"] is not None or line["max"] is not None
    marks = [k for k in line if k.startswith("milestone_") and line[k] is not None]
    if annual == bool(marks):
        key = "min"
        reader.bad(cells[key], columns[key], "Dòng mới cần chỉ tiêu năm (cột 'từ') hoặc các mốc, "
                   "chỉ một trong hai (chỉ tiêu năm và mốc của cùng một nội dung: hai dòng).",
                   "A new line needs an annual target ('từ') or milestones, one of the two (an "
                   "annual target and milestones of the same measure: two lines).",
                   line[key], "từ, hoặc các mốc / from, or milestones")
        return
    if line["wording_vi"] is None:
        line["wording_vi"] = line["name_vi"]
    added = NewLine(row=row, base=base, kind="annual" if annual else "milestone", line=line,
                    cells=cells)
    for key in ("clause", "name_vi"):
        if line[key] is None:
            reader.bad(cells[key], columns[key], f"Thiếu '{columns[key].label_vi}'.",
                       f"'{columns[key].label_en}' is missing.", None, "một giá trị / a value")
    if line["reading"] not in (None, _BAD) and base.reading is None:
        reader.bad(cells["reading"], columns["reading"], "Chỉ tiêu này không đếm số tăng: để "
                   "trống cách đọc.", "This line counts no change: leave the reading blank.",
                   READING_WORDS[line["reading"]], "để trống / blank")
    if line["population"] not in (None, _BAD) and not counts_cdcs(base):
        reader.bad(cells["population"], columns["population"], "Chỉ tiêu này không tính theo "
                   "CĐCS: để trống khu vực.", "This line does not count CĐCS: leave the "
                   "population blank.", POPULATION_WORDS[line["population"]], "để trống / blank")
    if line["min"] is None and annual:
        reader.bad(cells["min"], columns["min"], f"Thiếu '{columns['min'].label_vi}'.",
                   f"'{columns['min'].label_en}' is missing.", None, "một giá trị / a value")
    _check_values(reader, base, line, cells, columns)
    sheet.added.append(added)


def _check_line(reader: _Reader, ind: Indicator, line: dict[str, Any], cells: dict[str, Cell],
                columns: dict[str, Column]) -> None:
    """Problems of one line's values taken together (what applies, required, min ≤ max)."""
    for key in ("clause", "name_vi", "wording_vi"):
        if line[key] is None:
            reader.bad(cells[key], columns[key], f"Thiếu '{columns[key].label_vi}'.",
                       f"'{columns[key].label_en}' is missing.", None, "một giá trị / a value")
    for key, value in line.items():
        if key == "population" and not applies(ind, key) and value in (ind.population, None):
            continue  # shown, not chosen: a line that does not count CĐCS
        if key == "based_on" and value is not None:
            reader.bad(cells[key], columns[key], "'Như chỉ tiêu' chỉ dùng ở dòng mới "
                       f"({NEW_MARK}): để trống ở dòng có mã.", "'Như chỉ tiêu' is for new lines "
                       f"only ({NEW_MARK}): leave it blank on a line with an id.", value,
                       "để trống / blank")
        elif value is not None and value is not _BAD and not applies(ind, key):
            reader.bad(cells[key], columns[key], "Ô này không áp dụng cho chỉ tiêu (mốc của "
                       "một chỉ tiêu năm, hoặc chỉ tiêu năm của một chỉ tiêu mốc); để trống.",
                       "This cell does not apply to the line (a milestone of an annual line, or "
                       "the annual target of a milestone line); leave it blank.",
                       value, "để trống / blank")
        elif value is None and applies(ind, key) and key == "min":
            reader.bad(cells[key], columns[key], f"Thiếu '{columns[key].label_vi}'.",
                       f"'{columns[key].label_en}' is missing.", None, "một giá trị / a value")
    if ind.kind == "milestone":
        _check_milestones(reader, ind, line, cells, columns)
    _check_values(reader, ind, line, cells, columns)
    if ind.clauses and line["clause"] not in (ind.clause, None, _BAD):
        reader.bad(cells["clause"], columns["clause"], "Dòng chạy qua nhiều điều khoản: sửa "
                   "điều khoản trong params/plan.yaml.", "A line over several clauses: edit its "
                   "clauses in params/plan.yaml.", line["clause"], ind.clause)


def _check_values(reader: _Reader, ind: Indicator, line: dict[str, Any], cells: dict[str, Cell],
                  columns: dict[str, Column]) -> None:
    """A range's maximum not below its minimum; a tolerance only for "khoảng", under 100 %."""
    low, high = line["min"], line["max"]
    if isinstance(low, float) and isinstance(high, float) and high < low:
        reader.bad(cells["max"], columns["max"], "Mức tối đa nhỏ hơn mức tối thiểu.",
                   "The maximum is below the minimum.", describe(high, ind.measure == "share"),
                   f"≥ {describe(low, ind.measure == 'share')}")
    if line["tolerance"] not in (None, _BAD) and line["about"] is not True:
        reader.bad(cells["tolerance"], columns["tolerance"], "Chỉ chỉ tiêu \"khoảng\" mới có sai "
                   "số: chọn Có ở cột 'Khoảng' hoặc để trống ô này.", "Only an 'about' target "
                   "has a tolerance.", _percent_text(line["tolerance"]), "để trống / blank")
    if line["tolerance"] not in (None, _BAD) and line["tolerance"] >= 1:
        reader.bad(cells["tolerance"], columns["tolerance"], "Sai số phải dưới 100 %.",
                   "The tolerance must be below 100 %.", _percent_text(line["tolerance"]), "< 100 %")


def _check_milestones(reader: _Reader, ind: Indicator, line: dict[str, Any],
                      cells: dict[str, Cell], columns: dict[str, Column]) -> None:
    """A milestone line keeps at least one milestone; an increasing one should not go down.

    A line left without any is refused at its first cleared cell; a later milestone below an
    earlier one of an increasing line is a warning at the later cell.
    """
    marks = sorted((int(k.removeprefix("milestone_")), k, v) for k, v in line.items()
                   if k.startswith("milestone_"))
    if all(v is None for _, _, v in marks):
        cleared = next((k for y, k, _ in marks if y in (ind.milestones or {})), marks[0][1])
        reader.bad(cells[cleared], columns[cleared], "Một chỉ tiêu mốc cần ít nhất một mốc; để "
                   "bỏ cả chỉ tiêu, chọn Giữ = Không.", "A milestone line needs at least one "
                   "milestone; to drop the whole line, choose Giữ = Không.", None,
                   "ít nhất một mốc / at least one milestone")
        return
    share = ind.measure == "share"
    highest: tuple[int, float] | None = None
    for year, key, value in marks:
        if not isinstance(value, float) or ind.direction != "increase":
            continue
        if highest is not None and value < highest[1]:
            reader.out.add(cells[key], key, f"Mốc năm {year} ({describe(value, share)}) thấp hơn "
                           f"mốc năm {highest[0]} ({describe(highest[1], share)}) của một chỉ "
                           "tiêu tăng: kiểm tra lại.", f"The {year} milestone is below the "
                           f"{highest[0]} one of an increasing line: check it.",
                           value=describe(value, share),
                           expected=f"≥ {describe(highest[1], share)}", severity="warning")
        if highest is None or value > highest[1]:
            highest = (year, value)


def _check_years(sheet: PlanSheet, reader: _Reader, register: PlanRegister) -> None:
    """The milestone years typed in sheet KeHoach: each after the baseline year, ≤ 2100."""
    years, baseline = sheet.identity.get("milestone_years"), sheet.identity.get("baseline_year")
    if not isinstance(years, tuple) or not isinstance(baseline, int) or (
            years == sheet_years(register)):
        return
    early = [y for y in years if not baseline < y <= LAST_YEAR]
    if early:
        column = next(c for c in IDENTITY_FIELDS if c.key == "milestone_years")
        reader.bad(sheet.cells[("plan", "milestone_years")], column, "Năm mốc phải sau năm gốc "
                   f"({baseline}) và không quá {LAST_YEAR}.", f"A milestone year must be after the "
                   f"baseline year ({baseline}) and at most {LAST_YEAR}.",
                   ", ".join(map(str, early)), f"{baseline + 1}–{LAST_YEAR}")


def read_plan_sheet(name: str, data: bytes, register: PlanRegister,
                    settings: IntakeSettings) -> PlanSheet:
    """Read and check a plan workbook against ``register``; problems located by cell.

    Read within the limits of ``params/intake.yaml`` as report files are.
    """
    sheet = PlanSheet(name=name)
    budget = Budget(name, settings, template=PLAN_TEMPLATE)
    reader = _Reader(name, settings)
    workbook, refused = open_workbook(name, data, budget)
    if refused is not None:
        sheet.problems.append(refused)
        return sheet
    try:
        missing = [s for s in (PLAN_SHEET, TARGETS_SHEET) if s not in workbook.sheetnames]
        if missing:
            sheet.problems.append(Problem(
                file=name, message_vi="Thiếu trang của mẫu kế hoạch.",
                message_en="Sheets of the plan template are missing.", value=missing,
                expected=f"mẫu / the template: {PLAN_TEMPLATE}"))
            return sheet
        _read_identity(sheet, sheet_grid(workbook[PLAN_SHEET], budget), reader)
        _check_years(sheet, reader, register)
        typed = sheet.identity.get("milestone_years")
        # years typed in "Các năm mốc" have their columns in the same workbook (one pass)
        columns = with_years(register, typed) if isinstance(typed, tuple) and not any(
            p.sheet == PLAN_SHEET and p.field == "milestone_years"
            for p in reader.out.problems) else register
        optional = {c.key for c in target_columns(columns)} - {
            c.key for c in target_columns(register)}
        _read_targets(sheet, sheet_grid(workbook[TARGETS_SHEET], budget), reader, columns,
                      optional)
    except LimitExceeded as exc:
        sheet.problems.append(exc.problem)
        return sheet
    except Exception as exc:  # noqa: BLE001 - a truncated or hostile file is its problem
        sheet.problems.append(unreadable_workbook(name, exc, PLAN_TEMPLATE))
        return sheet
    finally:
        workbook.close()
    sheet.problems.extend(reader.out.closed())
    return sheet
