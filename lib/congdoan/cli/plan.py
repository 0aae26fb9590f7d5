"""``congdoan plan``: the workspace's plan register edited in Excel.

``plan template`` writes the workbook (``output/KeHoach.xlsx``) from ``params/plan.yaml``;
``plan read DOCUMENT`` writes it filled from the union's own plan document (.docx, .txt) and
says what it found; ``plan import FILE`` applies a filled one to ``params/plan.yaml`` (all or
nothing) and lists what changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from congdoan.core.workspace import Workspace

if TYPE_CHECKING:
    from congdoan.intake.plan_import import PlanImport


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
    from congdoan.intake.plan_sheet import NEW_ROWS, POPULATION_WORDS, with_years
    from congdoan.intake.plan_template import cell_at, fill_workbook, plan_workbook
    from congdoan.intake.plan_text import (
        document_text,
        line_name,
        match_targets,
        read_plan_text,
        sheet_values,
    )

    workspace: Workspace = args.ws
    out = Path(args.out) if args.out else workspace.output_dir / "KeHoach.xlsx"
    register = load_register(workspace.params_dir)
    plan = read_plan_text(document_text(Path(args.document)))
    reading = match_targets(plan, register, load_register(DEFAULT_PARAMS_DIR))
    activities = load_elements(workspace.params_dir).activities
    values = sheet_values(reading, register, workspace.organisation.name, activities)
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
    vi = args.lang == "vi"
    print(f"{'Đã đọc kế hoạch' if vi else 'Plan read'}: {Path(args.document).name} — {said}")
    print((f"Chỉ tiêu: {len(reading.found)} nhận ra" if vi else
           f"Targets: {len(reading.found)} recognised")
          + ((f", {len(reading.unknown)} chưa theo dõi được" if vi else
              f", {len(reading.unknown)} not followed") if reading.unknown else ""))
    to_fill: list[str] = []
    for found in reading.found:
        target = found.target
        when = f"mốc {target.year}" if target.year and not target.every_year else "hằng năm"
        head = f"   {target.clause or '—':>5} {target.shown():>10}  {when:<9} "
        if found.line is not None:
            print(f"{head}{_short(found.line.name_vi)}" + (" → CẦN ĐIỀN (xem dưới)"
                                                   if found.problem is not None else ""))
            if found.problem is not None:
                key = "min" if found.line.kind == "annual" else f"milestone_{target.year}"
                at = cell_at(book, found.line.id, key) or "?"
                to_fill.append(f"   ô {at} — {target.clause} \"{target.text[:80]}\": "
                               f"{found.problem}")
        else:
            assert found.base is not None
            where = (f" — khu vực {POPULATION_WORDS[found.population]}"
                     if found.population and found.population != found.base.population else "")
            print(f"{head}{_short(line_name(target))}{where}")
    for target in reading.unknown:
        print(f"   {target.clause or '—':>5} {target.shown():>10}  chưa theo dõi được: "
              f"\"{_short(target.text)}\"")
    if reading.unknown:
        print("      (mẫu báo cáo chưa hỏi; báo cáo tóm tắt nêu tên các chỉ tiêu này; thêm câu "
              "hỏi: docs/plan-register.md)" if vi else "      (no report question measures "
              "them; every briefing names them; adding a question: docs/plan-register.md)")
    if reading.named:
        print(("   văn bản nhắc đến, không có số (giữ như mẫu): " if vi else
               "   named without a number (kept as in the template): ")
              + ", ".join(i.name_vi for i in reading.named))
    dropped_programmes = [name for name, keep in values.programmes.items() if not keep]
    gone = [f"{len(reading.dropped)} dòng"] if reading.dropped else []
    if dropped_programmes:
        gone.append(f"{len(dropped_programmes)} chương trình (mục III)")
    if gone:
        print(f"Bỏ {' và '.join(gone)} của kế hoạch mẫu mà văn bản không có (các dòng ấy được "
              "ẩn trong tệp)" if vi else
              f"Dropped: {len(reading.dropped)} template lines and {len(dropped_programmes)} "
              "programmes the document does not have")
    if len(values.new_rows) > NEW_ROWS:
        print(f"Lưu ý: {len(values.new_rows)} dòng mới, tệp chỉ có {NEW_ROWS}: nhập tệp rồi "
              "chạy lại lệnh này cho các dòng còn lại / more new lines than rows")
    print(f"{'Đã ghi' if vi else 'Written'} → {out}")
    if to_fill:
        print(f"CẦN ĐIỀN trước khi nhập ({len(to_fill)} ô, trang ChiTieu):" if vi else
              f"TO FILL before importing ({len(to_fill)} cells, sheet ChiTieu):")
        print("\n".join(to_fill))
        print(f"{'Mở tệp, điền, lưu, rồi' if vi else 'Fill them, save, then'}: congdoan plan "
              f"import {out}")
    else:
        print(f"{'Nếu đúng như văn bản' if vi else 'If it matches'}: congdoan plan import {out}")
    return 0


def _short(text: str, width: int = 60) -> str:
    """``text`` cut at a word before ``width`` characters, with "…" (the workbook has it whole)."""
    return text if len(text) <= width else text[:width].rsplit(" ", 1)[0] + " …"


def _import_command(args: argparse.Namespace) -> int:
    from congdoan.intake.plan_import import import_plan_sheet
    from congdoan.intake.problems import has_errors, load_intake_settings

    workspace: Workspace = args.ws
    target = workspace.params_dir / "plan.yaml"
    result = import_plan_sheet(Path(args.file), workspace.params_dir, load_intake_settings())
    for problem in result.problems[: args.show]:
        print("   " + problem.render(args.lang))
    if len(result.problems) > args.show:
        print(f"   … {len(result.problems) - args.show} "
              + ("dòng nữa" if args.lang == "vi" else "more"))
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
    _print_import(result, target, args.details, args.lang)
    return 0


def _print_import(result: PlanImport, target: Path, details: bool, lang: str) -> None:
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
    if gone:
        print(("   đã bỏ: " if vi else "   dropped: ") + ", ".join(gone))
    if plan.untracked:
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
        "read", help="đọc văn bản kế hoạch của tổ chức (.docx, .txt) vào tệp Excel / read your "
        "plan document into the workbook",
        description="Đọc văn bản kế hoạch (Word .docx hoặc .txt): số hiệu, ngày, các chỉ tiêu "
                    "năm và các mốc; ghi tệp Excel của 'plan template' đã điền sẵn (dòng của kế "
                    "hoạch mẫu không có trong văn bản: Giữ = Không; chỉ tiêu khác cách tính của "
                    "mẫu: dòng mới) và in từng chỉ tiêu tìm thấy. Số văn bản không cho (vd. '105% "
                    "chỉ tiêu được giao') để trống, in ở mục CẦN ĐIỀN: điền vào tệp rồi 'congdoan "
                    "plan import'. / Reads the plan document and writes the workbook filled in; "
                    "fill the cells listed TO FILL, then import it.")
    read.add_argument("document", help="văn bản kế hoạch (.docx, .txt)")
    read.add_argument("--out", default=None, metavar="FILE",
                      help="tệp .xlsx (mặc định output/KeHoach.xlsx)")
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
