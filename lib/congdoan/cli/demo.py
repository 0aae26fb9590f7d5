"""``congdoan demo``: build the synthetic demo district."""

from __future__ import annotations

import argparse
from pathlib import Path

from congdoan.core.paths import DEMO_DIR
from congdoan.demo.synthetic import write_demo


def _demo_command(args: argparse.Namespace) -> int:
    out = Path(args.out)
    dataset = write_demo(out, scale=args.scale, seed=args.seed)
    print(f"Đã tạo dữ liệu mẫu / demo written: {out} "
          f"({len(dataset.units)} CĐCS, {len(dataset.reports)} báo cáo)")
    if args.scale == 1:  # the intake inbox: the same reports as Excel forms (issue 4)
        from congdoan.intake.ingest import write_demo_inbox

        files = write_demo_inbox(dataset, out / "inbox")
        print(f"Hộp thư báo cáo / inbox: {out / 'inbox'} ({len(files)} tệp Excel)")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan demo``."""
    demo = sub.add_parser("demo", help="tạo huyện mẫu Gia Lâm / build the demo district")
    demo.add_argument("--out", default=str(DEMO_DIR), help="thư mục ghi (mặc định data/demo)")
    demo.add_argument("--scale", type=int, default=1, help="nhân số CĐCS (benchmark)")
    demo.add_argument("--seed", type=int, default=2021, help="hạt giống ngẫu nhiên cố định")
    demo.set_defaults(func=_demo_command)
