"""Options shared by several commands."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """The shared ``--data`` option (folder of CSV or a database URL)."""
    parser.add_argument(
        "--data", default=None, metavar="DIR_OR_URL",
        help="thư mục dữ liệu CSV hoặc URL CSDL (mặc định: CSDL của không gian làm việc)",
    )


def out_path(value: str | None) -> Path | None:
    """Path of an ``--out`` option, or None for standard output."""
    return Path(value) if value else None
