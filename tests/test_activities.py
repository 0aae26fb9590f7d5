"""Section III activities: a period's figures per CĐCS and programme, totals per programme."""

from __future__ import annotations

import pandas as pd

from conftest import frame, tiny_dataset
from congdoan.core.activities import (
    activities_wide,
    activity_fields,
    activity_totals,
    period_activities,
)
from congdoan.core.dataset import Dataset
from congdoan.core.plan import load_elements


def _dataset() -> Dataset:
    ds = tiny_dataset()
    ds.activities = frame("activities", [
        {"unit_id": "A", "period": "2023-H1", "programme": "tet_sum_vay", "events": 1,
         "participants": 10, "support_vnd": 5_000_000},
        {"unit_id": "A", "period": "2023-H2", "programme": "tet_sum_vay", "events": 2,
         "participants": 15, "support_vnd": 3_000_000},
        {"unit_id": "A", "period": "2023-H2", "programme": "thang_cong_nhan", "events": 1,
         "participants": 20, "support_vnd": 0},
        {"unit_id": "B", "period": "2023-H2", "programme": "tet_sum_vay", "events": 1,
         "participants": 30, "support_vnd": 1_000_000},
        {"unit_id": "C", "period": "2022-H2", "programme": "tet_sum_vay", "events": 9,
         "participants": 90, "support_vnd": 9_000_000},  # another year: never counted
    ])
    return ds


def test_a_periods_activities_sum_its_half_years_per_union_and_programme() -> None:
    rows = period_activities(_dataset(), "2023")
    got = rows.set_index(["unit_id", "programme"])[["events", "participants", "support_vnd"]]
    assert got.to_dict("index") == {
        ("A", "tet_sum_vay"): {"events": 3, "participants": 25, "support_vnd": 8_000_000},
        ("A", "thang_cong_nhan"): {"events": 1, "participants": 20, "support_vnd": 0},
        ("B", "tet_sum_vay"): {"events": 1, "participants": 30, "support_vnd": 1_000_000},
    }
    assert set(rows["parent_id"]) == {"FED"} and rows.iloc[0]["sector"] == "HCSN"
    half = period_activities(_dataset(), "2023-H1")
    assert half[["unit_id", "events"]].values.tolist() == [["A", 1]]


def test_totals_list_every_programme_with_the_unions_that_ran_it() -> None:
    rows = period_activities(_dataset(), "2023")
    totals = activity_totals(rows)
    assert list(totals["programme"]) == [a.name for a in load_elements().activities]
    tet = totals.set_index("programme").loc["tet_sum_vay"]
    assert (tet["units"], tet["events"], tet["participants"], tet["support_vnd"]) == (
        2, 4, 55, 9_000_000)
    assert tet["label"] == "Tết Sum vầy" and tet["clause"] == "III.4.5"
    assert totals.set_index("programme").loc["thi_tho_gioi", "events"] == 0
    by_sector = activity_totals(rows, by="sector").set_index(["sector", "programme"])
    assert by_sector.loc[("NNN", "tet_sum_vay"), "participants"] == 30
    assert by_sector.loc[("HCSN", "tet_sum_vay"), "participants"] == 25
    assert len(by_sector) == 2 * len(load_elements().activities)
    assert activity_totals(rows, lang="en").iloc[0]["label"] == "Tet reunion"


def test_fields_and_wide_layout_of_the_forms() -> None:
    fields = activity_fields()
    assert len(fields) == 3 * len(load_elements().activities)
    support = fields["tet_sum_vay.support_vnd"]
    assert (support.kind, support.label_vi) == ("vnd", "Tết Sum vầy: kinh phí hỗ trợ (đồng)")
    wide = activities_wide(_dataset().activities)
    row = wide[(wide["unit_id"] == "A") & (wide["period"] == "2023-H2")].iloc[0]
    assert (row["tet_sum_vay.events"], row["thang_cong_nhan.participants"]) == (2, 20)
    assert pd.isna(wide[wide["unit_id"] == "B"].iloc[0]["thang_cong_nhan.events"])
