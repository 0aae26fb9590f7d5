"""``congdoan plan``: the workspace's plan register edited in Excel.

``plan template`` writes the workbook (``output/KeHoach.xlsx``) from ``params/plan.yaml``;
``plan import FILE`` applies a filled one to ``params/plan.yaml`` (all or nothing) and lists
what changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from congdoan.core.workspace import Workspace


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.core.plan import load_register, register_version
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.plan_template import plan_workbook

    workspace: Workspace = args.ws
    out = Path(args.out) if args.out else workspace.output_dir / "KeHoach.xlsx"
    register = load_register(workspace.params_dir)
    save_workbook(plan_workbook(register, register_version(workspace.params_dir),
                                workspace.organisation.name), out)
    print(f"Đã tạo tệp kế hoạch ({len(register.indicators)} chỉ tiêu) / plan workbook written "
          f"→ {out}", file=sys.stderr)
    print(f"Sửa xong: congdoan plan import {out} / when done: congdoan plan import {out}",
          file=sys.stderr)
    return 0


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
    if not result.written:
        if has_errors(result.problems):
            print(f"Không sửa gì trong {target} / nothing changed in {target}")
            return 1
        print(f"Không có thay đổi / no change: {target}")
        return 0
    print(f"Đã sửa {target} ({len(result.changes)} thay đổi / changes):")
    for change in result.changes:
        print("   " + change)
    if result.removed_questions:
        print(f"Đã bỏ {len(result.removed_questions)} câu hỏi của mẫu báo cáo (chỉ phục vụ điều "
              "khoản đã bỏ) khỏi params/data_elements.yaml / report questions removed:")
        for question in result.removed_questions:
            print("   " + question)
    if not result.layout_kept:
        print("Lưu ý / note: tệp được ghi lại toàn bộ, các dòng chú thích (#) đã mất / the file "
              "was written whole, its comments are lost")
    return 0


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
    imp = actions.add_parser(
        "import", help="ghi tệp đã sửa vào params/plan.yaml / apply the edited workbook",
        description="Ghi các ô đã sửa vào params/plan.yaml: tất cả hoặc không gì (một ô sai thì "
                    "không gì thay đổi, thông báo nêu ô); in từng thay đổi. / Writes the edited "
                    "cells to params/plan.yaml, all or nothing, and lists each change.")
    imp.add_argument("file", help="tệp .xlsx tạo bằng 'congdoan plan template'")
    imp.add_argument("--show", type=int, default=20, help="số dòng lỗi hiển thị")
    imp.set_defaults(func=_import_command)
