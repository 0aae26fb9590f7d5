"""Codes for a units list in the officer's own layout, which names but does not code.

Pure: the rows read (:class:`OwnRow`, by :mod:`congdoan.intake.own_layout`), the registry as
stored and the organisation in; the template's frames out (:class:`Coded`), problems to the
file's collector. The rules:

- A commune or an upper union is found in the registry by its name compared without accents,
  case and punctuation (:func:`fold`); a new one gets a code made from its name
  (:func:`code_from_name`: "Xã Tân Hòa" → ``XA-TAN-HOA``, "Công đoàn ngành Giáo dục" →
  ``CD-NGANH-GIAO-DUC``), which the registry then keeps: the next list finds it by name.
- The organisation, named as the upper union (or no upper union named: a blank cell, or no such
  column), is the upper union of its own code, as on the first row of the template's sheet
  ``CapTren``. When the registry does not have it yet it is added, starting on the
  organisation's start, with the kind of its workspace kind (or of its name).
- A new upper union's kind comes from its name (:func:`upper_kind`); a name that tells none is
  taken as an industry union (the kind of a non-territorial upper union, as a company-group
  union in docs/units.md), with a warning. It starts on the organisation's start.
- A CĐCS with a code keeps it. Without, it is matched with the registry by tax code, then by
  name (:func:`fold`; several CĐCS of that name: the one in the row's commune); one matched by
  no row gets the next free ``CDCS-001``, ``CDCS-002`` … in row order.
- A matched CĐCS keeps the registry's value where the list has none (founding day, tax code,
  upper union), its registry spelling where the name differs by accents or case alone, and its
  stored opening balance (the list's figures are then today's, which reports give): each said
  in a warning.
- A new CĐCS without a founding day is refused at its row (none is made up: the day decides
  whether it is new in a period and whether it may be rated) — except in the organisation's
  first list (the registry has no CĐCS yet, its start is known): a CĐCS named there was there
  before, and is stored as founded :data:`~congdoan.core.registry.FOUNDED_UNKNOWN` ("không
  rõ": active from the start, not new, old enough to be rated), with a warning at its cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from congdoan.core.registry import FOUNDED_UNKNOWN, RegistryState, name_history
from congdoan.core.registry_changes import COMMUNE_FIELDS, UNIT_FIELDS, UPPER_FIELDS
from congdoan.core.text import cut_at_word
from congdoan.core.workspace import Organisation
from congdoan.exceptions import Location, ParameterError
from congdoan.intake.cells import Cell, _Collector
from congdoan.intake.own_headers import fold
from congdoan.intake.problems import Problem
from congdoan.intake.units import COMMUNES_SHEET, UNITS_SHEET, UPPER_KIND_LABELS, UPPERS_SHEET
from congdoan.intake.units_template import ORGANISATION_KINDS

KIND_PREFIXES: dict[str, tuple[str, ...]] = {
    "commune_union": ("cong doan xa", "cong doan phuong", "cong doan thi tran",
                      "cong doan dac khu"),
    "industry_union": ("cong doan nganh",),
    "district_federation": ("lien doan lao dong",),
}
"""How an upper union's name (:func:`upper_key`) begins, by kind."""

DEFAULT_KIND = "industry_union"
"""The kind of a new upper union whose name tells none (said in a warning)."""



MISSING_FOUNDED_VI = (
    "Thiếu ngày thành lập của CĐCS (ngày này cho biết CĐCS mới hay cũ, đã đủ 12 tháng để xếp "
    "loại chưa).")
MISSING_FOUNDED_EN = (
    "The CĐCS's founding day is missing (it tells whether the CĐCS is new or old, and whether "
    "it has had 12 months for a rating).")
"""Why a CĐCS new to the registry needs its founding day (none is made up for it)."""

UNKNOWN_FOUNDED_VI = (
    "{n} CĐCS không có ngày thành lập (ô {cells}): coi như có trước {start} (đủ 12 tháng để xếp "
    "loại). CĐCS nào thành lập từ ngày ấy: ghi ngày vào ô ấy trong tệp này rồi nhập lại tệp.")
UNKNOWN_FOUNDED_EN = (
    "{n} CĐCS without a founding day (cells {cells}): taken as active before {start}, old "
    "enough to be rated; the registry says 'unknown'. One founded since {start}: write its day "
    "in its cell and import again.")
"""Said of a CĐCS of the organisation's first list without a founding day
(:data:`~congdoan.core.registry.FOUNDED_UNKNOWN`)."""


def _short_name(name: str, width: int = 32) -> str:
    """A CĐCS's name to recognise it by in a message.

    Without a leading "Công đoàn" (every CĐCS's), cut at a word before ``width``, with "…".
    """
    name = re.sub(r"^(?:Công đoàn|CĐ)\s+", "", name.strip(), flags=re.IGNORECASE) or name
    return cut_at_word(name, width, "…")


def upper_key(name: str) -> str:
    """An upper union's name as compared: :func:`fold`, with the short forms read in full.

    "CĐ …" is read "Công đoàn …" and "LĐLĐ …" "Liên đoàn Lao động …", so that "CĐ xã Tân Hòa"
    is "Công đoàn xã Tân Hòa".
    """
    words = fold(name)
    for short, long in (("cd", "cong doan"), ("ldld", "lien doan lao dong")):
        if words.startswith(short + " "):
            return long + words[len(short):]
    return words


def upper_kind(name: str) -> str | None:
    """The kind of upper union its name tells ("Công đoàn ngành …" industry …), or None."""
    words = upper_key(name)
    for kind, prefixes in KIND_PREFIXES.items():
        if any(words == p or words.startswith(p + " ") for p in prefixes):
            return kind
    return None


def code_from_name(name: str, taken: set[str]) -> str:
    """A code made from ``name`` (ASCII, ``-`` between words, ≤ 40), not in ``taken`` (then added).

    "Công đoàn …" begins ``CD-``, "Liên đoàn Lao động …" ``LDLD-``; a code already taken gets
    ``-2``, ``-3`` …
    """
    words = fold(name)
    for long, short in (("cong doan", "cd"), ("lien doan lao dong", "ldld")):
        if words.startswith(long + " "):
            words = short + words[len(long):]
    base = "-".join(words.upper().split())[:40].rstrip("-") or "MA"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base[:39 - len(str(n))].rstrip('-')}-{n}"
    taken.add(code)
    return code


def _unit_codes(taken: set[str]) -> Iterator[str]:
    """``CDCS-001``, ``CDCS-002`` … after the highest such code taken, skipping those taken."""
    n = max((int(m.group(1)) for c in taken if (m := re.fullmatch(r"CDCS-(\d+)", c))), default=0)
    while True:
        n += 1
        code = f"CDCS-{n:03d}"
        if code not in taken:
            taken.add(code)
            yield code


@dataclass
class OwnRow:
    """One CĐCS row of an own-layout list, converted but not yet coded."""

    row: int
    cells: dict[str, Cell]
    """Its cells by template key."""
    values: dict[str, Any]
    """Its values by template key (None: blank or wrong); ``commune_id`` and ``upper_id`` hold
    names here, ``sector`` its code."""


@dataclass
class Coded:
    """An own-layout list in the template's frames, and the row each code was first read from."""

    units: pd.DataFrame
    uppers: pd.DataFrame
    communes: pd.DataFrame
    rows: dict[tuple[str, str], int]
    notes: list[Problem]
    """Warnings about the whole file (founding days taken from the organisation's start …),
    to be shown before those of single rows."""


class _Registry:
    """The registry's codes by name, and what a matched CĐCS keeps."""

    def __init__(self, state: RegistryState, organisation: Organisation) -> None:
        self.communes = {fold(n): c for c, n in zip(state.communes["commune_id"],
                                                    state.communes["name"], strict=True)}
        self.uppers = {upper_key(n): u for u, n in zip(state.upper_unions["upper_id"],
                                                       state.upper_unions["name"], strict=True)}
        for name in (organisation.name, organisation.short_name):
            if name:
                self.uppers[upper_key(name)] = organisation.id
        names = name_history(state.units, state.links, state.names).drop_duplicates(
            "unit_id", keep="last")
        self.names = dict(zip(names["unit_id"], names["name"], strict=True))
        self.by_name: dict[str, list[str]] = {}
        for uid, name in self.names.items():
            self.by_name.setdefault(fold(name), []).append(uid)
        units = state.units.set_index("unit_id")
        self.units = units
        self.by_tax: dict[str, list[str]] = {}
        for uid, tax in units["enterprise_id"].dropna().items():
            self.by_tax.setdefault(str(tax), []).append(str(uid))
        links = state.links.sort_values("valid_from").drop_duplicates("unit_id", keep="last")
        self.parent = dict(zip(links["unit_id"], links["parent_id"], strict=True))
        self.openings = {str(r["unit_id"]): r for r in
                         state.openings[["unit_id", "workers", "members"]].to_dict("records")}
        starts = state.upper_unions.set_index("upper_id")["valid_from"]
        self.start = starts.get(organisation.id)

    def match(self, values: dict[str, Any], commune: str | None) -> list[str]:
        """The registry's CĐCS a row is: by tax code, else by name (then by commune)."""
        tax = values.get("enterprise_id")
        if tax is not None and len(found := self.by_tax.get(str(tax), [])) == 1:
            return found
        found = self.by_name.get(fold(values["name"]), [])
        if len(found) > 1:
            return [u for u in found if self.units.loc[u, "commune_id"] == commune] or found
        return found


def _day(value: Any) -> str:
    return f"{pd.Timestamp(value):%d/%m/%Y}"


def _rows(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:20])) + (" …" if len(numbers) > 20 else "")


def give_codes(rows: list[OwnRow], state: RegistryState, organisation: Organisation,
               start: dt.date | None, out: _Collector, sheet: str | None) -> Coded:
    """The template's frames of an own-layout list: every row, commune and upper union coded.

    ``start``: the organisation's start given by the officer (``--start``), used when the
    registry does not hold the organisation yet. Problems of rows go to ``out``, located in
    ``sheet``; those of the whole file are the result's ``notes``.

    Raises:
        ParameterError: the organisation's start is needed (the organisation, a new upper union
            or a CĐCS without founding day to add) and neither the registry nor ``start`` has it.

    """
    known = _Registry(state, organisation)
    first_list = state.units.empty  # the organisation's first: what it names was there before
    undated: list[str] = []  # its cells without a founding day
    notes = _Collector(out.file)
    org_start = known.start if known.start is not None and not pd.isna(known.start) else None
    if org_start is None and start is not None:
        org_start = pd.Timestamp(start)
    elif org_start is not None and start is not None and pd.Timestamp(start) != org_start:
        notes.add(Cell(None, sheet), "--start", "Danh mục đã có ngày bắt đầu của tổ chức; giữ ngày "
                "đó (sửa ở trang CapTren của danh sách mẫu).", "The registry holds the "
                "organisation's start already; it is kept (edit it on sheet CapTren of the "
                "template).", value=f"{start:%d/%m/%Y}", expected=_day(org_start),
                severity="warning")
    taken = {"commune": set(state.communes["commune_id"]),
             "upper": {*state.upper_unions["upper_id"], organisation.id},
             "unit": set(state.units["unit_id"])}
    new_unit = _unit_codes(taken["unit"])
    positions: dict[tuple[str, str], int] = {}
    communes: dict[str, str] = {}  # new code → name
    uppers: dict[str, dict[str, Any]] = {}  # new code → record
    units: list[dict[str, Any]] = []
    matched: dict[str, int] = {}  # registry code → the row that matched it
    fresh: dict[tuple[str, str], int] = {}  # (folded name, commune) of new CĐCS → row
    kept_counts: list[int] = []
    needs_start: list[str] = []
    for r in rows:
        v = dict(r.values)
        if v.get("name") is None or v.get("commune_id") is None or v.get("sector") is None:
            continue  # its problem is recorded; the others are still checked
        commune = known.communes.get(fold(v["commune_id"]))
        if commune is None:
            commune = code_from_name(v["commune_id"], taken["commune"])
            known.communes[fold(v["commune_id"])] = commune
            communes[commune] = v["commune_id"]
        positions.setdefault((COMMUNES_SHEET, commune), r.row)
        upper = None
        if v.get("upper_id") is not None:
            upper = known.uppers.get(upper_key(v["upper_id"]))
            if upper is None:
                upper = code_from_name(v["upper_id"], taken["upper"])
                known.uppers[upper_key(v["upper_id"])] = upper
                kind = upper_kind(v["upper_id"])
                uppers[upper] = {"upper_id": upper, "name": v["upper_id"],
                                 "kind": kind or DEFAULT_KIND}
                needs_start.append(f"công đoàn cấp trên mới / new upper union {upper}")
                if kind is None:
                    out.add(r.cells["upper_id"], "upper_id", "Tên không cho biết loại công đoàn "
                            f"cấp trên; ghi là '{UPPER_KIND_LABELS[DEFAULT_KIND]}' (sửa ở trang "
                            "CapTren của danh sách mẫu nếu khác).", "The name does not tell the "
                            "kind of upper union; taken as an industry union (edit it on sheet "
                            "CapTren of the template if not).", value=v["upper_id"],
                            expected=", ".join(UPPER_KIND_LABELS.values()), severity="warning")
            positions.setdefault((UPPERS_SHEET, upper), r.row)
        uid = v.get("unit_id")
        if uid is None:
            found = known.match(v, commune)
            if len(found) > 1:
                out.add(r.cells["name"], "name", "Nhiều CĐCS trong danh mục cùng tên này; không "
                        "biết là CĐCS nào.", "Several CĐCS of the registry have this name; which "
                        "one is meant is unknown.", value=v["name"], expected="thêm cột Mã CĐCS "
                        "(mã: " + ", ".join(found) + ")", expected_en="add a code column "
                        "(codes: " + ", ".join(found) + ")")
                continue
            uid = found[0] if found else None
        if uid in matched:
            out.add(r.cells["name"], "name", f"Dòng này cùng là CĐCS {uid} của dòng {matched[uid]}.",
                    f"This row is CĐCS {uid}, as row {matched[uid]} is.", value=v["name"],
                    expected="mỗi CĐCS một dòng / one row per CĐCS")
            continue
        if uid is not None and uid in known.units.index:
            matched[uid] = r.row
            old = known.units.loc[uid]
            current = known.names.get(uid, old["name"])
            if v["name"] != current and fold(v["name"]) == fold(current):
                out.add(r.cells["name"], "name", "Tên chỉ khác tên trong danh mục ở dấu hoặc chữ "
                        "hoa; giữ tên trong danh mục.", "The name differs from the registry's by "
                        "accents or case alone; the registry's is kept.", value=v["name"],
                        expected=current, severity="warning")
                v["name"] = current
            for key in ("founded", "enterprise_id"):
                if v.get(key) is None and not pd.isna(old[key]):
                    v[key] = old[key]
            if upper is None:
                upper = known.parent.get(uid, organisation.id)
            stored = known.openings.get(uid)
            if stored is not None and any(
                    v.get(f"opening_{k}") is not None and not pd.isna(stored[k])
                    and int(v[f"opening_{k}"]) != int(stored[k]) for k in ("workers", "members")):
                kept_counts.append(r.row)
            if stored is not None:  # the stored balance stands; a blank one may be filled
                for k in ("workers", "members"):
                    if not pd.isna(stored[k]):
                        v[f"opening_{k}"] = None
        else:
            same = (fold(v["name"]), commune)
            if same in fresh:
                out.add(r.cells["name"], "name", f"CĐCS trùng tên và xã với dòng {fresh[same]}.",
                        f"The same CĐCS name and commune as row {fresh[same]}.", value=v["name"],
                        expected="mỗi CĐCS một dòng / one row per CĐCS")
                continue
            fresh[same] = r.row
            uid = uid or next(new_unit)
            matched[uid] = r.row
            if v.get("founded") is None and first_list and org_start is not None:
                # the organisation's first list: a CĐCS it names without a day was there before
                cell = (r.cells.get("founded") or r.cells["name"]).ref or str(r.row)
                undated.append(f"{cell} {_short_name(str(v['name']))}")
                v["founded"] = pd.Timestamp(FOUNDED_UNKNOWN)
            elif v.get("founded") is None:
                out.add(r.cells.get("founded") or r.cells["name"], "founded", MISSING_FOUNDED_VI,
                        MISSING_FOUNDED_EN, value=f"(trống) — {v['name']}",
                        expected="dd/mm/yyyy (nếu không rõ ngày: 01/01 của năm thành lập)",
                        expected_en="dd/mm/yyyy (if the day is not known: 1 January of the "
                        "founding year)")
                continue
            upper = upper or organisation.id
        positions[(UNITS_SHEET, uid)] = r.row
        units.append({**v, "unit_id": uid, "commune_id": commune, "upper_id": upper})
    if undated and org_start is not None:
        said = {"n": len(undated), "cells": ", ".join(undated), "start": _day(org_start)}
        notes.add(Cell(None, sheet), "founded", UNKNOWN_FOUNDED_VI.format(**said),
                  UNKNOWN_FOUNDED_EN.format(**said), severity="warning")
    org_needed = organisation.id not in set(state.upper_unions["upper_id"]) and (
        organisation.kind in ORGANISATION_KINDS or any(u["upper_id"] == organisation.id
                                                       for u in units))
    if org_needed:
        kind = ORGANISATION_KINDS.get(organisation.kind) or upper_kind(organisation.name)
        uppers[organisation.id] = {"upper_id": organisation.id, "name": organisation.name,
                                   "kind": kind or DEFAULT_KIND}
        needs_start.append(f"tổ chức / the organisation {organisation.id}")
    if needs_start and org_start is None:
        raise ParameterError(
            f"Chưa biết ngày bắt đầu hoạt động của tổ chức {organisation.name}; cần cho: "
            + "; ".join(needs_start[:3]) + ".",
            f"The start of {organisation.name} is not known yet; it is needed for: "
            + "; ".join(needs_start[:3]) + ".", location=Location(field="--start"),
            expected="--start dd/mm/yyyy (ngày bắt đầu hoạt động của tổ chức)",
            expected_en="--start dd/mm/yyyy (the day the organisation began)")
    if kept_counts:
        notes.add(Cell(None, sheet), "opening_workers", f"{len(kept_counts)} CĐCS đã có số dư đầu "
                "kỳ khác trong danh mục; giữ số đó (số hiện nay lấy từ báo cáo).",
                f"{len(kept_counts)} CĐCS have another opening balance in the registry; it is "
                "kept (today's figures come from the reports).",
                value=f"dòng / rows {_rows(kept_counts)}", severity="warning")
    upper_rows = [{**u, "valid_from": org_start, "valid_to": None} for u in uppers.values()]
    frames = (pd.DataFrame(units, columns=list(UNIT_FIELDS)),
              pd.DataFrame(upper_rows, columns=list(UPPER_FIELDS)),
              pd.DataFrame([{"commune_id": c, "name": n} for c, n in communes.items()],
                           columns=list(COMMUNE_FIELDS)))
    for frame, dates in zip(frames, (("founded", "dissolved", "since"),
                                     ("valid_from", "valid_to"), ()), strict=True):
        for column in dates:
            frame[column] = pd.to_datetime(frame[column])
    return Coded(*frames, rows=positions, notes=notes.closed())
