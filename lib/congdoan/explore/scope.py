"""What a period offers to choose, and what is kept of a chosen scope after a change.

Pure functions over the indicator history rows of one period (the CĐCS rows carry each CĐCS'
upper union, sector and commune *in that period*):

* :func:`scope_options` — the upper unions, sectors, communes and CĐCS that can be chosen
  within the rest of a selection, in Vietnamese alphabetical order;
* :func:`keep_scope` — the selection after a change of period or indicator: every chosen
  field that still exists is kept; a chosen CĐCS that exists is kept even when its upper union
  changed (the upper union follows it); whatever cannot be kept is cleared, and a
  :class:`Notice` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from congdoan.core.periods import parse_period
from congdoan.core.plan import SECTORS
from congdoan.explore.collation import vi_sort_key
from congdoan.explore.views import Selection, filter_view


@dataclass(frozen=True)
class ScopeOptions:
    """Ids that can be chosen at each level (each list in display order)."""

    upper_unions: list[str]
    sectors: list[str]
    communes: list[str]
    units: list[str]


@dataclass(frozen=True)
class Notice:
    """A message about the scope for the analyst, Vietnamese first, English too."""

    vi: str
    en: str


def _by_name(ids: set[str], names: Mapping[str, str]) -> list[str]:
    return sorted(ids, key=lambda i: (vi_sort_key(names.get(i, i)), i))


def scope_options(rows: pd.DataFrame, selection: Selection,
                  names: Mapping[str, str]) -> ScopeOptions:
    """Choices offered in the period of ``rows`` (one indicator's rows of one period).

    Upper unions: every one with a CĐCS (or, for indicators about upper unions, a row of its
    own). Sectors: those of the indicator's population inside the chosen upper union. Communes:
    those with a CĐCS inside the chosen upper union and sector. CĐCS: those inside all three.
    """
    cdcs = rows[rows["level"] == "cdcs"]
    uppers = set(cdcs["parent_id"].dropna().astype(str)) | set(
        rows.loc[rows["level"] == "upper_union", "unit_id"].astype(str))
    in_upper = filter_view(cdcs, replace(selection, sector=None, commune=None, unit=None),
                           period="*")
    present = set(in_upper["sector"].dropna()) | set(rows.loc[rows["level"] == "sector",
                                                               "unit_id"])
    in_sector = filter_view(cdcs, replace(selection, commune=None, unit=None), period="*")
    in_commune = filter_view(cdcs, replace(selection, unit=None), period="*")
    return ScopeOptions(
        upper_unions=_by_name(uppers, names),
        sectors=[s for s in SECTORS if s in present],
        communes=_by_name(set(in_sector["commune_id"].dropna().astype(str)), names),
        units=_by_name(set(in_commune["unit_id"].astype(str)), names),
    )


_FIELDS = (("upper_union", "parent_id", "công đoàn cấp trên", "upper union"),
           ("sector", "sector", "khu vực", "sector"),
           ("commune", "commune_id", "địa bàn (xã, phường)", "commune"))


def keep_scope(wanted: Selection, rows: pd.DataFrame, names: Mapping[str, str], *,
               follow_unit: bool = True,
               options: Callable[[Selection], ScopeOptions] | None = None,
               ) -> tuple[Selection, list[Notice]]:
    """The part of ``wanted`` that exists in the period of ``rows``, and notices for the rest.

    ``rows`` are the indicator's rows of ``wanted.period``. A chosen CĐCS present in the period
    is kept; with ``follow_unit`` (after a change of period or indicator) the upper union,
    sector and commune that were chosen follow it (a CĐCS moved from the district federation to
    a commune union on 1/7/2025 stays chosen, under its new upper union); without it (the
    analyst has just chosen one of those) a CĐCS outside them is cleared. Then each chosen
    field is checked in turn (upper union, sector, commune) within the fields kept before it.
    ``options`` gives :func:`scope_options` of ``rows`` for a selection (the caller may
    remember them).
    """
    offered_in = options or (lambda probe: scope_options(rows, probe, names))
    period = parse_period(wanted.period).label()
    notices: list[Notice] = []
    selection = wanted
    if selection.unit is not None:
        selection, notices, settled = _keep_unit(selection, rows[rows["level"] == "cdcs"],
                                                 names, period, follow_unit)
        if settled:
            return selection, notices
    for i, (field, _column, vi, en) in enumerate(_FIELDS):
        chosen = getattr(selection, field)
        if chosen is None:
            continue
        # offered within the fields kept before this one
        cleared: dict[str, Any] = {f: None for f, *_ in _FIELDS[i:]}
        probe = replace(selection, **cleared)
        choices = offered_in(probe)
        offered = {"upper_union": choices.upper_unions, "sector": choices.sectors,
                   "commune": choices.communes}[field]
        if chosen not in offered:
            name = names.get(chosen, chosen)
            notices.append(Notice(
                f"{name} không có trong kỳ {period} với phạm vi đã chọn: đã chọn tất cả "
                f"({vi}).",
                f"{chosen} is not in {wanted.period} within the chosen scope: all ({en})."))
            dropped: dict[str, Any] = {field: None}
            selection = replace(selection, **dropped)
    return selection, notices


def _inside(own: pd.Series, field: str, column: str, chosen: str) -> bool:
    """True when the CĐCS row ``own`` is inside the ``chosen`` value of ``field``.

    Inside an upper union means below it at any depth (its ``upper_chain``).
    """
    if field == "upper_union" and pd.notna(own.get("upper_chain")):
        return chosen in str(own["upper_chain"]).split("/")
    return bool(chosen == own[column])


def _keep_unit(selection: Selection, cdcs: pd.DataFrame, names: Mapping[str, str], period: str,
               follow_unit: bool) -> tuple[Selection, list[Notice], bool]:
    """The chosen CĐCS in the period: (selection, notices, kept).

    Kept: the fields that differ from the CĐCS' own follow it (``follow_unit``); otherwise a CĐCS
    absent from the period, or outside the chosen fields, is cleared.
    """
    unit = str(selection.unit)
    unit_name = names.get(unit, unit)
    match = cdcs[cdcs["unit_id"] == unit]
    if match.empty:
        return replace(selection, unit=None), [Notice(
            f"{unit_name} không có trong kỳ {period} (chưa thành lập, đã giải thể hoặc không "
            "thuộc đối tượng của chỉ tiêu): đã bỏ chọn CĐCS.",
            f"{unit} is not in {selection.period} (not founded yet, dissolved, or outside the "
            "indicator's population): CĐCS cleared.")], False
    own = match.iloc[0]
    differ = [(field, vi, en, str(own[column])) for field, column, vi, en in _FIELDS
              if getattr(selection, field) is not None and pd.notna(own[column])
              and not _inside(own, field, column, getattr(selection, field))]
    if differ and not follow_unit:
        outside = ", ".join(names.get(getattr(selection, f), getattr(selection, f))
                            for f, *_ in differ)
        return replace(selection, unit=None), [Notice(
            f"{unit_name} không thuộc {outside} trong kỳ {period}: đã bỏ chọn CĐCS.",
            f"{unit} is not in {outside} in {selection.period}: CĐCS cleared.")], False
    notices = []
    for field, vi, en, actual in differ:
        old = names.get(getattr(selection, field), getattr(selection, field))
        new = names.get(actual, actual)
        notices.append(Notice(
            f"Trong kỳ {period}, {unit_name} thuộc {new} (không phải {old}): đã chuyển {vi} "
            f"sang {new}.",
            f"In {selection.period} this CĐCS belongs to {new}, not {old}: the {en} follows it."))
        moved: dict[str, Any] = {field: actual}
        selection = replace(selection, **moved)
    return selection, notices, True
