"""Populations: which rows count for an indicator, with numerator and denominator, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conftest import tiny_dataset
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_register
from congdoan.core.populations import ROW_COLUMNS, population_rows

FRAME = pd.DataFrame({
    "unit_id": ["A", "B", "C", "D"], "unit_name": ["Trường A", "Cty B", "Cty C", "Cty D"],
    "sector": ["HCSN", "NNN", "NNN", "DNNN"], "commune_id": ["C1", "C1", "C2", "C2"],
    "parent_id": ["XA"] * 4, "units": [1.0] * 4,
    "dialogue_held": [1.0, 1.0, np.nan, 0.0],  # C did not report it
    "members_upskilled": [5.0, 12.0, 3.0, 40.0], "members": [20.0, 30.0, 10.0, 50.0],
})


def _rows(*ids: str) -> pd.DataFrame:
    register = load_register()
    indicators = [(code, register.get(ind)) for code, ind in enumerate(ids)]
    return population_rows(tiny_dataset(), parse_period("2025"), FRAME, indicators)


def test_a_sector_population_takes_its_sector_and_leaves_no_data_as_no_data() -> None:
    rows = _rows("dialogue_nnn", "dialogue_dnnn")
    assert list(rows.columns) == list(ROW_COLUMNS)
    nnn = rows[rows["ind"] == 0].set_index("unit_id")
    assert list(nnn.index) == ["B", "C"]
    assert nnn.loc["B", ["num", "den"]].tolist() == [1.0, 1.0]
    assert nnn.loc["C", ["num", "den"]].isna().all()  # num and den are NaN together
    dnnn = rows[rows["ind"] == 1]
    assert dnnn[["unit_id", "num", "den"]].values.tolist() == [["D", 0.0, 1.0]]
    assert rows["unit_row"].all()


def test_enterprise_population_is_state_and_non_state_firms_with_their_own_denominator() -> None:
    rows = _rows("members_upskilled").set_index("unit_id")
    assert sorted(rows.index) == ["B", "C", "D"]  # DNNN + NNN, not the school A
    assert rows["num"].sum() == 55.0 and rows["den"].sum() == 90.0  # 55 of 90 members: 61 %


def test_the_district_federations_own_rating_is_a_registry_row() -> None:
    dataset = tiny_dataset(upper_records=[{"upper_id": "FED", "year": 2025, "rating": "tot"},
                                          {"upper_id": "XA", "year": 2025, "rating": "kem"}])
    ind = load_register().get("district_rating")
    rows = population_rows(dataset, parse_period("2025-H1"), FRAME, [(7, ind)])
    assert rows[["ind", "unit_id", "num", "den", "unit_row"]].values.tolist() == [
        [7, "FED", 1.0, 1.0, False]]  # "tốt": rated well; at 31/5/2025 FED is in force
