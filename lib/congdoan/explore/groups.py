"""Ad-hoc scopes of the explorer (e.g. one sector inside one upper union), computed by the engine.

The engine's history holds rows for the organisation, each upper union, sector, commune and CĐCS.
A combination of filters is a :class:`congdoan.core.groups.Scope` whose figures the engine
computes (:func:`congdoan.core.indicators.group_indicators`) by the rules of its own levels:
member growth with the members lost and gained with CĐCS dissolved, founded or moved, stocks
carried forward from missing reports (not counted as reported), coverage and 'tạm tính', people
counted in the year to date, milestone baselines of the scope as it was then. A sum of CĐCS rows
cannot give these (a dissolved CĐCS has no row at the cut-off).

One explorer update needs several groups (the trend of the selection, its breakdown by sector,
by commune …): :meth:`GroupFigures.judge` computes the ones it has not computed before in a
single call of the engine and remembers every (indicator, period, scope).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from congdoan.core.dataset import Dataset
from congdoan.core.groups import Scope
from congdoan.core.indicators import group_indicators, output_columns
from congdoan.core.plan import Indicator, PlanRegister

GROUP_COLUMNS = ("unit_id", "unit_name", "level", "period", "numerator", "denominator", "value",
                 "target", "status", "units_expected", "units_reported", "carried_forward",
                 "coverage", "provisional")
"""Columns every judged group has (an empty group has only these)."""

SCOPE_FIELDS = {"parent_id": "upper_union", "sector": "sector", "commune_id": "commune"}
"""Column of the CĐCS rows → field of :class:`~congdoan.core.groups.Scope`."""


@dataclass(frozen=True)
class Group:
    """A scope in some periods, whole (``key`` None) or split by one of its fields.

    Attributes:
        periods: the periods, in the order the rows come out.
        scope: the chosen filters.
        key: column of the CĐCS rows the scope is split by (``parent_id``, ``sector`` or
            ``commune_id``), or None for the scope itself.
        values: the values of ``key``: one scope each, with that field set to the value.
        scope_id: unit id shown for the scope itself (``key`` None).
        scope_name: its display name.

    """

    periods: tuple[str, ...]
    scope: Scope
    key: str | None = None
    values: tuple[str, ...] = ()
    scope_id: str = ""
    scope_name: str = ""

    def scopes(self) -> list[tuple[str, Scope]]:
        """(unit id shown, scope) of each row of a period."""
        if self.key is None:
            return [(self.scope_id, self.scope)]
        field = SCOPE_FIELDS[self.key]
        out = []
        for value in self.values:
            chosen: dict[str, Any] = {field: value}
            out.append((value, replace(self.scope, **chosen)))
        return out


class GroupFigures:
    """The engine's figures of the explorer's scopes for one dataset, remembered.

    Args:
        dataset: the data the history was computed from.
        register: the plan register.
        size: how many (indicator, period, scope) rows are kept (the least recently used go).

    """

    def __init__(self, dataset: Dataset, register: PlanRegister, size: int = 5000) -> None:
        self.dataset = dataset
        self.register = register
        self.size = size
        self._rows: OrderedDict[tuple[str, str, Scope], dict[str, Any] | None] = OrderedDict()

    def judge(self, ind: Indicator, groups: Sequence[Group],
              names: Mapping[str, str]) -> list[pd.DataFrame]:
        """Each group's rows, computing in one call of the engine what was not computed before.

        A group's rows have the engine's columns, level ``group``, ``unit_id`` the key's value
        (or the scope's id) and ``unit_name`` its name; a period or value without CĐCS has no
        row.
        """
        wanted = {(ind.id, period, scope): None for group in groups for period in group.periods
                  for _shown, scope in group.scopes()}
        self._compute(ind, [key for key in wanted if key not in self._rows])
        out = []
        for group in groups:
            records = []
            for period in group.periods:
                for shown, scope in group.scopes():
                    key = (ind.id, period, scope)
                    self._rows.move_to_end(key)
                    row = self._rows[key]
                    if row is not None:
                        name = group.scope_name if group.key is None else names.get(shown, shown)
                        records.append(row | {"unit_id": shown, "unit_name": name})
            out.append(pd.DataFrame.from_records(records, columns=list(output_columns(
                self.register))) if records else pd.DataFrame(columns=list(GROUP_COLUMNS)))
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)
        return out

    def _compute(self, ind: Indicator, missing: Sequence[tuple[str, str, Scope]]) -> None:
        """Rows of ``missing`` (indicator, period, scope) computed by the engine and kept."""
        if not missing:
            return
        # one name per scope, the same in every period (the engine shares their baselines)
        named = {scope: str(i) for i, scope in enumerate(dict.fromkeys(s for *_k, s in missing))}
        requests: dict[str, dict[str, Scope]] = {}
        for _ind, period, scope in missing:
            requests.setdefault(period, {})[named[scope]] = scope
        computed = group_indicators(self.dataset, requests, [ind.id], self.register)
        found: dict[tuple[str, str], dict[str, Any]] = {
            (str(r["period"]), str(r["unit_id"])): {str(k): v for k, v in r.items()}
            for r in computed.to_dict("records")}
        for key in missing:
            self._rows[key] = found.get((key[1], named[key[2]]))


__all__ = ["GROUP_COLUMNS", "Group", "GroupFigures"]
