"""Where the data comes from: the demo folder, any CSV folder, or (intake) a database URL.

:func:`open_dataset` is the one entry point the CLI, notebooks and batch use; the intake
issue adds database URLs through :data:`URL_OPENERS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from congdoan.dataset import Dataset, read_dataset
from congdoan.paths import DEMO_DIR

URL_OPENERS: dict[str, Callable[[str], Dataset]] = {}
"""Opener per URL scheme prefix (e.g. ``'sqlite'``, ``'postgresql'``), registered by store."""


def open_dataset(source: str | Path | None = None, *, build_demo: bool = True) -> Dataset:
    """Open a dataset.

    Args:
        source: a folder of CSV, a database URL, or None for the demo district.
        build_demo: when ``source`` is None and ``data/demo`` is missing, build it first.

    """
    if source is None:
        if build_demo and not (DEMO_DIR / "reports.csv").exists():
            from congdoan.demo import write_demo

            print(f"Chưa có dữ liệu mẫu; đang tạo {DEMO_DIR} … / building the demo district",
                  file=sys.stderr)
            write_demo(DEMO_DIR)
        return read_dataset(DEMO_DIR)
    text = str(source)
    scheme = text.split(":", 1)[0].split("+", 1)[0] if "://" in text else ""
    if scheme:
        if scheme not in URL_OPENERS:
            try:
                import congdoan.store  # noqa: F401  (registers its openers)
            except ModuleNotFoundError:
                pass
        if scheme in URL_OPENERS:
            return URL_OPENERS[scheme](text)
    return read_dataset(Path(text))


def _demo_command(args: argparse.Namespace) -> int:
    from congdoan.demo import write_demo

    out = Path(args.out)
    dataset = write_demo(out, scale=args.scale, seed=args.seed)
    print(f"Đã tạo dữ liệu mẫu / demo written: {out} "
          f"({len(dataset.units)} CĐCS, {len(dataset.reports)} báo cáo)")
    if args.scale == 1:  # the intake inbox: the same reports as Excel forms (issue 4)
        from congdoan.ingest import write_demo_inbox

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
