"""Where the data comes from: a CSV folder or a database URL.

:func:`open_dataset` is the one entry point the command line, notebooks and batch use; database
URLs are opened by the functions named in :data:`URL_OPENERS` (an explicit table, imported
when first used).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from congdoan.core.dataset import Dataset, read_dataset
from congdoan.core.paths import DEMO_DIR
from congdoan.exceptions import ParameterError

URL_OPENERS: dict[str, str] = {
    "sqlite": "congdoan.core.store:load_dataset",
    "postgresql": "congdoan.core.store:load_dataset",
}
"""Opener (``module:function`` taking the URL) per URL scheme (the part before ``+``)."""


def _opener(scheme: str) -> Callable[[str], Dataset]:
    module, function = URL_OPENERS[scheme].split(":")
    opener: Callable[[str], Dataset] = getattr(importlib.import_module(module), function)
    return opener


def open_dataset(source: str | Path | None = None, *, build_demo: bool = True) -> Dataset:
    """Open a dataset.

    Args:
        source: a folder of CSV, a database URL, or None for the demo district.
        build_demo: when ``source`` is None and ``data/demo`` is missing, build it first.

    """
    if source is None:
        if build_demo and not (DEMO_DIR / "reports.csv").exists():
            from congdoan.demo.synthetic import write_demo

            print(f"Chưa có dữ liệu mẫu; đang tạo {DEMO_DIR} … / building the demo district",
                  file=sys.stderr)
            write_demo(DEMO_DIR)
        return read_dataset(DEMO_DIR)
    text = str(source)
    scheme = text.split(":", 1)[0].split("+", 1)[0] if "://" in text else ""
    if scheme:
        if scheme not in URL_OPENERS:
            raise ParameterError(
                "Không mở được nguồn dữ liệu: loại URL không hỗ trợ.",
                "Cannot open the data source: unsupported URL scheme.",
                value=text, expected=", ".join(f"{s}://…" for s in URL_OPENERS))
        return _opener(scheme)(text)
    return read_dataset(Path(text))
