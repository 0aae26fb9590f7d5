"""Named groups of CĐCS for the engine's level ``group``: a fixed list of ids, or a scope.

Pure functions over the engine's long frames (population rows, change rows), which carry each
row's upper union (``parent_id``), sector and commune *at the date the row counts for*; change
rows also carry the upper unions they count for (``bodies``).

* A list of CĐCS ids is a fixed set: the same CĐCS wherever they are (an industry cluster). A
  CĐCS of the set that moves to another upper union stays in it; its whole change counts.
* A :class:`Scope` (an upper union, a sector, a commune, or several of them at once) holds the
  CĐCS that are inside it at each date, as the engine's own levels do: its stocks are those of
  the CĐCS in it at the cut-off, its change in members counts the CĐCS it lost (dissolved, or
  moved out to another upper union) and gained (founded, moved in). An upper union holds every
  CĐCS below it at any depth, by the same hierarchy as the engine's level ``upper_union``
  (:func:`~congdoan.core.registry.upper_chains`; a move between two upper unions below it is no
  move for it). So ``Scope(upper_union=U)`` gives the figures of the engine's row of U,
  ``Scope(sector=S)`` those of sector S, and a combination (one sector inside one upper union)
  follows the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from congdoan.core.registry import Chains, bodies_of


@dataclass(frozen=True)
class Scope:
    """The CĐCS under an upper union, in a sector and in a commune (None: any), at each date."""

    upper_union: str | None = None
    sector: str | None = None
    commune: str | None = None

    @property
    def filters(self) -> dict[str, str]:
        """Column of the engine's rows → chosen value, for every chosen field.

        ``parent_id`` (the upper union) holds the rows below it at any depth
        (:func:`group_masks`); the others, the rows with that value.
        """
        pairs = {"parent_id": self.upper_union, "sector": self.sector, "commune_id": self.commune}
        return {column: value for column, value in pairs.items() if value is not None}


GroupDefinition = Sequence[str] | Scope
"""A named group: CĐCS ids (a fixed set) or a :class:`Scope`."""


def group_masks(rows: pd.DataFrame, groups: Mapping[str, GroupDefinition],
                chains: Chains | None = None) -> list[np.ndarray]:
    """Which of ``rows`` (population or change rows) count for each group (boolean arrays).

    A list of ids takes the CĐCS rows (``unit_row``) of those CĐCS. A scope takes every row
    inside it, CĐCS rows and the rows that count for a body without being a CĐCS now (a CĐCS
    moved out, under the upper union it left; an upper union's own record, for an upper union
    alone). A scope's upper union takes the rows that count for it as the engine's level
    ``upper_union`` does: those whose ``bodies`` hold it when the rows have that column, else
    those whose ``parent_id`` is it or an upper union below it in ``chains``
    (:func:`~congdoan.core.registry.upper_chains` at the rows' cut-off; None: no nesting).
    """
    columns: dict[str, np.ndarray] = {}

    def column(name: str) -> np.ndarray:
        if name not in columns:  # each column read once, missing values as None
            values = rows[name].to_numpy(dtype=object, copy=True)
            values[rows[name].isna().to_numpy()] = None
            columns[name] = values
        return columns[name]

    inside = _upper_membership(rows, chains)
    masks = []
    for definition in groups.values():
        if isinstance(definition, Scope):
            mask = np.ones(len(rows), dtype=bool)
            for name, value in definition.filters.items():
                mask &= column(name) == value if name != "parent_id" else inside(value)
        else:
            mask = (rows["unit_row"].to_numpy(dtype=bool)
                    & np.isin(column("unit_id"), list(definition)))
        masks.append(mask)
    return masks


def _upper_membership(rows: pd.DataFrame,
                      chains: Chains | None) -> Callable[[str], np.ndarray]:
    """A function: upper union id → mask of ``rows`` that count for it (see :func:`group_masks`).

    Each distinct set of upper unions (a row's ``bodies``, or its parent's chain) is tested once.
    """
    if "bodies" in rows:
        bodies = rows["bodies"]
    elif chains and any(len(chain) > 1 for chain in chains.values()):
        bodies = bodies_of(rows["parent_id"], chains)
    else:  # no nesting: an upper union holds the rows it is the parent of
        parents = rows["parent_id"].to_numpy(dtype=object, copy=True)
        parents[rows["parent_id"].isna().to_numpy()] = None
        return lambda upper: np.asarray(parents == upper, dtype=bool)
    seen: dict[tuple[str, ...], int] = {}
    codes = np.fromiter((seen.setdefault(tuple(b), len(seen)) for b in bodies), dtype="int64",
                        count=len(bodies))
    distinct = list(seen)

    def inside(upper: str) -> np.ndarray:
        return np.asarray([upper in b for b in distinct], dtype=bool)[codes]

    return inside


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
