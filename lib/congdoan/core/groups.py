"""Named groups of CĐCS for the engine's level ``group``: a fixed list of ids, or a scope.

Pure functions over the engine's long frames (population rows, change rows), which carry each
row's upper union (``parent_id``), sector and commune *at the date the row counts for*.

* A list of CĐCS ids is a fixed set: the same CĐCS wherever they are (an industry cluster). A
  CĐCS of the set that moves to another upper union stays in it; its whole change counts.
* A :class:`Scope` (an upper union, a sector, a commune, or several of them at once) holds the
  CĐCS that are inside it at each date, as the engine's own levels do: its stocks are those of
  the CĐCS in it at the cut-off, its change in members counts the CĐCS it lost (dissolved, or
  moved out to another upper union) and gained (founded, moved in). So ``Scope(upper_union=U)``
  gives the figures of the engine's row of U, ``Scope(sector=S)`` those of sector S, and a
  combination (one sector inside one upper union) follows the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scope:
    """The CĐCS under an upper union, in a sector and in a commune (None: any), at each date."""

    upper_union: str | None = None
    sector: str | None = None
    commune: str | None = None

    @property
    def filters(self) -> dict[str, str]:
        """Column of the engine's rows → chosen value, for every chosen field."""
        pairs = {"parent_id": self.upper_union, "sector": self.sector, "commune_id": self.commune}
        return {column: value for column, value in pairs.items() if value is not None}


GroupDefinition = Sequence[str] | Scope
"""A named group: CĐCS ids (a fixed set) or a :class:`Scope`."""


def group_masks(rows: pd.DataFrame, groups: Mapping[str, GroupDefinition]) -> list[np.ndarray]:
    """Which of ``rows`` (population or change rows) count for each group (boolean arrays).

    A list of ids takes the CĐCS rows (``unit_row``) of those CĐCS. A scope takes every row
    inside it, CĐCS rows and the rows that count for a body without being a CĐCS now (a CĐCS
    moved out, under the upper union it left; an upper union's own record, for an upper union
    alone).
    """
    columns: dict[str, np.ndarray] = {}

    def column(name: str) -> np.ndarray:
        if name not in columns:  # each column read once, missing values as None
            values = rows[name].to_numpy(dtype=object, copy=True)
            values[rows[name].isna().to_numpy()] = None
            columns[name] = values
        return columns[name]

    masks = []
    for definition in groups.values():
        if isinstance(definition, Scope):
            mask = np.ones(len(rows), dtype=bool)
            for name, value in definition.filters.items():
                mask &= column(name) == value
        else:
            mask = (rows["unit_row"].to_numpy(dtype=bool)
                    & np.isin(column("unit_id"), list(definition)))
        masks.append(mask)
    return masks


def crosses_upper_unions(definition: GroupDefinition) -> bool:
    """True when CĐCS moving between upper unions move into or out of the group.

    Only a scope with an upper union: a fixed set follows its CĐCS, and a sector or a commune
    keeps a CĐCS whatever its upper union.
    """
    return isinstance(definition, Scope) and definition.upper_union is not None


def groups_key(groups: Mapping[str, GroupDefinition] | None) -> tuple[object, ...]:
    """A hashable key of ``groups`` (for memoising)."""
    return tuple((name, d if isinstance(d, Scope) else tuple(d))
                 for name, d in (groups or {}).items())


__all__ = ["GroupDefinition", "Scope", "crosses_upper_unions", "group_masks", "groups_key"]
