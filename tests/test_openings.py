"""congdoan.core.openings: opening balances stand in for stocks until a CĐCS's first report.

The tiny district's CĐCS, with opening balances entered when a commune union took them over
(cut-offs: 2025-H1 on 31/5/2025, 2025-H2 and 2025 on 30/11/2025, 2026-H1 on 31/5/2026):

    CĐCS  opening as of  members  workers  first report
    F     -              -        -        2025-H1 (50 members), 2025-H2 (52)
    A     1/7/2025       45       60       none
    B     1/7/2025       180      250      2026-H1
    C     1/7/2025       10       20       none   (entered again on 1/9/2025: 12 and 20)
    D     1/7/2025       ?        30       none   (members not known)
    E     1/7/2025       5        8        2024-H2 (reported before: reports alone count)
"""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import frame, tiny_dataset
from congdoan.core.dataset import Dataset
from congdoan.core.openings import OPENING_ELEMENTS, opening_stocks, with_openings
from congdoan.core.periods import parse_period

UNITS = [{"unit_id": u, "name": f"CĐCS {u}", "sector": "NNN", "commune_id": "C1",
          "founded": "2015-01-01"} for u in "ABCDEF"]


def _dataset() -> Dataset:
    ds = tiny_dataset(units=UNITS, reports=[
        {"unit_id": "B", "period": "2026-H1", "submitted_on": "2026-06-05", "members": 185},
        {"unit_id": "E", "period": "2024-H2", "submitted_on": "2024-12-05", "members": 4},
        {"unit_id": "F", "period": "2025-H1", "submitted_on": "2025-06-05", "members": 50},
        {"unit_id": "F", "period": "2025-H2", "submitted_on": "2025-12-05", "members": 52},
    ])
    ds.openings = frame("openings", [
        {"unit_id": "A", "as_of": "2025-07-01", "members": 45, "workers": 60},
        {"unit_id": "B", "as_of": "2025-07-01", "members": 180, "workers": 250},
        {"unit_id": "C", "as_of": "2025-07-01", "members": 10, "workers": 20},
        {"unit_id": "C", "as_of": "2025-09-01", "members": 12, "workers": 20},
        {"unit_id": "D", "as_of": "2025-07-01", "members": "?", "workers": 30},
        {"unit_id": "E", "as_of": "2025-07-01", "members": 5, "workers": 8},
    ])
    return ds


def test_the_opening_elements_are_the_members_and_workers() -> None:
    assert OPENING_ELEMENTS == ("members", "workers")


def test_an_opening_balance_stands_in_until_the_first_report() -> None:
    out = opening_stocks(_dataset(), parse_period("2025-H2"))
    # B's first report (2026-H1) lies after 2025-H2: its opening balance still stands; E has
    # reported before, so its opening balance never stands in
    assert sorted(out.index) == ["A", "B", "C", "D"]
    assert list(out.columns) == ["as_of", "members", "workers"]
    assert (out.loc["A", "members"], out.loc["A", "workers"]) == (45, 60)
    assert (out.loc["B", "members"], out.loc["B", "workers"]) == (180, 250)


def test_the_latest_entry_of_a_cdcs_counts_and_an_unknown_figure_is_missing() -> None:
    out = opening_stocks(_dataset(), parse_period("2025-H2"))
    assert out.loc["C", "members"] == 12
    assert str(out.loc["C", "as_of"])[:10] == "2025-09-01"
    assert pd.isna(out.loc["D", "members"]) and out.loc["D", "workers"] == 30


def test_a_balance_dated_after_the_cut_off_does_not_count() -> None:
    # 2025-H1 ends on 31/5/2025, before every balance
    assert opening_stocks(_dataset(), parse_period("2025-H1")).empty
    # the year ends on 30/11/2025: the same four as its second half
    assert sorted(opening_stocks(_dataset(), parse_period("2025")).index) == ["A", "B", "C", "D"]


def test_from_its_first_report_on_reports_alone_count() -> None:
    assert sorted(opening_stocks(_dataset(), parse_period("2026-H1")).index) == ["A", "C", "D"]
    # the year 2026 holds 2026-H1 as well
    assert "B" not in opening_stocks(_dataset(), parse_period("2026")).index


def test_opening_stocks_are_computed_once_per_dataset_and_period() -> None:
    ds = _dataset()
    period = parse_period("2025-H2")
    first = opening_stocks(ds, period)
    assert opening_stocks(ds, period) is first
    # a table replaced is never served a stale result
    ds.openings = ds.openings[ds.openings["unit_id"] != "A"]
    assert "A" not in opening_stocks(ds, period).index


def test_with_openings_replaces_the_stocks_of_those_cdcs_only() -> None:
    units = pd.DataFrame({"unit_id": ["A", "D", "X"], "members": [None, None, 7],
                          "workers": [None, 3, 9], "sector": ["NNN"] * 3})
    openings = opening_stocks(_dataset(), parse_period("2025-H2"))
    out = with_openings(units, openings)
    assert list(out["opening"]) == [True, True, False]
    assert out.loc[0, "members"] == 45 and out.loc[0, "workers"] == 60
    # D's members are not known in its balance: they stay missing, its workers come from it
    assert pd.isna(out.loc[1, "members"]) and out.loc[1, "workers"] == 30
    # X has no balance: its own figures stay
    assert (out.loc[2, "members"], out.loc[2, "workers"]) == (7, 9)
    assert list(out["sector"]) == ["NNN"] * 3
    # the frame given is left as it was
    assert "opening" not in units.columns and pd.isna(units.loc[0, "members"])


def test_without_openings_nothing_changes_but_the_flag() -> None:
    units = pd.DataFrame({"unit_id": ["A"], "members": [5], "workers": [6]})
    none = opening_stocks(_dataset(), parse_period("2025-H1"))
    out = with_openings(units, none)
    assert out["opening"].tolist() == [False]
    assert out[["members", "workers"]].to_numpy().tolist() == [[5, 6]]


@pytest.mark.parametrize("period", ["2025-H2", "2025"])
def test_the_engine_counts_a_cdcs_by_its_opening_balance(period: str) -> None:
    from congdoan.core.indicators import compute_indicators

    # members at 30/11/2025: A 45, B 180, C 12 by their balances (none has reported), F 52 by
    # its report, E 4 by its last report carried forward (not its balance, 5); the
    # organisation sums them (D unknown)
    out = compute_indicators(_dataset(), period, levels=["cdcs", "organisation"],
                             indicator_ids=["total_members"])
    cdcs = out[out["level"] == "cdcs"].set_index("unit_id")["value"]
    assert (cdcs["A"], cdcs["B"], cdcs["C"], cdcs["F"]) == (45, 180, 12, 52)
    assert cdcs["E"] == 4 and pd.isna(cdcs["D"])
    assert out.loc[out["level"] == "organisation", "value"].item() == 45 + 180 + 12 + 52 + 4
