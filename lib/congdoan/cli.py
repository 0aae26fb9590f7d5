"""Command line: ``congdoan <command>``; a thin wrapper over library functions.

Each job module adds its own sub-command through a ``register_cli(subparsers)`` function listed
in :data:`COMMAND_MODULES`, so this file does not grow with every feature.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from congdoan.exceptions import CongdoanError

COMMAND_MODULES: tuple[str, ...] = ("congdoan.sources", "congdoan.indicators_cli",
                                     "congdoan.forms", "congdoan.ingest", "congdoan.completeness",
                                     "congdoan.briefings", "congdoan.widget_html")
"""Modules that register sub-commands (``register_cli(subparsers) -> None``)."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="congdoan",
        description="Giám sát thực hiện Nghị quyết 02-NQ/TW — monitoring workbook for unions.",
    )
    parser.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="ngôn ngữ thông báo lỗi / language of messages (default vi)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a job module not installed in this build
            if exc.name != name:
                raise
            continue
        module.register_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CongdoanError as exc:
        print(f"Lỗi / Error: {exc.render(args.lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng / interrupted", file=sys.stderr)
        return 130
    return code


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """The shared ``--data`` option (folder of CSV or a database URL)."""
    parser.add_argument(
        "--data", default=None, metavar="DIR_OR_URL",
        help="thư mục dữ liệu CSV hoặc URL cơ sở dữ liệu (mặc định: data/demo, tạo nếu chưa có)",
    )


def out_path(value: str | None) -> Path | None:
    """Path of an ``--out`` option, or None for standard output."""
    return Path(value) if value else None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
