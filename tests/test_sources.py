"""congdoan.core.sources: one entry point for a CSV folder, a database URL or the workspace's own.

The fixtures: the tiny district (organisation TINY, "Huyện Tí Hon") written as a CSV folder and
into two SQLite databases, one of them the database of a workspace of organisation ORG.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import tiny_dataset
from congdoan.core import store
from congdoan.core.dataset import write_dataset
from congdoan.core.sources import URL_OPENERS, open_dataset
from congdoan.core.workspace import (
    ENV_VAR,
    Organisation,
    Workspace,
    activate,
    deactivate,
    init_workspace,
)
from congdoan.exceptions import ParameterError, WorkspaceError

ORG = Organisation(id="ORG", name="Công đoàn xã Thử", kind="commune")
TINY = {"organisation_id": "TINY", "organisation_name": "Huyện Tí Hon"}


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace of ORG in force, its database holding the tiny district's registry."""
    ws = init_workspace(tmp_path / "ws", ORG)
    store.seed_registry(tiny_dataset(), ws.database_url)
    activate(ws)
    yield ws
    store.dispose_engines()


@pytest.fixture
def other_url(tmp_path: Path) -> Iterator[str]:
    """Another database holding the tiny district's registry."""
    url = f"sqlite:///{tmp_path / 'other' / 'congdoan.sqlite'}"
    store.seed_registry(tiny_dataset(), url)
    yield url
    store.dispose_engines()


def _organisation(meta: dict[str, object]) -> dict[str, object]:
    return {k: meta.get(k) for k in ("organisation_id", "organisation_name")}


def test_every_url_scheme_is_opened_by_a_function_the_table_names() -> None:
    assert URL_OPENERS == {"sqlite": "congdoan.core.store:load_dataset",
                           "postgresql": "congdoan.core.store:load_dataset"}
    for target in URL_OPENERS.values():
        module, function = target.split(":")
        assert getattr(importlib.import_module(module), function) is store.load_dataset


def test_the_workspace_s_own_database_is_named_by_its_organisation(workspace: Workspace) -> None:
    own = open_dataset()
    assert _organisation(own.meta) == {"organisation_id": "ORG",
                                       "organisation_name": "Công đoàn xã Thử"}
    assert sorted(own.units["unit_id"]) == ["A", "B", "C"]
    # its URL given explicitly is the same database
    assert _organisation(open_dataset(workspace.database_url).meta) == _organisation(own.meta)


def test_another_source_keeps_its_own_organisation(workspace: Workspace, other_url: str,
                                                   tmp_path: Path) -> None:
    assert _organisation(open_dataset(other_url).meta) == TINY
    folder = tmp_path / "csv"
    write_dataset(tiny_dataset(), folder)
    from_folder = open_dataset(folder)
    assert _organisation(from_folder.meta) == TINY
    assert sorted(from_folder.units["unit_id"]) == ["A", "B", "C"]
    assert _organisation(open_dataset(str(folder)).meta) == TINY


def test_the_driver_part_of_a_scheme_chooses_no_opener(other_url: str) -> None:
    # sqlite+pysqlite:// is opened by the sqlite entry
    url = other_url.replace("sqlite:///", "sqlite+pysqlite:///", 1)
    assert sorted(open_dataset(url).units["unit_id"]) == ["A", "B", "C"]


@pytest.mark.parametrize("url", ["mysql://officer@db/congdoan", "mssql+pyodbc://db/congdoan"])
def test_an_unsupported_scheme_is_a_message_naming_those_that_are(url: str) -> None:
    with pytest.raises(ParameterError) as raised:
        open_dataset(url)
    assert raised.value.value == url
    assert raised.value.expected == "sqlite://…, postgresql://…"
    assert "unsupported URL scheme" in raised.value.render("en")


def test_without_a_workspace_the_own_database_is_an_error_never_the_demo(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, other_url: str) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    deactivate()
    monkeypatch.chdir(tmp_path)  # outside any workspace
    with pytest.raises(WorkspaceError) as raised:
        open_dataset()
    assert "congdoan init" in raised.value.render("vi")
    # a source named explicitly needs no workspace
    assert _organisation(open_dataset(other_url).meta) == TINY
