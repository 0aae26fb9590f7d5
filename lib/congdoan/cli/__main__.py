"""``python -m congdoan.cli``: the command line."""

from congdoan.cli import run

run()
