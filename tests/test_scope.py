"""congdoan.explore.scope on hand-made rows of one period: what can be chosen, what is kept.

The period 2025-H2 of one indicator: the commune union XA holds CĐCS A, B and D, the trade
union of the textile branch DN holds C, and the education union GD has a row of its own but no
CĐCS (an indicator about upper unions). The former district federation FED is gone.

    CĐCS  name             upper  sector  commune
    A     Ăn uống A        XA     HCSN    C1 (Xã Một)
    B     Bưu điện B       XA     NNN     C1
    C     Đóng tàu C       DN     NNN     C2 (Xã Hai)
    D     Dệt may D        XA     NNN     C2

Vietnamese order puts Ă after A and Đ after D (A, B, D, C); code points would not
(B, D, A, C).
"""

from __future__ import annotations

import pandas as pd
import pytest

from congdoan.explore.scope import Notice, ScopeOptions, keep_scope, scope_options
from congdoan.explore.views import Selection

PERIOD = "2025-H2"
LABEL = "6 tháng cuối năm 2025"

NAMES = {
    "A": "Ăn uống A", "B": "Bưu điện B", "C": "Đóng tàu C", "D": "Dệt may D",
    "XA": "Công đoàn xã Tí Hon", "DN": "Công đoàn ngành Dệt", "GD": "Công đoàn Giáo dục",
    "FED": "LĐLĐ huyện Tí Hon", "C1": "Xã Một", "C2": "Xã Hai",
}

CDCS = {"A": ("XA", "HCSN", "C1"), "B": ("XA", "NNN", "C1"), "C": ("DN", "NNN", "C2"),
        "D": ("XA", "NNN", "C2")}


def _rows() -> pd.DataFrame:
    cdcs: list[dict[str, str | None]] = [
        {"level": "cdcs", "unit_id": u, "parent_id": p, "sector": s, "commune_id": c}
        for u, (p, s, c) in CDCS.items()]
    own = [{"level": "upper_union", "unit_id": u, "parent_id": None, "sector": None,
            "commune_id": None} for u in ("XA", "GD")]
    return pd.DataFrame(cdcs + own).assign(indicator_id="probe", period=PERIOD)


ROWS = _rows()


def _selection(upper_union: str | None = None, sector: str | None = None,
               commune: str | None = None, unit: str | None = None) -> Selection:
    return Selection(indicator_id="probe", period=PERIOD, upper_union=upper_union,
                     sector=sector, commune=commune, unit=unit)


# ---------------------------------------------------------------- scope_options
def test_everything_is_offered_in_vietnamese_order_without_a_choice() -> None:
    options = scope_options(ROWS, _selection(), NAMES)
    assert options == ScopeOptions(
        upper_unions=["GD", "DN", "XA"],  # Công đoàn Giáo …, ngành …, xã … (g < n < x)
        sectors=["HCSN", "NNN"],          # in the order of SECTORS; no DNNN CĐCS
        communes=["C2", "C1"],            # Xã Hai before Xã Một
        units=["A", "B", "D", "C"],       # Ăn, Bưu, Dệt, Đóng
    )


def test_an_upper_union_without_cdcs_is_offered_only_by_its_own_row() -> None:
    without_own_rows = ROWS[ROWS["level"] == "cdcs"]
    assert scope_options(without_own_rows, _selection(), NAMES).upper_unions == ["DN", "XA"]


@pytest.mark.parametrize(("scope", "sectors", "communes", "units"), [
    # inside DN: only C
    ({"upper_union": "DN"}, ["NNN"], ["C2"], ["C"]),
    # inside XA, non-state: sectors are offered within XA alone (A is HCSN), communes and CĐCS
    # within XA and NNN
    ({"upper_union": "XA", "sector": "NNN"}, ["HCSN", "NNN"], ["C2", "C1"], ["B", "D"]),
    # commune C2, whatever the upper union: D (XA) and C (DN)
    ({"commune": "C2"}, ["HCSN", "NNN"], ["C2", "C1"], ["D", "C"]),
    # HCSN: commune C1 only, CĐCS A
    ({"sector": "HCSN"}, ["HCSN", "NNN"], ["C1"], ["A"]),
])
def test_each_level_is_offered_within_the_choices_above_it(scope: dict[str, str],
                                                           sectors: list[str],
                                                           communes: list[str],
                                                           units: list[str]) -> None:
    options = scope_options(ROWS, _selection(**scope), NAMES)
    assert (options.sectors, options.communes, options.units) == (sectors, communes, units)
    # the upper unions are always all of them
    assert options.upper_unions == ["GD", "DN", "XA"]


# ---------------------------------------------------------------- keep_scope
def test_a_scope_that_exists_is_kept_whole_without_notice() -> None:
    wanted = _selection(upper_union="XA", sector="NNN", commune="C2", unit="D")
    assert keep_scope(wanted, ROWS, NAMES) == (wanted, [])
    fields = _selection(upper_union="XA", sector="NNN", commune="C1")
    assert keep_scope(fields, ROWS, NAMES) == (fields, [])


def test_a_cdcs_absent_from_the_period_is_cleared_and_the_rest_kept() -> None:
    kept, notices = keep_scope(_selection(upper_union="XA", unit="Z"), ROWS, NAMES)
    assert kept == _selection(upper_union="XA")
    assert len(notices) == 1
    assert notices[0].vi.startswith(f"Z không có trong kỳ {LABEL} (chưa thành lập")
    assert notices[0].en.startswith(f"Z is not in {PERIOD}")


def test_a_cdcs_that_moved_keeps_its_place_and_its_new_upper_union_follows() -> None:
    # A chosen under the federation before 1/7/2025: in 2025-H2 it belongs to XA
    kept, notices = keep_scope(_selection(upper_union="FED", unit="A"), ROWS, NAMES)
    assert kept == _selection(upper_union="XA", unit="A")
    assert notices == [Notice(
        f"Trong kỳ {LABEL}, Ăn uống A thuộc Công đoàn xã Tí Hon (không phải LĐLĐ huyện Tí Hon): "
        "đã chuyển công đoàn cấp trên sang Công đoàn xã Tí Hon.",
        f"In {PERIOD} this CĐCS belongs to Công đoàn xã Tí Hon, not LĐLĐ huyện Tí Hon: the "
        "upper union follows it.")]


def test_every_differing_field_follows_the_cdcs() -> None:
    kept, notices = keep_scope(_selection(upper_union="DN", sector="HCSN", commune="C1",
                                          unit="D"), ROWS, NAMES)
    assert kept == _selection(upper_union="XA", sector="NNN", commune="C2", unit="D")
    assert len(notices) == 3


def test_a_kept_cdcs_settles_the_scope_without_asking_for_options() -> None:
    def never(probe: Selection) -> ScopeOptions:
        raise AssertionError(f"options asked for {probe}")

    wanted = _selection(upper_union="FED", unit="A")
    assert keep_scope(wanted, ROWS, NAMES, options=never)[0] == _selection(upper_union="XA",
                                                                           unit="A")


def test_without_following_a_cdcs_outside_the_chosen_fields_is_cleared() -> None:
    # the analyst has just chosen DN: D (of XA) is cleared, DN stays
    kept, notices = keep_scope(_selection(upper_union="DN", unit="D"), ROWS, NAMES,
                               follow_unit=False)
    assert kept == _selection(upper_union="DN")
    assert notices == [Notice(
        f"Dệt may D không thuộc Công đoàn ngành Dệt trong kỳ {LABEL}: đã bỏ chọn CĐCS.",
        f"D is not in Công đoàn ngành Dệt in {PERIOD}: CĐCS cleared.")]


def test_an_upper_union_gone_is_cleared_and_the_fields_below_checked_without_it() -> None:
    # FED no longer exists; NNN and C2 exist in the whole organisation
    kept, notices = keep_scope(_selection(upper_union="FED", sector="NNN", commune="C2"),
                               ROWS, NAMES)
    assert kept == _selection(sector="NNN", commune="C2")
    assert [n.vi for n in notices] == [
        f"LĐLĐ huyện Tí Hon không có trong kỳ {LABEL} với phạm vi đã chọn: đã chọn tất cả "
        "(công đoàn cấp trên)."]
    assert notices[0].en == (f"FED is not in {PERIOD} within the chosen scope: all "
                             "(upper union).")


def test_a_field_is_checked_within_the_fields_kept_before_it() -> None:
    # DN holds only NNN CĐCS in C2: HCSN goes, then C1 goes (checked within DN, not HCSN)
    kept, notices = keep_scope(_selection(upper_union="DN", sector="HCSN", commune="C1"),
                               ROWS, NAMES)
    assert kept == _selection(upper_union="DN")
    assert [n.en.rsplit("(", 1)[1] for n in notices] == ["sector).", "commune)."]
    # C1 exists within XA: kept with it
    assert keep_scope(_selection(upper_union="XA", commune="C1"), ROWS, NAMES)[1] == []


def test_options_given_by_the_caller_are_the_ones_used() -> None:
    asked: list[Selection] = []

    def remembered(probe: Selection) -> ScopeOptions:
        asked.append(probe)
        return ScopeOptions(upper_unions=["DN"], sectors=[], communes=[], units=[])

    wanted = _selection(upper_union="XA", sector="NNN")
    kept, _ = keep_scope(wanted, ROWS, NAMES, options=remembered)
    # XA is not among the options given: cleared; then NNN is looked for within no upper
    # union, and is not among them either
    assert kept == _selection()
    assert asked == [_selection(), _selection()]
