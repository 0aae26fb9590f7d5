"""Storage of the dataset and of every submitted report, through SQLAlchemy.

The workspace's database (the ``database`` setting of its ``congdoan.yaml``): a SQLite file by
default (created on first use, WAL journal so notebooks can read while an ingest writes, foreign
keys on) or PostgreSQL by URL.

Tables: the registry tables of :mod:`congdoan.core.dataset` (``communes``, ``upper_unions``,
``upper_links``, ``areas``, ``units``, ``links``, ``enterprises``, ``upper_records``,
``activities``, ``meta``),
``submissions`` (one row per accepted input file, by content hash) and ``report_versions`` (one
row per accepted (CĐCS, sub-period) report; the newest is flagged ``is_current`` and earlier
versions stay queryable); their definitions are :mod:`congdoan.core.schema`.
:func:`load_dataset` rebuilds the :class:`~congdoan.core.dataset.Dataset` the engine reads,
taking the current version of each report.

Several processes may ingest into one database at once: each accepted file is written in one
transaction that first takes the database's write lock (SQLite ``BEGIN IMMEDIATE``, waiting up
to ``busy_timeout``; a PostgreSQL advisory lock), so a file another process stored meanwhile is
seen (:class:`AlreadyStored`) and versions are numbered without gaps or clashes. The current
version of a report is the one submitted last (its ``submitted_on``), then the one that
arrived last, never the order files are named or read in. Database failures become
:class:`~congdoan.core.dbfaults.DatabaseFault` messages (:mod:`congdoan.core.dbfaults`). A SQLite
file and its folder are created owner-only (:mod:`congdoan.core.ownerfiles`).
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from congdoan.core.dataset import (
    COLUMNS,
    DATE_COLUMNS,
    ID_COLUMNS,
    TABLES,
    Dataset,
    report_columns,
    with_optional_columns,
)
from congdoan.core.dbfaults import DatabaseFault as DatabaseFault
from congdoan.core.dbfaults import StorageError as StorageError
from congdoan.core.dbfaults import fault, faults_as_messages
from congdoan.core.ownerfiles import create_private, private_dir
from congdoan.core.schema import REGISTRY_TABLES, schema
from congdoan.core.workspace import active_workspace
from congdoan.exceptions import Location


class AlreadyStored(StorageError):
    """A file with this content hash is stored already (perhaps by another process meanwhile)."""

    def __init__(self, submission_id: int, original_name: str) -> None:
        super().__init__("Tệp này đã được lưu (bởi một lần nhận khác).",
                         "This file is stored already (by another ingest).",
                         value=original_name)
        self.submission_id = submission_id


def default_url() -> str:
    """The database of the workspace in force (the ``database`` setting of its ``congdoan.yaml``).

    Raises:
        WorkspaceError: no workspace is in force.

    """
    return active_workspace().database_url


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases or in-memory SQLite)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def default_store_dir(url: str) -> Path:
    """Where input files are kept: a ``store`` folder next to a SQLite file, else the workspace's.

    A workspace's SQLite database sits in its root, so both rules give the workspace's ``store/``.
    """
    db_file = sqlite_path(url)
    return db_file.parent / "store" if db_file is not None else active_workspace().store_dir


# ----------------------------------------------------------------------------- engines
def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def dispose_engines() -> None:
    """Close the pooled connections of every engine :func:`get_engine` made in this process.

    Called before forking (:mod:`congdoan.engine.forkserver`): a database connection must never be
    shared by two processes. The engines stay usable; they reconnect when next used.
    """
    for engine in list(_ENGINES):
        engine.dispose()


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


@lru_cache(maxsize=16)
def get_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default :func:`default_url`) with the schema created.

    A new SQLite file is created empty with mode 0600 (and its missing folders 0700) before
    SQLite opens it; SQLite gives its WAL and shared-memory files the same mode.
    """
    url = url or default_url()
    db_file = sqlite_path(url)
    try:
        if db_file is not None:
            private_dir(db_file.parent)
            create_private(db_file)
        engine = sa.create_engine(url)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _on_sqlite_connect)
        md = schema()
        md.create_all(engine)
        _add_missing_columns(engine, md)
        _ENGINES.add(engine)
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"Thiếu trình điều khiển cơ sở dữ liệu: {exc.name}",
            f"The database driver is missing: {exc.name}",
            location=Location(file=sa.make_url(url).render_as_string(hide_password=True)),
        ) from exc
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        raise fault(exc, url) from exc
    return engine


def _add_missing_columns(engine: Engine, md: sa.MetaData) -> None:
    """Add to an existing database the columns the schema gained since it was made.

    That is a data element added to the register (``report_versions``) or a column a newer
    congdoan added (all optional, so earlier rows read as empty). Columns the schema no longer
    has stay (earlier reports keep their values) and are not read. Another process adding the
    same column meanwhile is not an error.
    """
    for _attempt in range(2):
        inspector = sa.inspect(engine)
        present = set(inspector.get_table_names())
        missing = [(table, column) for table in md.sorted_tables if table.name in present
                   for names in [{c["name"] for c in inspector.get_columns(table.name)}]
                   for column in table.columns if column.name not in names]
        if not missing:
            return
        try:
            with engine.begin() as conn:
                for table, column in missing:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(sa.text(
                        f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
        except (sa.exc.OperationalError, sa.exc.ProgrammingError):
            continue  # added by another process meanwhile: look again
        return


def checkpoint(engine: Engine) -> None:
    """Fold the SQLite WAL into the main file (no-op elsewhere)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


# ----------------------------------------------------------------------------- writing
def _python(value: Any, column: sa.Column[Any]) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(column.type, sa.Date):
        return pd.Timestamp(value).date()
    if isinstance(column.type, sa.DateTime):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(column.type, sa.Boolean):
        return bool(value)
    if isinstance(column.type, sa.Integer):  # SmallInteger and BigInteger too
        return int(value)
    return str(value)


def records(frame: pd.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    """Rows of ``frame`` as plain Python values for the columns of ``table`` it has."""
    columns = [c for c in table.columns if c.name in frame.columns]
    return [
        {c.name: _python(v, c) for c, v in zip(columns, row, strict=True)}
        for row in frame[[c.name for c in columns]].itertuples(index=False, name=None)
    ]


def _upsert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = insert(table)
    keys = [c.name for c in table.primary_key.columns]
    others = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=others) if others else \
        stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


def upsert_frame(conn: Connection, name: str, frame: pd.DataFrame) -> None:
    """Insert or update the rows of ``frame`` in table ``name`` (by primary key), on ``conn``."""
    table = schema().tables[name]
    _upsert(conn, table, records(frame, table))


@faults_as_messages
def seed_registry(dataset: Dataset, url: str | None = None) -> None:
    """Insert or update the registry tables (and meta) from ``dataset``, in one transaction.

    Reports are not copied: they enter the database only through ingestion.
    """
    engine = get_engine(url)
    with engine.begin() as conn:
        for key, value in dataset.meta.items():
            _upsert(conn, schema().tables["meta"],
                    [{"key": key, "value": json.dumps(value, ensure_ascii=False)}])
        for name in REGISTRY_TABLES:
            table = schema().tables[name]
            _upsert(conn, table, records(dataset.table(name), table))


@faults_as_messages
def has_registry(url: str | None = None) -> bool:
    """True when the database holds at least one CĐCS."""
    with get_engine(url).connect() as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(
            schema().tables["units"])).scalar_one())


@faults_as_messages
def find_submission(sha256: str, url: str | None = None) -> dict[str, Any] | None:
    """The submission with this content hash, or None."""
    table = schema().tables["submissions"]
    with get_engine(url).connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


WRITE_LOCK = 0x636F6E67
"""Key of the PostgreSQL advisory lock that serialises accepted submissions ('cong')."""


def _lock_for_writing(conn: Connection) -> None:
    """Take the database's write lock for the transaction just begun on ``conn``.

    SQLite: ``BEGIN IMMEDIATE`` (waits up to the connection's busy timeout for another
    writer), so what is read next cannot change before the commit. PostgreSQL: a
    transaction-level advisory lock, released at commit or rollback.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})


@dataclass
class Accepted:
    """What :func:`accept_submission` stored.

    Attributes:
        submission_id: the new submission's id.
        not_current: reports stored as an earlier version because the current one was
            submitted later: ``(unit_id, period, current's submitted_on, current's file name)``.

    """

    submission_id: int
    not_current: list[tuple[str, str, dt.date, str]] = field(default_factory=list)


def _current_versions(conn: Connection, pairs: set[tuple[str, str]]
                      ) -> dict[tuple[str, str], dict[str, Any]]:
    """For each (unit, period) of ``pairs`` stored already: its highest version and current row."""
    versions = schema().tables["report_versions"]
    subs = schema().tables["submissions"]
    units = sorted({u for u, _ in pairs})
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in range(0, len(units), 500):
        some = units[chunk:chunk + 500]
        query = sa.select(versions.c.unit_id, versions.c.period,
                          sa.func.max(versions.c.version)).where(
            versions.c.unit_id.in_(some)).group_by(versions.c.unit_id, versions.c.period)
        for unit_id, period, version in conn.execute(query):
            if (unit_id, period) in pairs:
                found[(unit_id, period)] = {"version": int(version)}
        query = sa.select(versions.c.unit_id, versions.c.period, versions.c.submitted_on,
                          subs.c.original_name).join(
            subs, versions.c.submission_id == subs.c.submission_id).where(
            versions.c.unit_id.in_(some), versions.c.is_current.is_(True))
        for row in conn.execute(query).mappings():
            pair = (row["unit_id"], row["period"])
            if pair in found:
                found[pair].update(submitted_on=pd.Timestamp(row["submitted_on"]).date(),
                                   original_name=row["original_name"])
    return found


@faults_as_messages
def accept_submission(submission: dict[str, Any], reports: pd.DataFrame,
                      url: str | None = None, activities: pd.DataFrame | None = None) -> Accepted:
    """Record an accepted file and its reports in ONE transaction under the write lock.

    Each report becomes a new version of its (unit, sub-period). It is the current version
    unless the current one was submitted later (``submitted_on``; on the same day the one
    arriving now wins): a report sent late with an older date does not replace a newer one.
    Every version stays stored. ``activities`` (section III, when the file carries it) replace
    the stored activities of those (unit, sub-period) pairs in the same transaction; None leaves
    them as they are.

    Raises:
        AlreadyStored: a file with the same hash was stored (e.g. by another process).
        sqlalchemy.exc.IntegrityError: a row breaks a constraint; nothing is written.
        DatabaseFault: the database failed; nothing is written.

    """
    subs = schema().tables["submissions"]
    versions = schema().tables["report_versions"]
    engine = get_engine(url)
    with engine.connect() as conn, conn.begin():
        _lock_for_writing(conn)
        stored = conn.execute(sa.select(subs.c.submission_id, subs.c.original_name).where(
            subs.c.sha256 == submission["sha256"])).first()
        if stored is not None:
            raise AlreadyStored(int(stored[0]), str(stored[1]))
        key = conn.execute(sa.insert(subs).values(
            **submission, status="accepted", n_reports=len(reports))).inserted_primary_key
        assert key is not None
        accepted = Accepted(int(key[0]))
        if reports.empty:
            return accepted
        pairs = set(zip(reports["unit_id"], reports["period"], strict=True))
        if activities is not None:
            _replace_activities(conn, pairs, activities)
        before = _current_versions(conn, pairs)
        numbers: list[int] = []
        current: list[bool] = []
        for unit_id, period, day in zip(reports["unit_id"], reports["period"],
                                        reports["submitted_on"], strict=True):
            old = before.get((unit_id, period))
            numbers.append(old["version"] + 1 if old else 1)
            newer = old is None or "submitted_on" not in old or (
                pd.Timestamp(day).date() >= old["submitted_on"])
            current.append(newer)
            if not newer:
                assert old is not None
                accepted.not_current.append((str(unit_id), str(period), old["submitted_on"],
                                             str(old["original_name"])))
            elif old is not None:
                conn.execute(sa.update(versions).where(
                    versions.c.unit_id == unit_id, versions.c.period == period,
                    versions.c.is_current.is_(True)).values(is_current=False))
        frame = reports.assign(submission_id=accepted.submission_id, is_current=current,
                               version=numbers)
        conn.execute(sa.insert(versions), records(frame, versions))
    return accepted


def _replace_activities(conn: Connection, pairs: set[tuple[str, str]],
                        activities: pd.DataFrame) -> None:
    """Delete the activities of each (unit, sub-period) of ``pairs``; insert ``activities``."""
    table = schema().tables["activities"]
    for unit_id, period in sorted(pairs):
        conn.execute(sa.delete(table).where(table.c.unit_id == unit_id,
                                            table.c.period == period))
    rows = records(activities, table)
    if rows:
        conn.execute(sa.insert(table), rows)


# ----------------------------------------------------------------------------- reading
@faults_as_messages
def report_history(unit_id: str, period: str, url: str | None = None) -> pd.DataFrame:
    """Every stored version of one (CĐCS, sub-period) report with who sent it, when and which file."""
    versions = schema().tables["report_versions"]
    subs = schema().tables["submissions"]
    query = (
        sa.select(versions, subs.c.sha256, subs.c.original_name, subs.c.stored_path,
                  subs.c.received_at, subs.c.submitted_by, subs.c.source)
        .join(subs, versions.c.submission_id == subs.c.submission_id)
        .where(versions.c.unit_id == unit_id, versions.c.period == period)
        .order_by(versions.c.version)
    )
    with get_engine(url).connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all())


@faults_as_messages
def read_table(name: str, url: str | None = None) -> pd.DataFrame:
    """A whole table as stored (for inspection and tests)."""
    table = schema().tables[name]
    with get_engine(url).connect() as conn:
        rows = conn.execute(sa.select(table)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def _normalise(frame: pd.DataFrame, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Give a table read from the database the dtypes :func:`congdoan.core.dataset.read_dataset` gives."""
    out = with_optional_columns(frame.reindex(columns=list(columns)).copy(), name)
    for col in out.columns:
        if col in DATE_COLUMNS[name]:
            out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
        elif col in ID_COLUMNS:
            out[col] = out[col].astype("string")
        else:
            values = pd.to_numeric(out[col], errors="coerce").astype("float64")
            integral = values.notna().all() and bool((values == values.round()).all())
            out[col] = values.astype("int64") if integral and len(values) else values
    return out.reset_index(drop=True)


@faults_as_messages
def current_reports(url: str | None = None) -> pd.DataFrame:
    """The current version of every (CĐCS, sub-period) report, in the ``reports.csv`` layout."""
    versions = schema().tables["report_versions"]
    query = sa.select(versions).where(versions.c.is_current.is_(True)).order_by(
        versions.c.period, versions.c.unit_id)
    with get_engine(url).connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(),
                             columns=[c.name for c in versions.columns])
    return _normalise(frame, "reports", report_columns())


@faults_as_messages
def load_dataset(url: str | None = None) -> Dataset:
    """The :class:`Dataset` held in the database (current report versions)."""
    engine = get_engine(url)
    if not has_registry(url):
        raise StorageError(
            "Cơ sở dữ liệu chưa có danh mục CĐCS: nhập danh sách CĐCS trước ('congdoan units "
            "template', điền, rồi 'congdoan units import TỆP').",
            "The database has no registry yet: import the list of CĐCS first ('congdoan units "
            "template', fill it, then 'congdoan units import FILE').",
            location=Location(file=engine.url.render_as_string(hide_password=True)),
        )
    tables: dict[str, pd.DataFrame] = {}
    with engine.connect() as conn:
        meta = {key: json.loads(value) for key, value in
                conn.execute(sa.select(schema().tables["meta"]))}
        for name in TABLES:
            if name == "reports":
                continue
            table = schema().tables[name]
            keys = [c for c in table.primary_key.columns]
            rows = conn.execute(sa.select(table).order_by(*keys)).mappings().all()
            tables[name] = _normalise(pd.DataFrame(rows, columns=[c.name for c in table.columns]),
                                      name, COLUMNS[name])
    tables["reports"] = current_reports(url)
    return Dataset(meta=meta, **tables)  # type: ignore[arg-type]


def now() -> dt.datetime:
    """The current time, naive, in local time (what an officer reads on the report)."""
    return dt.datetime.now().replace(microsecond=0)
