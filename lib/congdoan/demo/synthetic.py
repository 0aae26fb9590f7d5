"""The demo district: a synthetic Gia Lâm (Hà Nội) built deterministically from a seed.

``build_demo`` returns a :class:`~congdoan.core.dataset.Dataset` with about 350 CĐCS per unit of
``scale`` (HCSN ≈ 50%, DNNN ≈ 4%, NNN ≈ 46%), their half-year reports from 2021-H1, the
enterprise registry (with firms that have no union), the dated hierarchy (the district
federation until 30/6/2025, four commune unions from 1/7/2025) and the upper unions' records.

The district is made of ``scale`` independent *blocks* of units, each drawn from its own
generator ``default_rng([seed, block])``, so the first block is the same at every scale and the
work is vectorised over units and sub-periods (no loop over report rows). A handful of
contradictory rows are planted in the first block for the intake validator to find; they are
listed in ``meta["planted_errors"]`` (rules in :data:`PLANTED_RULES`).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from congdoan.core.dataset import Dataset, report_columns, write_dataset
from congdoan.core.periods import due_date, load_settings, parse_period, sub_periods_between
from congdoan.core.plan import load_elements
from congdoan.core.rates import load_rates
from congdoan.demo import names
from congdoan.exceptions import ParameterError

Arr = npt.NDArray[Any]

DISTRICT_ID = "GIALAM"
DISTRICT_NAME = "Huyện Gia Lâm"
FEDERATION_FROM, REFORM_DAY = names.FEDERATION_FROM, names.REFORM_DAY

SECTORS = ("HCSN", "DNNN", "NNN")
HCSN, DNNN, NNN = 0, 1, 2
RATINGS = ("xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh")
CBA_GRADES = ("A", "B", "C", "D")
BASELINE_NNN = 100  # per block: non-state CĐCS before 2021 (HCSN and DNNN are named lists)
NEW_UNITS_PER_YEAR = 13.0  # per block: mean CĐCS founded each year from 2021 (Poisson)
NEW_HCSN_SHARE = 0.1  # the rest are non-state
NONUNION_FIRMS = 60  # per block: enterprises without a CĐCS
WOMENS_COMMITTEE_MIN_WOMEN = 10  # women members that make a CĐCS eligible for a committee
ERRORS_STREAM, DISTRICT_STREAM, UPPER_STREAM = 10**9, 10**9 + 1, 10**9 + 2
"""Generator keys besides the blocks' own ``[seed, block]``."""


class PlantedRule(NamedTuple):
    """A contradiction planted on purpose: ``field`` := ``source`` + a shift in [low, high]."""

    field: str
    source: str
    low: int
    high: int
    min_source: int
    rows: int


PLANTED_RULES: dict[str, PlantedRule] = {
    "women_members_le_members": PlantedRule("women_members", "members", 1, 3, 5, 1),
    "members_le_workers": PlantedRule("workers", "members", -5, -2, 10, 2),
    "hardship_visited_le_in_hardship": PlantedRule(
        "members_hardship_visited", "members_in_hardship", 1, 2, 1, 1),
    "legal_represented_le_need": PlantedRule(
        "legal_cases_represented", "legal_cases_need", 1, 1, 1, 1),
    "rating_requires_12_months": PlantedRule("rating", "rating", 2, 2, -1, 2),  # empty → 'tot'
}
"""Rules broken on purpose in the first block (rows listed in ``meta["planted_errors"]``)."""


@dataclass(frozen=True)
class _Calendar:
    """The sub-periods of the demo and what each needs (dates, rates, wage indices)."""

    ids: tuple[str, ...]
    starts: Arr  # datetime64[D], one per sub-period
    cuts: Arr
    dues: Arr
    rated_until: Arr  # a unit founded on or before this day is rated (12 months at cut-off)
    years: Arr  # reporting year - first year (0, 0, 1, 1, ...)
    halves: Arr
    levy: Arr  # day-weighted union levy rate
    dues_rate: Arr  # day-weighted member dues rate
    dues_funded: Arr  # the same in units fully funded by the state budget
    hcsn_wage: Arr  # HCSN wage index (2021 = 1)
    collect_bias: Arr  # district-wide collection mood per sub-period

    @property
    def n(self) -> int:
        return len(self.ids)


def _calendar(last_period: str, seed: int) -> _Calendar:
    settings = load_settings()
    ids = tuple(sub_periods_between(settings.first_year, last_period))
    periods = [parse_period(p) for p in ids]
    rates = load_rates()

    def day(d: dt.date) -> np.datetime64:
        return np.datetime64(d.isoformat(), "D")

    def salary(start: dt.date, end: dt.date) -> float:
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        return float(np.mean([max(v for f, v in names.BASE_SALARY if f <= d) for d in days]))

    bias = np.random.default_rng([seed, DISTRICT_STREAM]).normal(0.0, 0.012, len(ids))
    return _Calendar(
        ids=ids,
        starts=np.array([day(p.start) for p in periods]),
        cuts=np.array([day(p.cut_off) for p in periods]),
        dues=np.array([day(due_date(p)) for p in periods]),
        rated_until=np.array([day((pd.Timestamp(p.cut_off) - pd.DateOffset(months=12)).date())
                              for p in periods]),
        years=np.array([p.year - settings.first_year for p in periods]),
        halves=np.array([p.half for p in periods]),
        levy=np.array([rates.average("union_levy", p.start, p.cut_off) for p in periods]),
        dues_rate=np.array([rates.average("member_dues", p.start, p.cut_off) for p in periods]),
        dues_funded=np.array([rates.average("member_dues", p.start, p.cut_off, budget_funded=True)
                              for p in periods]),
        hcsn_wage=np.array([0.4 + 0.6 * salary(p.start, p.cut_off) / names.BASE_SALARY[0][1]
                            for p in periods]),  # 60% of HCSN pay follows the base salary
        collect_bias=bias,
    )


def _sigmoid(x: Arr) -> Arr:
    return 1.0 / (1.0 + np.exp(-x))


def _dates(rng: np.random.Generator, low: Arr, high: Arr) -> Arr:
    """Uniform days between ``low`` and ``high`` inclusive (datetime64[D] arrays)."""
    span = np.maximum((high - low).astype(np.int64), 0)
    return low + rng.integers(0, span + 1).astype("timedelta64[D]")


def _block_units(rng: np.random.Generator, block: int,
                 cal: _Calendar) -> tuple[dict[str, Arr], list[str]]:
    """The CĐCS of one block: registry fields and the latent traits that drive their reports.

    Also returns the names kept for the block's firms without a union (all firm names differ).
    """
    commune_index = {c.commune_id: i for i, c in enumerate(names.COMMUNES)}
    weights = np.array([c.firm_weight for c in names.COMMUNES])
    register = names.hcsn_register()
    fixed = [(nm, commune_index[c], k) for nm, c, k in register] + [
        (nm, commune_index[c], "firm") for nm, c in names.DNNN_UNITS]
    new_half = np.repeat(np.arange(cal.n), rng.poisson(NEW_UNITS_PER_YEAR / 2, cal.n))
    new_sector = np.where(rng.random(len(new_half)) < NEW_HCSN_SHARE, HCSN, NNN)
    sector = np.concatenate([np.full(len(register), HCSN), np.full(len(names.DNNN_UNITS), DNNN),
                             np.full(BASELINE_NNN, NNN), new_sector])
    n, n_fixed, n_base = len(sector), len(fixed), len(sector) - len(new_half)
    is_new = np.arange(n) >= n_base
    commune = rng.choice(len(names.COMMUNES), n, p=weights / weights.sum())
    commune[:n_fixed] = [c for _, c, _ in fixed]
    firm_names, firm_women = names.firm_names(rng, n - n_fixed + NONUNION_FIRMS)
    unit_names = [nm for nm, _, _ in fixed] + firm_names[: n - n_fixed]
    firm_women = np.concatenate([np.full(n_fixed, 0.5), firm_women[: n - n_fixed]])
    kinds = [k for _, _, k in fixed] + ["firm"] * (n - n_fixed)
    schools = rng.permutation(len(names.NEW_SCHOOLS))
    for j, i in enumerate(np.flatnonzero(is_new & (sector == HCSN))):
        again = f" {j // len(schools) + 1}" if j >= len(schools) else ""
        unit_names[i], kinds[i] = names.NEW_SCHOOLS[schools[j % len(schools)]] + again, "mam_non"
    low, high, women_kind = np.array([names.HCSN_KINDS.get(k, (30, 600, 0.5)) for k in kinds]).T
    women = np.where(sector == HCSN, women_kind, firm_women) + rng.normal(0, 0.06, n)
    log_size = np.where(sector == DNNN, np.log(220), np.where(is_new, np.log(45), np.log(82)))
    size = np.rint(np.exp(log_size + rng.normal(0, 0.6, n)))
    workers0 = np.select([sector == HCSN, sector == DNNN, is_new],
                         [rng.integers(low, high + 1), np.clip(size, 80, 600),
                          np.clip(size, 25, 150)], np.clip(size, 30, 600))
    first = np.choose(sector, [np.datetime64("1980-01-01"), np.datetime64("1990-01-01"),
                               np.datetime64("2005-01-01")]).astype("datetime64[D]")
    last = np.choose(sector, [np.datetime64("2015-12-31"), np.datetime64("2010-12-31"),
                              np.datetime64("2020-11-15")]).astype("datetime64[D]")
    founded = _dates(rng, first, last)
    founded[n_base:] = _dates(rng, cal.starts[new_half], cal.cuts[new_half])
    earliest = np.maximum(founded + 200, cal.starts[0] + 30)  # after its first cut-off
    dissolve_day = _dates(rng, earliest, np.full(n, cal.cuts[-1] - 1))
    dissolves = (rng.random(n) < np.choose(sector, [0.0, 0.05, 0.07])) & (
        earliest < cal.cuts[-1] - 1)
    suffix = "" if block == 0 else f" số {block + 1}"
    new_nnn = is_new & (sector == NNN)
    return {
        "name": np.array([unicodedata.normalize("NFC", x + suffix) for x in unit_names], object),
        "sector": sector, "commune": commune, "founded": founded,
        "budget_funded": np.array([nm in names.BUDGET_FUNDED for nm in unit_names]),
        "dissolved": np.where(dissolves, dissolve_day, np.datetime64("NaT", "D")),
        "opened": founded - rng.integers(60, 2500, n).astype("timedelta64[D]"),
        "t_found": np.concatenate([np.full(n_base, -1), new_half]),
        "workers0": workers0.astype(np.int64), "women": np.clip(women, 0.02, 0.99),
        "cov0": np.where(new_nnn, rng.uniform(0.45, 0.8, n), np.choose(sector, [
            rng.uniform(0.92, 1.0, n), rng.uniform(0.9, 1.0, n), rng.uniform(0.6, 0.95, n)])),
        "cov_trend": np.where(new_nnn, rng.uniform(0.01, 0.04, n),
                              np.choose(sector, [0.005, 0.005, rng.uniform(0.0, 0.02, n)])),
        "drift": np.choose(sector, [rng.normal(0, 0.01, n), rng.normal(-0.01, 0.02, n),
                                    rng.normal(0.0, 0.04, n)]),
        "turnover": np.choose(sector, [0.02, 0.03, rng.uniform(0.04, 0.10, n)]),
        "wage0": np.choose(sector, [rng.uniform(5.5e6, 8e6, n), rng.uniform(8e6, 12e6, n),
                                    rng.uniform(6.5e6, 11e6, n)]),
        "perf": rng.normal(0, 1, n), "trend": rng.normal(0, 0.25, n),
        "reporter": rng.random(n) < 0.6, "block": np.full(n, block),
    }, firm_names[n - n_fixed:]


def _membership(rng: np.random.Generator, u: dict[str, Arr], cal: _Calendar) -> dict[str, Arr]:
    """Workers and members at each cut-off, and the members admitted and left in each half.

    Stocks are simulated from the half before the first one, so that members at a cut-off equal
    members at the previous cut-off + admitted − left (a new CĐCS admits all its members).
    """
    n, t_n = len(u["sector"]), cal.n
    tau = np.arange(t_n + 1)[None, :] - (u["t_found"][:, None] + 1)  # halves since founding
    sigma = np.where(u["sector"] == HCSN, 0.02, 0.05)[:, None]
    walk = np.cumsum(rng.standard_normal((n, t_n + 1)) * sigma, axis=1)
    walk -= walk[np.arange(n), u["t_found"] + 1][:, None]
    grown = u["workers0"][:, None] * np.exp(u["drift"][:, None] * tau / 2 + walk)
    workers = np.where(tau >= 0, np.maximum(np.rint(grown), 1), 0).astype(np.int64)
    coverage = np.clip(u["cov0"][:, None] + u["cov_trend"][:, None] * tau / 2
                       + rng.normal(0, 0.01, (n, t_n + 1)), 0.05, 1.0)
    members = np.minimum(np.rint(workers * coverage), workers).astype(np.int64)
    before = np.where(tau[:, 1:] >= 1, members[:, :-1], 0)
    left = rng.binomial(before, u["turnover"][:, None])
    admitted = members[:, 1:] - before + left
    return {"workers": workers[:, 1:], "members": members[:, 1:],
            "women_members": np.rint(members[:, 1:] * u["women"][:, None]).astype(np.int64),
            "members_admitted": np.maximum(admitted, 0),
            "members_left": np.where(admitted < 0, before - members[:, 1:], left)}


def _grade(draw: Arr, p_good: Arr, top: float, middle: float) -> Arr:
    """Codes 0–3 (best first) from uniform draws: 0–1 with probability ``p_good``."""
    return np.select([draw < top * p_good, draw < p_good,
                      draw < p_good + middle * (1 - p_good)], [0, 1, 2], 3)


def _events(rng: np.random.Generator, p_year: Arr, cal: _Calendar, active: Arr) -> Arr:
    """Yearly events (dialogue, conferences): held once a year, mostly in H1, sometimes twice."""
    n, years = p_year.shape[0], cal.years.max() + 1
    held, first_half, both = (rng.random((n, years))[:, cal.years] for _ in range(3))
    in_half = (first_half < 0.8) == (cal.halves == 1)[None, :]
    return ((held < p_year) & (in_half | (both < 0.1)) & active).astype(np.int64)


def _year_to_date(reached: Arr, base: Arr, active: Arr, cal: _Calendar) -> Arr:
    """People reached in each half → the counts a report gives: from the start of the year.

    The six-month report gives the first half's people; the year report the year's, each person
    once: first half + second half − those reached in both (half of what independent reach
    would give: a union's second-half activities partly reach others), at most ``base`` (the
    workers or members at the cut-off). Deterministic: no draw is added to the stream.
    """
    out = reached.copy()
    for t in np.flatnonzero(cal.halves == 2):
        first = np.where(active[:, t - 1], reached[:, t - 1], 0) if t > 0 else 0
        both = np.rint(0.5 * first * reached[:, t] / np.maximum(base[:, t], 1))
        out[:, t] = np.minimum(first + reached[:, t] - both, base[:, t]).astype(np.int64)
    return out


def _block_reports(rng: np.random.Generator, u: dict[str, Arr], cal: _Calendar) -> dict[str, Arr]:
    """Every report field as a (units × sub-periods) matrix, with ``active`` and ``present``.

    Each unit has a level (``perf``) and a yearly trend, so some improve and others slip;
    category fields use −1 for empty.
    """
    n, t_n = len(u["sector"]), cal.n
    sector = u["sector"][:, None]
    enterprise, state = sector != HCSN, sector != NNN
    m = _membership(rng, u, cal)
    workers, members = m["workers"], m["members"]
    active = (u["founded"][:, None] <= cal.cuts[None, :]) & ~(  # dissolved = last day active
        u["dissolved"][:, None] < cal.cuts[None, :])
    yr, h1 = cal.years[None, :], (cal.halves == 1)[None, :]
    score = u["perf"][:, None] + u["trend"][:, None] * yr
    dialogue = np.choose(sector, [-1.0 + 0 * score, 4.0 + score, 1.0 + 0.8 * score + 0.1 * yr])
    m["dialogue_held"] = _events(rng, _sigmoid(dialogue), cal, active)
    official = np.where(sector == HCSN, _sigmoid(5.0 + score), 0.0)
    m["officials_conference_held"] = _events(rng, official, cal, active)
    conference = np.choose(sector, [-99 + 0 * score, 4.0 + score, 0.9 + 0.8 * score + 0.08 * yr])
    m["workers_conference_held"] = _events(rng, _sigmoid(conference), cal, active)
    m["policy_proposal"] = (rng.random((n, t_n)) < _sigmoid(-0.5 + 0.5 * score + 0.05 * yr)) * 1
    upskill = np.where(enterprise, -0.95, -1.5) + 0.4 * score + 0.05 * yr
    m["members_upskilled"] = rng.binomial(members, _sigmoid(upskill))
    m["people_informed"] = rng.binomial(workers, _sigmoid(-0.6 + 0.5 * score + 0.05 * yr))
    m["members_partner_benefits"] = rng.binomial(members, _sigmoid(-2.3 + 0.5 * score + 0.1 * yr))
    hardship = rng.binomial(members, np.where(h1, 0.03, 0.015))
    visit_all = rng.random((n, t_n)) < _sigmoid(2.8 + score)
    m["members_in_hardship"] = hardship
    m["members_hardship_visited"] = np.where(visit_all, hardship, rng.binomial(hardship, 0.75))
    culture = -0.6 + 0.5 * score + np.where(h1, 0.3, -0.3) + 0.03 * yr
    m["people_culture_sport"] = rng.binomial(workers, _sigmoid(culture))
    m["party_introduced"] = rng.poisson(np.array([0.55, 0.6, 0.35])[sector] * np.exp(0.3 * score))
    for name, base in (("members_upskilled", members), ("people_informed", workers),
                       ("members_partner_benefits", members), ("people_culture_sport", workers)):
        m[name] = _year_to_date(m[name], base, active, cal)
    eligible = (u["founded"][:, None] <= cal.rated_until[None, :]) & ~h1
    good = _sigmoid(np.where(state, 1.8, 0.35) + 0.9 * score + 0.05 * yr)
    m["rating"] = np.where(eligible, _grade(rng.random((n, t_n)), good, 0.3, 0.9), -1)
    aged = (cal.cuts[None, :] - u["founded"][:, None]).astype(np.int64) >= 365
    p_sign = _sigmoid(1.3 + 0.15 * yr + 0.9 * score) * np.where(aged, 1, 0.25)
    signed = rng.random((n, 1)) < p_sign  # one draw per unit: agreements persist
    m["cba_signed"] = np.where(enterprise, signed, -1)
    grade = _grade(rng.random((n, 1)), _sigmoid(-0.35 + 0.12 * yr + 0.7 * score), 0.35, 0.75)
    m["cba_grade"] = np.where(enterprise & signed, grade, -1)
    need = rng.poisson(np.where(enterprise, workers / 250, 0.04))
    m["legal_cases_need"] = need
    m["legal_cases_represented"] = rng.binomial(need, _sigmoid(0.3 + 0.15 * yr + 0.4 * score))
    wc_eligible = m["women_members"] >= WOMENS_COMMITTEE_MIN_WOMEN
    p_wc = _sigmoid(np.where(state, 3.0 + score + 0.4 * yr, 0.6 + 0.15 * yr + 0.7 * score))
    m["womens_committee_eligible"] = wc_eligible * 1
    m["womens_committee"] = (wc_eligible & (rng.random((n, 1)) < p_wc)) * 1
    m.update(_finance(rng, u, m, cal, score))
    m["finance_disclosed"] = (rng.random((n, t_n)) < _sigmoid(3.0 + score)) * 1
    late = rng.random((n, t_n)) < 0.06 + 0.05 * (score < -0.7)
    m["submit_offset"] = np.where(late, rng.integers(1, 31, (n, t_n)),
                                  -rng.integers(0, 21, (n, t_n)))
    m["active"] = active
    m["present"] = active & ~(rng.random((n, t_n)) < 0.02 + 0.03 * (score < -1))
    m.update(_block_activities(rng, u, workers, cal))
    return m


def _finance(rng: np.random.Generator, u: dict[str, Arr], m: dict[str, Arr], cal: _Calendar,
             score: Arr) -> dict[str, Arr]:
    """Wage bases per half, the budget from the dated rates, and what was collected.

    Units fully funded by the state budget (``budget_funded``) have the dues rates of such units
    (none from 1/6/2025), as :func:`congdoan.core.rates.finance_budget` computes them.
    """
    n, t_n = m["workers"].shape
    yr = cal.years[None, :] + (cal.halves[None, :] - 1) / 2
    index = np.where(u["sector"][:, None] == HCSN, cal.hcsn_wage[None, :], 1.06 ** yr)
    wage = u["wage0"][:, None] * index * (1 + rng.normal(0, 0.02, (n, t_n)))
    wage_fund = (np.rint(m["workers"] * wage * 6 / 1000) * 1000).astype(np.int64)
    member_wages = m["members"] * wage * 6 * rng.uniform(0.95, 1.0, (n, t_n))
    member_wages = (np.rint(member_wages / 1000) * 1000).astype(np.int64)
    dues = np.where(u["budget_funded"][:, None], cal.dues_funded[None, :], cal.dues_rate[None, :])
    budget = np.rint(cal.levy[None, :] * wage_fund + dues * member_wages)
    ratio = np.clip(1.0 + 0.015 * score + cal.collect_bias[None, :]
                    + rng.normal(0, 0.025, (n, t_n)), 0.75, 1.15)
    return {"wage_fund_vnd": wage_fund, "member_wages_vnd": member_wages,
            "finance_budget_vnd": budget.astype(np.int64),
            "finance_collected_vnd": np.rint(budget * ratio).astype(np.int64)}


def _block_activities(rng: np.random.Generator, u: dict[str, Arr], workers: Arr,
                      cal: _Calendar) -> dict[str, Arr]:
    """Events, participants and support of each programme, for the units that report them."""
    out: dict[str, Arr] = {}
    enterprise = (u["sector"] != HCSN)[:, None]
    for prog in (a.name for a in load_elements().activities):
        spec = names.PROGRAMMES.get(prog, names.DEFAULT_PROGRAMME)
        p_run = np.where(enterprise, spec.p_enterprise, spec.p_hcsn) * np.isin(
            cal.halves, spec.halves)[None, :]
        runs = (rng.random(workers.shape) < p_run) & u["reporter"][:, None]
        events = (1 + rng.poisson(spec.extra_events, workers.shape)) * runs
        people = rng.binomial(workers, spec.participant_share)
        people = np.maximum(people, events) * runs
        support = (people * spec.per_participant + events * spec.per_event) * rng.uniform(
            0.8, 1.2, workers.shape)
        out[f"act:{prog}:events"], out[f"act:{prog}:participants"] = events, people
        out[f"act:{prog}:support_vnd"] = (np.rint(support / 1000) * 1000).astype(np.int64)
    return out


def _block_firms(rng: np.random.Generator, block: int, cal: _Calendar,
                 firm_names: list[str]) -> dict[str, Arr]:
    """Enterprises without a CĐCS (many with 25 workers or more)."""
    k, last = len(firm_names), cal.cuts[-1]
    weights = np.array([c.firm_weight for c in names.COMMUNES])
    commune = rng.choice(len(names.COMMUNES), k, p=weights / weights.sum())
    suffix = "" if block == 0 else f" số {block + 1}"
    opened = _dates(rng, np.full(k, np.datetime64("2003-01-01", "D")), np.full(k, last - 30))
    closed = _dates(rng, np.minimum(opened + 365, last - 1), np.full(k, last - 1))
    workers = np.clip(np.rint(np.exp(rng.normal(np.log(30), 0.9, k))), 3, 800)
    return {"name": np.array([unicodedata.normalize("NFC", x + suffix) for x in firm_names]),
            "commune": commune, "opened": opened, "workers": workers.astype(np.int64),
            "closed": np.where(rng.random(k) < 0.06, closed, np.datetime64("NaT", "D")),
            "block": np.full(k, block)}


def _concat(blocks: list[dict[str, Arr]]) -> dict[str, Arr]:
    return {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}


def _ids(prefix: str, n: int) -> Arr:
    width = max(4, len(str(n)))
    return np.array([f"{prefix}-{i + 1:0{width}d}" for i in range(n)], dtype=object)


def _codes(values: Arr, labels: tuple[str, ...]) -> Arr:
    """Category codes (−1 = empty) to labels (``None`` = empty)."""
    out = np.array(labels + (None,), dtype=object)
    return out[np.where(values < 0, len(labels), values)]


def _plant_errors(rng: np.random.Generator, cols: dict[str, Arr], first_block: Arr,
                  unit_ids: Arr, founded: Arr, cal: _Calendar) -> list[dict[str, str]]:
    """Make a few rows of the first block contradict a rule; return where (for the validator)."""
    ui, ti = cols["_unit"], cols["_period"]
    too_young = (cal.halves[ti] == 2) & (founded[ui] > cal.rated_until[ti])  # not rated yet
    used = np.zeros(len(ui), bool)
    planted: list[dict[str, str]] = []
    for rule, plant in PLANTED_RULES.items():
        ok = cols[plant.source] >= plant.min_source
        pool = np.flatnonzero(ok & first_block & ~used & (too_young | (plant.field != "rating")))
        rows = np.sort(rng.choice(pool, min(plant.rows, len(pool)), replace=False))
        used[rows] = True
        shift = rng.integers(plant.low, plant.high + 1, len(rows))
        cols[plant.field][rows] = cols[plant.source][rows] + shift
        for flow in ("people_informed", "people_culture_sport"):  # keep one fault per row
            cols[flow][rows] = np.minimum(cols[flow][rows], cols["workers"][rows])
        planted += [{"unit_id": str(unit_ids[ui[r]]), "period": cal.ids[ti[r]], "rule": rule,
                     "field": plant.field} for r in rows]
    return planted


def _reports(m: dict[str, Arr], u: dict[str, Arr], unit_ids: Arr, cal: _Calendar,
             rng: np.random.Generator) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    ui, ti = np.nonzero(m["present"])
    cols = {k: v[ui, ti].copy() for k, v in m.items() if not k.startswith("act:")}
    cols["_unit"], cols["_period"] = ui, ti
    planted = _plant_errors(rng, cols, u["block"][ui] == 0, unit_ids, u["founded"], cal)
    data: dict[str, Any] = {
        "unit_id": unit_ids[ui], "period": np.array(cal.ids, dtype=object)[ti],
        "submitted_on": cal.dues[ti] + cols["submit_offset"].astype("timedelta64[D]"),
    }
    for name in report_columns()[3:]:
        if name in ("rating", "cba_grade"):
            data[name] = _codes(cols[name], RATINGS if name == "rating" else CBA_GRADES)
        elif name in cols:  # −1 marks 'not asked' (cba_signed of HCSN): written empty
            empty = cols[name] < 0
            data[name] = (pd.arrays.IntegerArray(np.maximum(cols[name], 0), empty)
                          if empty.any() else cols[name].astype(np.int64))
        else:  # an element this demo does not know yet: left empty
            data[name] = pd.arrays.IntegerArray(np.zeros(len(ui), np.int64), np.ones(len(ui), bool))
    return pd.DataFrame(data), planted


def _activities(m: dict[str, Arr], unit_ids: Arr, cal: _Calendar) -> pd.DataFrame:
    programmes = [a.name for a in load_elements().activities]
    parts = []
    for k, prog in enumerate(programmes):
        events = m[f"act:{prog}:events"]
        ui, ti = np.nonzero(m["present"] & (events > 0))
        parts.append((ui, ti, np.full(len(ui), k),
                      *(m[f"act:{prog}:{f}"][ui, ti] for f in ("events", "participants",
                                                               "support_vnd"))))
    ui, ti, pk, events, people, support = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((pk, ti, ui))
    return pd.DataFrame({
        "unit_id": unit_ids[ui[order]], "period": np.array(cal.ids, dtype=object)[ti[order]],
        "programme": np.array(programmes, dtype=object)[pk[order]], "events": events[order],
        "participants": people[order], "support_vnd": support[order]})


def _links(u: dict[str, Arr], unit_ids: Arr) -> pd.DataFrame:
    """Each unit's dated parent: the federation until 30/6/2025, its commune's union after."""
    day_before = REFORM_DAY - 1
    founded, dissolved = u["founded"], u["dissolved"]
    before = founded < REFORM_DAY
    after = ~(dissolved < REFORM_DAY)
    union_of = np.array([c.union_id for c in names.COMMUNES], dtype=object)
    idx = np.concatenate([np.flatnonzero(before), np.flatnonzero(after)])
    links = pd.DataFrame({
        "unit_id": unit_ids[idx],
        "parent_id": np.concatenate([np.full(before.sum(), names.FEDERATION_ID, dtype=object),
                                     union_of[u["commune"][after]]]),
        "valid_from": np.concatenate([np.maximum(founded, FEDERATION_FROM)[before],
                                      np.maximum(founded, REFORM_DAY)[after]]),
        "valid_to": np.concatenate([np.where(dissolved < REFORM_DAY, dissolved, day_before)[before],
                                    dissolved[after]]),
    })
    order = np.lexsort((links["valid_from"].to_numpy(), idx))
    return links.iloc[order].reset_index(drop=True)


def _enterprises(u: dict[str, Arr], m: dict[str, Arr], firms: dict[str, Arr],
                 unit_ids: Arr) -> tuple[pd.DataFrame, Arr, Arr]:
    """Enterprise registry; also each unit's enterprise id and each firm's union date."""
    ent = np.flatnonzero(u["sector"] != HCSN)
    active = m["active"][ent]
    last = active.shape[1] - 1 - np.argmax(active[:, ::-1], axis=1)
    workers = np.where(active.any(axis=1), m["workers"][ent, last], u["workers0"][ent])
    n_firms = len(firms["block"])
    block = np.concatenate([u["block"][ent], firms["block"]])
    group = np.concatenate([np.zeros(len(ent), int), np.ones(n_firms, int)])
    order = np.lexsort((np.arange(len(block)), group, block))
    nat = np.full(n_firms, np.datetime64("NaT", "D"))
    table = pd.DataFrame({
        "name": np.concatenate([u["name"][ent], firms["name"]]),
        "commune_id": np.array([c.commune_id for c in names.COMMUNES], object)[
            np.concatenate([u["commune"][ent], firms["commune"]])],
        "ownership": np.array(SECTORS, object)[np.concatenate([u["sector"][ent],
                                                                np.full(n_firms, NNN)])],
        "workers": np.concatenate([workers, firms["workers"]]),
        "opened": np.concatenate([u["opened"][ent], firms["opened"]]),
        "closed": np.concatenate([u["dissolved"][ent], firms["closed"]]),
        "unit_id": np.concatenate([unit_ids[ent], np.full(n_firms, None, object)]),
        "unionised": np.concatenate([u["founded"][ent], nat]),
    }).iloc[order].reset_index(drop=True)
    table.insert(0, "enterprise_id", _ids("DN", len(table)))
    unit_enterprise = np.full(len(unit_ids), None, dtype=object)
    unit_enterprise[ent] = table["enterprise_id"].to_numpy()[np.argsort(order)[: len(ent)]]
    unionised = table.pop("unionised").to_numpy()
    return table, unit_enterprise, unionised


def _upper_records(uppers: pd.DataFrame, areas: pd.DataFrame, enterprises: pd.DataFrame,
                   unionised: Arr, cal: _Calendar, rng: np.random.Generator) -> pd.DataFrame:
    """Each upper union's record for each complete year it exists at the year cut-off.

    Rating (the federation mostly 'tot' or better), audit, and workers reached in the firms of
    its area that have no union (a share growing from about 18% in 2021).
    """
    commune, workers = enterprises["commune_id"].to_numpy(), enterprises["workers"].to_numpy()
    opened = enterprises["opened"].to_numpy().astype("datetime64[D]")
    closed = enterprises["closed"].to_numpy().astype("datetime64[D]")
    rows = []
    for t in np.flatnonzero(cal.halves == 2):
        cut = pd.Timestamp(cal.cuts[t])
        live = uppers[(uppers["valid_from"] <= cut) & ~(uppers["valid_to"] < cut)]
        area = areas[(areas["valid_from"] <= cut) & ~(areas["valid_to"] < cut)]
        nonunion = (opened <= cal.cuts[t]) & ~(closed < cal.cuts[t]) & ~(unionised <= cal.cuts[t])
        share = np.clip(0.18 + 0.06 * cal.years[t] + rng.normal(0, 0.03), 0.0, 0.9)
        for upper_id, kind in zip(live["upper_id"], live["kind"], strict=True):
            federation = kind == "district_federation"
            rating = RATINGS[rng.choice(4, p=[0.4, 0.6, 0, 0] if federation else [0.2, 0.5, 0.3, 0])]
            audited = 1 if federation else int(rng.random() < 0.8)
            own = np.isin(commune, area.loc[area["upper_id"] == upper_id, "commune_id"])
            reached = int(np.rint(share * workers[nonunion & own].sum()))
            rows.append((upper_id, int(cal.ids[t][:4]), rating, audited, reached))
    return pd.DataFrame(rows, columns=["upper_id", "year", "rating", "audited",
                                       "nonunion_workers_reached"])


def build_demo(scale: int = 1, seed: int = 2021, last_period: str = "2026-H1") -> Dataset:
    """Build the demo district (pure and deterministic: same arguments, same tables).

    Args:
        scale: number of blocks of about 350 CĐCS each (``--scale 100`` makes 35,000).
        seed: seed of every random draw; the first block is the same at every scale.
        last_period: last half-year sub-period with reports (from 2021-H1).

    Returns:
        The dataset, with ``meta`` holding organisation_id, organisation_name, seed, scale,
        last_period and planted_errors (unit_id, period, rule, field of each planted row).

    """
    if scale < 1:
        raise ParameterError("Hệ số quy mô phải từ 1 trở lên.", "scale must be at least 1.",
                             value=scale, expected="số nguyên ≥ 1")
    cal = _calendar(last_period, seed)
    unit_blocks, report_blocks, firm_blocks = [], [], []
    for block in range(scale):
        rng = np.random.default_rng([seed, block])
        block_units, spare_names = _block_units(rng, block, cal)
        unit_blocks.append(block_units)
        report_blocks.append(_block_reports(rng, block_units, cal))
        firm_blocks.append(_block_firms(rng, block, cal, spare_names))
    u, m, firms = _concat(unit_blocks), _concat(report_blocks), _concat(firm_blocks)
    unit_ids = _ids("CDCS", len(u["sector"]))
    reports, planted = _reports(m, u, unit_ids, cal, np.random.default_rng([seed, ERRORS_STREAM]))
    communes, uppers, areas = names.hierarchy_tables()
    enterprises, unit_enterprise, unionised = _enterprises(u, m, firms, unit_ids)
    units = pd.DataFrame({
        "unit_id": unit_ids, "name": u["name"], "sector": np.array(SECTORS, object)[u["sector"]],
        "commune_id": np.array([c.commune_id for c in names.COMMUNES], object)[u["commune"]],
        "founded": u["founded"], "dissolved": u["dissolved"], "enterprise_id": unit_enterprise,
        "budget_funded": u["budget_funded"].astype(np.int64)})
    upper_rng = np.random.default_rng([seed, UPPER_STREAM])
    meta = {"organisation_id": DISTRICT_ID, "organisation_name": DISTRICT_NAME, "seed": seed,
            "scale": scale, "last_period": cal.ids[-1], "planted_errors": planted}
    return Dataset(
        communes=communes, upper_unions=uppers, areas=areas, units=units, links=_links(u, unit_ids),
        enterprises=enterprises, reports=reports,
        upper_records=_upper_records(uppers, areas, enterprises, unionised, cal, upper_rng),
        activities=_activities(m, unit_ids, cal), meta=meta)


def write_demo(out: Path, scale: int = 1, seed: int = 2021,
               last_period: str = "2026-H1") -> Dataset:
    """Build the demo district and write it to folder ``out`` (byte-identical on re-run)."""
    dataset = build_demo(scale=scale, seed=seed, last_period=last_period)
    write_dataset(dataset, Path(out))
    return dataset
