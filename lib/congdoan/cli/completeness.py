"""``congdoan completeness``: who has reported, and on time."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from congdoan.cli.common import add_data_argument
from congdoan.core.completeness import completeness
from congdoan.core.sources import open_dataset


def _completeness_command(args: argparse.Namespace) -> int:
    table = completeness(open_dataset(args.data), args.period)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
        print(f"{len(table)} dòng / rows → {args.out}", file=sys.stderr)
        return 0
    shown = table.assign(
        received_share=(table["received_share"] * 100).round(1),
        on_time_share=(table["on_time_share"] * 100).round(1),
        due_date=table["due_date"].dt.strftime("%d/%m/%Y"),
    ).drop(columns=["level", "due_passed"])
    print(shown.rename(columns={
        "upper_id": "mã", "upper_name": "công đoàn cấp trên", "period": "kỳ", "due_date": "hạn",
        "expected": "phải nộp", "received": "đã nhận", "on_time": "đúng hạn", "late": "muộn",
        "missing": "chưa nộp", "received_share": "% đã nhận", "on_time_share": "% đúng hạn",
    }).to_string(index=False))
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan completeness``."""
    cmd = sub.add_parser("completeness",
                         help="tình hình nộp báo cáo / completeness and timeliness of reports")
    cmd.add_argument("--period", required=True, help="kỳ: YYYY, YYYY-H1 hoặc YYYY-H2")
    cmd.add_argument("--out", type=Path, default=None, help="tệp CSV (mặc định: in ra màn hình)")
    add_data_argument(cmd)
    cmd.set_defaults(func=_completeness_command)
