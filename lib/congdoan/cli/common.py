"""Options and output helpers shared by several commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from congdoan.intake.problems import Problem


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """The shared ``--data`` option (folder of CSV or a database URL)."""
    parser.add_argument(
        "--data", default=None, metavar="DIR_OR_URL",
        help="thư mục dữ liệu CSV hoặc URL CSDL (mặc định: CSDL của không gian làm việc)",
    )


def out_path(value: str | None) -> Path | None:
    """Path of an ``--out`` option, or None for standard output."""
    return Path(value) if value else None


def print_problems(problems: Sequence[Problem], show: int, lang: str) -> None:
    """Print the first ``show`` errors of a list file, then how many more its report holds.

    A file without errors shows its warnings instead.
    """
    shown = [p for p in problems if p.severity == "error"] or list(problems)
    for problem in shown[:show]:
        print("   " + problem.render(lang))
    if len(shown) > show:
        print(f"   … {len(shown) - show} " + ("dòng nữa trong báo cáo" if lang == "vi"
                                                else "more in the report"))


def add_list_import_arguments(parser: argparse.ArgumentParser, lang_dest: str) -> None:
    """The options of a list import (``units import``, ``records import``) after its file."""
    parser.add_argument("--by", default=None, help="người gửi / submitted by")
    parser.add_argument("--store", default=None, metavar="DIR",
                        help="thư mục lưu tệp gốc và cách ly (mặc định store/)")
    parser.add_argument("--lang", dest=lang_dest, choices=("vi", "en"), default=None,
                        help="ngôn ngữ thông báo và báo cáo lỗi / language of messages")
    parser.add_argument("--show", type=int, default=10, help="số dòng lỗi hiển thị")


def near(path: Path) -> Path:
    """``path`` from the current folder when it is under it (shorter to read and to type)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
