"""Storage on SQLite and on a real PostgreSQL server started for the session."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from conftest import tiny_dataset
from congdoan.core import store
from congdoan.core.dataset import Dataset, read_dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.schema import schema
from congdoan.core.sources import open_dataset

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster in a temporary folder; yields its base URL."""
    if not (PG_BIN / "initdb").exists():
        message = f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must run the PostgreSQL suite")
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="congdoan-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(base, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run([*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U",
                    "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                    str(base / "log"), "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def fresh_postgres(server: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (its pooled connections closed after the test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'congdoan.sqlite'}"
    else:
        yield fresh_postgres(request.getfixturevalue("postgres_server"))
    store.dispose_engines()


_serial = itertools.count(1)


def submission(name: str = "bao_cao.xlsx", by: str | None = "Nguyễn Văn A") -> dict[str, object]:
    n = next(_serial)
    return {"sha256": f"{n:064x}", "original_name": name, "stored_path": f"files/{n}",
            "received_at": store.now(), "submitted_by": by, "source": "test", "layout": "form"}


REPORT = {"unit_id": "A", "period": "2023-H1", "submitted_on": "2023-06-05", "workers": 40,
          "members": 30, "women_members": 12, "members_admitted": 3, "members_left": 1,
          "dialogue_held": 1, "cba_signed": 0}


def tiny_with_reports() -> Dataset:
    return tiny_dataset(reports=[
        REPORT,
        {**REPORT, "unit_id": "B", "workers": 100, "members": 80, "women_members": 50,
         "cba_signed": 1, "cba_grade": "B"},
        {**REPORT, "unit_id": "A", "period": "2023-H2", "submitted_on": "2023-12-20",
         "members": 31, "rating": "tot"},
    ])


def test_round_trip_gives_the_same_dataset(db_url: str) -> None:
    tiny = tiny_with_reports()
    store.seed_registry(tiny, db_url)
    store.accept_submission(submission(), tiny.reports, db_url)
    back = open_dataset(db_url)  # through congdoan.core.sources.URL_OPENERS
    assert back.meta == tiny.meta
    for name in ("units", "links", "upper_unions", "areas", "communes"):
        def ordered(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)
        pd.testing.assert_frame_equal(ordered(back.table(name)), ordered(tiny.table(name)),
                                      check_dtype=False)
    got = back.reports.sort_values(["period", "unit_id"]).reset_index(drop=True)
    assert list(got["unit_id"]) == ["A", "B", "A"]
    assert list(got["members"]) == [30, 80, 31]
    assert got.loc[1, "cba_grade"] == "B" and pd.isna(got.loc[0, "cba_grade"])
    assert got.loc[2, "rating"] == "tot"
    assert got.loc[0, "submitted_on"] == pd.Timestamp("2023-06-05")
    # the engine reads both the same way
    pd.testing.assert_frame_equal(compute_indicators(back, "2023"), compute_indicators(tiny, "2023"),
                                  check_dtype=False)


def test_resubmission_becomes_current_and_history_stays(db_url: str) -> None:
    tiny = tiny_dataset()
    store.seed_registry(tiny, db_url)
    first = pd.DataFrame([REPORT])
    store.accept_submission(submission("lan1.xlsx", "Chị Lan"), first, db_url)
    store.accept_submission(submission("lan2.xlsx", "Anh Minh"), first.assign(members=33), db_url)
    current = store.current_reports(db_url)
    assert len(current) == 1 and current.loc[0, "members"] == 33
    history = store.report_history("A", "2023-H1", db_url)
    assert list(history["version"]) == [1, 2]
    assert list(history["is_current"]) == [False, True]
    assert list(history["members"]) == [30, 33]
    assert list(history["original_name"]) == ["lan1.xlsx", "lan2.xlsx"]
    assert list(history["submitted_by"]) == ["Chị Lan", "Anh Minh"]


@pytest.mark.parametrize("bad, constraint", [
    ({"unit_id": "NOPE"}, "foreign key"),
    ({"members": -1, "women_members": None}, "ck_rv_members"),
    ({"women_members": 31}, "ck_rv_women_members_le_members"),
    ({"members": 41}, "ck_rv_members_le_workers"),
    ({"cba_grade": "A", "cba_signed": 0}, "ck_rv_cba_graded"),
    ({"rating": "gioi"}, "ck_rv_rating"),
    ({"dialogue_held": 2}, "ck_rv_dialogue_held"),
    ({"period": "2023-H3"}, "ck_period_half"),
])
def test_database_constraints_refuse_bad_rows(db_url: str, bad: dict[str, object],
                                              constraint: str) -> None:
    store.seed_registry(tiny_dataset(), db_url)
    before = store.read_table("submissions", db_url)
    with pytest.raises(sa.exc.IntegrityError) as info:
        store.accept_submission(submission(), pd.DataFrame([{**REPORT, **bad}]), db_url)
    assert constraint in str(info.value).lower() or constraint == "foreign key" and (
        "foreign" in str(info.value).lower())
    # the whole transaction rolled back: not even the submission row is left
    pd.testing.assert_frame_equal(store.read_table("submissions", db_url), before)


def test_unique_hash_and_single_current_version(db_url: str) -> None:
    store.seed_registry(tiny_dataset(), db_url)
    sub = submission()
    first = store.accept_submission(sub, pd.DataFrame([REPORT]), db_url)
    with pytest.raises(store.AlreadyStored) as again:  # e.g. stored by another process meanwhile
        store.accept_submission({**sub, "original_name": "copy.xlsx"}, pd.DataFrame(), db_url)
    assert again.value.submission_id == first.submission_id
    assert len(store.read_table("submissions", db_url)) == 1
    versions = schema().tables["report_versions"]
    engine = store.get_engine(db_url)
    row = store.read_table("report_versions", db_url).iloc[0].to_dict()
    row.pop("version_id")
    row = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(versions).values(**{**row, "version": 2, "is_current": True}))


def test_seed_registry_is_an_upsert(db_url: str) -> None:
    tiny = tiny_dataset()
    store.seed_registry(tiny, db_url)
    renamed = tiny_dataset()
    renamed.units.loc[0, "name"] = "Trường Mầm non A (đổi tên)"
    store.seed_registry(renamed, db_url)
    units = store.read_table("units", db_url).set_index("unit_id")
    assert len(units) == 3
    assert units.loc["A", "name"] == "Trường Mầm non A (đổi tên)"


def test_empty_database_says_what_to_do(db_url: str) -> None:
    with pytest.raises(store.StorageError) as info:
        store.load_dataset(db_url)
    assert "congdoan units import" in info.value.render("vi")


def test_sqlite_is_created_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "c.sqlite"
    engine = store.get_engine(f"sqlite:///{path}")
    assert path.exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_database_and_store_are_the_workspace_s(test_workspace: Path) -> None:
    assert store.default_url() == f"sqlite:///{test_workspace.resolve() / 'congdoan.sqlite'}"
    assert store.default_store_dir(store.default_url()) == test_workspace.resolve() / "store"
    assert store.default_store_dir("sqlite:////x/y/c.sqlite") == Path("/x/y/store")


def test_demo_round_trip_gives_the_same_indicators(db_url: str, demo_dir: Path) -> None:
    """The whole demo (without its planted contradictions) through the database."""
    demo = read_dataset(demo_dir)
    planted = {(p["unit_id"], p["period"]) for p in demo.meta.get("planted_errors", [])}
    keep = [(u, p) not in planted for u, p in zip(demo.reports["unit_id"], demo.reports["period"],
                                                 strict=True)]
    demo.reports = demo.reports[keep].reset_index(drop=True)
    store.seed_registry(demo, db_url)
    store.accept_submission(submission("TongHop.xlsx"), demo.reports, db_url)
    back = store.load_dataset(db_url)
    assert len(back.reports) == len(demo.reports)
    expected = compute_indicators(demo, "2025")
    got = compute_indicators(back, "2025")
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_dispose_engines_closes_pooled_connections(tmp_path: Path) -> None:
    """Before a fork no pooled database connection is left open (congdoan.engine.forkserver)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'pool.sqlite'}")
    with engine.connect() as conn:
        conn.exec_driver_sql("select 1")
    assert engine.pool.checkedin() == 1  # kept open in the pool after use
    store.dispose_engines()
    assert engine.pool.checkedin() == 0
    with engine.connect() as conn:  # and the engine still works
        assert conn.exec_driver_sql("select 2").scalar() == 2


def test_the_report_submitted_last_is_current_whatever_the_arrival(db_url: str) -> None:
    store.seed_registry(tiny_dataset(), db_url)
    later = {**REPORT, "period": "2023-H2", "submitted_on": "2023-12-03", "members": 31}
    earlier = {**later, "submitted_on": "2023-12-01", "members": 29}
    first = store.accept_submission(submission("gui_0312.xlsx"), pd.DataFrame([later]), db_url)
    assert first.not_current == []
    second = store.accept_submission(submission("gui_0112.xlsx"), pd.DataFrame([earlier]), db_url)
    # arrived second, but submitted two days before the one stored: kept as an earlier version
    assert second.not_current == [("A", "2023-H2", dt.date(2023, 12, 3), "gui_0312.xlsx")]
    assert store.current_reports(db_url)["members"].tolist() == [31]
    history = store.report_history("A", "2023-H2", db_url)
    assert history["version"].tolist() == [1, 2]
    assert history["is_current"].tolist() == [True, False]
    # the same date as the current one: the one that arrived last wins
    same_day = store.accept_submission(submission("gui_0312_sua.xlsx"),
                                       pd.DataFrame([{**later, "members": 32}]), db_url)
    assert same_day.not_current == []
    assert store.current_reports(db_url)["members"].tolist() == [32]
    assert store.report_history("A", "2023-H2", db_url)["is_current"].tolist() == [
        False, False, True]


SAFETY = ("  - {name: safety_network, kind: int, aggregation: stock, unit: người, clause: \"1.9\",\n"
          "     label_vi: \"Số an toàn, vệ sinh viên\", label_en: Safety officers}\n")


def test_a_field_added_to_the_register_gets_its_column_in_an_existing_database(
        db_url: str, tmp_path: Path) -> None:
    from conftest import workspace_for
    from congdoan.core.workspace import activate, load_workspace

    workspace = activate(load_workspace(workspace_for(db_url, tmp_path)))
    tiny = tiny_dataset()
    store.seed_registry(tiny, db_url)
    store.accept_submission(submission(), tiny_with_reports().reports.iloc[:1], db_url)
    assert "safety_network" not in schema().tables["report_versions"].columns

    # the union's plan gains a report field: the register, then the database, follow it
    elements = workspace.params_dir / "data_elements.yaml"
    text = elements.read_text(encoding="utf-8")
    elements.write_text(text.replace("elements:\n", "elements:\n" + SAFETY, 1), encoding="utf-8")
    store.dispose_engines()
    store.get_engine.cache_clear()
    assert "safety_network" in schema().tables["report_versions"].columns
    engine = store.get_engine(db_url)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("report_versions")}
    assert "safety_network" in columns

    # a report with the new field is stored and read back; the earlier one has none
    later = {**REPORT, "period": "2023-H2", "submitted_on": "2023-12-20", "safety_network": 4}
    store.accept_submission(submission(), pd.DataFrame([later]), db_url)
    back = open_dataset(db_url).reports.set_index("period")["safety_network"]
    assert back["2023-H2"] == 4 and pd.isna(back["2023-H1"])
