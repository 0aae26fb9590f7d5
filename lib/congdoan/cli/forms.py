"""``congdoan template``: the Excel report forms."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from congdoan.cli.common import add_data_argument
from congdoan.intake.forms import write_templates


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.core.sources import open_dataset

    dataset = open_dataset(args.data)
    out = Path(args.out) if args.out else args.ws.forms_dir
    written = write_templates(dataset, args.period, out, args.union, not args.no_bulk)
    print(f"Đã tạo {len(written)} mẫu báo cáo / forms written → {out / args.period}",
          file=sys.stderr)
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan template``."""
    cmd = sub.add_parser("template", help="tạo mẫu báo cáo Excel / write the Excel report forms")
    cmd.add_argument("--period", required=True, help="kỳ báo cáo YYYY-H1 hoặc YYYY-H2")
    cmd.add_argument("--union", action="append", metavar="ID",
                     help="mã CĐCS (lặp lại được); mặc định mọi CĐCS hoạt động")
    cmd.add_argument("--out", default=None,
                     help="thư mục ghi (mặc định output/forms của không gian làm việc)")
    cmd.add_argument("--no-bulk", action="store_true", help="không tạo bảng tổng hợp")
    add_data_argument(cmd)
    cmd.set_defaults(func=_template_command)
