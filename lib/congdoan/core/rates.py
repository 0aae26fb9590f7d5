"""Dated finance rates (union levy 2%, member dues 1% then 0.5% from 1/7/2025).

A rate may apply to the units fully funded by the state budget alone (``applies_to:
budget_funded``: no member dues there from 1/6/2025); for those units it overrides the rates of
all units from its date on. Which units they are is the registry's ``budget_funded`` flag.

Also the dated breaks of the finance series (:class:`Break`), marked on trends.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pydantic

from congdoan.core import paths
from congdoan.core.yamlio import load_model
from congdoan.exceptions import ConfigError


class Rate(pydantic.BaseModel):
    """A rate that applies from ``valid_from`` until the next entry with the same name.

    ``applies_to``: ``all`` units, or only those fully funded by the state budget
    (``budget_funded``: cơ quan, đơn vị được NSNN bảo đảm toàn bộ chi thường xuyên), for which
    it overrides the entries of all units from its ``valid_from`` on.
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    name: str
    label_vi: str
    valid_from: dt.date
    value: float = pydantic.Field(ge=0, le=1)
    applies_to: Literal["all", "budget_funded"] = "all"


class Break(pydantic.BaseModel):
    """A day from which a finance series is no longer comparable with its past (a rule changed).

    Marked on the trends of ``indicators`` and noted in their briefing lines.
    """

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    date: dt.date
    label_vi: str
    label_en: str
    indicators: tuple[str, ...]


class Rates(pydantic.BaseModel):
    """Validated content of ``params/rates.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    rates: tuple[Rate, ...]
    breaks: tuple[Break, ...] = ()

    def breaks_of(self, indicator_id: str, start: dt.date, end: dt.date) -> list[Break]:
        """The breaks of ``indicator_id``'s series dated from ``start`` to ``end`` inclusive."""
        return sorted((b for b in self.breaks
                       if indicator_id in b.indicators and start <= b.date <= end),
                      key=lambda b: b.date)

    def _entries(self, name: str, budget_funded: bool) -> list[Rate]:
        """The entries of rate ``name`` that can apply to a unit (all units', then its own)."""
        return [r for r in self.rates if r.name == name
                and (r.applies_to == "all" or budget_funded)]

    def on(self, name: str, day: dt.date, *, budget_funded: bool = False) -> float:
        """The rate ``name`` in force on ``day`` (for a budget-funded unit with ``budget_funded``).

        For a budget-funded unit, the latest entry of its own in force wins over those of all
        units; without one, the latest entry of all units applies.
        """
        valid = [r for r in self._entries(name, budget_funded) if r.valid_from <= day]
        if not valid:
            raise ConfigError(
                "Không có tỷ lệ áp dụng cho ngày này.", "No rate in force on that day.",
                value=f"{name} @ {day.isoformat()}",
            )
        own = [r for r in valid if r.applies_to == "budget_funded"]
        return max(own or valid, key=lambda r: r.valid_from).value

    def average(self, name: str, start: dt.date, end: dt.date, *,
                budget_funded: bool = False) -> float:
        """Day-weighted average of rate ``name`` from ``start`` to ``end`` inclusive.

        A half-year that straddles a change (1/6–30/11/2025 for the dues cut on 1/7/2025) gets
        the share of days at each rate; ``budget_funded``: as :meth:`on`.
        """
        days = (end - start).days + 1
        changes = sorted({start} | {r.valid_from for r in self._entries(name, budget_funded)
                                    if start < r.valid_from <= end})
        total = 0.0
        for i, begin in enumerate(changes):
            stop = changes[i + 1] if i + 1 < len(changes) else end + dt.timedelta(days=1)
            total += self.on(name, begin, budget_funded=budget_funded) * (stop - begin).days
        return total / days


def load_rates(params_dir: Path | None = None) -> Rates:
    """Load and validate ``rates.yaml`` (default: the parameters folder in force)."""
    return _load_rates(Path(params_dir) if params_dir is not None else paths.params_dir())


@lru_cache(maxsize=8)
def _load_rates(params_dir: Path) -> Rates:
    return load_model(params_dir / "rates.yaml", Rates)


def finance_budget(wage_fund_vnd: float, member_wages_vnd: float, start: dt.date, end: dt.date,
                   rates: Rates | None = None, *, budget_funded: bool = False) -> float:
    """Budgeted union finance for a period: levy × wage fund + dues × members' wages.

    ``budget_funded``: the unit is fully funded by the state budget, so the dues rates of such
    units apply (none from 1/6/2025 in ``params/rates.yaml``); the levy is the same for all.
    """
    rates = rates or load_rates()
    return (rates.average("union_levy", start, end, budget_funded=budget_funded) * wage_fund_vnd
            + rates.average("member_dues", start, end, budget_funded=budget_funded)
            * member_wages_vnd)
