"""The programmes of the plan (section III, ``activities`` of ``data_elements.yaml``) in Excel.

The plan workbook (:mod:`congdoan.intake.plan_template`) has a sheet :data:`PROGRAMMES_SHEET`:
one row per programme the report forms ask about (code, name, clause, "Giữ"), and
:data:`NEW_PROGRAMME_ROWS` rows :data:`~congdoan.intake.plan_sheet.NEW_MARK` to add the union's
own (a name and a clause; the code is made from the name). :func:`read_programmes` reads it,
with located problems; :func:`programme_changes` gives the new ``activities`` list and a line
per change. A workbook without the sheet leaves the programmes as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from congdoan.core.plan import Activity
from congdoan.intake.cells import Cell, is_blank, nfc
from congdoan.intake.own_headers import fold
from congdoan.intake.plan_sheet import NEW_MARK, Column, _Reader
from congdoan.intake.problems import Budget, IntakeSettings, LimitExceeded, Problem
from congdoan.intake.readers import grid_cell, open_workbook, sheet_grid, unreadable_workbook
from congdoan.intake.units import FIRST_ROW, KEY_ROW

PROGRAMMES_SHEET = "ChuongTrinh"
NEW_PROGRAMME_ROWS = 5
"""Rows for new programmes the template leaves below the programmes."""

PROGRAMME_COLUMNS = (
    Column("name", "Mã chương trình (không sửa)", "Programme code (locked)", "code", 22),
    Column("label_vi", "Tên chương trình", "Name", "text", 48),
    Column("clause", "Điều khoản (mục III)", "Clause", "clause", 14),
    Column("keep", "Giữ (Không: mẫu báo cáo không hỏi nữa)", "Keep (Không: forms stop asking)",
           "yes_no", 14),
)
"""Columns of sheet :data:`PROGRAMMES_SHEET`, in order."""


@dataclass
class ProgrammeSheet:
    """What sheet :data:`PROGRAMMES_SHEET` holds once read (``present`` False: no such sheet)."""

    present: bool = False
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_programmes(name: str, data: bytes, activities: tuple[Activity, ...],
                    settings: IntakeSettings) -> ProgrammeSheet:
    """Read and check the programmes sheet of a plan workbook; problems located by cell."""
    out = ProgrammeSheet()
    budget = Budget(name, settings, template="congdoan plan template")
    workbook, refused = open_workbook(name, data, budget)
    if refused is not None:
        out.problems.append(refused)
        return out
    reader = _Reader(name, settings)
    try:
        if PROGRAMMES_SHEET not in workbook.sheetnames:
            return out
        out.present = True
        grid = sheet_grid(workbook[PROGRAMMES_SHEET], budget)
        columns = {c.key: c for c in PROGRAMME_COLUMNS}
        where = {str(nfc(grid_cell(grid, PROGRAMMES_SHEET, KEY_ROW, col).value)): col
                 for col in range(1, len(PROGRAMME_COLUMNS) + 3)
                 if not is_blank(grid_cell(grid, PROGRAMMES_SHEET, KEY_ROW, col).value)}
        missing = [k for k in columns if k not in where]
        if missing:
            reader.out.add(Cell(None, PROGRAMMES_SHEET, f"A{KEY_ROW}"), "header",
                           "Thiếu cột ở dòng mã trường.", "Columns missing from the row of "
                           "field keys.", value=missing, expected="congdoan plan template")
        else:
            known = {a.name: a for a in activities}
            last_row = max((r for r, _ in grid), default=0)
            for row in range(FIRST_ROW, last_row + 1):
                cells = {k: grid_cell(grid, PROGRAMMES_SHEET, row, where[k]) for k in columns}
                code = nfc(cells["name"].value)
                values = {k: reader.value(columns[k], cells[k]) for k in columns if k != "name"}
                if all(v is None for v in values.values()):
                    continue
                if is_blank(code) or code == NEW_MARK:
                    if values["keep"] is not False:
                        _new_programme(reader, out, values, cells, columns)
                elif str(code) not in known or str(code) in out.rows:
                    reader.out.add(cells["name"], "name", "Mã chương trình lạ hoặc lặp (thêm "
                                   f"chương trình: dùng các dòng {NEW_MARK}).", "Unknown or "
                                   "repeated programme code.", value=code,
                                   expected=", ".join(known))
                else:
                    for key in ("label_vi", "clause"):
                        if values[key] is None:
                            reader.bad(cells[key], columns[key], f"Thiếu '{columns[key].label_vi}'.",
                                       f"'{columns[key].label_en}' is missing.", None,
                                       "một giá trị / a value")
                    out.rows[str(code)] = values
    except LimitExceeded as exc:
        out.problems.append(exc.problem)
        return out
    except Exception as exc:  # noqa: BLE001 - a truncated or hostile file is its problem
        out.problems.append(unreadable_workbook(name, exc, "congdoan plan template"))
        return out
    finally:
        workbook.close()
    out.problems.extend(reader.out.closed())
    return out


def _new_programme(reader: _Reader, out: ProgrammeSheet, values: dict[str, Any],
                   cells: dict[str, Cell], columns: dict[str, Column]) -> None:
    for key in ("label_vi", "clause"):
        if values[key] is None:
            reader.bad(cells[key], columns[key], f"Thiếu '{columns[key].label_vi}'.",
                       f"'{columns[key].label_en}' is missing.", None, "một giá trị / a value")
            return
    out.added.append(values)


def programme_code(label: str, taken: set[str]) -> str:
    """A code for a new programme from its name (ASCII, not in ``taken``)."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")[:30] or "chuong_trinh"
    if not base[0].isalpha():
        base = f"ct_{base}"
    code, number = base, 2
    while code in taken:
        code, number = f"{base}_{number}", number + 1
    return code


def programme_changes(activities: tuple[Activity, ...], sheet: ProgrammeSheet
                      ) -> tuple[list[dict[str, Any]], list[str]]:
    """The ``activities`` of ``data_elements.yaml`` as the sheet wants them, and the changes."""
    if not sheet.present:
        return [a.model_dump() for a in activities], []
    wanted: list[dict[str, Any]] = []
    changes: list[str] = []
    for activity in activities:
        row = sheet.rows.get(activity.name)
        entry = activity.model_dump()
        if row is None:
            wanted.append(entry)
            continue
        if row["keep"] is False:
            changes.append(f"{activity.clause} {activity.name}: bỏ chương trình / programme "
                           "dropped")
            continue
        for key in ("label_vi", "clause"):
            if row[key] is not None and row[key] != entry[key]:
                changes.append(f"{activity.clause} {activity.name}: {key} {entry[key]} → "
                               f"{row[key]}")
                entry[key] = row[key]
        wanted.append(entry)
    taken = {a["name"] for a in wanted} | {a.name for a in activities}
    for row in sheet.added:
        code = programme_code(row["label_vi"], taken)
        taken.add(code)
        wanted.append({"name": code, "clause": row["clause"], "label_vi": row["label_vi"],
                       "label_en": row["label_vi"]})
        changes.append(f"{row['clause']} {code}: thêm chương trình / programme added "
                       f"({row['label_vi']})")
    return wanted, changes
