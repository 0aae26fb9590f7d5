"""Where the data comes from: a CSV folder or a database URL.

:func:`open_dataset` is the one entry point the command line, notebooks and batch use; database
URLs are opened by the functions named in :data:`URL_OPENERS` (an explicit table, imported
when first used).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from congdoan.core.dataset import Dataset, read_dataset
from congdoan.core.workspace import active_workspace, workspace_in_force
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


def open_dataset(source: str | Path | None = None) -> Dataset:
    """Open a dataset; the workspace's own database is named by its organisation.

    Args:
        source: a folder of CSV or a database URL; None for the database of the workspace in
            force (:func:`congdoan.core.workspace.active_workspace`).

    Raises:
        WorkspaceError: ``source`` is None and no workspace is in force (never a demo instead).
        DataError, StorageError: the source cannot be read.

    """
    workspace = active_workspace() if source is None else workspace_in_force()
    own = workspace is not None and (source is None or str(source) == workspace.database_url)
    dataset = _open(workspace.database_url if own and workspace else source)
    if own and workspace is not None:  # the workspace's own data: its organisation is the top
        organisation = workspace.organisation
        dataset.meta = {**dataset.meta, "organisation_id": organisation.id,
                        "organisation_name": organisation.name}
    return dataset


def _open(source: str | Path | None) -> Dataset:
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
