"""Applying a filled plan workbook to ``plan.yaml`` (``congdoan plan import``).

:func:`import_plan_sheet` reads the workbook (:func:`~congdoan.intake.plan_sheet.read_plan_sheet`)
and changes in ``plan.yaml`` only the fields whose cell differs from what the template showed:
all or nothing, and only once the result passes :func:`~congdoan.core.plan.load_register` on a
copy of the parameters folder. The file's lines and comments are kept
(:func:`congdoan.core.plan_file.write_plan`) unless its layout does not allow it; the file is
then written whole and the result says so. Warnings point at what a filled sheet left that
cannot be the union's own plan: the template's count targets, milestones not after the baseline.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from congdoan.core.plan import (
    Indicator,
    PlanRegister,
    load_elements,
    load_register,
    register_version,
)
from congdoan.core.plan_file import (
    unused_elements,
    write_activities,
    write_elements,
    write_plan,
)
from congdoan.core.yamlio import read_yaml
from congdoan.exceptions import CongdoanError
from congdoan.intake.cells import Cell
from congdoan.intake.plan_programmes import programme_changes, read_programmes
from congdoan.intake.plan_sheet import (
    PLAN_SHEET,
    PLAN_TEMPLATE,
    POPULATION_WORDS,
    READING_WORDS,
    TARGETS_SHEET,
    VERSION_KEY,
    NewLine,
    PlanSheet,
    applies,
    describe,
    read_plan_sheet,
    sheet_years,
    shown_identity,
    shown_indicator,
)
from congdoan.intake.problems import IntakeSettings, Problem, has_errors, limit_problem


@dataclass
class PlanImport:
    """The outcome of :func:`import_plan_sheet`: changes made (or none), or the problems."""

    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: bool = False
    layout_kept: bool = True
    """False when ``plan.yaml`` or ``data_elements.yaml`` had to be written whole (comments lost)."""
    removed_questions: list[str] = field(default_factory=list)
    """Report questions (data elements, ``name: label``) removed with a clause the plan dropped."""
    already: bool = False
    """True when this very workbook was the last one imported and the plan is as it left it."""
    dropped_lines: tuple[str, ...] = ()
    """Ids of the lines the import dropped ("Giữ" = Không)."""
    dropped_programmes: tuple[str, ...] = ()
    """Codes of the section III programmes the import dropped."""


LAST_IMPORT = ".last_plan_import.json"
"""In the params folder: the last workbook imported (its sha256) and the register version it
made; importing the same file again then changes nothing and says so, instead of reading the
workbook against the register it already changed."""


def _last_import(params_dir: Path) -> dict[str, str]:
    try:
        got = json.loads((params_dir / LAST_IMPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return got if isinstance(got, dict) else {}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return bool(a == b)


def _plain(value: Any) -> Any:
    """A number as YAML should carry it: an integral float as an int for counts."""
    return int(value) if isinstance(value, float) and value.is_integer() and value > 1 else value


def _set(mapping: dict[str, Any], key: str, value: Any, default: Any) -> None:
    if value == default:
        mapping.pop(key, None)
    else:
        mapping[key] = value


def _set_milestone(marks: dict[int, Any], ind: Indicator, year: int, value: Any,
                   line: dict[str, Any]) -> None:
    """Set, remove (``value`` None) or add the milestone of ``year`` in ``marks`` (YAML data).

    An added milestone takes the clause of ``ind``'s milestone before it (else of its first) and
    the line's "trên", "khoảng" and tolerance as the sheet gives them.
    """
    if value is None:
        del marks[year]
    elif year in marks:
        marks[year]["value"] = _plain(value)
    else:
        had = ind.milestones or {}
        before = [y for y in sorted(had) if y < year]
        added: dict[str, Any] = {"value": _plain(value),
                                 "clause": had[before[-1] if before else min(had)].clause}
        if line.get("strict"):
            added["strict"] = True
        if line["about"]:
            added["about"] = True
            if line["tolerance"] is not None:
                added["tolerance"] = line["tolerance"]
        marks[year] = added
        ordered = sorted(marks.items())
        marks.clear()
        marks.update(ordered)


def _apply_line(raw: dict[str, Any], ind: Indicator, key: str, value: Any,
                line: dict[str, Any]) -> None:
    """Set field ``key`` of the sheet to ``value`` in the indicator's YAML mapping ``raw``."""
    if key in ("clause", "name_vi", "wording_vi", "population", "reading"):
        raw[key] = value
    elif key in ("min", "max"):
        _set(raw["target"], key, _plain(value), None)
    elif key == "strict" and ind.kind == "annual":
        _set(raw["target"], key, bool(value), False)
    elif key.startswith("milestone_"):
        _set_milestone(raw["milestones"], ind, int(key.removeprefix("milestone_")), value, line)
    else:  # strict (a milestone line's), about, tolerance: the target's, or every milestone's
        parts = [raw["target"]] if ind.kind == "annual" else list(raw["milestones"].values())
        flag = key in ("about", "strict")
        for part in parts:
            _set(part, key, bool(value) if flag else value, False if flag else None)


def _word(key: str, value: Any, share: bool) -> str:
    """A field's value as the change list shows it (a population, a reading by its name)."""
    if key == "population":
        return POPULATION_WORDS.get(value, value)
    if key == "reading":
        return READING_WORDS.get(value, value)
    return describe(value, share)


_COPIED = ("numerator", "denominator", "measure", "population", "level", "direction", "prorate",
           "year_only", "reading", "interpretation", "keywords")
"""Fields a new line takes from the line it is like: how it is computed and judged."""


def new_entry(added: NewLine, taken: set[str]) -> dict[str, Any]:
    """The YAML data of a line added by a row of the sheet (an id of its own, not in ``taken``)."""
    base, line = added.base, added.line
    number = 2
    while f"{base.id}_{number}" in taken:
        number += 1
    entry: dict[str, Any] = {"id": f"{base.id}_{number}", "clause": line["clause"],
                             "kind": added.kind, "wording_vi": line["wording_vi"],
                             "name_vi": line["name_vi"], "name_en": line["name_vi"]}
    for key in _COPIED:
        value = getattr(base, key)
        if value is not None and not (key in ("prorate", "year_only") and not value):
            entry[key] = list(value) if isinstance(value, tuple) else value
    if line["population"] is not None:
        entry["population"] = line["population"]
    if line.get("reading") is not None:
        entry["reading"] = line["reading"]
    flags: dict[str, Any] = {}
    if line["strict"]:
        flags["strict"] = True
    if line["about"]:
        flags["about"] = True
        if line["tolerance"] is not None:
            flags["tolerance"] = line["tolerance"]
    if added.kind == "annual":
        entry["target"] = {"min": _plain(line["min"]), **(
            {"max": _plain(line["max"])} if line["max"] is not None else {}), **flags}
    else:
        entry["milestones"] = {
            int(k.removeprefix("milestone_")): {"value": _plain(v), "clause": line["clause"],
                                                **flags}
            for k, v in line.items() if k.startswith("milestone_") and v is not None}
    return entry


def _target_words(added: NewLine) -> str:
    share = added.base.measure == "share"
    line = added.line
    if added.kind == "annual":
        upper = f"–{describe(line['max'], share)}" if line["max"] is not None else ""
        return f"chỉ tiêu năm / annual {describe(line['min'], share)}{upper}"
    return "mốc / milestones " + ", ".join(
        f"{k.removeprefix('milestone_')}: {describe(v, share)}" for k, v in line.items()
        if k.startswith("milestone_") and v is not None)


def _place(entries: list[dict[str, Any]], entry: dict[str, Any]) -> int:
    """Where ``entry`` goes in ``entries``: after the last line of its clause or of one before."""
    order = _clause_order(str(entry["clause"]))
    before = [i for i, e in enumerate(entries) if _clause_order(str(e["clause"]))[:2] <= order]
    return before[-1] + 1 if before else len(entries)


def _clause_order(clause: str) -> tuple[int, ...]:
    """``1.10`` after ``1.9``: a clause's numbers in order."""
    return tuple(int(n) for n in re.findall(r"\d+", clause))


def plan_changes(register: PlanRegister, raw: dict[str, Any], sheet: PlanSheet
                 ) -> tuple[dict[str, Any], list[str]]:
    """``raw`` (the YAML data of ``plan.yaml``) with the sheet's differences applied.

    Also a line describing each difference (``1.1 dialogue_nnn: min 70 % → 60 %``).
    """
    new = copy.deepcopy(raw)
    changes: list[str] = []
    before = shown_identity(register)
    for key, value in sheet.identity.items():
        if not _same(value, before[key]):
            new["plan"][key] = list(value) if isinstance(value, tuple) else value
            changes.append(f"plan.{key}: {describe(before[key], False)} → "
                           f"{describe(value, False)}")
    years = sheet_years(register)
    dropped = set()
    by_id = {entry["id"]: entry for entry in new["indicators"]}
    for ind in register.indicators:
        line, shown = sheet.lines[ind.id], shown_indicator(ind, years)
        share = ind.measure == "share"
        if line["keep"] is False:
            dropped.add(ind.id)
            changes.append(f"{ind.clause} {ind.id}: bỏ / dropped")
            continue
        for key, value in line.items():
            if key != "keep" and applies(ind, key) and not _same(value, shown.get(key)):
                _apply_line(by_id[ind.id], ind, key, value, line)
                pct = share and key != "strict" and key != "about" or key == "tolerance"
                changes.append(f"{ind.clause} {ind.id}: {key} {_word(key, shown.get(key), pct)} → "
                               f"{_word(key, value, pct)}")
    new["indicators"] = [e for e in new["indicators"] if e["id"] not in dropped]
    for row in sheet.added:
        entry = new_entry(row, {e["id"] for e in new["indicators"]})
        at = _place(new["indicators"], entry)
        new["indicators"].insert(at, entry)
        changes.append(f"{entry['clause']} {entry['id']}: thêm dòng / line added "
                       f"(như / as {row.base.id}; {_target_words(row)})")
    served = {c for e in new["indicators"] for c in (e.get("clauses") or [e["clause"]])}
    clauses = [c for c in new["plan"]["clauses"] if c in served]
    added = sorted(served - set(clauses), key=_clause_order)
    in_order = clauses == sorted(clauses, key=_clause_order)
    clauses = sorted(clauses + added, key=_clause_order) if in_order else clauses + added
    for gone in [c for c in new["plan"]["clauses"] if c not in served]:
        changes.append(f"plan.clauses: bỏ điều {gone} (không còn chỉ tiêu nào) / clause dropped "
                       f"{gone} (no line left)")
    for added in sorted(served - set(new["plan"]["clauses"])):
        changes.append(f"plan.clauses: thêm điều / clause added {added}")
    new["plan"]["clauses"] = clauses
    return new, changes


def import_plan_sheet(path: Path, params_dir: Path, settings: IntakeSettings) -> PlanImport:
    """Apply a filled plan workbook to ``params_dir/plan.yaml``: all or nothing.

    Nothing is written when a cell is wrong, when the workbook was made from another version of
    the register, or when the result fails the register's own validation (checked on a copy of
    the folder); the problems then say where. Unchanged cells leave their fields untouched, so
    importing the template as written changes nothing.

    A clause left without lines also takes out of ``data_elements.yaml`` the report questions
    that only served it (:func:`~congdoan.core.plan_file.unused_elements`): both files are
    validated together on the copy and replaced together, or neither is.
    """
    path = Path(path)
    name = unicodedata.normalize("NFC", path.name)
    size = path.stat().st_size
    if size > settings.max_file_mb * 2**20:
        return PlanImport(problems=[limit_problem(name, "max_file_mb", settings,
                                                  f"{size / 2**20:.1f} MB",
                                                  template=PLAN_TEMPLATE)])
    register, version = load_register(params_dir), register_version(params_dir)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if _last_import(params_dir) == {"sha256": digest, "version": version}:
        return PlanImport(already=True)
    sheet = read_plan_sheet(name, data, register, settings)
    activities = load_elements(params_dir).activities
    programmes = read_programmes(name, data, activities, settings)
    sheet.problems.extend(p for p in programmes.problems if p not in sheet.problems)
    if sheet.version != version and (sheet.version is not None or not has_errors(sheet.problems)):
        # said alone: against another register, every line it dropped or added reads as wrong
        return PlanImport(problems=[Problem(
            file=name, sheet=PLAN_SHEET, field=VERSION_KEY,
            message_vi="Tệp được tạo từ một phiên bản khác của params/plan.yaml: kế hoạch đã "
            "sửa sau khi tạo tệp (tệp này đã được nhập rồi?). Để sửa tiếp: congdoan plan "
            "template, sửa tệp mới, rồi nhập.", message_en="The workbook was made from another "
            "version of params/plan.yaml: the plan changed since (was this file imported "
            "already?). To edit further: congdoan plan template, edit the new file, import it.",
            value=sheet.version, expected=version)])
    if sheet.lines and all(line["keep"] is False for line in sheet.lines.values()):
        sheet.problems.append(Problem(
            file=name, sheet=TARGETS_SHEET, field="keep", message_vi="Mọi chỉ tiêu đều bị bỏ; "
            "kế hoạch cần ít nhất một chỉ tiêu.", message_en="Every line is dropped; a plan needs "
            "at least one.", expected="ít nhất một dòng 'Giữ' = Có / at least one line kept"))
    if has_errors(sheet.problems):
        return PlanImport(problems=sheet.problems)
    sheet.problems.extend(template_counts_kept(register, sheet))
    sheet.problems.extend(milestones_not_after_baseline(register, sheet))
    plan_path = params_dir / "plan.yaml"
    raw = read_yaml(plan_path)
    new, changes = plan_changes(register, raw, sheet)
    wanted_activities, programme_lines = programme_changes(activities, programmes)
    changes += programme_lines
    if not changes:
        return PlanImport(problems=sheet.problems)
    elements_path = params_dir / "data_elements.yaml"
    removed = unused_elements(read_yaml(elements_path), raw, new)
    labels = load_elements(params_dir).by_name()
    questions = [f"{n}: {labels[n].label_vi}" for n in removed]
    with tempfile.TemporaryDirectory(dir=params_dir.parent) as scratch:
        trial = Path(scratch) / "params"
        shutil.copytree(params_dir, trial)
        kept = write_plan(trial / "plan.yaml", plan_path.read_text(encoding="utf-8"), raw, new)
        if removed:
            kept = write_elements(trial / elements_path.name,
                                  elements_path.read_text(encoding="utf-8"), removed) and kept
        if programme_lines:
            kept = write_activities(trial / elements_path.name, (trial / elements_path.name)
                                    .read_text(encoding="utf-8"), wanted_activities) and kept
        try:
            load_register(trial)
        except CongdoanError as exc:
            said = {lang: exc.render(lang).replace(str(trial), str(params_dir))
                    for lang in ("vi", "en")}
            return PlanImport(changes=changes, problems=[*sheet.problems, Problem(
                file=name, message_vi="Kế hoạch sau khi sửa không hợp lệ, không gì thay đổi: "
                + said["vi"], message_en="The plan as edited is not valid; nothing changed: "
                + said["en"])])
        _replace_together(trial, params_dir, ["plan.yaml"] + (
            [elements_path.name] if removed or programme_lines else []))
    (params_dir / LAST_IMPORT).write_text(json.dumps(
        {"sha256": digest, "version": register_version(params_dir)}), encoding="utf-8")
    kept_programmes = {a["name"] for a in wanted_activities}
    return PlanImport(changes=changes, problems=sheet.problems, written=True, layout_kept=kept,
                      removed_questions=questions,
                      dropped_lines=tuple(i for i, line in sheet.lines.items()
                                          if line["keep"] is False),
                      dropped_programmes=tuple(a.name for a in activities
                                               if a.name not in kept_programmes))


def _kept_cells(register: PlanRegister, sheet: PlanSheet
                ) -> Iterator[tuple[Indicator, dict[str, Any], str, Cell]]:
    """(indicator, its line, field key, cell) of every cell the sheet read on a line it keeps."""
    for ind in register.indicators:
        line = sheet.lines.get(ind.id)
        if line is None or line.get("keep") is False:
            continue
        for key in line:
            cell = sheet.cells.get((ind.id, key))
            if cell is not None:
                yield ind, line, key, cell


def _warning(sheet: PlanSheet, cell: Cell, key: str, vi: str, en: str, value: str,
             expected: str) -> Problem:
    """A warning located at ``cell`` of the filled sheet."""
    return Problem(file=sheet.name, sheet=cell.sheet, cell=cell.ref, row=cell.row, field=key,
                   severity="warning", message_vi=vi, message_en=en, value=value,
                   expected=expected)


def template_counts_kept(register: PlanRegister, sheet: PlanSheet) -> list[Problem]:
    """A warning at each count target of the template plan a filled sheet leaves as it was.

    Counts (new CĐCS, members gained …) are set at the demo organisation's scale; the template
    colours them for each union to set its own. A line kept with such a value would judge the
    union by another's numbers, as if its own.
    """
    if not register.plan.is_template:
        return []
    years = sheet_years(register)
    return [
        _warning(sheet, cell, key,
                 f"{line.get('clause') or ind.clause} {line.get('name_vi') or ind.name_vi}: còn "
                 "là số của kế hoạch mẫu (ô màu cam, theo quy mô "
                 "tổ chức mẫu); hãy ghi số của kế hoạch mình, hoặc bỏ dòng (Giữ = Không).",
                 f"{ind.clause} {ind.name_en}: still the template plan's number (an orange "
                 "cell, at the demo organisation's scale); write your plan's number, or drop "
                 "the line (Giữ = Không).",
                 describe(shown, False), "số của kế hoạch mình / your number")
        for ind, line, key, cell in _kept_cells(register, sheet)
        if ind.measure == "count" and (key in ("min", "max") or key.startswith("milestone_"))
        and applies(ind, key)
        and (shown := shown_indicator(ind, years).get(key)) is not None and line[key] == shown]


def milestones_not_after_baseline(register: PlanRegister, sheet: PlanSheet) -> list[Problem]:
    """A warning at each milestone a kept line has in or before the baseline year.

    Progress is measured from the baseline year: a milestone there or before it (the template's
    2023 and 2025 when a union's plan starts in 2025) cannot be tracked; clear it, or set the
    baseline year.
    """
    baseline = int(sheet.identity.get("baseline_year") or register.plan.baseline_year)
    return [
        _warning(sheet, cell, key,
                 f"{ind.clause} {ind.name_vi}: mốc năm {year} không sau năm gốc {baseline}, nên "
                 "không theo dõi được tiến độ; xóa ô này nếu kế hoạch không có mốc ấy.",
                 f"{ind.clause} {ind.name_en}: the {year} milestone is not after the baseline "
                 f"year {baseline}, so no progress can be followed; clear the cell if the plan "
                 "has no such milestone.",
                 describe(line[key], ind.measure == "share"),
                 f"mốc sau năm {baseline} / a milestone after {baseline}")
        for ind, line, key, cell in _kept_cells(register, sheet)
        if ind.kind == "milestone" and key.startswith("milestone_") and line[key] is not None
        and (year := int(key.removeprefix("milestone_"))) <= baseline]


def _replace_together(trial: Path, params_dir: Path, names: list[str]) -> None:
    """Replace the files ``names`` of ``params_dir`` by ``trial``'s: all of them, or none.

    Each is staged next to its target first; should a replacement fail, those already replaced
    get their old content back before the error goes on.
    """
    staged = []
    for name in names:
        shutil.copyfile(trial / name, params_dir / f".{name}.new")
        staged.append(name)
    done: list[tuple[Path, bytes]] = []
    try:
        for name in staged:
            target = params_dir / name
            old = target.read_bytes()
            os.replace(params_dir / f".{name}.new", target)
            done.append((target, old))
    except OSError:
        for target, old in done:
            target.write_bytes(old)
        raise
    finally:
        for name in staged:
            (params_dir / f".{name}.new").unlink(missing_ok=True)
