"""``congdoan records``: the enterprise registry and the upper unions' yearly records.

``records template`` writes the book to fill (``output/SoTheoDoi.xlsx``, prefilled with what is
stored); ``records import FILE`` checks a filled book and applies it whole or not at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from congdoan.cli.common import add_list_import_arguments, print_problems
from congdoan.core.workspace import Workspace


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.records import RECORDS_FILE, read_book
    from congdoan.intake.records_template import records_workbook

    workspace: Workspace = args.ws
    out = Path(args.out) if args.out else workspace.output_dir / RECORDS_FILE
    book = read_book(workspace.database_url)
    year = args.year or dt.date.today().year
    save_workbook(records_workbook(book, workspace.organisation, year), out)
    print(f"Đã tạo sổ theo dõi ({len(book.enterprises)} doanh nghiệp, {len(book.upper_records)} "
          f"bản ghi cấp trên có sẵn) / records book written → {out}", file=sys.stderr)
    return 0


def _import_command(args: argparse.Namespace) -> int:
    from congdoan.intake.records_import import import_records

    lang = args.records_lang or args.lang
    workspace: Workspace = args.ws
    result = import_records(Path(args.file), workspace.database_url,
                            Path(args.store) if args.store else None, submitted_by=args.by,
                            lang=lang)
    print(result.summary(lang))
    print_problems(result.problems, args.show, lang)
    return 1 if result.status == "rejected" else 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan records`` and its sub-commands."""
    records = sub.add_parser(
        "records", help="sổ doanh nghiệp và công đoàn cấp trên theo năm: mẫu, nhập / the "
                        "enterprise registry and upper unions' yearly records",
        description="Sổ theo dõi doanh nghiệp trên địa bàn (mã số thuế, xã, loại hình, số lao "
                    "động, CĐCS) và công đoàn cấp trên theo năm (xếp loại, kiểm tra tài chính, "
                    "người lao động nơi chưa có công đoàn được tiếp cận). Xem docs/data.md.")
    actions = records.add_subparsers(dest="records_command", required=True, metavar="ACTION")
    template = actions.add_parser(
        "template", help="tạo sổ Excel để điền / write the Excel book to fill")
    template.add_argument("--out", default=None, metavar="FILE",
                          help="tệp .xlsx (mặc định output/SoTheoDoi.xlsx)")
    template.add_argument("--year", type=int, default=None,
                          help="năm của các dòng cấp trên mới (mặc định năm nay) / year of the "
                               "new upper-union rows")
    template.set_defaults(func=_template_command)
    imp = actions.add_parser("import", help="nhập sổ đã điền / import a filled book")
    imp.add_argument("file", help="tệp .xlsx (từ mẫu)")
    add_list_import_arguments(imp, "records_lang")
    imp.set_defaults(func=_import_command)
