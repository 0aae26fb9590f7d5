"""The registry with its history in the database: read it, apply a units list, list its events.

The tables are those of :mod:`congdoan.core.store` (``communes``, ``upper_unions``, ``units``,
``links``, ``upper_links``) and its registry-history tables: ``unit_names`` (each CĐCS's names
over time), ``openings`` (opening balances), ``registry_imports`` (one row per accepted units list, by
content hash) and ``registry_events`` (the dated events each import made). A units list is
applied in ONE transaction (:func:`apply_changes`): all of it or nothing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from congdoan.core.registry import RegistryState
from congdoan.core.registry_changes import RegistryChanges
from congdoan.core.schema import schema
from congdoan.core.store import get_engine, records, upsert_frame

_DATES = {
    "communes": (), "upper_unions": ("valid_from", "valid_to"), "units": ("founded", "dissolved"),
    "links": ("valid_from", "valid_to"), "unit_names": ("valid_from", "valid_to"),
    "openings": ("as_of",), "upper_links": ("valid_from", "valid_to"),
}


def _read(conn: Connection, name: str) -> pd.DataFrame:
    table = schema().tables[name]
    rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings().all()
    frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for col in _DATES[name]:
        frame[col] = pd.to_datetime(frame[col])
    return frame


def registry_state(url: str | None = None) -> RegistryState:
    """The registry as stored in the database at ``url`` (default: the workspace's)."""
    with get_engine(url).connect() as conn:
        tables = {name: _read(conn, name) for name in _DATES}
    return RegistryState(communes=tables["communes"], upper_unions=tables["upper_unions"],
                         units=tables["units"], links=tables["links"],
                         names=tables["unit_names"], openings=tables["openings"],
                         upper_links=tables["upper_links"])


def find_import(sha256: str, url: str | None = None) -> dict[str, Any] | None:
    """The accepted units list with this content hash, or None."""
    table = schema().tables["registry_imports"]
    with get_engine(url).connect() as conn:
        row = conn.execute(sa.select(table).where(table.c.sha256 == sha256)).mappings().first()
    return dict(row) if row else None


def apply_changes(record: dict[str, Any], changes: RegistryChanges, url: str | None = None) -> int:
    """Write an accepted units list and its changes in ONE transaction; returns its import id.

    ``record``: sha256, original_name, stored_path, received_at, submitted_by, n_units.
    The link and name histories of the CĐCS in ``changes.replaced``, and the parent histories
    of the upper unions in ``changes.upper_replaced``, are replaced whole.
    """
    tables = schema().tables
    with get_engine(url).begin() as conn:
        key = conn.execute(sa.insert(tables["registry_imports"]).values(
            **record, n_events=len(changes.events))).inserted_primary_key
        assert key is not None
        import_id = int(key[0])
        for name, frame in (("communes", changes.communes), ("upper_unions", changes.upper_unions),
                            ("units", changes.units)):
            upsert_frame(conn, name, frame)
        for name, frame, key, replaced in (
                ("upper_links", changes.upper_links, "upper_id", changes.upper_replaced),
                ("links", changes.links, "unit_id", changes.replaced),
                ("unit_names", changes.names, "unit_id", changes.replaced)):
            table = tables[name]
            for start in range(0, len(replaced), 500):
                chunk = replaced[start:start + 500]
                conn.execute(sa.delete(table).where(table.c[key].in_(chunk)))
            if len(frame):
                conn.execute(sa.insert(table), records(frame, table))
        upsert_frame(conn, "openings", changes.openings)
        if len(changes.events):
            events = changes.events.assign(import_id=import_id)
            conn.execute(sa.insert(tables["registry_events"]),
                         records(events, tables["registry_events"]))
    return import_id


def registry_events(url: str | None = None, entity_id: str | None = None) -> pd.DataFrame:
    """Every registry event (of ``entity_id`` only, if given), oldest import first.

    Columns: the event's (entity, entity_id, event, on_date, field, old_value, new_value), and
    its import's original_name and received_at.
    """
    events = schema().tables["registry_events"]
    imports = schema().tables["registry_imports"]
    query = (sa.select(events.c.entity, events.c.entity_id, events.c.event, events.c.on_date,
                       events.c.field, events.c.old_value, events.c.new_value,
                       imports.c.original_name, imports.c.received_at)
             .join(imports, events.c.import_id == imports.c.import_id)
             .order_by(events.c.event_id))
    if entity_id is not None:
        query = query.where(events.c.entity_id == entity_id)
    with get_engine(url).connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(),
                             columns=["entity", "entity_id", "event", "on_date", "field",
                                      "old_value", "new_value", "original_name", "received_at"])
    frame["on_date"] = pd.to_datetime(frame["on_date"])
    return frame
