"""``congdoan plan``: the workspace's plan register edited in Excel.

``plan template`` writes the workbook (``output/KeHoach.xlsx``) from ``params/plan.yaml``;
``plan read DOCUMENT`` writes it filled from the union's own plan document (.docx, .txt), says
what it found and imports it unless a number is left to fill (``--set`` gives it);
``plan import FILE`` applies a filled one to ``params/plan.yaml`` (all or
nothing) and lists what changed.
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from congdoan.cli.common import near
from congdoan.core.text import cut_at_word
from congdoan.core.workspace import Workspace
from congdoan.exceptions import Location, ParameterError

if TYPE_CHECKING:
    from congdoan.intake.plan_import import PlanImport
    from congdoan.intake.plan_text import Found


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.core.plan import load_elements, load_register, register_version
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.plan_template import plan_workbook

    workspace: Workspace = args.ws
    out = Path(args.out) if args.out else workspace.output_dir / "KeHoach.xlsx"
    register = load_register(workspace.params_dir)
    save_workbook(plan_workbook(register, register_version(workspace.params_dir),
                                workspace.organisation.name,
                                activities=load_elements(workspace.params_dir).activities), out)
    print(f"Đã tạo tệp kế hoạch ({len(register.indicators)} chỉ tiêu) / plan workbook written "
          f"→ {out}", file=sys.stderr)
    print(f"Sửa xong: congdoan plan import {out} / when done: congdoan plan import {out}",
          file=sys.stderr)
    return 0


def _read_command(args: argparse.Namespace) -> int:
    from congdoan.core.paths import DEFAULT_PARAMS_DIR
    from congdoan.core.plan import load_elements, load_register, register_version
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.plan_sheet import NEW_ROWS, with_years
    from congdoan.intake.plan_template import fill_workbook, plan_workbook
    from congdoan.intake.plan_text import (
        document_text,
        match_targets,
        read_plan_text,
        sheet_values,
    )

    workspace: Workspace = args.ws
    vi = args.lang == "vi"
    out = Path(args.out) if args.out else workspace.output_dir / "KeHoach.xlsx"
    register = load_register(workspace.params_dir)
    plan = read_plan_text(document_text(Path(args.document)))
    reading = match_targets(plan, register, load_register(DEFAULT_PARAMS_DIR))
    activities = load_elements(workspace.params_dir).activities
    values = sheet_values(reading, register, workspace.organisation.name, activities)
    open_cells = [f for f in reading.found if f.line is not None and f.problem is not None]
    given = _given(args.set, open_cells)
    for found in open_cells:
        if (number := given.get(_fill_name(found))) is not None:
            assert found.line is not None
            share = found.line.measure == "share"
            values.lines[(found.line.id, _fill_key(found))] = number / 100 if share else number
    book = plan_workbook(with_years(register, reading.years),
                         register_version(workspace.params_dir), workspace.organisation.name,
                         source=Path(args.document).name, activities=activities)
    fill_workbook(book, values.identity, values.lines, values.new_rows[:NEW_ROWS],
                  values.programmes)
    save_workbook(book, out)
    ident = values.identity
    said = ", ".join(f"{label} {ident[key]:%d/%m/%Y}" if key == "date" else f"{label} {ident[key]}"
                     for key, label in (("number", "số"), ("date", "ngày"),
                                        ("issued_by", "của"), ("baseline_year", "năm gốc"),
                                        ("milestone_years", "năm mốc"))
                     if ident.get(key) not in (None, "", ()))
    name = Path(args.document).name
    if given:  # the plan and its list were shown by the reading that asked for these numbers
        print((f"Đã đọc {name}: {len(reading.found)} chỉ tiêu; đã điền: " if vi else
               f"Read {name}: {len(reading.found)} targets; filled: ")
              + ", ".join(f"{key} = {number:g}" for key, number in given.items()))
    else:
        print(f"{'Đã đọc' if vi else 'Read'}: {name} — {said}")
        print(f"Chỉ tiêu đọc được ({len(reading.found)}):" if vi else
              f"Targets recognised ({len(reading.found)}):")
        for found in reading.found:
            print(_target_line(found, values.lines))
    to_fill = [f for f in open_cells if _fill_name(f) not in given]
    if reading.unknown and not given:
        print((f"Chưa theo dõi được ({len(reading.unknown)}; mẫu báo cáo chưa hỏi, báo cáo tóm "
               "tắt nêu tên; không cần làm gì): " if vi else
               f"Not followed ({len(reading.unknown)}; no report question measures them, every "
               "briefing names them; nothing to do): ")
              + "; ".join(f"{t.clause or '—'} {_short(t.text, 40)}" for t in reading.unknown))
    if reading.named:
        print(("Văn bản nhắc đến, không có số (giữ như mẫu): " if vi else
               "Named without a number (kept as in the template): ")
              + ", ".join(i.name_vi for i in reading.named))
    if len(values.new_rows) > NEW_ROWS:
        print(f"Lưu ý: {len(values.new_rows)} dòng mới, tệp chỉ có {NEW_ROWS}: nhập tệp rồi "
              "chạy lại lệnh này cho các dòng còn lại / more new lines than rows")
    shown = near(out)
    if to_fill:
        where = f"cd {shlex.quote(str(workspace.root))} && " if getattr(args, "step", False) \
            else ""  # a step of 'init': said before the officer has gone into the workspace
        again = f"{where}congdoan plan read {shlex.quote(args.document)}" + "".join(
            f" --set {shlex.quote(item)}" for item in args.set) + "".join(
            f" --set {_fill_name(f)}=SỐ" for f in to_fill)
        print("CẦN ĐIỀN (văn bản không cho số), chưa nhập gì:" if vi else
              "TO FILL (the document gives no number), nothing imported:")
        for found in to_fill:
            print(f"   {_fill_name(found)} \"{found.target.text[:80]}\": {found.problem}")
        print(f"Chạy lệnh này, thay SỐ bằng số ấy: {again}" if vi else
              f"Put the number in and run again: {again}")
        print(f"   (hoặc điền ô {', '.join(_cell(book, f) for f in to_fill)} trong {shown} rồi "
              f"congdoan plan import {shown})" if vi else
              f"   (or fill cell {', '.join(_cell(book, f) for f in to_fill)} of {shown}, then "
              f"congdoan plan import {shown})")
        return 0
    if args.no_import:
        if reading.dropped:
            print(f"Bỏ {len(reading.dropped)} dòng của kế hoạch mẫu mà văn bản không có." if vi
                  else f"Dropped {len(reading.dropped)} template lines the document lacks.")
        print(f"{'Đã ghi' if vi else 'Written'} → {shown}; "
              f"{'nhập' if vi else 'import'}: congdoan plan import {shown}")
        return 0
    code = _apply(out, workspace, details=False, show=20, lang=args.lang, read=True,
                  untracked_said=bool(reading.unknown) and not given)
    if code == 0:
        print(f"Chỗ nào đọc sai: sửa {shown} rồi congdoan plan import {shown}" if vi else
              f"Anything misread: edit {shown}, then congdoan plan import {shown}")
    return code


def _target_line(found: Found, cells: dict[tuple[str, str], Any]) -> str:
    """One target as read: clause, number, when, the line's name (and its CĐCS if narrower).

    An existing line is named as the workbook names it (``cells``: the reading may rename it).
    """
    from congdoan.intake.plan_sheet import POPULATION_WORDS
    from congdoan.intake.plan_text import line_name

    target = found.target
    when = f"mốc {target.year}" if target.year and not target.every_year else "hằng năm"
    head = f"   {target.clause or '—':>5} {target.shown():>7}  {when:<9}"
    if found.line is not None:
        name = str(cells.get((found.line.id, "name_vi")) or found.line.name_vi)
        return f"{head}{_short(name)}" + (
            " → CẦN ĐIỀN" if found.problem is not None else "")
    assert found.base is not None
    name = _short(line_name(target))
    who = POPULATION_WORDS.get(found.population or "", "")
    said = found.population == found.base.population or \
        name.casefold().startswith(who.split(" (")[0].casefold())
    return f"{head}{name}" + ("" if said or not who else f" — {who}")


def _cell(book: Any, found: Found) -> str:
    from congdoan.intake.plan_template import cell_at

    assert found.line is not None
    return cell_at(book, found.line.id, _fill_key(found)) or "?"


def _fill_key(found: Found) -> str:
    """The workbook field a target without its number goes to (``min``, ``milestone_2030``)."""
    assert found.line is not None
    return "min" if found.line.kind == "annual" else f"milestone_{found.target.year}"


def _fill_name(found: Found) -> str:
    """How ``--set`` names a target to fill: its clause (``2.1``), a milestone's with its year."""
    clause = found.target.clause or "—"
    return clause if found.line is not None and found.line.kind == "annual" \
        else f"{clause}/{found.target.year}"


def _given(items: list[str], to_fill: list[Found]) -> dict[str, float]:
    """The numbers ``--set CODE=NUMBER`` gives the targets to fill, by :func:`_fill_name`.

    ``CODE`` is the clause, or clause/year for a milestone (the year may be left out when the
    clause has one target to fill). A code that names no target to fill, or a value that is not
    a number ≥ 0 (``105``, ``70 %``, ``12,5``), raises :class:`ParameterError`.
    """
    names = {_fill_name(f): f for f in to_fill}
    expected = ", ".join(f"{name}=SỐ" for name in names) or "(không ô nào cần điền / none)"
    given: dict[str, float] = {}
    for item in items:
        name, _, text = item.partition("=")
        found = names.get(name.strip())
        if found is None and len(matches := [f for n, f in names.items()
                                             if n.split("/")[0] == name.strip()]) == 1:
            found = matches[0]  # a clause with one target to fill needs no year
        try:
            number = float(text.strip().rstrip("%").strip().replace(",", "."))
        except ValueError:
            number = -1.0
        if found is None or not math.isfinite(number) or number < 0:
            raise ParameterError(
                "Không có ô CẦN ĐIỀN nào mang mã này." if found is None else
                "Cần một số ≥ 0.", "No cell TO FILL has this code." if found is None else
                "A number ≥ 0 is needed.", location=Location(field="--set"), value=item,
                expected=expected)
        given[_fill_name(found)] = number
    return given


def _short(text: str, width: int = 60) -> str:
    """``text`` cut at a word before ``width`` characters, with "…" (the workbook has it whole)."""
    return cut_at_word(text, width)


def _import_command(args: argparse.Namespace) -> int:
    return _apply(Path(args.file), args.ws, details=args.details, show=args.show, lang=args.lang)


def _apply(workbook: Path, workspace: Workspace, *, details: bool, show: int, lang: str,
           read: bool = False, untracked_said: bool = False) -> int:
    """Import ``workbook`` into the workspace's plan and say what it now holds; the exit code.

    ``read``: the workbook was just written from the plan document (``plan read``): what the
    template had and the document has not is not listed. ``untracked_said``: the targets no
    question measures were just listed.
    """
    from congdoan.intake.plan_import import import_plan_sheet
    from congdoan.intake.problems import has_errors, load_intake_settings

    target = workspace.params_dir / "plan.yaml"
    result = import_plan_sheet(workbook, workspace.params_dir, load_intake_settings())
    for problem in result.problems[:show]:
        print("   " + problem.render(lang))
    if len(result.problems) > show:
        print(f"   … {len(result.problems) - show} "
              + ("dòng nữa" if lang == "vi" else "more"))
    if result.already:
        print(f"Tệp này đã được nhập, kế hoạch không đổi / this workbook is already imported: "
              f"{target}")
        return 0
    if not result.written:
        if has_errors(result.problems):
            print(f"Không sửa gì trong {target} / nothing changed in {target}")
            return 1
        print(f"Không có thay đổi / no change: {target}")
        return 0
    _print_import(result, target, details, lang, read, untracked_said)
    return 0


def _print_import(result: PlanImport, target: Path, details: bool, lang: str,
                  read: bool = False, untracked_said: bool = False) -> None:
    """What an import changed: in short (the plan, its lines, what went), or each change."""
    from congdoan.core.plan import load_register

    if details:
        print(f"Đã sửa {target} ({len(result.changes)} thay đổi / changes):")
        for change in result.changes:
            print("   " + change)
        if result.removed_questions:
            print(f"Đã bỏ {len(result.removed_questions)} câu hỏi của mẫu báo cáo khỏi "
                  "params/data_elements.yaml / report questions removed:")
            for question in result.removed_questions:
                print("   " + question)
    register = load_register(target.parent)
    plan = register.plan
    annual = [i for i in register.indicators if i.kind == "annual"]
    years = ", ".join(str(y) for y in plan.milestone_years)
    vi = lang == "vi"
    milestones = len(register.indicators) - len(annual)
    print((f"Đã nhập kế hoạch: {plan.short} — {len(annual)} chỉ tiêu năm, {milestones} chỉ tiêu "
           "có mốc" if vi else f"Plan imported: {plan.short} — {len(annual)} annual targets, "
           f"{milestones} with milestones") + (f" ({years})" if years else "")
          + (f", năm gốc {plan.baseline_year}" if vi else f", baseline {plan.baseline_year}"))
    dropped = len(result.dropped_lines)
    gone = [f"{dropped} dòng của kế hoạch mẫu" if vi else f"{dropped} template lines"] \
        if dropped else []
    programmes = len(result.dropped_programmes)
    if programmes:
        gone.append(f"{programmes} chương trình" if vi else f"{programmes} programmes")
    if result.removed_questions:
        gone.append(f"{len(result.removed_questions)} câu hỏi của mẫu báo cáo" if vi else
                    f"{len(result.removed_questions)} report questions")
    if gone and not read:
        print(("   đã bỏ: " if vi else "   dropped: ") + ", ".join(gone))
    if plan.untracked and not untracked_said:
        clauses = "; ".join(u.split(":", 1)[0] for u in plan.untracked)
        print(f"   chưa theo dõi được ({len(plan.untracked)}): {clauses} — báo cáo tóm tắt nêu tên "
              "các chỉ tiêu này" if vi else f"   not followed ({len(plan.untracked)}): {clauses} "
              "— every briefing names them")
    print("Tiếp theo: congdoan template --period YYYY-H2 (mẫu báo cáo năm; H1: 6 tháng)" if vi
          else "Next: congdoan template --period YYYY-H2 (the year report; H1: six months)")
    if not result.layout_kept:
        print("Lưu ý / note: tệp được ghi lại toàn bộ, các dòng chú thích (#) đã mất / the file "
              "was written whole, its comments are lost")


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan plan`` and its sub-commands."""
    plan = sub.add_parser(
        "plan", help="kế hoạch (sổ chỉ tiêu) bằng Excel / the plan register in Excel",
        description="Sửa kế hoạch của không gian làm việc (params/plan.yaml) bằng Excel: số "
                    "hiệu, ngày, chỉ tiêu, mốc, bỏ chỉ tiêu. Xem docs/plan-register.md.")
    actions = plan.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    template = actions.add_parser(
        "template", help="tạo tệp Excel từ params/plan.yaml / write the workbook to edit")
    template.add_argument("--out", default=None, metavar="FILE",
                          help="tệp .xlsx (mặc định output/KeHoach.xlsx)")
    template.set_defaults(func=_template_command)
    read = actions.add_parser(
        "read", help="đọc và nhập văn bản kế hoạch của tổ chức (.docx, .txt) / read your plan "
        "document and import it",
        description="Đọc văn bản kế hoạch (Word .docx hoặc .txt): số hiệu, ngày, các chỉ tiêu "
                    "năm và các mốc; in từng chỉ tiêu tìm thấy, ghi tệp Excel của 'plan "
                    "template' đã điền sẵn (dòng của kế hoạch mẫu không có trong văn bản: Giữ = "
                    "Không; chỉ tiêu khác cách tính của mẫu: dòng mới) rồi nhập nó như 'plan "
                    "import'. Số văn bản không cho (vd. '105% chỉ tiêu được giao') in ở mục CẦN "
                    "ĐIỀN và không nhập gì: chạy lại với --set MÃ=SỐ (hoặc điền ô trong tệp Excel "
                    "rồi 'plan import'). Đọc sai chỗ nào: sửa tệp Excel rồi 'plan import'. / "
                    "Reads the plan document, writes the workbook filled in and imports it; a "
                    "number the document does not give is listed TO FILL: give it with --set.")
    read.add_argument("document", help="văn bản kế hoạch (.docx, .txt)")
    read.add_argument("--out", default=None, metavar="FILE",
                      help="tệp .xlsx (mặc định output/KeHoach.xlsx)")
    read.add_argument("--set", action="append", default=[], metavar="MÃ=SỐ",
                      help="số cho một chỉ tiêu CẦN ĐIỀN: mã điều khoản = số (vd. --set 2.1=105; "
                           "mốc: --set ĐIỀU/NĂM=SỐ); lặp lại được / the number of a target TO "
                           "FILL")
    read.add_argument("--no-import", action="store_true",
                      help="chỉ ghi tệp Excel, không nhập / write the workbook only")
    read.set_defaults(func=_read_command)
    imp = actions.add_parser(
        "import", help="ghi tệp đã sửa vào params/plan.yaml / apply the edited workbook",
        description="Ghi các ô đã sửa vào params/plan.yaml: tất cả hoặc không gì (một ô sai thì "
                    "không gì thay đổi, thông báo nêu ô); in tóm tắt kế hoạch sau khi nhập "
                    "(--details: từng thay đổi). / Writes the edited cells to params/plan.yaml, "
                    "all or nothing, and says what the plan now holds.")
    imp.add_argument("file", help="tệp .xlsx tạo bằng 'congdoan plan template'")
    imp.add_argument("--show", type=int, default=20, help="số dòng lỗi hiển thị")
    imp.add_argument("--details", action="store_true",
                     help="in từng thay đổi / list each change")
    imp.set_defaults(func=_import_command)
