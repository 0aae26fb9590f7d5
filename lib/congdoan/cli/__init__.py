"""Command line: ``congdoan <command>``; a thin wrapper over library functions.

Each job module adds its own sub-command through a ``register_cli(subparsers)`` function listed
in :data:`COMMANDS`, so this file does not grow with every feature.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from congdoan._compat.jsonschema import skip_iri_grammar
from congdoan.exceptions import CongdoanError

COMMANDS: dict[str, str] = {
    "demo": "congdoan.cli.demo",
    "indicators": "congdoan.cli.indicators",
    "template": "congdoan.cli.forms",
    "ingest": "congdoan.cli.ingest",
    "completeness": "congdoan.cli.completeness",
    "briefings": "congdoan.cli.briefings",
    "explore-html": "congdoan.cli.explore_html",
}
"""Each sub-command and the module that registers it (``register_cli(subparsers) -> None``).

Only the module of the command being run is imported: a command's start-up pays for its own
imports, not for every other command's (nbformat, nbconvert, openpyxl, …)."""

EARLY_START = frozenset({"briefings"})
"""Commands whose module has an ``early_start(args)`` called with the parsed arguments before
the command runs, to start work that goes on alongside the command's own imports (the batch's
kernel fork server)."""


def _command(words: Sequence[str]) -> str | None:
    """The sub-command named in the arguments ``words``, if any."""
    return next((w for w in words if w in COMMANDS), None)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: with ``command``, only that sub-command; else all of them."""
    parser = argparse.ArgumentParser(
        prog="congdoan",
        description="Giám sát thực hiện Nghị quyết 02-NQ/TW — monitoring workbook for unions.",
    )
    parser.add_argument("--lang", choices=("vi", "en"), default="vi",
                        help="ngôn ngữ thông báo lỗi / language of messages (default vi)")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    skip_iri_grammar()
    words = list(sys.argv[1:] if argv is None else argv)
    return _main(words, _command(words))


def _main(words: list[str], command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(words)
    if command in EARLY_START:
        importlib.import_module(COMMANDS[command]).early_start(args)
    try:
        code: int = args.func(args)
    except CongdoanError as exc:
        print(f"Lỗi / Error: {exc.render(args.lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng / interrupted", file=sys.stderr)
        return 130
    return code


def run() -> None:
    """Entry point of the ``congdoan`` script: :func:`main`, then exit with its code."""
    raise SystemExit(main(sys.argv[1:]))


if __name__ == "__main__":  # pragma: no cover
    run()
