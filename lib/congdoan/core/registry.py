"""Registry and dated hierarchy: which CĐCS and upper unions exist, and who is whose parent, when.

All functions are pure: DataFrames and dates in, DataFrames out. A CĐCS is *active* at a day
when it was founded on or before that day and not dissolved before it. Its parent for a period is
the link in force at the period's cut-off (or at its dissolution, if that came first): so a CĐCS
that moved from the district federation to a commune union on 1/7/2025 counts under the
district federation in 2025-H1 (cut-off 31/5/2025) and under the commune union in 2025 (30/11).

Upper unions may be under other upper unions (``upper_links``, dated the same way; none in
force = directly under the organisation): :func:`upper_chains` gives each the chain above it on
a day, and an upper union holds every CĐCS below it at any depth (:func:`under`).

A CĐCS is in the data from its :func:`data_start`: its founding, or its first parent link when
that begins later (a CĐCS founded in 2010 that a commune union formed on 1/7/2025 took over is
in that union's data from 1/7/2025). Before that day it is expected in no period.

:class:`RegistryState` is the registry as the database keeps it, with each CĐCS's names over
time (:func:`name_history`); :func:`registry_at` is the registry as it stood on a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from congdoan.exceptions import DataError

if TYPE_CHECKING:
    from congdoan.core.dataset import Dataset

SECTOR_NAMES: dict[str, dict[str, str]] = {
    "HCSN": {"vi": "Khu vực hành chính sự nghiệp", "en": "Public administration and services"},
    "DNNN": {"vi": "Doanh nghiệp nhà nước", "en": "State-owned enterprises"},
    "NNN": {"vi": "Doanh nghiệp ngoài nhà nước", "en": "Non-state enterprises"},
}
"""Display names of the sectors."""


FOUNDED_UNKNOWN = dt.date(1900, 1, 1)
"""The founding day stored for a CĐCS of an organisation's first list that gave none: before
any period, so the CĐCS is active from the organisation's start, not new in any period and old
enough to be rated. Shown as "không rõ"; a later list that gives the day corrects it."""


def _ts(day: dt.date | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(day)


def valid_on(frame: pd.DataFrame, day: dt.date | pd.Timestamp,
             start: str = "valid_from", end: str = "valid_to") -> pd.Series:
    """Boolean mask of rows in force on ``day`` (``end`` empty = still in force)."""
    when = _ts(day)
    mask: pd.Series = (frame[start] <= when) & (frame[end].isna() | (frame[end] >= when))
    return mask


def active_units(units: pd.DataFrame, day: dt.date | pd.Timestamp) -> pd.DataFrame:
    """CĐCS active on ``day`` (founded on or before it, not dissolved before it)."""
    return units[valid_on(units, day, "founded", "dissolved")]


def parents_at(links: pd.DataFrame, unit_days: pd.DataFrame) -> pd.Series:
    """Parent of each unit on its own day.

    Args:
        links: dated parent links (unit_id, parent_id, valid_from, valid_to).
        unit_days: unit_id and ``day`` (the day at which to read the link).

    Returns:
        parent_id indexed by unit_id; a unit with no link in force is an error.

    """
    merged = unit_days[["unit_id", "day"]].merge(links, on="unit_id", how="left")
    ok = (merged["valid_from"] <= merged["day"]) & (
        merged["valid_to"].isna() | (merged["valid_to"] >= merged["day"])
    )
    found = merged[ok].drop_duplicates("unit_id", keep="last").set_index("unit_id")["parent_id"]
    missing = unit_days.loc[~unit_days["unit_id"].isin(found.index), "unit_id"]
    if len(missing):
        raise DataError(
            "CĐCS không có công đoàn cấp trên tại ngày chốt số liệu.",
            "CĐCS without a parent link at the cut-off.",
            value=list(missing.head(5)),
            expected="một dòng links.csv có hiệu lực tại ngày chốt",
        )
    return found.reindex(unit_days["unit_id"])


def data_start(units: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """First day each CĐCS is in the data (indexed like ``units``).

    The later of its founding and the start of its first parent link; its founding when it has
    no link at all (which :func:`parents_at` then reports).
    """
    first = links.groupby("unit_id")["valid_from"].min()
    founded = pd.to_datetime(units["founded"])
    linked = pd.Series(pd.to_datetime(first.reindex(units["unit_id"].to_numpy())).to_numpy(),
                       index=units.index)
    start: pd.Series = founded.where(linked.isna() | (linked <= founded), linked)
    return start


def units_in_period(units: pd.DataFrame, links: pd.DataFrame,
                    cut_off: dt.date | pd.Timestamp) -> pd.DataFrame:
    """CĐCS expected to report for a period ending at ``cut_off``, with their parent then.

    Returns the units active and in the data (:func:`data_start`) at the cut-off, with added
    ``since`` (their data start) and ``parent_id`` (the link in force at the cut-off).
    """
    active = active_units(units, cut_off).copy()
    active["since"] = data_start(active, links)
    active = active[active["since"] <= _ts(cut_off)]
    active["day"] = _ts(cut_off)
    active["parent_id"] = parents_at(links, active[["unit_id", "day"]]).to_numpy()
    return active.drop(columns="day")


def period_units(dataset: Dataset, cut_off: dt.date) -> pd.DataFrame:
    """:func:`units_in_period` of ``dataset``, computed once per cut-off (:meth:`Dataset.memo`).

    The frame is shared by every caller: read it, filter it, never change it in place.
    """
    return dataset.memo(("units_in_period", cut_off),
                        lambda: units_in_period(dataset.units, dataset.links, cut_off))


def coverage_start(dataset: Dataset, period_start: dt.date,
                   unit_ids: Sequence[str] | None = None) -> dt.date | None:
    """The day a body's data begin inside a period, when later than the period's start.

    A body's data begin with the earliest :func:`data_start` of its CĐCS (``unit_ids``; all
    CĐCS of the registry when None). None when they begin on or before ``period_start`` (the
    period is covered whole), or when there are no such CĐCS.
    """
    units = dataset.units if unit_ids is None else \
        dataset.units[dataset.units["unit_id"].isin(list(unit_ids))]
    if units.empty:
        return None
    first = data_start(units, dataset.links).min()
    if pd.isna(first) or first <= _ts(period_start):
        return None
    day: dt.date = first.date()
    return day


def upper_unions_at(upper_unions: pd.DataFrame, day: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Upper unions in existence on ``day``."""
    return upper_unions[valid_on(upper_unions, day)]


def area_upper_at(areas: pd.DataFrame, day: dt.date | pd.Timestamp) -> pd.Series:
    """Upper union covering each commune on ``day`` (commune_id → upper_id)."""
    current = areas[valid_on(areas, day)]
    return current.drop_duplicates("commune_id", keep="last").set_index("commune_id")["upper_id"]


def enterprises_at(enterprises: pd.DataFrame, units: pd.DataFrame,
                   day: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Enterprises open on ``day``, with ``unionised`` = 1 when their CĐCS is active that day."""
    open_ = enterprises[valid_on(enterprises, day, "opened", "closed")].copy()
    active_ids = set(active_units(units, day)["unit_id"])
    open_["unionised"] = open_["unit_id"].isin(active_ids).astype("float64")
    return open_


Chains = dict[str, tuple[str, ...]]
"""Each upper union → itself and the upper unions above it, nearest first (the organisation, the
top of every chain, is not in it)."""


def upper_chains(upper_unions: pd.DataFrame, upper_links: pd.DataFrame,
                 day: dt.date | pd.Timestamp) -> Chains:
    """Every upper union of the registry with the chain of upper unions above it on ``day``.

    An upper union's parent on a day is its ``upper_links`` row in force then; none (or a parent
    that is not an upper union) means directly under the organisation. A cycle (which a units
    import refuses, :func:`congdoan.core.registry_changes.upper_cycles`) ends the chain where it
    would repeat, so no upper union is ever counted twice in one chain.
    """
    current = upper_links[valid_on(upper_links, day)].drop_duplicates("upper_id", keep="last")
    parent = dict(zip(current["upper_id"].astype(str), current["parent_id"].astype(str),
                      strict=True))
    chains: Chains = {}
    for upper in upper_unions["upper_id"].astype(str):
        chain = [upper]
        while (above := parent.get(chain[-1])) is not None and above not in chain:
            chain.append(above)
        chains[upper] = tuple(chain)
    return chains


def dataset_chains(dataset: Dataset, day: dt.date | pd.Timestamp) -> Chains:
    """:func:`upper_chains` of ``dataset`` on ``day``, computed once (read it, never change it).

    Keyed like :meth:`Dataset.memo` by the identity of the tables it reads, so replacing
    ``upper_unions`` or ``upper_links`` is never served a stale result.
    """
    when = _ts(day)
    tables = (dataset.upper_unions, dataset.upper_links)
    key = ("upper_chains", when, *(id(t) for t in tables))
    if key not in dataset.cache:  # the tables are kept so that their ids cannot be reused
        dataset.cache[key] = (tables, upper_chains(*tables, when))
    chains: Chains = dataset.cache[key][1]
    return chains


def bodies_of(parent_ids: pd.Series, chains: Chains) -> pd.Series:
    """For each direct parent (an upper union id, or NA): every upper union the row counts for.

    The parent itself and the upper unions above it (:func:`upper_chains`); an id the chains do
    not know counts for itself only; NA counts for none.
    """
    return pd.Series([() if pd.isna(p) else chains.get(str(p), (str(p),)) for p in parent_ids],
                     index=parent_ids.index, dtype=object)


def under(parent_ids: pd.Series, upper_id: str, chains: Chains) -> pd.Series:
    """Mask of the rows whose direct parent is ``upper_id`` or an upper union below it."""
    return bodies_of(parent_ids, chains).map(lambda bodies: upper_id in bodies).astype(bool)


def upper_parent_at(upper_links: pd.DataFrame, day: dt.date | pd.Timestamp) -> pd.Series:
    """The upper union directly above each nested upper union on ``day`` (upper_id → parent_id)."""
    current = upper_links[valid_on(upper_links, day)].drop_duplicates("upper_id", keep="last")
    parents: pd.Series = current.set_index("upper_id")["parent_id"]
    return parents


def unit_subtree(links: pd.DataFrame, upper_id: str, day: dt.date | pd.Timestamp,
                 upper_links: pd.DataFrame | None = None) -> list[str]:
    """CĐCS under ``upper_id`` on ``day``, at any depth.

    Directly (their link in force) or through the upper unions below it (``upper_links``, the
    dated parents of nested upper unions; None: no nesting).
    """
    current = links[valid_on(links, day)]
    parents = pd.DataFrame({"upper_id": sorted(set(current["parent_id"].dropna().astype(str)))})
    nesting = upper_links if upper_links is not None else pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ("upper_id", "parent_id", "valid_from", "valid_to")})
    mask = under(current["parent_id"], upper_id, upper_chains(parents, nesting, day))
    return sorted(set(current.loc[mask.to_numpy(), "unit_id"].astype(str)))


# ----------------------------------------------------------------------------- names over time
@dataclass
class RegistryState:
    """The registry as stored: the tables a units list is compared with (dates as Timestamps)."""

    communes: pd.DataFrame
    upper_unions: pd.DataFrame
    units: pd.DataFrame
    links: pd.DataFrame
    names: pd.DataFrame
    """unit_id, valid_from, valid_to, name: each CĐCS's names over time (may lack CĐCS never
    renamed; :func:`name_history` fills them in)."""
    openings: pd.DataFrame
    upper_links: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({
        "upper_id": pd.Series(dtype="object"), "parent_id": pd.Series(dtype="object"),
        "valid_from": pd.Series(dtype="datetime64[ns]"),
        "valid_to": pd.Series(dtype="datetime64[ns]")}))
    """upper_id, parent_id, valid_from, valid_to: the dated parents of nested upper unions."""


def name_history(units: pd.DataFrame, links: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Every CĐCS's names over time: ``names``, plus one row for each CĐCS it lacks.

    A CĐCS without a stored name history (never renamed, or seeded from a data folder) has its
    current name from its :func:`~congdoan.core.registry.data_start` to its dissolution.
    """
    missing = units[~units["unit_id"].isin(names["unit_id"])]
    filled = pd.DataFrame({
        "unit_id": missing["unit_id"], "valid_from": data_start(missing, links),
        "valid_to": pd.to_datetime(missing["dissolved"]), "name": missing["name"]})
    parts = [p for p in (names[["unit_id", "valid_from", "valid_to", "name"]], filled) if len(p)]
    if not parts:
        return filled
    return pd.concat(parts, ignore_index=True).sort_values(["unit_id", "valid_from"],
                                                           ignore_index=True)


def registry_at(state: RegistryState, day: dt.date | pd.Timestamp) -> pd.DataFrame:
    """The CĐCS of the registry as it stood on ``day``, one row each, by code.

    A CĐCS stands on a day when it was founded by then, not dissolved before it, and under an
    upper union that day. Columns: unit_id, name (its name that day), sector, commune_id,
    commune_name, upper_id, upper_name, founded, since (the day it came under that upper union).
    """
    when = pd.Timestamp(day)
    units = state.units[valid_on(state.units, when, "founded", "dissolved")]
    links = state.links[valid_on(state.links, when)].drop_duplicates("unit_id", keep="last")
    names = name_history(state.units, state.links, state.names)
    names = names[valid_on(names, when)].drop_duplicates("unit_id", keep="last")
    rows = units.drop(columns="name").merge(
        links[["unit_id", "parent_id", "valid_from"]], on="unit_id").merge(
        names[["unit_id", "name"]], on="unit_id", how="left")
    uppers = state.upper_unions.set_index("upper_id")["name"]
    communes = state.communes.set_index("commune_id")["name"]
    out = pd.DataFrame({
        "unit_id": rows["unit_id"], "name": rows["name"], "sector": rows["sector"],
        "commune_id": rows["commune_id"], "commune_name": rows["commune_id"].map(communes),
        "upper_id": rows["parent_id"], "upper_name": rows["parent_id"].map(uppers),
        "founded": rows["founded"], "since": rows["valid_from"]})
    return out.sort_values("unit_id", ignore_index=True)


def uppers_at(state: RegistryState, day: dt.date | pd.Timestamp) -> pd.DataFrame:
    """The upper unions of the registry as they stood on ``day``, one row each, by code.

    Columns: upper_id, name, kind, parent_id and parent_name (the upper union above it that day;
    empty: directly under the organisation), since (the day it came under that one).
    """
    when = pd.Timestamp(day)
    uppers = upper_unions_at(state.upper_unions, when)
    links = state.upper_links[valid_on(state.upper_links, when)].drop_duplicates(
        "upper_id", keep="last")
    names = state.upper_unions.set_index("upper_id")["name"]
    out = uppers[["upper_id", "name", "kind"]].merge(
        links[["upper_id", "parent_id", "valid_from"]], on="upper_id", how="left")
    out = out.rename(columns={"valid_from": "since"})
    out.insert(4, "parent_name", out["parent_id"].map(names))
    return out.sort_values("upper_id", ignore_index=True)
