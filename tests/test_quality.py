"""Data quality on the tiny district; every expected number is worked out here.

Periods (params/periods.yaml): 2023-H1 ends 31/5/2023, due 10/6/2023; 2023-H2 ends 30/11/2023,
due 10/12/2023. Units A (C1), B (C1), C (C2); D (C2) founded 1/7/2023, so it owes only 2023-H2.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import tiny_dataset
from congdoan.exceptions import DataError
from congdoan.explore.quality import (
    completeness_by_commune,
    completeness_heatmap,
    find_store_dir,
    intake_available,
    missing_reports,
    outliers,
    quarantined_files,
    report_status,
    validation_failures,
)

UNITS = [
    {"unit_id": "A", "name": "Trường Mầm non A", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "B", "name": "Công ty TNHH B", "sector": "NNN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "C", "name": "Công ty CP C", "sector": "NNN", "commune_id": "C2",
     "founded": "2015-01-01"},
    {"unit_id": "D", "name": "=Công ty D", "sector": "NNN", "commune_id": "C2",
     "founded": "2023-07-01"},
]


def _dataset():  # type: ignore[no-untyped-def]
    reports = [
        {"unit_id": "A", "period": "2023-H1", "submitted_on": "2023-06-10"},  # on the due day
        {"unit_id": "B", "period": "2023-H1", "submitted_on": "2023-06-15"},  # 5 days late
        # C sends nothing for 2023-H1
        {"unit_id": "A", "period": "2023-H2", "submitted_on": "2023-12-01"},
        {"unit_id": "B", "period": "2023-H2", "submitted_on": "2023-12-01"},
        {"unit_id": "C", "period": "2023-H2", "submitted_on": "2023-12-20"},  # 10 days late
        # D (new) sends nothing for 2023-H2
    ]
    return tiny_dataset(units=UNITS, reports=reports)


def test_report_status_on_time_late_missing() -> None:
    status = report_status(_dataset()).set_index(["unit_id", "period"])
    assert status.loc[("A", "2023-H1"), "status"] == "on_time"
    assert status.loc[("B", "2023-H1"), "status"] == "late"
    assert status.loc[("B", "2023-H1"), "days_late"] == 5
    assert status.loc[("C", "2023-H1"), "status"] == "missing"
    assert pd.isna(status.loc[("C", "2023-H1"), "days_late"])
    assert status.loc[("C", "2023-H2"), "days_late"] == 10
    assert status.loc[("D", "2023-H2"), "status"] == "missing"
    assert ("D", "2023-H1") not in status.index      # not founded at 31/5/2023
    assert len(status) == 7
    assert status.loc[("A", "2023-H1"), "parent_id"] == "FED"


def test_completeness_by_commune_and_district() -> None:
    table = completeness_by_commune(_dataset()).set_index(["period", "commune_id"])
    c1 = table.loc[("2023-H1", "C1")]
    assert (c1["expected"], c1["received"], c1["on_time"], c1["late"], c1["missing"]) == \
        (2, 2, 1, 1, 0)
    assert c1["on_time_share"] == 0.5 and c1["median_days_late"] == 5
    c2 = table.loc[("2023-H2", "C2")]                 # C late by 10 days, D missing
    assert (c2["expected"], c2["received"], c2["late"], c2["missing"]) == (2, 1, 1, 1)
    assert c2["commune_name"] == "Xã Hai"
    district = table.loc[("2023-H1", "TINY")]
    assert district["level"] == "organisation"
    assert (district["expected"], district["received"], district["on_time"]) == (3, 2, 1)
    assert district["received_share"] == pytest.approx(2 / 3)
    year = completeness_by_commune(_dataset(), periods=["2023"])
    assert set(year["period"]) == {"2023-H1", "2023-H2"}


def test_missing_reports_per_period() -> None:
    ds = _dataset()
    half = missing_reports(ds, "2023-H1")
    assert list(half["unit_id"]) == ["C"] and half.iloc[0]["missing_periods"] == "2023-H1"
    year = missing_reports(ds, "2023")
    assert list(year["unit_id"]) == ["D", "C"]   # commune C2, by name: "=Công ty D" < "Công ty CP C"
    assert dict(zip(year["unit_id"], year["missing_periods"], strict=True)) == {
        "C": "2023-H1", "D": "2023-H2"}
    assert missing_reports(ds, "2023-H2").shape[0] == 1


def test_outliers_against_the_units_own_history() -> None:
    # A reports 20 workers for five halves, then 200: median 20, MAD 0 → mean absolute deviation
    # (6 values: 0,0,0,0,0,180 → 30) → z = 180 / (1.253314 × 30) = 4.787 > 3.5.
    # B moves 50, 52, 49, 51, 50, 53: median 50.5, MAD 1 → the largest |z| is 0.6745 × 2.5 = 1.69.
    periods = ["2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1", "2023-H2"]
    reports = [{"unit_id": "A", "period": p, "submitted_on": "2023-06-01", "workers": w}
               for p, w in zip(periods, [20, 20, 20, 20, 20, 200], strict=True)]
    reports += [{"unit_id": "B", "period": p, "submitted_on": "2023-06-01", "workers": w}
                for p, w in zip(periods, [50, 52, 49, 51, 50, 53], strict=True)]
    ds = tiny_dataset(units=UNITS[:3], reports=reports)
    found = outliers(ds, elements=["workers"])
    assert len(found) == 1
    row = found.iloc[0]
    assert (row["unit_id"], row["period"], row["value"], row["median"]) == ("A", "2023-H2", 200, 20)
    assert row["z"] == pytest.approx(180 / (1.253314 * 30))
    assert row["label_vi"].startswith("Tổng số công nhân")
    # with fewer than min_reports values nobody is judged
    assert outliers(ds, elements=["workers"], min_reports=7).empty
    with pytest.raises(DataError, match="rating"):
        outliers(ds, elements=["rating"])


def test_heatmap_has_one_row_per_commune() -> None:
    figure = completeness_heatmap(completeness_by_commune(_dataset()))
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Xã Hai", "Xã Một"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023-H1", "2023-H2"]
    assert "50%" in [t.get_text() for t in ax.texts]      # C1 on time in 2023-H1


def test_intake_tables_are_empty_without_a_store(tmp_path: Path) -> None:
    assert quarantined_files(None).empty
    assert validation_failures(None).empty
    assert find_store_dir(str(tmp_path)) is None     # no store/ folder there


@pytest.mark.skipif(not intake_available(), reason="intake modules (congdoan.intake.ingest) absent")
def test_intake_quarantine_and_failures_are_read(tmp_path: Path) -> None:
    from congdoan.intake import ingest

    # a rejected file: a CSV that lacks most report columns and has text in a number cell
    demo = tiny_dataset(units=UNITS[:3])
    from congdoan.core.dataset import write_dataset

    folder = tmp_path / "data"
    write_dataset(demo, folder)
    url = f"sqlite:///{tmp_path / 'cd.sqlite'}"
    from congdoan.core import store

    store.seed_registry(demo, url)
    bad = tmp_path / "bad.csv"
    bad.write_text("unit_id,period,submitted_on,workers\nA,2023-H1,2023-06-01,hai mươi\n",
                   encoding="utf-8")
    results = ingest.ingest([bad], url=url, store_dir=tmp_path / "store")
    assert [r.status for r in results] == ["rejected"]
    quarantined = quarantined_files(tmp_path / "store")
    assert len(quarantined) == 1
    failures = validation_failures(tmp_path / "store")
    assert len(failures) >= 1 and (failures["status"] == "rejected").all()
    assert (failures["severity"] == "error").any()
    assert failures["message_vi"].notna().all()
    assert failures["report"].iloc[0].endswith("bad.csv.loi.csv")


# ----------------------------------------------------------------------------- the report
def test_heatmap_colour_scale_follows_the_data() -> None:
    from congdoan.explore.quality import colour_range

    # 20 communes between 85 % and 100 %: the scale starts at 85 %, not 0 %
    shares = [0.85 + 0.15 * i / 19 for i in range(20)]
    assert colour_range(shares) == pytest.approx((0.85, 1.0))
    # one commune far below: it takes the first colour, the scale still starts near the rest
    assert colour_range([0.2] + [0.9] * 39) == pytest.approx((0.9, 1.0))
    assert colour_range([]) == (0.0, 1.0)
    figure = completeness_heatmap(completeness_by_commune(_dataset()))
    assert "(thang màu 0%–100%)" in figure.axes[0].get_title(loc="left")   # C2: 0 % on time


def test_completeness_table_in_vietnamese() -> None:
    from congdoan.explore.quality_view import format_completeness

    table = completeness_by_commune(_dataset())
    shown = format_completeness(table[table["period"] == "2023-H1"])
    assert list(shown.columns) == ["Kỳ", "Xã, phường", "Phải nộp", "Đã nộp", "Đúng hạn",
                                   "Nộp muộn", "Chưa nộp", "Tỷ lệ đã nộp", "Tỷ lệ đúng hạn",
                                   "Số ngày muộn (trung vị)"]
    # communes by name (Xã Hai before Xã Một), then the district's own row
    assert list(shown["Xã, phường"]) == ["Xã Hai", "Xã Một", "Cộng: Huyện Tí Hon"]
    one = shown.iloc[1]                            # C1: A on time, B 5 days late
    assert (one["Phải nộp"], one["Đúng hạn"], one["Tỷ lệ đúng hạn"]) == ("2", "1", "50%")
    assert one["Số ngày muộn (trung vị)"] == "5"
    district = shown.iloc[2]                       # 2 of 3 received
    assert district["Tỷ lệ đã nộp"] == "66,7%"


def test_missing_and_outliers_in_vietnamese() -> None:
    from congdoan.core.dataset import Dataset
    from congdoan.explore.quality_view import format_missing, format_outliers
    from congdoan.explore.views import name_lookup

    ds: Dataset = _dataset()
    shown = format_missing(missing_reports(ds, "2023"), name_lookup(ds))
    assert list(shown.columns) == ["Mã CĐCS", "Tên CĐCS", "Khu vực", "Xã, phường",
                                   "Công đoàn cấp trên", "Kỳ chưa nộp"]
    assert list(shown["Tên CĐCS"]) == ["=Công ty D", "Công ty CP C"]
    assert set(shown["Khu vực"]) == {"Doanh nghiệp ngoài nhà nước"}
    assert set(shown["Xã, phường"]) == {"Xã Hai"}
    assert set(shown["Công đoàn cấp trên"]) == {"LĐLĐ huyện Tí Hon"}
    found = pd.DataFrame({"unit_id": ["A", "B"], "unit_name": ["a", "b"],
                          "period": ["2023-H1", "2023-H2"],
                          "element": ["finance_collected_vnd", "workers"],
                          "label_vi": ["Thu", "Công nhân"], "value": [1_502_157_000.0, 200.0],
                          "median": [1_046_319_000.0, 20.0], "z": [4.78712, -3.6]})
    words = format_outliers(found)
    assert list(words["Giá trị báo cáo"]) == ["1.502.157.000 đồng", "200"]
    assert list(words["Trung vị của CĐCS"]) == ["1.046.319.000 đồng", "20"]
    assert list(words["Độ lệch (z cải tiến)"]) == ["4,8", "-3,6"]


def test_quality_view_follows_its_controls() -> None:
    from congdoan.explore.quality_view import QualityView

    view = QualityView(_dataset(), period="2023-H1")
    assert [v for _l, v in view.upper.options] == ["", "FED"]
    assert "phải nộp 3 báo cáo, đã nộp 2 (66,7%)" in view.summary.value
    assert "Công ty CP C" in view.missing.value          # C owes 2023-H1
    view.period.value = "2023-H2"
    assert "phải nộp 4 báo cáo, đã nộp 3 (75%)" in view.summary.value
    assert "=Công ty D" in view.missing.value and "Công ty CP C" not in view.missing.value
    view.upper.value = "FED"
    assert view.summary.value.startswith("<p><b>LĐLĐ huyện Tí Hon</b>")
    assert view.heatmaps.value.count("data:image/png;base64,") == 2
