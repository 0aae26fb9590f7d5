"""Command line: ``congdoan <command>``; a thin wrapper over library functions.

Each command's module in this package adds its sub-command through ``register_cli(subparsers)``
and is listed in :data:`COMMANDS`. Every command but those in :data:`NO_WORKSPACE` runs in a
workspace (:mod:`congdoan.core.workspace`): ``--workspace DIR``, else ``CONGDOAN_WORKSPACE``,
else the current folder or its parents; the command says which one it uses, and stops with a
message saying how to make one when there is none.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from congdoan._compat.jsonschema import skip_iri_grammar
from congdoan.exceptions import CongdoanError

if TYPE_CHECKING:
    from congdoan.core.workspace import Workspace

COMMANDS: dict[str, str] = {
    "demo": "congdoan.cli.demo",
    "indicators": "congdoan.cli.indicators",
    "template": "congdoan.cli.forms",
    "ingest": "congdoan.cli.ingest",
    "completeness": "congdoan.cli.completeness",
    "briefings": "congdoan.cli.briefings",
    "explore-html": "congdoan.cli.explore_html",
    "init": "congdoan.cli.workspace",
    "lab": "congdoan.cli.workspace",
    "units": "congdoan.cli.units",
    "records": "congdoan.cli.records",
    "plan": "congdoan.cli.plan",
}
"""Each sub-command and the module that registers it (``register_cli(subparsers) -> None``).

Only the module of the command being run is imported: a command's start-up pays for its own
imports, not for every other command's (nbformat, nbconvert, openpyxl, …)."""

NO_WORKSPACE = frozenset({"init", "demo", "explore-html"})
"""Commands that do not run inside a workspace (they make one, or read only their arguments)."""

GLOBAL_OPTIONS = ("--workspace", "-w", "--lang")
"""Options of ``congdoan`` itself that take a value (skipped when finding the command)."""

EARLY_START = frozenset({"briefings"})
"""Commands whose module has an ``early_start(args)`` called with the parsed arguments before
the command runs, to start work that goes on alongside the command's own imports (the batch's
kernel fork server)."""


def _command(words: Sequence[str]) -> str | None:
    """The sub-command named in the arguments ``words``, if any (the first plain word)."""
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in GLOBAL_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: with ``command``, only that sub-command; else all of them."""
    parser = argparse.ArgumentParser(
        prog="congdoan",
        description="Giám sát thực hiện Nghị quyết 02-NQ/TW — monitoring workbook for unions.",
    )
    parser.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="ngôn ngữ thông báo lỗi / language of messages (default vi)")
    parser.add_argument("-w", "--workspace", default=None, metavar="DIR",
                        help="không gian làm việc (mặc định: CONGDOAN_WORKSPACE hoặc thư mục hiện "
                             "tại và các thư mục cha) / workspace folder")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else dict.fromkeys(COMMANDS.values())
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a job module not installed in this build
            if exc.name != name:
                raise
            continue
        module.register_cli(sub)
    for name, command_parser in sub.choices.items():
        if name not in NO_WORKSPACE:  # also accepted after the command's name
            command_parser.add_argument("-w", "--workspace", default=argparse.SUPPRESS,
                                        metavar="DIR", help="không gian làm việc / workspace")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    skip_iri_grammar()
    if isinstance(sys.stdout, io.TextIOWrapper):  # lines in the order printed, also in a pipe
        sys.stdout.reconfigure(line_buffering=True)
    words = list(sys.argv[1:] if argv is None else argv)
    return _main(words, _command(words))


def _main(words: list[str], command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(words)
    try:
        if args.command not in NO_WORKSPACE:
            args.ws = _enter_workspace(args.workspace, args.command, args.lang)
        if command in EARLY_START:
            importlib.import_module(COMMANDS[command]).early_start(args)
        code: int = args.func(args)
        sys.stdout.flush()  # a reader gone away is told here, not at the interpreter's exit
    except CongdoanError as exc:
        print(f"Lỗi / Error: {exc.render(args.lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng / interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output went away (``congdoan units list | head``)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's last flush is quiet
        return 141
    return code


def run_step(words: list[str], workspace: Workspace, lang: str = "vi") -> int:
    """Run the sub-command ``words`` in ``workspace`` as a step of another command.

    The workspace is put in force without being announced again (the calling command said it);
    ``step=True`` is set on the parsed arguments so the step leaves its "next" line to the
    caller. Returns the step's exit code; a :class:`CongdoanError` is said and gives 2.
    """
    from congdoan.core.workspace import activate

    command = _command(words)
    args = build_parser(command).parse_args(["--lang", lang, *words])
    args.ws = activate(workspace)
    args.step = True
    try:
        code: int = args.func(args)
    except CongdoanError as exc:
        print(f"Lỗi / Error: {exc.render(lang)}", file=sys.stderr)
        return 2
    sys.stdout.flush()
    return code


def _enter_workspace(folder: str | None, command: str, lang: str = "vi") -> Workspace:
    """Find the workspace, put it in force and say which it is (on standard error)."""
    from congdoan.core.plan import TEMPLATE_WARNING, load_register, old_level_lines
    from congdoan.core.workspace import CONFIG_NAME, activate, find_workspace

    workspace = activate(find_workspace(folder))
    print(workspace.describe(), file=sys.stderr)
    # the plan is the next step of a new workspace: said by the commands that use it, not by
    # those that make it ('plan') or come before it ('units')
    if load_register().plan.is_template and command not in ("plan", "units"):
        print(TEMPLATE_WARNING[lang != "vi"], file=sys.stderr)
    if lines := old_level_lines():
        where = f"{workspace.params_dir / 'plan.yaml'}, dòng / lines {', '.join(map(str, lines))}"
        print(f"Lưu ý / note: {where}: 'level: district' nay gọi là 'level: organisation' (toàn "
              "tổ chức); đã đọc như vậy, hãy sửa tệp / the top level is now called "
              "'organisation'; read as such, please edit the file", file=sys.stderr)
    if os.environ.get("CONGDOAN_DB_URL"):
        print("Lưu ý / note: CONGDOAN_DB_URL không còn được dùng; CSDL là mục 'database' trong "
              f"{workspace.root / CONFIG_NAME} / CONGDOAN_DB_URL is no longer read: set "
              "'database' in the workspace's configuration", file=sys.stderr)
    return workspace


def run() -> None:
    """Entry point of the ``congdoan`` script: :func:`main`, then exit with its code."""
    raise SystemExit(main(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    run()
