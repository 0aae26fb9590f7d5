"""Dated finance rates (union levy 2%, member dues 1% then 0.5% from 1/7/2025).

Also the dated breaks of the finance series (:class:`Break`), marked on trends.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import pydantic

from congdoan.core import paths
from congdoan.core.yamlio import load_model
from congdoan.exceptions import ConfigError


class Rate(pydantic.BaseModel):
    """A rate that applies from ``valid_from`` until the next entry with the same name."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    name: str
    label_vi: str
    valid_from: dt.date
    value: float = pydantic.Field(ge=0, le=1)


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

    def on(self, name: str, day: dt.date) -> float:
        """The rate ``name`` in force on ``day``."""
        valid = [r for r in self.rates if r.name == name and r.valid_from <= day]
        if not valid:
            raise ConfigError(
                "Không có tỷ lệ áp dụng cho ngày này.", "No rate in force on that day.",
                value=f"{name} @ {day.isoformat()}",
            )
        return max(valid, key=lambda r: r.valid_from).value

    def average(self, name: str, start: dt.date, end: dt.date) -> float:
        """Day-weighted average of rate ``name`` from ``start`` to ``end`` inclusive.

        A half-year that straddles a change (1/6–30/11/2025 for the dues cut on 1/7/2025) gets
        the share of days at each rate.
        """
        days = (end - start).days + 1
        changes = sorted(
            {start} | {r.valid_from for r in self.rates if r.name == name and start < r.valid_from <= end}
        )
        total = 0.0
        for i, begin in enumerate(changes):
            stop = changes[i + 1] if i + 1 < len(changes) else end + dt.timedelta(days=1)
            total += self.on(name, begin) * (stop - begin).days
        return total / days


def load_rates(params_dir: Path | None = None) -> Rates:
    """Load and validate ``rates.yaml`` (default: the parameters folder in force)."""
    return _load_rates(Path(params_dir) if params_dir is not None else paths.params_dir())


@lru_cache(maxsize=8)
def _load_rates(params_dir: Path) -> Rates:
    return load_model(params_dir / "rates.yaml", Rates)


def finance_budget(wage_fund_vnd: float, member_wages_vnd: float, start: dt.date, end: dt.date,
                   rates: Rates | None = None) -> float:
    """Budgeted union finance for a period: levy × wage fund + dues × members' wages."""
    rates = rates or load_rates()
    return (rates.average("union_levy", start, end) * wage_fund_vnd
            + rates.average("member_dues", start, end) * member_wages_vnd)
