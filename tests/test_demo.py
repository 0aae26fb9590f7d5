"""The demo district: deterministic, the right shape, and consistent except where planted."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from congdoan.core.dataset import COLUMNS, TABLES, Dataset, read_dataset, report_columns
from congdoan.core.periods import due_date, parse_period
from congdoan.core.plan import load_elements
from congdoan.core.rates import finance_budget
from congdoan.demo.synthetic import PLANTED_RULES, build_demo, write_demo
from congdoan.exceptions import ParameterError

REFORM = pd.Timestamp("2025-07-01")


@pytest.fixture(scope="module")
def built() -> Dataset:
    return build_demo()


@pytest.fixture(scope="module")
def reports(built: Dataset) -> pd.DataFrame:
    """Reports with their unit's registry fields and the period's cut-off."""
    cut_offs = {p: pd.Timestamp(parse_period(p).cut_off) for p in built.reports["period"].unique()}
    out = built.reports.merge(built.units, on="unit_id", how="left", validate="many_to_one")
    return out.assign(cut_off=out["period"].map(cut_offs))


def planted(built: Dataset, rule: str) -> set[tuple[str, str]]:
    return {(e["unit_id"], e["period"]) for e in built.meta["planted_errors"] if e["rule"] == rule}


def row_keys(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["unit_id"], frame["period"], strict=True))


# ---------------------------------------------------------------- determinism and files
def test_two_writes_are_byte_identical(tmp_path: Path) -> None:
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert set(names) == {"meta.json"} | {f"{t}.csv" for t in TABLES}
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_seed_changes_the_district() -> None:
    other = build_demo(seed=7)
    assert other.meta["seed"] == 7
    assert not other.reports["members"].equals(build_demo().reports["members"])


def test_written_demo_reads_back_with_every_column(tmp_path: Path) -> None:
    written = write_demo(tmp_path)
    back = read_dataset(tmp_path)
    assert tuple(back.reports.columns) == report_columns()
    for table in TABLES:
        if table != "reports":
            assert tuple(back.table(table).columns) == COLUMNS[table], table
        assert len(back.table(table)) == len(written.table(table)), table
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    assert meta["organisation_id"] == "GIALAM" and meta["organisation_name"] == "Huyện Gia Lâm"
    assert meta["seed"] == 2021 and meta["scale"] == 1
    # money and counts are written as whole numbers, never as floats
    first = (tmp_path / "reports.csv").read_text(encoding="utf-8").splitlines()[1]
    assert ".0," not in first


# ---------------------------------------------------------------- shape
def test_about_350_units_in_the_three_sectors(built: Dataset) -> None:
    units = built.units
    assert 320 <= len(units) <= 380
    assert units["unit_id"].is_unique
    share = units["sector"].value_counts(normalize=True)
    assert 0.42 <= share["HCSN"] <= 0.58
    assert 0.02 <= share["DNNN"] <= 0.07
    assert 0.38 <= share["NNN"] <= 0.54
    assert units["commune_id"].isin(built.communes["commune_id"]).all()
    assert len(built.communes) == 22


def test_scale_two_doubles_and_keeps_the_first_block() -> None:
    one, two = build_demo(scale=1), build_demo(scale=2)
    assert 1.8 <= len(two.units) / len(one.units) <= 2.2
    assert 1.8 <= len(two.reports) / len(one.reports) <= 2.2
    assert two.units["unit_id"].is_unique and two.enterprises["enterprise_id"].is_unique
    head = two.units.head(len(one.units)).reset_index(drop=True)
    pd.testing.assert_frame_equal(head, one.units)


def test_new_units_each_year_mostly_non_state(built: Dataset) -> None:
    founded = built.units["founded"]
    year = founded.dt.year + (founded.dt.month == 12)  # reporting year starts 1/12
    per_year = year[(year >= 2021) & (year <= 2025)].value_counts()
    assert per_year.between(5, 25).all() and len(per_year) == 5
    new = built.units[(year >= 2021)]
    assert (new["sector"] == "NNN").mean() >= 0.7
    assert built.units["dissolved"].notna().sum() >= 3


# ---------------------------------------------------------------- members
def test_baseline_members_and_growth(built: Dataset) -> None:
    members = built.reports.groupby("period")["members"].sum()
    assert 16_000 <= members["2021-H2"] <= 17_000
    assert 17_500 <= members[["2023-H2", "2024-H2", "2025-H2"]].max() <= 19_500


def test_members_within_workers_except_planted(built: Dataset) -> None:
    wrong = built.reports[built.reports["members"] > built.reports["workers"]]
    assert row_keys(wrong) == planted(built, "members_le_workers")
    assert len(wrong) == PLANTED_RULES["members_le_workers"].rows


def test_each_planted_error_breaks_its_rule_and_no_other_row_does(
        built: Dataset, reports: pd.DataFrame) -> None:
    errors = built.meta["planted_errors"]
    assert 5 <= len(errors) <= 8
    assert {e["rule"] for e in errors} == set(PLANTED_RULES)
    r = reports
    broken = {
        "women_members_le_members": r["women_members"] > r["members"],
        "members_le_workers": r["members"] > r["workers"],
        "hardship_visited_le_in_hardship": r["members_hardship_visited"] > r["members_in_hardship"],
        "legal_represented_le_need": r["legal_cases_represented"] > r["legal_cases_need"],
        "rating_requires_12_months": r["rating"].notna()
        & (r["founded"] > r["cut_off"] - pd.DateOffset(months=12)),
    }
    for rule, mask in broken.items():
        assert row_keys(r[mask]) == planted(built, rule), rule


def test_the_engines_checks_find_the_planted_errors_and_nothing_else(built: Dataset) -> None:
    from congdoan.core.dataset import report_problems

    found = set(zip(report_problems(built)["unit_id"], report_problems(built)["period"],
                    strict=True))
    assert found == {(e["unit_id"], e["period"]) for e in built.meta["planted_errors"]}


def test_people_are_counted_from_the_start_of_the_year(built: Dataset) -> None:
    # the year report counts everyone reached since 1/12, each once: never above the workers,
    # and mostly at least the six-month figure (below it only where workers fell under it)
    r = built.reports.set_index(["unit_id", "period"])
    h2 = r[r.index.get_level_values("period").str.endswith("H2")]
    h1_keys = [(u, p[:4] + "-H1") for u, p in h2.index]
    h1 = r["people_informed"].reindex(h1_keys).to_numpy()
    ytd = h2["people_informed"].to_numpy()
    known = ~np.isnan(h1.astype(float))
    assert (ytd <= h2["workers"].to_numpy()).sum() >= len(ytd) - 2  # planted rows aside
    assert (ytd[known] >= h1[known]).mean() > 0.97


def test_membership_flows_add_up_for_consecutive_reports(built: Dataset) -> None:
    r = built.reports.sort_values(["unit_id", "period"])
    previous = r.groupby("unit_id")["members"].shift()
    consecutive = r.groupby("unit_id")["period"].shift() == r["period"].map(
        lambda p: f"{p[:4]}-H1" if p.endswith("H2") else f"{int(p[:4]) - 1}-H2")
    ok = r[consecutive]
    expected = previous[consecutive] + ok["members_admitted"] - ok["members_left"]
    assert (ok["members"] == expected).all()


# ---------------------------------------------------------------- hierarchy
def test_links_point_to_parents_valid_on_the_link_dates(built: Dataset) -> None:
    links = built.links.merge(built.upper_unions, left_on="parent_id", right_on="upper_id",
                              how="left", suffixes=("", "_parent"), validate="many_to_one")
    assert links["upper_id"].notna().all()
    assert (links["valid_from"] >= links["valid_from_parent"]).all()
    bounded = links["valid_to_parent"].notna()
    assert links.loc[bounded, "valid_to"].notna().all()
    assert (links.loc[bounded, "valid_to"] <= links.loc[bounded, "valid_to_parent"]).all()
    federation = built.links[built.links["parent_id"] == "LDLD-GIALAM"]
    assert (federation["valid_to"] < REFORM).all()
    assert (built.links.loc[built.links["valid_to"].isna(), "valid_from"] >= REFORM).all()


def test_every_report_has_one_parent_at_its_cut_off(reports: pd.DataFrame,
                                                    built: Dataset) -> None:
    merged = reports[["unit_id", "period", "cut_off"]].merge(built.links, on="unit_id")
    in_force = merged[(merged["valid_from"] <= merged["cut_off"])
                      & (merged["valid_to"].isna() | (merged["valid_to"] >= merged["cut_off"]))]
    counts = in_force.groupby(["unit_id", "period"]).size()
    assert len(counts) == len(reports) and (counts == 1).all()


def test_areas_cover_every_commune_before_and_after_the_reform(built: Dataset) -> None:
    for day, expected in ((pd.Timestamp("2024-01-01"), {"LDLD-GIALAM"}),
                          (pd.Timestamp("2025-11-30"), {"CD-XA-GIALAM", "CD-XA-THUANAN",
                                                         "CD-XA-BATTRANG", "CD-XA-PHUDONG"})):
        areas = built.areas[(built.areas["valid_from"] <= day)
                            & (built.areas["valid_to"].isna() | (built.areas["valid_to"] >= day))]
        assert areas["commune_id"].is_unique and len(areas) == len(built.communes)
        assert set(areas["upper_id"]) == expected


# ---------------------------------------------------------------- reports
def test_no_report_before_founding_or_after_dissolution(reports: pd.DataFrame) -> None:
    assert (reports["founded"] <= reports["cut_off"]).all()
    dissolved = reports["dissolved"].notna()
    assert (reports.loc[dissolved, "dissolved"] >= reports.loc[dissolved, "cut_off"]).all()


def test_a_few_reports_are_missing(built: Dataset, reports: pd.DataFrame) -> None:
    expected = 0
    for period in built.reports["period"].unique():
        cut = pd.Timestamp(parse_period(period).cut_off)
        units = built.units
        expected += int(((units["founded"] <= cut)
                         & (units["dissolved"].isna() | (units["dissolved"] >= cut))).sum())
    assert 0.01 <= 1 - len(reports) / expected <= 0.06
    assert list(built.reports["period"].unique())[-1] == "2026-H1"
    assert not built.reports.duplicated(["unit_id", "period"]).any()


def test_ratings_only_in_the_year_report(reports: pd.DataFrame) -> None:
    h1 = reports["period"].str.endswith("H1")
    assert reports.loc[h1, "rating"].isna().all()
    values = set(load_elements().by_name()["rating"].values or ())
    assert set(reports["rating"].dropna()) <= values
    eligible = ~h1 & (reports["founded"] <= reports["cut_off"] - pd.DateOffset(months=12))
    assert reports.loc[eligible, "rating"].notna().all()


def test_collective_agreements_only_for_enterprises(reports: pd.DataFrame) -> None:
    hcsn = reports["sector"] == "HCSN"
    assert reports.loc[hcsn, ["cba_signed", "cba_grade"]].isna().all().all()
    assert reports.loc[~hcsn, "cba_signed"].isin([0, 1]).all()
    signed = reports["cba_signed"] == 1
    assert reports.loc[signed, "cba_grade"].isin(["A", "B", "C", "D"]).all()
    assert reports.loc[~signed, "cba_grade"].isna().all()
    assert reports[["womens_committee_eligible", "womens_committee"]].notna().all().all()


def test_booleans_are_zero_or_one(built: Dataset) -> None:
    for element in load_elements().elements:
        if element.kind == "bool" and element.name != "cba_signed":
            assert built.reports[element.name].isin([0, 1]).all(), element.name


def test_finance_budget_uses_the_dated_rates(built: Dataset) -> None:
    r = built.reports.merge(built.units[["unit_id", "budget_funded"]], on="unit_id")
    row = r[(r["period"] == "2025-H2") & (r["budget_funded"] == 0)].iloc[0]
    wage_fund, member_wages = int(row["wage_fund_vnd"]), int(row["member_wages_vnd"])
    # 1/6–30/11/2025: 30 days of June at 1%, 153 days from 1/7 at 0.5%
    by_hand = 0.02 * wage_fund + (30 * 0.01 + 153 * 0.005) / 183 * member_wages
    assert abs(row["finance_budget_vnd"] - by_hand) <= 1
    period = parse_period("2025-H2")
    assert row["finance_budget_vnd"] == round(
        finance_budget(wage_fund, member_wages, period.start, period.cut_off))
    sample = r.groupby(["period", "budget_funded"]).head(3)
    for _, rec in sample.iterrows():
        p = parse_period(rec["period"])
        assert rec["finance_budget_vnd"] == round(
            finance_budget(int(rec["wage_fund_vnd"]), int(rec["member_wages_vnd"]), p.start,
                           p.cut_off, budget_funded=bool(rec["budget_funded"])))


def test_a_handful_of_agencies_pay_no_dues_from_june_2025(built: Dataset) -> None:
    """The demo's budget-funded agencies: dues in their budget up to 31/5/2025, none after."""
    funded = built.units[built.units["budget_funded"] == 1]
    assert 5 <= len(funded) <= 15 and set(funded["sector"]) == {"HCSN"}
    r = built.reports.set_index(["unit_id", "period"])
    unit = funded["unit_id"].iloc[0]
    before, after = r.loc[(unit, "2025-H1")], r.loc[(unit, "2025-H2")]
    # 1/12/2024–31/5/2025: 2 % of the wage fund + 1 % of members' wages
    assert before["finance_budget_vnd"] == round(
        0.02 * before["wage_fund_vnd"] + 0.01 * before["member_wages_vnd"])
    assert before["member_wages_vnd"] > 0
    # 1/6–30/11/2025: the levy alone
    assert after["finance_budget_vnd"] == round(0.02 * after["wage_fund_vnd"])
    assert after["member_wages_vnd"] > 0


def test_finance_collected_near_budget(built: Dataset) -> None:
    r = built.reports
    ratio = r["finance_collected_vnd"] / r["finance_budget_vnd"]
    assert (ratio > 1).any() and (ratio < 1).any()
    assert 0.95 <= r["finance_collected_vnd"].sum() / r["finance_budget_vnd"].sum() <= 1.05


def test_some_reports_late_and_some_early(built: Dataset) -> None:
    due = built.reports["period"].map(lambda p: pd.Timestamp(due_date(parse_period(p))))
    late = (built.reports["submitted_on"] > due).mean()
    assert 0.03 <= late <= 0.15
    assert (built.reports["submitted_on"] < due - pd.Timedelta(days=7)).any()


def test_events_mostly_in_the_first_half(built: Dataset) -> None:
    held = built.reports.groupby(built.reports["period"].str[-2:])["dialogue_held"].sum()
    assert held["H1"] > 2 * held["H2"]


# ---------------------------------------------------------------- registries and records
def test_enterprises_of_unions_and_without(built: Dataset) -> None:
    ents, units = built.enterprises, built.units
    firms = units[units["sector"] != "HCSN"]
    assert firms["enterprise_id"].notna().all() and units.loc[
        units["sector"] == "HCSN", "enterprise_id"].isna().all()
    own = ents.dropna(subset=["unit_id"]).merge(units, on="unit_id", suffixes=("", "_unit"))
    assert len(own) == len(firms)
    assert (own["enterprise_id"] == own["enterprise_id_unit"]).all()
    assert (own["ownership"] == own["sector"]).all()
    assert (own["opened"] < own["founded"]).all()
    nonunion = ents[ents["unit_id"].isna()]
    assert 40 <= len(nonunion) <= 80
    assert (nonunion["workers"] >= 25).sum() >= 10


def test_upper_records_for_complete_years(built: Dataset) -> None:
    rec = built.upper_records
    federation = rec[rec["upper_id"] == "LDLD-GIALAM"]
    assert list(federation["year"]) == [2021, 2022, 2023, 2024]
    assert federation["rating"].isin(["xuat_sac", "tot"]).all()
    communes = rec[rec["upper_id"] != "LDLD-GIALAM"]
    assert set(communes["year"]) == {2025} and len(communes) == 4
    assert rec["audited"].isin([0, 1]).all() and rec["audited"].mean() >= 0.5
    assert (rec["nonunion_workers_reached"] > 0).all()


def test_activities_name_known_programmes(built: Dataset) -> None:
    act = built.activities
    programmes = {a.name for a in load_elements().activities}
    assert set(act["programme"]) == programmes
    assert row_keys(act) <= row_keys(built.reports)
    assert (act["events"] >= 1).all() and (act["participants"] >= act["events"]).all()
    assert act["support_vnd"].dtype.kind == "i" and (act["support_vnd"] >= 0).all()
    assert act["unit_id"].nunique() < len(built.units)


def test_all_text_is_nfc(built: Dataset) -> None:
    for table in TABLES:
        frame = built.table(table)
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                for value in frame[col].dropna().unique():
                    assert unicodedata.normalize("NFC", value) == value, (table, col, value)
    assert "Trường Mầm non Bát Tràng" in set(built.units["name"])


def test_scale_below_one_is_refused() -> None:
    with pytest.raises(ParameterError):
        build_demo(scale=0)


def test_build_takes_no_wall_clock_input() -> None:
    a, b = build_demo(last_period="2023-H2"), build_demo(last_period="2023-H2")
    assert a.reports["period"].max() == "2023-H2" and a.meta == b.meta
    assert np.array_equal(a.reports["members"].to_numpy(), b.reports["members"].to_numpy())
    assert dt.date(2023, 11, 30) == parse_period(a.reports["period"].max()).cut_off
