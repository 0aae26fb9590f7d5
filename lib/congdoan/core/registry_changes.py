"""Registry history: a units list compared with the registry, as dated events.

Pure functions: the registry as stored (:class:`RegistryState`) and a validated units list in,
the rows to write and the events they make out (:class:`RegistryChanges`). Nothing here reads
or writes a file or a database (:mod:`congdoan.core.registry_store` does).

What a list changes, row by row (a CĐCS by its code):

- a new code: the CĐCS is **founded** (event on its founding day) or, when it comes under its
  upper union later than it was founded, it **joined** (event on that day, ``since``); its
  parent link and its name start that day;
- another upper union than the one in force: **moved** from ``since`` (required, after the
  current link's start): the current link ends the day before, the new one starts that day;
- another name: **renamed** from ``since`` (same rule), the name history kept;
- a dissolution day where there was none: **dissolved** that day (its link and name end then);
- another sector, commune, tax code, budget funding (``budget_funded``), founding or dissolution
  day, opening balance: **corrected** (undated: a correction of the record, not a change in the
  world).

A blank dissolution day, budget funding or opening balance leaves the registry's unchanged; a CĐCS of the
registry missing from the list is left unchanged (and named in a warning). Upper unions and
communes listed are **added** (an upper union is **founded** on its start day) or corrected;
an upper union's end day is its dissolution. Every new link must fall inside its upper union's
life; every problem is a :class:`Conflict` naming the row's code and field.

An upper union may be under another upper union (``parent_id`` of the list's upper unions;
blank: directly under the organisation), from ``parent_since``: a new one **joined** its
parent then (its start day when blank); a listed one whose parent changes **moved** from
``parent_since`` (required, after its current link's start), its parent history kept in
``upper_links``. A list without the column leaves every parent as it is. The parent must
exist on that day, and no upper union may ever be above itself (:func:`upper_cycles`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from congdoan.core.registry import RegistryState, name_history

Entity = Literal["cdcs", "upper", "commune"]

UNIT_FIELDS = ("unit_id", "name", "sector", "commune_id", "upper_id", "founded", "dissolved",
               "since", "enterprise_id", "budget_funded", "opening_workers", "opening_members")
"""Columns of a validated units list (dates as Timestamps, NaT when blank)."""

UNIT_ROW = ("unit_id", "name", "sector", "commune_id", "founded", "dissolved", "enterprise_id",
            "budget_funded")
"""Columns of the registry's ``units`` rows a list writes."""

UPPER_FIELDS = ("upper_id", "name", "kind", "valid_from", "valid_to")
"""Columns of an upper union's record."""

UPPER_LIST_FIELDS = (*UPPER_FIELDS, "parent_id", "parent_since")
"""Columns of a validated list of upper unions: its record, then the upper union it is under
(blank: the organisation) and since when (a list without them leaves the parents unchanged)."""

UPPER_LINK_COLUMNS = ("upper_id", "parent_id", "valid_from", "valid_to")
"""Columns of the dated parents of upper unions (table ``upper_links``)."""

COMMUNE_FIELDS = ("commune_id", "name")
"""Columns of a validated list of communes and wards."""

EVENT_COLUMNS = ("entity", "entity_id", "event", "on_date", "field", "old_value", "new_value")
"""Columns of the events frame."""

ONE_DAY = pd.Timedelta(days=1)

TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
"""A Vietnamese tax code (mã số thuế): 10 digits, or 13 with a branch suffix (0101234567-001).

A CĐCS's employer is identified by it (``enterprise_id``). A new or corrected one must have
this form; an identifier already in the registry in another form (an enterprise registry's own
code) is left as it is while unchanged."""


@dataclass(frozen=True)
class Conflict:
    """A row of the list that cannot be applied to the registry (or a warning about one)."""

    entity: Entity
    entity_id: str
    field: str | None
    message_vi: str
    message_en: str
    value: Any = None
    expected: str | None = None
    severity: Literal["error", "warning"] = "error"


@dataclass
class RegistryChanges:
    """What applying a list writes: rows to upsert, link and name histories to replace, events."""

    communes: pd.DataFrame
    upper_unions: pd.DataFrame
    units: pd.DataFrame
    links: pd.DataFrame
    """The complete new link history of every CĐCS in :attr:`replaced`."""
    names: pd.DataFrame
    """The complete new name history of every CĐCS in :attr:`replaced`."""
    openings: pd.DataFrame
    replaced: list[str]
    events: pd.DataFrame
    conflicts: list[Conflict] = field(default_factory=list)
    upper_links: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UPPER_LINK_COLUMNS)))
    """The complete new parent history of every upper union in :attr:`upper_replaced`."""
    upper_replaced: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """True when a conflict is an error (the list is then not applied at all)."""
        return any(c.severity == "error" for c in self.conflicts)


def as_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _day(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y}"


def _text(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def _same(a: Any, b: Any) -> bool:
    return _text(a) == _text(b)


# ----------------------------------------------------------------------------- planning
class _Planner:
    """Compares one validated list with the registry; collects rows, events and conflicts."""

    def __init__(self, state: RegistryState, today: dt.date) -> None:
        self.state = state
        self.today = pd.Timestamp(today)
        self.events: list[dict[str, Any]] = []
        self.conflicts: list[Conflict] = []
        self.uppers = state.upper_unions.set_index("upper_id", drop=False)
        names = name_history(state.units, state.links, state.names)
        self.links_of = _by_unit(state.links, ("unit_id", "parent_id", "valid_from", "valid_to"))
        self.names_of = _by_unit(names, ("unit_id", "valid_from", "valid_to", "name"))
        self.openings_of = {r["unit_id"]: r for r in as_records(state.openings)}

    def event(self, entity: Entity, entity_id: str, event: str, on: Any = None,
              field_name: str | None = None, old: Any = None, new: Any = None) -> None:
        self.events.append({"entity": entity, "entity_id": entity_id, "event": event,
                            "on_date": None if on is None or pd.isna(on) else pd.Timestamp(on),
                            "field": field_name, "old_value": _text(old),
                            "new_value": _text(new)})

    def conflict(self, entity: Entity, entity_id: str, field_name: str | None, vi: str, en: str,
                 value: Any = None, expected: str | None = None,
                 severity: Literal["error", "warning"] = "error") -> None:
        self.conflicts.append(Conflict(entity, entity_id, field_name, vi, en, value, expected,
                                       severity))

    # ------------------------------------------------------------------ communes, upper unions
    def communes(self, incoming: pd.DataFrame) -> pd.DataFrame:
        known = self.state.communes.set_index("commune_id")["name"]
        rows = []
        for rec in as_records(incoming):
            cid = str(rec["commune_id"])
            if cid not in known.index:
                self.event("commune", cid, "added", new=rec["name"])
            elif not _same(known[cid], rec["name"]):
                self.event("commune", cid, "corrected", field_name="name", old=known[cid],
                           new=rec["name"])
            else:
                continue
            rows.append({"commune_id": cid, "name": rec["name"]})
        return pd.DataFrame(rows, columns=["commune_id", "name"])

    def upper_unions(self, incoming: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for rec in as_records(incoming):
            uid = str(rec["upper_id"])
            if uid not in self.uppers.index:
                self.event("upper", uid, "founded", on=rec["valid_from"], new=rec["name"])
                rows.append(rec)
                continue
            old = self.uppers.loc[uid]
            new = dict(rec)
            for name in ("name", "kind", "valid_from"):
                if not _same(old[name], rec[name]):
                    self.event("upper", uid, "corrected", field_name=name, old=old[name],
                               new=rec[name])
            if pd.isna(rec["valid_to"]):
                new["valid_to"] = old["valid_to"]
            elif pd.isna(old["valid_to"]):
                self.event("upper", uid, "dissolved", on=rec["valid_to"])
            elif not _same(old["valid_to"], rec["valid_to"]):
                self.event("upper", uid, "corrected", field_name="valid_to", old=old["valid_to"],
                           new=rec["valid_to"])
            if any(not _same(old[k], new[k]) for k in UPPER_FIELDS):
                rows.append(new)
        return pd.DataFrame(rows, columns=list(UPPER_FIELDS))

    def upper_parents(self, incoming: pd.DataFrame, uppers: pd.DataFrame
                      ) -> tuple[list[dict[str, Any]], list[str]]:
        """The parent histories of the listed upper unions whose parent changes, and their codes."""
        if "parent_id" not in incoming.columns:
            return [], []
        history_of = _by_key(self.state.upper_links, "upper_id", UPPER_LINK_COLUMNS)
        rows: list[dict[str, Any]] = []
        replaced: list[str] = []
        for rec in as_records(incoming):
            uid = str(rec["upper_id"])
            parent = _text(rec["parent_id"])
            history = [dict(r) for r in history_of.get(uid, [])]
            current = history[-1]["parent_id"] if history and pd.isna(history[-1]["valid_to"]) \
                else None
            if parent == current:
                continue
            if parent is not None and (parent == uid or parent not in uppers.index):
                self.conflict("upper", uid, "parent_id",
                              "Công đoàn cấp trên của công đoàn này không có trong danh mục và "
                              "trang 'CapTren' (hoặc là chính nó).",
                              "The upper union above this one is unknown (not in the registry "
                              "nor in the sheet 'CapTren'), or is itself.", value=parent,
                              expected="một mã khác của trang CapTren, hoặc để trống (trực thuộc "
                              "tổ chức) / another code of sheet CapTren, or blank")
                continue
            end = uppers.loc[uid, "valid_to"] if uid in uppers.index else rec["valid_to"]
            since = rec["parent_since"]
            if uid not in self.uppers.index:  # a new upper union: under its parent from the start
                since = rec["valid_from"] if pd.isna(since) else since
                self.event("upper", uid, "joined", on=since, field_name="parent_id", new=parent)
            else:
                latest = history[-1]["valid_from"] if history else rec["valid_from"] - ONE_DAY
                if pd.isna(since) or since <= latest:
                    self.conflict("upper", uid, "parent_since",
                                  "Công đoàn này đổi cấp trên: cần 'Trực thuộc từ ngày' là ngày "
                                  "thay đổi có hiệu lực, sau lần thay đổi trước.",
                                  "This upper union moved: 'since' must be the day the move takes "
                                  "effect, after the previous change.",
                                  value=_day(since) or None, expected=f"> {_day(latest)}")
                    continue
                self.event("upper", uid, "moved", on=since, field_name="parent_id", old=current,
                           new=parent)
                if current is not None:
                    history[-1]["valid_to"] = since - ONE_DAY
            if parent is not None:  # inside the parent's life: checked by _upper_lives
                history.append({"upper_id": uid, "parent_id": parent, "valid_from": since,
                                "valid_to": end})
            rows.extend(history)
            replaced.append(uid)
        return rows, replaced

    # ------------------------------------------------------------------ CĐCS
    def unit(self, rec: dict[str, Any], uppers: pd.DataFrame,
             current: dict[str, dict[str, Any]]
             ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], list[dict[str, Any]],
                        dict[str, Any] | None]:
        """One row of the list: its units row (None if unchanged), links, names, opening."""
        uid = str(rec["unit_id"])
        if uid not in current:
            return self._new_unit(rec, uppers)
        old = current[uid]
        links = [dict(r) for r in self.links_of.get(uid, [])]
        history = [dict(r) for r in self.names_of.get(uid, [])]
        row: dict[str, Any] = {k: old.get(k) for k in UNIT_ROW}
        if not _same(old["enterprise_id"], rec["enterprise_id"]):
            self._tax_code(rec)
        for name in ("sector", "commune_id", "enterprise_id", "budget_funded"):
            if name == "budget_funded" and pd.isna(rec[name]):
                continue  # blank: the registry's is kept
            if not _same(old.get(name), rec[name]):
                self.event("cdcs", uid, "corrected", field_name=name, old=old.get(name),
                           new=rec[name])
                row[name] = rec[name]
        if not _same(old["founded"], rec["founded"]):
            self._refound(uid, old["founded"], rec["founded"], links, history, uppers)
            row["founded"] = rec["founded"]
        dissolved = old["dissolved"] if pd.isna(rec["dissolved"]) else rec["dissolved"]
        moved = bool(links) and rec["upper_id"] != links[-1]["parent_id"]
        renamed = bool(history) and not _same(rec["name"], history[-1]["name"])
        if moved or renamed:
            self._change(rec, uppers, links, history, dissolved, moved, renamed)
            row["name"] = rec["name"]
        elif not pd.isna(rec["since"]) and links and rec["since"] != links[-1]["valid_from"]:
            self.conflict("cdcs", uid, "since",
                          "'Trực thuộc từ ngày' chỉ dùng khi đổi công đoàn cấp trên hoặc đổi "
                          "tên; ngày này đã được bỏ qua.",
                          "'Since' is only used with a change of upper union or name; it was "
                          "ignored.", value=_day(rec["since"]),
                          expected=_day(links[-1]["valid_from"]), severity="warning")
        if not _same(old["dissolved"], dissolved):
            if pd.isna(old["dissolved"]):
                self.event("cdcs", uid, "dissolved", on=dissolved)
            else:
                self.event("cdcs", uid, "corrected", field_name="dissolved", old=old["dissolved"],
                           new=dissolved)
            self._end(uid, links, history, old["dissolved"], dissolved)
            row["dissolved"] = dissolved
        opening = self._opening(uid, rec, links)
        changed = any(not _same(row[k], old[k]) for k in row)
        return (row if changed else None), links, history, opening

    def _new_unit(self, rec: dict[str, Any], uppers: pd.DataFrame
                  ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]],
                             dict[str, Any] | None]:
        uid = str(rec["unit_id"])
        self._tax_code(rec)
        since = rec["since"]
        upper = uppers.loc[rec["upper_id"]] if rec["upper_id"] in uppers.index else None
        if pd.isna(since):
            start = upper["valid_from"] if upper is not None else rec["founded"]
            since = max(rec["founded"], start) if not pd.isna(start) else rec["founded"]
        self._in_force(uid, rec["upper_id"], since, uppers)
        if not pd.isna(rec["dissolved"]) and since > rec["dissolved"]:
            self.conflict("cdcs", uid, "since", "CĐCS trực thuộc từ sau ngày giải thể.",
                          "The CĐCS comes under its upper union after its dissolution.",
                          value=_day(since), expected=f"≤ {_day(rec['dissolved'])}")
        if since == rec["founded"]:
            self.event("cdcs", uid, "founded", on=since, new=rec["name"])
        else:
            self.event("cdcs", uid, "joined", on=since, field_name="upper_id",
                       new=rec["upper_id"])
        if not pd.isna(rec["dissolved"]):
            self.event("cdcs", uid, "dissolved", on=rec["dissolved"])
        end = rec["dissolved"]
        links = [{"unit_id": uid, "parent_id": rec["upper_id"], "valid_from": since,
                  "valid_to": end}]
        names = [{"unit_id": uid, "valid_from": since, "valid_to": end, "name": rec["name"]}]
        row = {k: rec[k] for k in UNIT_ROW}
        if pd.isna(row["budget_funded"]):
            row["budget_funded"] = 0  # blank: not funded by the state budget alone
        opening = None
        if not (pd.isna(rec["opening_members"]) and pd.isna(rec["opening_workers"])):
            opening = {"unit_id": uid, "as_of": since, "members": rec["opening_members"],
                       "workers": rec["opening_workers"]}
        return row, links, names, opening

    def _tax_code(self, rec: dict[str, Any]) -> None:
        """A conflict unless a new or changed employer's tax code has its form."""
        code = rec["enterprise_id"]
        if not pd.isna(code) and not TAX_CODE_RE.match(str(code)):
            self.conflict("cdcs", str(rec["unit_id"]), "enterprise_id",
                          "Mã số thuế không đúng dạng.", "Malformed tax code.", value=code,
                          expected="0101234567 | 0101234567-001")

    def _refound(self, uid: str, old: Any, new: pd.Timestamp, links: list[dict[str, Any]],
                 history: list[dict[str, Any]], uppers: pd.DataFrame) -> None:
        """A corrected founding day; the first link and name start then if they began with it.

        A first link never starts before its upper union did: a CĐCS founded earlier than the
        union it is under (a commune union formed on 1/7/2025 over older CĐCS) came under it
        on the union's first day, as for a new CĐCS whose 'since' is blank.
        """
        self.event("cdcs", uid, "corrected", field_name="founded", old=old, new=new)
        for rows in (links, history):
            if rows and (rows[0]["valid_from"] == old or rows[0]["valid_from"] < new):
                start = new
                parent = str(rows[0].get("parent_id"))
                opened = (pd.Timestamp(uppers.at[parent, "valid_from"])  # type: ignore[arg-type]
                          if rows is links and parent in uppers.index else pd.NaT)
                if not pd.isna(opened):
                    start = max(new, opened)
                end = rows[0]["valid_to"]
                if not pd.isna(end) and start > end:
                    self.conflict("cdcs", uid, "founded",
                                  "Ngày thành lập mới sau ngày kết thúc của lần trực thuộc "
                                  "(hoặc tên) đầu tiên.",
                                  "The new founding day is after the end of the first link "
                                  "(or name).", value=_day(new), expected=f"≤ {_day(end)}")
                rows[0]["valid_from"] = start

    def _change(self, rec: dict[str, Any], uppers: pd.DataFrame, links: list[dict[str, Any]],
                history: list[dict[str, Any]], dissolved: Any, moved: bool,
                renamed: bool) -> None:
        """A move and/or a rename from ``rec['since']``."""
        uid = str(rec["unit_id"])
        since = rec["since"]
        latest = max(links[-1]["valid_from"] if moved else pd.Timestamp.min,
                     history[-1]["valid_from"] if renamed else pd.Timestamp.min)
        what = ("đổi công đoàn cấp trên" if moved else "") + (" và " if moved and renamed else "") \
            + ("đổi tên" if renamed else "")
        if pd.isna(since) or since <= latest:
            self.conflict("cdcs", uid, "since",
                          f"CĐCS có thay đổi ({what}): cần 'Trực thuộc từ ngày' là ngày thay đổi "
                          "có hiệu lực, sau lần thay đổi trước.",
                          "The CĐCS changed (upper union or name): 'since' must be the day the "
                          "change takes effect, after the previous change.",
                          value=_day(since) or None, expected=f"> {_day(latest)}")
            return
        if not pd.isna(dissolved) and since > dissolved:
            self.conflict("cdcs", uid, "since", "Ngày thay đổi sau ngày giải thể.",
                          "The change takes effect after the dissolution.", value=_day(since),
                          expected=f"≤ {_day(dissolved)}")
            return
        if moved:
            self._in_force(uid, rec["upper_id"], since, uppers)
            self.event("cdcs", uid, "moved", on=since, field_name="upper_id",
                       old=links[-1]["parent_id"], new=rec["upper_id"])
            links[-1]["valid_to"] = since - ONE_DAY
            links.append({"unit_id": uid, "parent_id": rec["upper_id"], "valid_from": since,
                          "valid_to": dissolved})
        if renamed:
            self.event("cdcs", uid, "renamed", on=since, field_name="name",
                       old=history[-1]["name"], new=rec["name"])
            history[-1]["valid_to"] = since - ONE_DAY
            history.append({"unit_id": uid, "valid_from": since, "valid_to": dissolved,
                            "name": rec["name"]})

    def _end(self, uid: str, links: list[dict[str, Any]], history: list[dict[str, Any]],
             old: Any, new: Any) -> None:
        """The last link and name end at the (new or corrected) dissolution day."""
        for rows in (links, history):
            if not rows:
                continue
            last = rows[-1]
            if pd.isna(last["valid_to"]) or (not pd.isna(old) and last["valid_to"] == old):
                if new < last["valid_from"]:
                    self.conflict("cdcs", uid, "dissolved",
                                  "Ngày giải thể trước ngày bắt đầu của lần trực thuộc (hoặc tên) "
                                  "hiện tại.", "The dissolution is before the start of the "
                                  "current link (or name).", value=_day(new),
                                  expected=f"≥ {_day(last['valid_from'])}")
                last["valid_to"] = new

    def _opening(self, uid: str, rec: dict[str, Any],
                 links: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The CĐCS's opening balance row when it changes (blank figures keep the stored ones)."""
        old = self.openings_of.get(uid, {"members": None, "workers": None, "as_of": None})
        new = {"unit_id": uid, "as_of": links[0]["valid_from"] if links else rec["founded"],
               "members": old["members"], "workers": old["workers"]}
        for name in ("members", "workers"):
            value = rec[f"opening_{name}"]
            if not pd.isna(value) and not _same(value, old[name]):
                self.event("cdcs", uid, "corrected", field_name=f"opening_{name}",
                           old=old[name], new=value)
                new[name] = value
        if new["members"] is None and new["workers"] is None:
            return None
        same = all(_same(new[k], old[k]) for k in ("members", "workers", "as_of"))
        return None if same else new

    def _in_force(self, uid: str, upper_id: str, day: pd.Timestamp, uppers: pd.DataFrame) -> None:
        """A conflict unless upper union ``upper_id`` exists on ``day``."""
        if upper_id not in uppers.index:
            return  # an unknown upper union is reported by the reference check
        upper = uppers.loc[upper_id]
        if day < upper["valid_from"] or (not pd.isna(upper["valid_to"]) and day > upper["valid_to"]):
            self.conflict("cdcs", uid, "upper_id",
                          f"Công đoàn cấp trên {upper_id} chưa thành lập hoặc đã giải thể vào "
                          f"ngày CĐCS trực thuộc ({_day(day)}).",
                          f"Upper union {upper_id} does not exist on the day the CĐCS comes "
                          f"under it ({_day(day)}).", value=upper_id,
                          expected=f"{_day(upper['valid_from'])} – {_day(upper['valid_to'])}")


def _references(planner: _Planner, units: pd.DataFrame, uppers: pd.DataFrame,
                communes: Iterable[str]) -> None:
    known_communes = set(communes)
    for rec in as_records(units):
        uid = str(rec["unit_id"])
        if rec["commune_id"] not in known_communes:
            planner.conflict("cdcs", uid, "commune_id",
                             "Mã xã/phường không có trong danh mục và trang 'XaPhuong'.",
                             "Unknown commune or ward code (not in the registry nor in the "
                             "sheet 'XaPhuong').", value=rec["commune_id"],
                             expected="một mã của trang XaPhuong / a code of sheet XaPhuong")
        if rec["upper_id"] not in uppers.index:
            planner.conflict("cdcs", uid, "upper_id",
                             "Mã công đoàn cấp trên không có trong danh mục và trang 'CapTren'.",
                             "Unknown upper union code (not in the registry nor in the sheet "
                             "'CapTren').", value=rec["upper_id"],
                             expected="một mã của trang CapTren / a code of sheet CapTren")


def _lives(planner: _Planner, links: pd.DataFrame, uppers: pd.DataFrame,
           changed: set[str]) -> None:
    """A conflict for each of ``links`` outside its upper union's life.

    ``links``: those a list writes, or whose upper union's dates it changes. The conflict is
    the upper union's when the list changes it (``changed``), else the CĐCS's.
    """
    merged = links.merge(uppers[["upper_id", "valid_from", "valid_to"]], left_on="parent_id",
                         right_on="upper_id", suffixes=("", "_upper"))
    ends, upper_ends = merged["valid_to"], merged["valid_to_upper"]
    late = upper_ends.notna() & (ends.isna() | (ends > upper_ends))
    bad = merged[(merged["valid_from"] < merged["valid_from_upper"]) | late]
    for rec in as_records(bad.drop_duplicates(["unit_id", "parent_id"])):
        uid, upper = str(rec["unit_id"]), str(rec["parent_id"])
        entity: Entity = "upper" if upper in changed else "cdcs"
        planner.conflict(entity, uid if entity == "cdcs" else upper,
                         "upper_id" if entity == "cdcs" else "valid_to",
                         f"CĐCS {uid} trực thuộc {upper} ngoài thời gian tồn tại của công đoàn "
                         f"cấp trên ({_day(rec['valid_from_upper'])}–"
                         f"{_day(rec['valid_to_upper'])}).",
                         f"CĐCS {uid} is under {upper} outside that upper union's life.",
                         value=f"{_day(rec['valid_from'])}–{_day(rec['valid_to'])}",
                         expected="chuyển CĐCS sang cấp trên khác trước ngày giải thể / move "
                         "the CĐCS first")


def plan_changes(state: RegistryState, units: pd.DataFrame, uppers: pd.DataFrame,
                 communes: pd.DataFrame, today: dt.date) -> RegistryChanges:
    """The changes a validated units list makes to the registry ``state``.

    Args:
        state: the registry as stored.
        units: the list's CĐCS (:data:`UNIT_FIELDS`), codes unique.
        uppers: the list's upper unions (:data:`UPPER_FIELDS`), codes unique.
        communes: the list's communes and wards (:data:`COMMUNE_FIELDS`), codes unique.
        today: the day of the import (dates after it are the caller's to refuse).

    Returns:
        The rows to write and the events; :attr:`RegistryChanges.conflicts` holds every problem
        (nothing is to be written when one is an error).

    """
    planner = _Planner(state, today)
    new_communes = planner.communes(communes)
    new_uppers = planner.upper_unions(uppers)
    all_uppers = pd.concat([state.upper_unions[list(UPPER_FIELDS)], new_uppers],
                           ignore_index=True).drop_duplicates("upper_id", keep="last")
    all_uppers = all_uppers.set_index("upper_id", drop=False)
    _references(planner, units, all_uppers,
                [*state.communes["commune_id"], *communes["commune_id"]])
    upper_link_rows, upper_replaced = planner.upper_parents(uppers, all_uppers)
    nesting = _no_cycles(planner, state.upper_links, upper_link_rows, upper_replaced)
    _upper_lives(planner, nesting, all_uppers.reset_index(drop=True),
                 set(new_uppers["upper_id"]), set(upper_replaced))
    current = {str(r["unit_id"]): r for r in as_records(state.units)}
    unit_rows, link_rows, name_rows, openings, replaced = [], [], [], [], []
    for rec in as_records(units):
        row, links, history, opening = planner.unit(rec, all_uppers, current)
        if row is not None:
            unit_rows.append(row)
        uid = str(rec["unit_id"])
        if (row is not None or not _same_rows(links, planner.links_of.get(uid, []))
                or not _same_rows(history, planner.names_of.get(uid, []))):
            replaced.append(str(rec["unit_id"]))
            link_rows.extend(links)
            name_rows.extend(history)
        if opening is not None:
            openings.append(opening)
    link_frame = pd.DataFrame(link_rows, columns=["unit_id", "parent_id", "valid_from",
                                                  "valid_to"])
    kept = state.links[~state.links["unit_id"].isin(replaced)]
    final_links = pd.concat([p for p in (kept, link_frame) if len(p)] or [link_frame],
                            ignore_index=True)
    touched = final_links["unit_id"].isin(replaced) | final_links["parent_id"].isin(
        new_uppers["upper_id"])
    _lives(planner, final_links[touched], all_uppers.reset_index(drop=True),
           set(new_uppers["upper_id"]))
    missing = sorted(set(state.units["unit_id"]) - set(units["unit_id"]))
    if missing and len(units):
        planner.conflict("cdcs", missing[0], None,
                         f"{len(missing)} CĐCS của danh mục không có trong danh sách; giữ "
                         "nguyên (muốn giải thể thì ghi ngày giải thể).",
                         f"{len(missing)} CĐCS of the registry are not in the list; left "
                         "unchanged (to dissolve one, give its dissolution day).",
                         value=", ".join(missing[:10]) + (" …" if len(missing) > 10 else ""),
                         severity="warning")
    parents = set(final_links["parent_id"])
    upper_rows = _with_direct(new_uppers, state.upper_unions, parents)
    return RegistryChanges(
        communes=new_communes, upper_unions=upper_rows,
        units=pd.DataFrame(unit_rows, columns=list(UNIT_ROW)),
        links=link_frame,
        names=pd.DataFrame(name_rows, columns=["unit_id", "valid_from", "valid_to", "name"]),
        openings=pd.DataFrame(openings, columns=["unit_id", "as_of", "members", "workers"]),
        replaced=replaced, events=pd.DataFrame(planner.events, columns=list(EVENT_COLUMNS)),
        conflicts=planner.conflicts,
        upper_links=pd.DataFrame(upper_link_rows, columns=list(UPPER_LINK_COLUMNS)),
        upper_replaced=upper_replaced)


def _no_cycles(planner: _Planner, stored: pd.DataFrame, rows: list[dict[str, Any]],
               replaced: list[str]) -> pd.DataFrame:
    """A conflict for every cycle the new parent histories would make (on a listed union).

    Returns the upper unions' parent links as they would be after the list.
    """
    kept = stored[~stored["upper_id"].isin(replaced)][list(UPPER_LINK_COLUMNS)]
    new = pd.DataFrame(rows, columns=list(UPPER_LINK_COLUMNS))
    links = pd.concat([p for p in (kept, new) if len(p)] or [new], ignore_index=True)
    for day, cycle in upper_cycles(links):
        where = next((u for u in cycle if u in replaced), cycle[0])
        chain = " → ".join(cycle)
        planner.conflict("upper", where, "parent_id",
                         f"Vòng lặp cấp trên: {chain} (từ ngày {_day(day)}); một công đoàn không "
                         "thể ở dưới chính nó.",
                         f"A loop of upper unions: {chain} (from {_day(day)}); no union can be "
                         "below itself.", value=chain,
                         expected="sửa cột cấp trên của một công đoàn trong vòng / change the "
                         "parent of one union in the loop")
    return links


def _upper_lives(planner: _Planner, links: pd.DataFrame, uppers: pd.DataFrame,
                 changed: set[str], replaced: set[str]) -> None:
    """A conflict for each upper union under another outside that one's life.

    Only the links the list writes (``replaced``) or whose parent's dates it changes
    (``changed``) are checked; a link ends at the latest with its own union's end. The conflict
    is the parent's (its end date) when the list changes it, else the union's (its parent).
    """
    touched = links[links["upper_id"].isin(replaced) | links["parent_id"].isin(changed)]
    life = uppers[["upper_id", "valid_from", "valid_to"]]
    merged = touched.merge(life.rename(columns={"upper_id": "parent_id", "valid_from": "p_from",
                                                "valid_to": "p_to"}), on="parent_id").merge(
        life[["upper_id", "valid_to"]].rename(columns={"valid_to": "own_to"}), on="upper_id")
    ends = pd.to_datetime(merged["valid_to"]).fillna(pd.to_datetime(merged["own_to"]))
    p_to = pd.to_datetime(merged["p_to"])
    late = p_to.notna() & (ends.isna() | (ends > p_to))
    bad = merged[(pd.to_datetime(merged["valid_from"]) < pd.to_datetime(merged["p_from"])) | late]
    for rec in as_records(bad.drop_duplicates(["upper_id", "parent_id"])):
        uid, parent = str(rec["upper_id"]), str(rec["parent_id"])
        mine = parent not in changed
        planner.conflict("upper", uid if mine else parent, "parent_id" if mine else "valid_to",
                         f"Công đoàn {uid} trực thuộc {parent} ngoài thời gian tồn tại của "
                         f"{parent} ({_day(rec['p_from'])}–{_day(rec['p_to'])}).",
                         f"Upper union {uid} is under {parent} outside that union's life.",
                         value=f"{_day(rec['valid_from'])}–{_day(rec['valid_to'])}",
                         expected="chuyển công đoàn này sang cấp trên khác trước / move this "
                         "union first")


def _by_unit(frame: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """The rows of a dated table per unit_id, oldest first."""
    return _by_key(frame, "unit_id", columns)


def _by_key(frame: pd.DataFrame, key: str,
            columns: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    """The rows of a dated table per ``key``, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in as_records(frame.sort_values([key, "valid_from"])[list(columns)]):
        out.setdefault(str(rec[key]), []).append(rec)
    return out


def upper_cycles(upper_links: pd.DataFrame) -> list[tuple[pd.Timestamp, tuple[str, ...]]]:
    """Every cycle of upper unions above themselves, with the first day it holds.

    The parents are read on each day one of ``upper_links`` (upper_id, parent_id, valid_from,
    valid_to) starts or ends; a cycle is given once, as its upper unions from the smallest code
    round to it again (('GRP', 'IND', 'GRP')).
    """
    starts = pd.to_datetime(upper_links["valid_from"])
    ends = pd.to_datetime(upper_links["valid_to"]).dropna() + ONE_DAY
    found: dict[tuple[str, ...], pd.Timestamp] = {}
    for day in sorted(set(starts.dropna()) | set(ends)):
        now = upper_links[(starts <= day) & (pd.to_datetime(upper_links["valid_to"]).isna()
                                             | (pd.to_datetime(upper_links["valid_to"]) >= day))]
        parent = dict(zip(now["upper_id"].astype(str), now["parent_id"].astype(str), strict=True))
        for start in parent:
            path = [start]
            while (above := parent.get(path[-1])) is not None and above not in path:
                path.append(above)
            if above is None:
                continue
            loop = path[path.index(above):]
            first = loop.index(min(loop))
            cycle = (*loop[first:], *loop[:first], min(loop))
            found.setdefault(cycle, day)
    return [(day, cycle) for cycle, day in found.items()]


def _same_rows(rows: list[dict[str, Any]], stored: list[dict[str, Any]]) -> bool:
    def texts(records: list[dict[str, Any]]) -> list[tuple[str | None, ...]]:
        return sorted(tuple(_text(r[k]) for k in sorted(r)) for r in records)

    return texts(rows) == texts(stored)


def _with_direct(rows: pd.DataFrame, stored: pd.DataFrame, parents: set[str]) -> pd.DataFrame:
    """Upper union rows to write, ``direct`` = 1 when some CĐCS is (or was) under it.

    Stored upper unions whose ``direct`` flag changes are written too.
    """
    out = rows.assign(direct=rows["upper_id"].isin(parents).astype(int))
    flips = stored[~stored["upper_id"].isin(rows["upper_id"])
                   & stored["upper_id"].isin(parents)
                   & (pd.to_numeric(stored["direct"]) != 1)]
    flips = flips.assign(direct=1)[[*UPPER_FIELDS, "direct"]]
    return pd.concat([p for p in (out, flips) if len(p)] or [out], ignore_index=True)
