"""``congdoan indicators``: the indicator table as CSV (the contract later tools rely on)."""

from __future__ import annotations

import argparse
import sys

from congdoan.cli.common import add_data_argument
from congdoan.core.indicators import LEVELS, compute_indicators
from congdoan.core.periods import resolve_period
from congdoan.core.sources import open_dataset


def _run(args: argparse.Namespace) -> int:
    dataset = open_dataset(args.data)
    period = resolve_period(args.period, dataset)
    levels = tuple(args.level) if args.level else LEVELS
    table = compute_indicators(dataset, period, levels=levels)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, encoding="utf-8", lineterminator="\n")
        print(f"{len(table)} dòng / rows → {args.out}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan indicators``."""
    from pathlib import Path

    cmd = sub.add_parser("indicators", help="tính chỉ tiêu / compute indicators (CSV)")
    cmd.add_argument("--period", required=True,
                     help="kỳ: YYYY, YYYY-H1, YYYY-H2 hoặc 'latest' (kỳ gần nhất đã kết thúc)")
    cmd.add_argument("--level", action="append", choices=LEVELS,
                     help="cấp tổng hợp (lặp lại được); mặc định tất cả")
    cmd.add_argument("--out", type=Path, default=None, help="tệp CSV (mặc định: stdout)")
    add_data_argument(cmd)
    cmd.set_defaults(func=_run)
