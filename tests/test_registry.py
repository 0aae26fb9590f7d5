"""Dated hierarchy: who exists and who is whose parent, when."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import tiny_dataset
from congdoan.core.registry import (
    active_units,
    area_upper_at,
    data_start,
    enterprises_at,
    unit_subtree,
    units_in_period,
    upper_unions_at,
)
from congdoan.exceptions import DataError


def test_parent_follows_the_link_in_force_at_the_cut_off() -> None:
    ds = tiny_dataset()
    before = units_in_period(ds.units, ds.links, dt.date(2025, 6, 30)).set_index("unit_id")
    after = units_in_period(ds.units, ds.links, dt.date(2025, 7, 1)).set_index("unit_id")
    assert set(before["parent_id"]) == {"FED"}
    assert set(after["parent_id"]) == {"XA"}
    assert unit_subtree(ds.links, "XA", dt.date(2025, 11, 30)) == ["A", "B", "C"]
    assert unit_subtree(ds.links, "FED", dt.date(2025, 11, 30)) == []


def test_founding_and_dissolution_bound_activity() -> None:
    units = [
        {"unit_id": "OLD", "name": "Cũ", "sector": "NNN", "commune_id": "C1",
         "founded": "2010-01-01", "dissolved": "2023-03-31"},
        {"unit_id": "NEW", "name": "Mới", "sector": "NNN", "commune_id": "C1",
         "founded": "2023-08-15"},
    ]
    ds = tiny_dataset(units=units)
    assert list(active_units(ds.units, dt.date(2023, 3, 31))["unit_id"]) == ["OLD"]
    assert list(active_units(ds.units, dt.date(2023, 4, 1))["unit_id"]) == []
    assert list(active_units(ds.units, dt.date(2023, 11, 30))["unit_id"]) == ["NEW"]


def test_upper_unions_and_areas_change_on_1_july_2025() -> None:
    ds = tiny_dataset()
    assert list(upper_unions_at(ds.upper_unions, dt.date(2025, 5, 31))["upper_id"]) == ["FED"]
    assert list(upper_unions_at(ds.upper_unions, dt.date(2025, 11, 30))["upper_id"]) == ["XA"]
    assert area_upper_at(ds.areas, dt.date(2025, 11, 30)).to_dict() == {"C1": "XA", "C2": "XA"}


def test_enterprise_is_unionised_only_while_its_cdcs_is_active() -> None:
    units = [{"unit_id": "B", "name": "B", "sector": "NNN", "commune_id": "C1",
              "founded": "2024-02-01"}]
    ents = [{"enterprise_id": "E", "name": "E", "commune_id": "C1", "ownership": "NNN",
             "workers": 50, "opened": "2020-01-01", "unit_id": "B"}]
    ds = tiny_dataset(units=units, enterprises=ents)
    assert enterprises_at(ds.enterprises, ds.units, dt.date(2023, 11, 30))["unionised"].iloc[0] == 0
    assert enterprises_at(ds.enterprises, ds.units, dt.date(2024, 11, 30))["unionised"].iloc[0] == 1


def test_a_unit_without_a_parent_link_is_a_located_error() -> None:
    ds = tiny_dataset()
    links = ds.links[ds.links["unit_id"] != "C"]
    with pytest.raises(DataError) as err:
        units_in_period(ds.units, links, pd.Timestamp("2024-11-30"))
    assert "C" in str(err.value) and "links.csv" in str(err.value)


def test_a_unit_taken_over_later_is_in_the_data_from_its_first_link() -> None:
    # C was founded in 2015 but is only in this registry from 1/7/2025 (a commune union's list)
    ds = tiny_dataset()
    links = ds.links[(ds.links["unit_id"] != "C") | (ds.links["parent_id"] == "XA")]
    assert data_start(ds.units, links).tolist() == [pd.Timestamp("2015-01-01")] * 2 + [
        pd.Timestamp("2025-07-01")]
    before = units_in_period(ds.units, links, dt.date(2025, 5, 31))
    assert before["unit_id"].tolist() == ["A", "B"]  # not an error: C is not in the data yet
    after = units_in_period(ds.units, links, dt.date(2025, 11, 30))
    assert after.set_index("unit_id")["since"].astype(str).to_dict() == {
        "A": "2015-01-01", "B": "2015-01-01", "C": "2025-07-01"}
