"""The database schema: every table, key and check of the workspace's database, in one place.

The registry tables of :mod:`congdoan.core.dataset` (``communes``, ``upper_unions``, ``areas``,
``units``, ``links``, ``enterprises``, ``upper_records``, ``activities``, ``meta``),
``submissions`` (one row per accepted input file, by content hash), ``report_versions`` (one
row per accepted (CĐCS, sub-period) report, one column per data element with its type and
range checks, and the plan's "at most" rules, which validation checks too) and the registry
history (``openings``, ``unit_names``, ``registry_imports``, ``registry_events``).
:mod:`congdoan.core.store` reads and writes through :func:`schema`: report columns follow the
register in force, so a workspace whose plan adds a report field gets a column for it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from congdoan.core import paths
from congdoan.core.plan import (
    SECTORS,
    DataElements,
    load_elements,
    load_register,
    register_version,
    report_rules,
)


def _in(column: str, values: tuple[str, ...] | list[str]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IS NULL OR {column} IN ({quoted})"


def _period_col(name: str = "period") -> sa.Column[str]:
    return sa.Column(name, sa.String(7), sa.CheckConstraint(
        f"{name} LIKE '____-H1' OR {name} LIKE '____-H2'", name=f"ck_{name}_half"), nullable=False)


def _dated(prefix: str, start: str = "valid_from", end: str = "valid_to") -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{end} IS NULL OR {end} >= {start}", name=f"ck_{prefix}_dates")


def _code(name: str, refers: str | None = None, **options: Any) -> sa.Column[str]:
    """A code column: an identifier or a category's value, text of at most 40 characters.

    ``refers``: the ``table.column`` it references, or ``table`` alone when that column has the
    same name.
    """
    if refers is not None and "." not in refers:
        refers = f"{refers}.{name}"
    references = [sa.ForeignKey(refers)] if refers is not None else []
    return sa.Column(name, sa.String(40), *references, **options)


def _validity(prefix: str, keyed: bool = True) -> list[Any]:
    """The validity of a dated row: ``valid_from``, an open-ended ``valid_to``, their check.

    ``valid_from`` is part of the primary key when ``keyed``; ``valid_to`` may not come before it.
    """
    return [sa.Column("valid_from", sa.Date, primary_key=keyed, nullable=False),
            sa.Column("valid_to", sa.Date), _dated(prefix)]


def _stored_file(prefix: str) -> list[Any]:
    """Columns of an uploaded file kept in the store: its hash (unique), names and arrival."""
    return [sa.Column("sha256", sa.String(64), nullable=False, unique=True),
            sa.Column("original_name", sa.Text, nullable=False),
            sa.Column("stored_path", sa.Text, nullable=False),
            sa.Column("received_at", sa.DateTime, nullable=False),
            sa.Column("submitted_by", sa.Text),
            sa.CheckConstraint("length(sha256) = 64", name=f"ck_{prefix}_sha")]


def _element_columns(constraints: list[sa.CheckConstraint],
                     elements: DataElements) -> list[sa.Column[Any]]:
    """One column per data element with its type and range checks."""
    columns: list[sa.Column[Any]] = []
    for element in elements.elements:
        name = element.name
        if element.kind == "category":
            columns.append(_code(name))
            constraints.append(sa.CheckConstraint(_in(name, list(element.values or ())),
                                                  name=f"ck_rv_{name}"))
        elif element.kind == "bool":
            columns.append(sa.Column(name, sa.SmallInteger))
            constraints.append(sa.CheckConstraint(f"{name} IN (0, 1)", name=f"ck_rv_{name}"))
        else:
            columns.append(sa.Column(name, sa.BigInteger))
            constraints.append(sa.CheckConstraint(f"{name} >= 0", name=f"ck_rv_{name}"))
    return columns




def schema(params_dir: Path | None = None) -> sa.MetaData:
    """The schema for the register in force (``params_dir``, default the workspace's ``params/``).

    Report columns follow the register's data elements and the database checks its report rules;
    :func:`congdoan.core.store.get_engine` adds the columns an existing database lacks. Cached
    per register version.
    """
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    return _schema(folder, register_version(folder))


@lru_cache(maxsize=8)
def _schema(folder: Path, _version: str) -> sa.MetaData:
    return build_metadata(folder)


def build_metadata(params_dir: Path | None = None) -> sa.MetaData:
    """The schema: registry tables, submissions and report versions (register of ``params_dir``)."""
    register, elements = load_register(params_dir), load_elements(params_dir)
    md = sa.MetaData()
    sa.Table("meta", md, sa.Column("key", sa.String(80), primary_key=True),
             sa.Column("value", sa.Text, nullable=False))
    sa.Table("communes", md, _code("commune_id", primary_key=True),
             sa.Column("name", sa.Text, nullable=False))
    sa.Table(
        "upper_unions", md,
        _code("upper_id", primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        _code("kind", nullable=False),
        sa.Column("direct", sa.SmallInteger, nullable=False),
        *_validity("upper", keyed=False),
        sa.CheckConstraint(_in("kind", ["district_federation", "commune_union", "industry_union"]),
                           name="ck_upper_kind"),
        sa.CheckConstraint("direct IN (0, 1)", name="ck_upper_direct"),
    )
    sa.Table(
        "upper_links", md,
        _code("upper_id", "upper_unions", primary_key=True),
        _code("parent_id", "upper_unions.upper_id", nullable=False), *_validity("upper_links"),
        sa.CheckConstraint("parent_id <> upper_id", name="ck_upper_links_self"),
    )
    sa.Table("areas", md, _code("commune_id", "communes", primary_key=True),
             _code("upper_id", "upper_unions", primary_key=True), *_validity("areas"))
    sa.Table(
        "units", md,
        _code("unit_id", primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sector", sa.String(8), nullable=False),
        _code("commune_id", "communes", nullable=False),
        sa.Column("founded", sa.Date, nullable=False), sa.Column("dissolved", sa.Date),
        _code("enterprise_id"),
        sa.Column("budget_funded", sa.SmallInteger),  # 1: fully funded by the state budget
        sa.CheckConstraint(_in("sector", list(SECTORS)), name="ck_units_sector"),
        sa.CheckConstraint("budget_funded IN (0, 1)", name="ck_units_budget_funded"),
        _dated("units", "founded", "dissolved"),
    )
    sa.Table("links", md, _code("unit_id", "units", primary_key=True),
             _code("parent_id", "upper_unions.upper_id", nullable=False), *_validity("links"))
    sa.Table(
        "enterprises", md,
        _code("enterprise_id", primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        _code("commune_id", "communes", nullable=False),
        sa.Column("ownership", sa.String(8), nullable=False),
        sa.Column("workers", sa.Integer), sa.Column("opened", sa.Date), sa.Column("closed", sa.Date),
        _code("unit_id", "units"),
        sa.CheckConstraint(_in("ownership", ["DNNN", "NNN"]), name="ck_ent_ownership"),
        sa.CheckConstraint("workers >= 0", name="ck_ent_workers"),
        _dated("ent", "opened", "closed"),
    )
    ratings = list(next(e for e in elements.upper_elements if e.name == "rating").values or ())
    sa.Table(
        "upper_records", md,
        _code("upper_id", "upper_unions", primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        _code("rating"), sa.Column("audited", sa.SmallInteger),
        sa.Column("nonunion_workers_reached", sa.Integer),
        sa.CheckConstraint(_in("rating", ratings), name="ck_ur_rating"),
        sa.CheckConstraint("audited IN (0, 1)", name="ck_ur_audited"),
        sa.CheckConstraint("nonunion_workers_reached >= 0", name="ck_ur_reached"),
    )
    sa.Table(
        "activities", md,
        _code("unit_id", "units"), _period_col(), _code("programme"),
        sa.Column("events", sa.Integer), sa.Column("participants", sa.Integer),
        sa.Column("support_vnd", sa.BigInteger),
        sa.PrimaryKeyConstraint("unit_id", "period", "programme"),
        sa.CheckConstraint("events >= 0 AND participants >= 0 AND support_vnd >= 0",
                           name="ck_act_counts"),
    )
    sa.Table(
        "submissions", md,
        sa.Column("submission_id", sa.Integer, primary_key=True, autoincrement=True),
        *_stored_file("sub"),
        sa.Column("source", sa.Text),
        sa.Column("layout", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error_report_path", sa.Text),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("form_version", sa.Text),  # layout + plan register version it was made under
        sa.CheckConstraint("status IN ('accepted', 'rejected')", name="ck_sub_status"),
        sa.CheckConstraint("layout IN ('form', 'bulk', 'csv')", name="ck_sub_layout"),
    )
    # the "at most" rules of every report, checked by validation and again by the database
    checks: list[sa.CheckConstraint] = [
        sa.CheckConstraint(f"{r.field} IS NULL OR {r.limit} IS NULL OR {r.field} <= {r.limit}",
                           name=f"ck_rv_{r.field}_le_{r.limit}")
        for r in report_rules(register, elements)
    ]
    names = {e.name for e in elements.elements}
    if {"cba_grade", "cba_signed"} <= names:
        checks.append(sa.CheckConstraint("cba_grade IS NULL OR cba_signed = 1",
                                         name="ck_rv_cba_graded"))
    element_columns = _element_columns(checks, elements)
    sa.Table(
        "report_versions", md,
        sa.Column("version_id", sa.Integer, primary_key=True, autoincrement=True),
        _code("unit_id", "units", nullable=False),
        _period_col(),
        sa.Column("version", sa.Integer, sa.CheckConstraint("version >= 1", name="ck_rv_version"),
                  nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.submission_id"),
                  nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        *element_columns,
        sa.UniqueConstraint("unit_id", "period", "version", name="uq_rv_version"),
        *checks,
    )
    rv = md.tables["report_versions"]
    sa.Index("uq_rv_current", rv.c.unit_id, rv.c.period, unique=True,
             sqlite_where=rv.c.is_current, postgresql_where=rv.c.is_current)
    _registry_history_tables(md)
    return md


REGISTRY_EVENTS = ("founded", "joined", "dissolved", "moved", "renamed", "corrected", "added")
"""Kinds of dated registry events recorded by a units import (:mod:`congdoan.core.registry_changes`)."""


def _registry_history_tables(md: sa.MetaData) -> None:
    """Opening balances, CĐCS names over time, units imports and events, records imports.

    A records import fills the enterprise registry and the upper unions' yearly records.
    """
    sa.Table(
        "openings", md,
        _code("unit_id", "units", primary_key=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("members", sa.Integer), sa.Column("workers", sa.Integer),
        sa.CheckConstraint("members >= 0 AND workers >= 0", name="ck_open_counts"),
        sa.CheckConstraint("members IS NULL OR workers IS NULL OR members <= workers",
                           name="ck_open_members_le_workers"),
    )
    sa.Table("unit_names", md, _code("unit_id", "units", primary_key=True), *_validity("unit_names"),
             sa.Column("name", sa.Text, nullable=False))
    sa.Table(
        "registry_imports", md,
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        *_stored_file("ri"),
        sa.Column("n_units", sa.Integer, nullable=False),
        sa.Column("n_events", sa.Integer, nullable=False),
    )
    sa.Table(
        "registry_events", md,
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("registry_imports.import_id"),
                  nullable=False),
        sa.Column("entity", sa.String(10), nullable=False),
        _code("entity_id", nullable=False),
        sa.Column("event", sa.String(12), nullable=False),
        sa.Column("on_date", sa.Date),
        _code("field"),
        sa.Column("old_value", sa.Text), sa.Column("new_value", sa.Text),
        sa.CheckConstraint(_in("entity", ["cdcs", "upper", "commune"]), name="ck_re_entity"),
        sa.CheckConstraint(_in("event", list(REGISTRY_EVENTS)), name="ck_re_event"),
    )
    sa.Table(  # one row per accepted records book (congdoan records import)
        "records_imports", md,
        sa.Column("import_id", sa.Integer, primary_key=True, autoincrement=True),
        *_stored_file("rci"),
        sa.Column("n_added", sa.Integer, nullable=False),
        sa.Column("n_changed", sa.Integer, nullable=False),
        sa.Column("n_unchanged", sa.Integer, nullable=False),
    )

REGISTRY_TABLES = ("communes", "upper_unions", "upper_links", "areas", "units", "links",
                   "enterprises", "upper_records", "activities", "openings")
"""Dataset tables loaded by :func:`seed_registry`, in foreign-key order."""
