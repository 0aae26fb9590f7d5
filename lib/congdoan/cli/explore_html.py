"""``congdoan explore-html``: an executed notebook as an offline page (a snapshot of one view)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from congdoan.explore.widget_html import export_html, run_notebook


def _explore_html_command(args: argparse.Namespace) -> int:
    notebook = args.notebook
    if args.run:
        # the kernel reads the workspace (its database, its plan) as any command does
        from congdoan.core.workspace import activate, find_workspace

        print(activate(find_workspace(args.workspace)).describe(), file=sys.stderr)
        notebook = run_notebook(notebook, Path(args.out).with_suffix(".ipynb"),
                                dict(args.parameter or []))
        print(f"Đã chạy / executed: {notebook}")
    path = export_html(notebook, args.out, show_code=args.code)
    print(f"Đã ghi / written: {path}")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan explore-html``."""
    cmd = sub.add_parser(
        "explore-html",
        help="xuất sổ tay đã chạy (có widget) ra HTML xem được không cần mạng / executed "
             "notebook with widgets to an offline HTML page")
    cmd.add_argument("notebook", type=Path,
                     help="sổ tay đã chạy, vd. output/explore.ipynb (với --run: sổ tay gốc, vd. "
                          "notebooks/explore.ipynb)")
    cmd.add_argument("out", type=Path, help="tệp HTML ghi ra")
    cmd.add_argument("--code", action="store_true", help="hiện cả mã / show the code cells")
    cmd.add_argument("--run", action="store_true",
                     help="chạy sổ tay trước, trong không gian làm việc (bản đã chạy ghi cạnh tệp "
                          "HTML, đuôi .ipynb) / execute the notebook first, in the workspace "
                          "(saved next to OUT as .ipynb)")
    cmd.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="tham số của sổ tay khi --run, vd. -p period 2024 / a notebook "
                          "parameter for --run")
    cmd.set_defaults(func=_explore_html_command)
