"""``congdoan explore-html``: an executed notebook as an offline page."""

from __future__ import annotations

import argparse
from pathlib import Path

from congdoan.explore.widget_html import export_html


def _explore_html_command(args: argparse.Namespace) -> int:
    path = export_html(args.notebook, args.out, show_code=args.code)
    print(f"Đã ghi / written: {path}")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan explore-html``."""
    cmd = sub.add_parser(
        "explore-html",
        help="xuất sổ tay đã chạy (có widget) ra HTML xem được không cần mạng / executed "
             "notebook with widgets to an offline HTML page")
    cmd.add_argument("notebook", type=Path, help="sổ tay đã chạy, vd. output/explore.ipynb")
    cmd.add_argument("out", type=Path, help="tệp HTML ghi ra")
    cmd.add_argument("--code", action="store_true", help="hiện cả mã / show the code cells")
    cmd.set_defaults(func=_explore_html_command)
