"""Populations of the indicators: which rows count, with their numerator and denominator.

Pure functions. Report-based populations take CĐCS rows of the unit frame by sector;
registry-based ones take upper unions (their own yearly records) or enterprises (the enterprise
registry). The result is one *long* frame for many indicators at once, so that aggregation is
one group-by per level instead of one per indicator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from congdoan.core.changes import carried_elements
from congdoan.core.dataset import Dataset
from congdoan.core.periods import Period
from congdoan.core.plan import POPULATION_SECTORS, RATINGS_GOOD, Indicator, load_elements
from congdoan.core.registry import area_upper_at, enterprises_at, upper_unions_at

ROW_COLUMNS = ("ind", "unit_id", "unit_name", "sector", "commune_id", "parent_id", "num", "den",
               "unit_row", "carried", "expected")
"""Columns of a population frame; ``ind`` is the indicator's code, ``unit_row`` marks CĐCS rows,
``carried`` (1/0) a CĐCS row whose figures rest on stocks carried forward from an earlier report,
``expected`` (1/0) a row that the indicator expects figures from (0: a CĐCS the registry puts
outside it, e.g. one active less than 12 months for a rating)."""

REGISTRY_ELIGIBILITY = ("rating_eligible",)
"""Denominators the registry alone decides: a CĐCS where it is 0 is not expected to report."""


def _upper_rows(dataset: Dataset, period: Period, ind: Indicator) -> pd.DataFrame:
    """Upper unions (district federation, or those directly above CĐCS) and their records."""
    uppers = upper_unions_at(dataset.upper_unions, period.cut_off)
    if ind.population == "district_federation":
        uppers = uppers[uppers["kind"] == "district_federation"]
    else:
        uppers = uppers[pd.to_numeric(uppers["direct"]) == 1]
    records = dataset.upper_records[pd.to_numeric(dataset.upper_records["year"]) == period.year]
    rows = uppers[["upper_id", "name"]].merge(records, on="upper_id", how="left")
    rating = rows["rating"].astype("string")
    rows["rated_good"] = rating.isin(RATINGS_GOOD).astype("float64").where(rating.notna())
    rows["audited"] = pd.to_numeric(rows["audited"], errors="coerce")
    rows["units"] = 1.0
    num = pd.to_numeric(rows[ind.numerator], errors="coerce")
    den = pd.to_numeric(rows[ind.denominator], errors="coerce") if ind.denominator else 1.0
    return pd.DataFrame({
        "unit_id": rows["upper_id"], "unit_name": rows["name"], "sector": pd.NA,
        "commune_id": pd.NA, "parent_id": rows["upper_id"],
        "num": num, "den": pd.Series(den, index=rows.index).where(num.notna()),
    })


def _enterprises(dataset: Dataset, period: Period) -> pd.DataFrame:
    """Enterprises open at the cut-off with their upper union (by area) and unionised flag."""
    def make() -> pd.DataFrame:
        ents = enterprises_at(dataset.enterprises, dataset.units, period.cut_off)
        uppers = area_upper_at(dataset.areas, period.cut_off)
        return ents.assign(parent_id=ents["commune_id"].map(uppers), sector=ents["ownership"],
                           workers=pd.to_numeric(ents["workers"]))

    return dataset.memo(("enterprises", period.cut_off), make)


def _enterprise_rows(dataset: Dataset, period: Period, ind: Indicator) -> pd.DataFrame:
    """Enterprise registry populations (clauses 2.2 and 2.3)."""
    ents = _enterprises(dataset, period)
    if ind.population == "enterprises_25":
        rows = ents[ents["workers"] >= 25]
        return pd.DataFrame({
            "unit_id": rows["enterprise_id"], "unit_name": rows["name"], "sector": rows["sector"],
            "commune_id": rows["commune_id"], "parent_id": rows["parent_id"],
            "num": rows["unionised"].astype("float64"), "den": 1.0,
        })
    # nonunion_enterprises: workers reached (upper unions' records) over workers without a union
    workers = ents[ents["unionised"] == 0].groupby("parent_id")["workers"].sum()
    records = dataset.upper_records[pd.to_numeric(dataset.upper_records["year"]) == period.year]
    reached = pd.to_numeric(records.set_index("upper_id")["nonunion_workers_reached"],
                            errors="coerce")
    current = upper_unions_at(dataset.upper_unions, period.cut_off).set_index("upper_id")
    ids = workers.index.intersection(current.index)
    # people reached are among the workers without a union: never more than the registry has
    num = reached.reindex(ids).clip(upper=workers.reindex(ids))
    return pd.DataFrame({
        "unit_id": ids, "unit_name": current.loc[ids, "name"].to_numpy(), "sector": pd.NA,
        "commune_id": pd.NA, "parent_id": ids,
        "num": num.to_numpy(), "den": workers.reindex(ids).where(num.notna()).to_numpy(),
    })


def population_rows(dataset: Dataset, period: Period, frame: pd.DataFrame,
                    indicators: Sequence[tuple[int, Indicator]]) -> pd.DataFrame:
    """The populations of ``indicators`` (code, indicator) as one long frame of :data:`ROW_COLUMNS`.

    ``num`` and ``den`` are NaN together where a unit has no data for the indicator.
    """
    numeric: dict[str, np.ndarray] = {}

    def column(name: str) -> np.ndarray:
        if name not in numeric:
            numeric[name] = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype="float64")
        return numeric[name]

    sector = frame["sector"].to_numpy(dtype=object)
    masks = {pop: np.flatnonzero(np.isin(sector, secs)) for pop, secs in POPULATION_SECTORS.items()}
    carried = frame["carried"].to_numpy(dtype=bool) if "carried" in frame else np.zeros(len(frame),
                                                                                       bool)
    if "opening" in frame:  # stocks from an opening balance stand in for a report, as carried
        carried = carried | frame["opening"].to_numpy(dtype=bool)
    carried_change = carried | (frame["carried_start"].to_numpy(dtype=bool)
                                if "carried_start" in frame else False)
    carried_by = {name: carried for name in carried_elements()} | {"member_change": carried_change}
    yes_no = {e.name for e in load_elements().elements if e.kind == "bool"} | {
        "rating_eligible", "cba_signed"}
    take, codes, nums, dens, carries, expects = [], [], [], [], [], []
    registry: list[pd.DataFrame] = []
    for code, ind in indicators:
        if ind.population in POPULATION_SECTORS:
            idx = masks[ind.population]
            num = column(ind.numerator)[idx]
            den = np.ones(len(idx)) if ind.denominator is None else column(ind.denominator)[idx]
            valid = ~(np.isnan(num) | np.isnan(den))
            if ind.denominator in yes_no:  # "has X" counts only where X can be (eligible …)
                num = np.where(den > 0, num, 0.0)
            take.append(idx)
            codes.append(np.full(len(idx), code))
            nums.append(np.where(valid, num, np.nan))
            dens.append(np.where(valid, den, np.nan))
            rests = [carried_by[n] for n in (ind.numerator, ind.denominator) if n in carried_by]
            flag = np.logical_or.reduce(rests)[idx] if rests else np.zeros(len(idx), bool)
            carries.append((flag & valid).astype("float64"))
            expects.append((den != 0).astype("float64") if ind.denominator in REGISTRY_ELIGIBILITY
                           else np.ones(len(idx)))
        else:
            maker = _upper_rows if ind.population in ("district_federation", "upper_direct") \
                else _enterprise_rows
            registry.append(maker(dataset, period, ind).assign(ind=code, unit_row=False))
    parts: list[pd.DataFrame] = []
    if take:
        index = np.concatenate(take)
        base = frame[["unit_id", "unit_name", "sector", "commune_id", "parent_id"]].iloc[index]
        base = base.reset_index(drop=True)
        base.insert(0, "ind", np.concatenate(codes))
        base["num"] = np.concatenate(nums)
        base["den"] = np.concatenate(dens)
        base["unit_row"] = True
        base["carried"] = np.concatenate(carries)
        base["expected"] = np.concatenate(expects)
        parts.append(base)
    parts.extend(r.reset_index(drop=True).assign(carried=0.0, expected=1.0) for r in registry)
    if not parts:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    rows = pd.concat(parts, ignore_index=True)[list(ROW_COLUMNS)]
    rows["ind"] = rows["ind"].astype("int64")
    return rows
