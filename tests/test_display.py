"""HTML fragments of the briefings: every text from data escaped, statuses never by colour alone,
cells that name their column, charts made of text."""

from __future__ import annotations

import base64
import datetime as dt
import html
import re

import numpy as np
import pandas as pd
import pytest

from congdoan.briefing import charts, display, images
from congdoan.briefing import display as view
from congdoan.briefing.content import Identity
from congdoan.briefing.theme import SERIES_STYLES, status_style

HOSTILE = '<script>alert("x")</script> & Cty "A"'


def test_title_block_escapes_every_name_and_shows_the_cut_off_in_vietnamese() -> None:
    who = Identity(unit_id="CDCS-<1>", name=HOSTILE, level="cdcs", period_label="Năm 2025",
                   cut_off=dt.date(2025, 11, 30), sector="NNN", sector_name="Ngoài nhà nước",
                   commune_name="Xã <Một>", upper_name=HOSTILE)
    page = display.title_block(who, "vi").data
    assert "<script>" not in page and page.count("&lt;script&gt;") == 2
    assert "CDCS-&lt;1&gt;" in page and "Xã &lt;Một&gt;" in page
    assert "30/11/2025" in page and "BÁO CÁO TÓM TẮT CÔNG ĐOÀN CƠ SỞ" in page
    upper = display.title_block(Identity(unit_id="XA", name="Công đoàn xã", level="upper_union",
                                         period_label="2025", cut_off=dt.date(2025, 11, 30),
                                         units=1234), "en").data
    assert "UPPER UNION BRIEFING" in upper and "1,234" in upper


def test_a_status_badge_has_a_symbol_a_word_and_a_colour() -> None:
    met, missed = display.status_badge("met", "vi"), display.status_badge("not_met", "en")
    assert "✔" in met and status_style("met").colour in met and "Đạt" in met
    assert "✘" in missed and status_style("not_met").colour in missed
    assert status_style("met").colour != status_style("not_met").colour
    unknown = display.status_badge("<odd>", "vi")  # an unknown status: the no-data style
    assert "○" in unknown and "<odd>" not in unknown


def test_a_provisional_status_is_said_so_and_not_coloured_as_met_or_missed() -> None:
    achieved = display.status_badge("achieved", "vi", provisional=True)
    assert "✔" in achieved and "Đã đạt mốc (tạm tính)" in achieved
    assert status_style("achieved").colour not in achieved
    assert status_style("no_data").colour in achieved
    assert display.status_badge("achieved", "vi", provisional=np.bool_(False)) == \
        display.status_badge("achieved", "vi")
    for unknown in (None, pd.NA, np.nan):  # a missing flag is not "provisional"
        assert display.status_badge("met", "vi", unknown) == display.status_badge("met", "vi")
    assert "tạm tính" not in display.status_badge("no_data", "vi", provisional=True)


def test_a_breakdown_marks_the_groups_with_too_few_reports() -> None:
    table = pd.DataFrame([
        {"indicator_id": "dialogue", "label": "Đối thoại", "measure": "share", "target": 0.6,
         "group_name": name, "value": value, "status": status, "provisional": rough}
        for name, value, status, rough in (("Doanh nghiệp nhà nước", 1.0, "met", False),
                                           ("Ngoài nhà nước", 0.0, "not_met", True))])
    page = display.breakdown(table, "vi").data
    assert "100%" in page and "100%*" not in page and "0%*" in page
    assert "* tạm tính: nhóm đã nộp chưa đủ số báo cáo" in page
    assert "* tạm tính" not in display.breakdown(table.assign(provisional=False), "vi").data
    summary = display.breakdown_summary(table, "vi").data
    assert ">1/1 chỉ tiêu đạt<" in summary and ">0/1 chỉ tiêu đạt (tạm tính)<" in summary
    none = display.breakdown_summary(table.assign(status="no_data"), "vi").data
    assert none.count(">Chưa có số liệu<") == 2 and none.count(">—<") == 2  # not "0 chưa đạt"


def test_bullets_and_narrative_escape_and_say_none_when_empty() -> None:
    assert "&lt;script&gt;" in display.bullets([HOSTILE]).data
    assert "Không có." in display.bullets([], "vi").data and "None." in display.bullets([], "en").data
    text = display.narrative(["Đạt: 5 chỉ tiêu <b>", "Không có nhãn"]).data
    assert "<li><strong>Đạt: </strong>5 chỉ tiêu &lt;b&gt;</li>" in text
    assert "<li>Không có nhãn</li>" in text


def test_scorecard_formats_values_and_targets_by_measure() -> None:
    card = pd.DataFrame([
        {"clause": "1.1", "label": "Đối thoại", "measure": "share", "value": 0.725, "target": 0.7,
         "target_max": None, "strict": False, "kind": "annual", "milestone_year": None,
         "status": "met", "note": ""},
        {"clause": "2.1", "label": "Tổng số đoàn viên", "measure": "count", "value": 18370.0,
         "target": 18000.0, "target_max": None, "strict": False, "kind": "milestone",
         "milestone_year": 2023, "status": "achieved", "note": HOSTILE},
    ])
    page = display.scorecard(card, "vi").data
    assert "72,5%" in page and "18.370" in page and "(mốc 2023)" in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert page.count("cd-status") == 2
    assert "chưa được theo dõi" not in page  # the plan in force follows all its targets
    # a provisional line says so in its status (greyed), not a second time in its value
    rough = display.scorecard(card.assign(provisional=[True, False]), "vi").data
    assert 'data-label="Thực hiện">72,5%</td>' in rough
    assert rough.count("(tạm tính)") == 1 and "Đạt (tạm tính)" in rough


def test_the_scorecard_names_the_targets_of_the_plan_no_report_follows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from congdoan.core.plan import load_register

    register = load_register()
    plan = register.plan.model_copy(update={"untracked": (f"3.1: {HOSTILE}",)})
    monkeypatch.setattr(display, "load_register",
                        lambda: register.model_copy(update={"plan": plan}))
    card = pd.DataFrame([{"clause": "1.1", "label": "Đối thoại", "measure": "share",
                          "value": 0.725, "target": 0.7, "target_max": None, "strict": False,
                          "kind": "annual", "milestone_year": None, "status": "met",
                          "note": ""}])
    page = display.scorecard(card, "vi").data
    said = re.search(r'<p class="cd-note">([^<]*)</p>', page)
    assert said is not None and said.group(1).startswith(
        "Chỉ tiêu của kế hoạch chưa được theo dõi (mẫu báo cáo chưa hỏi): 3.1: &lt;script&gt;")


def _html(shown: object) -> str:
    markup: str = shown._repr_html_()  # type: ignore[attr-defined]
    return markup


def _comparison_table() -> pd.DataFrame:
    table = pd.DataFrame({"indicator_id": ["finance", "informed"],
                          "label": ["Thu, nộp tài chính", "Học tập <nghị quyết>"],
                          "target": [1.0, 0.75], "unit": [1.056, 0.5],
                          "sector": [0.98, np.nan], "organisation": [0.97, 0.6]})
    table.attrs["series_names"] = {"unit": "CĐCS này", "sector": "Khu vực HCSN",
                                   "organisation": "Toàn huyện"}
    return table


def test_every_table_cell_names_its_column_for_the_phone_layout() -> None:
    card = pd.DataFrame([{"clause": "1.3", "label": "Đoàn viên được học tập", "measure": "share",
                          "value": 0.8, "target": 0.75, "target_max": None, "strict": False,
                          "kind": "annual", "milestone_year": None, "status": "met",
                          "note": ""}])
    page = _html(view.scorecard(card))
    cells = re.findall(r'<td data-label="([^"]*)">', page)
    assert cells == ["Điều", "Chỉ tiêu", "Thực hiện", "Mục tiêu", "Đánh giá", "Ghi chú"]
    headings = re.findall(r'<th scope="col">([^<]*)</th>', page)
    assert headings == cells  # the target column is "Mục tiêu", not a second "Chỉ tiêu"
    assert '<td data-label="Ghi chú"></td>' in page  # empty: hidden on a phone


def test_comparison_dot_plot_places_each_series_on_a_scale_that_holds_every_value() -> None:
    page = _html(view.dot_plot(_comparison_table()))
    # 105,6 % widens the scale to 0–125 %: 1.056 sits at 84.48 %, the target 100 % at 80 %
    assert re.search(r'class="cd-dot" style="left:84\.48%;[^"]*color:' +
                     SERIES_STYLES["unit"][0], page)
    assert 'class="cd-dot-target" style="left:80.00%"' in page
    assert [t for t in re.findall(r">(\d+%)</span>", page)] == ["0%", "25%", "50%", "75%",
                                                                 "100%", "125%"]
    # every value is written out, the missing aggregate as a dash and not drawn
    assert "105,6%" in page and "Khu vực HCSN —" in page
    assert page.count('class="cd-dot"') == 5  # 3 + 2 series with a value
    assert "Học tập &lt;nghị quyết&gt;" in page and "<nghị" not in page
    plain = _comparison_table().assign(unit=[0.9, 0.5])
    assert 'class="cd-dot-target" style="left:100.00%"' in _html(view.dot_plot(plain))


def test_comparison_is_the_dot_plot_on_screen_and_the_chart_image_in_print() -> None:
    table = _comparison_table()
    page = _html(view.comparison(table))
    screen = re.search(r'<!--cd-screen--><div class="cd-screen">(.*)</div><!--/cd-screen-->'
                       r'<div class="cd-print cd-dots">', page, re.S)
    assert screen and screen.group(1) == _html(view.dot_plot(table))
    # in print: the key as text (the dot plot's own), then the chart without a key of its own
    key = re.search(r'<div class="cd-print cd-dots">(<div class="cd-dot-legend".*?</div>)<img',
                    page, re.S)
    assert key and key.group(1) in screen.group(1)
    assert "●</b> CĐCS này</span>" in key.group(1) and "</i> Mục tiêu</span>" in key.group(1)
    image = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"></div>'
                      r'<p class="cd-note">Số của khu vực, công đoàn cấp trên cho một chỉ tiêu '
                      r'chỉ hiện khi ít nhất 3 CĐCS khác đã báo cáo chỉ tiêu ấy[^<]*</p>$',
                      page)  # the sector's figure held
    assert image
    full = _html(view.comparison(table.assign(sector=[0.98, 0.7])))
    assert full.endswith("></div>") and "ít nhất 3 CĐCS khác" not in full
    assert base64.b64decode(image.group(1)) == images.png(charts.comparison(table, legend=False))
    assert html.unescape(image.group(2)) == charts.comparison_alt(table)
    assert "CĐCS này 105,6%" in html.unescape(image.group(2))


def test_status_distribution_bars_share_one_scale_and_write_every_count() -> None:
    counts = pd.DataFrame({"met": [30, 5], "not_met": [10, 0]}, index=["Đối thoại", "Hội nghị"])
    page = _html(view.status_distribution(counts))
    widths = re.findall(r'class="cd-bar-part cd-bar-(\w+)" style="width:([\d.]+)%', page)
    assert widths == [("met", "75.00"), ("not_met", "25.00"), ("met", "12.50")]
    assert f"background:{status_style('not_met').colour}" in page
    assert "✘</b>\u00a0Chưa đạt\u00a010" in page and "thanh dài nhất: 40 CĐCS" in page


def test_units_below_show_sector_names_not_codes() -> None:
    table = pd.DataFrame([{"unit_id": "CDCS-1", "unit_name": "Công ty A", "sector": "NNN",
                           "commune": "Xã Một", "below": 3, "judged": 9}])
    page = _html(view.units_below(table))
    assert "Doanh nghiệp ngoài nhà nước" in page and ">NNN<" not in page


def _activities() -> pd.DataFrame:
    from congdoan.core.activities import activity_totals

    rows = pd.DataFrame([
        {"unit_id": "A", "programme": "tet_sum_vay", "events": 3, "participants": 1250,
         "support_vnd": 8_000_000},
        {"unit_id": "B", "programme": "thi_tho_gioi", "events": 1, "participants": 8,
         "support_vnd": 0}])
    return activity_totals(rows)


def test_a_unions_activities_list_what_it_held_and_name_the_rest() -> None:
    page = _html(view.activities(_activities()))
    cells = re.findall(r'<td data-label="([^"]*)">([^<]*)</td>', page)
    assert cells[:5] == [("Chương trình", "Tết Sum vầy"), ("Điều", "III.4.5"),
                         ("Số hoạt động", "3"), ("Lượt người tham gia", "1.250"),
                         ("Kinh phí hỗ trợ (đồng)", "8.000.000")]
    assert "Chưa tổ chức trong kỳ: Mái ấm công đoàn" in page
    assert "Hội thi thợ giỏi</td>" in page  # held (by B in this table)
    nothing = _activities().assign(events=0, participants=0, support_vnd=0)
    assert "Chưa tổ chức trong kỳ: Tết Sum vầy" in _html(view.activities(nothing))


def test_an_upper_unions_activities_show_every_programme_and_a_total() -> None:
    page = _html(view.activities(_activities(), upper=True))
    assert page.count("<tr>") == 1 + 8 + 1  # header, every programme, the total
    assert '<td data-label="Số CĐCS tổ chức">1</td>' in page
    total = re.findall(r"<tr><td[^>]*>Cộng các chương trình</td>(.*?)</tr>", page)[0]
    assert re.findall(r">([^<]*)</td>", total) == ["", "", "4", "1.258", "8.000.000"]


def test_a_plan_without_programmes_has_no_programme_section_and_no_gap_in_numbers() -> None:
    union = view.shown_sections("union", programmes=False)
    assert "activities" not in union and union[-1] == "conclusions" and len(union) == 6
    assert view.shown_sections("upper", programmes=True) == view.SECTION_ORDER["upper"]
    assert "upper_activities" not in view.shown_sections("upper", programmes=False)


def test_reporting_names_each_report_and_adds_a_total_only_over_two() -> None:
    def summary(*subs: str) -> pd.DataFrame:
        return pd.DataFrame([{"sub_period": s, "expected": 25, "received": 4, "on_time": 4,
                              "late": 0, "missing": 21, "completeness": 0.16,
                              "timeliness": 1.0} for s in subs])

    one = view.reporting(summary("2025-H2", "total"), "vi").data
    assert re.findall(r'<td data-label="Kỳ">([^<]*)<', one) == ["Báo cáo năm (2025-H2)"]
    both = view.reporting(summary("2025-H1", "2025-H2", "total"), "vi").data
    assert re.findall(r'<td data-label="Kỳ">([^<]*)<', both) == [
        "Báo cáo 6 tháng (2025-H1)", "Báo cáo năm (2025-H2)", "Cả kỳ"]


def test_the_comparison_key_leaves_out_an_aggregate_held_back() -> None:
    table = pd.DataFrame({"label": ["A"], "target": [0.7], "unit": [1.0],
                          "sector": [np.nan], "upper_union": [0.8]})
    table.attrs["series_names"] = {"unit": "CĐCS này", "sector": "Ngoài nhà nước",
                                   "upper_union": "Công đoàn phường"}
    key = view._dot_legend(table, "vi")
    assert "CĐCS này" in key and "Công đoàn phường" in key and "Ngoài nhà nước" not in key


def test_section_headings_are_numbered_by_their_place_in_their_briefing() -> None:
    assert str(view.heading("trend", "vi").data) == '<h2 class="cd-h2">2. Diễn biến qua các kỳ</h2>'
    assert str(view.heading("by_commune", "en").data) == '<h2 class="cd-h2">4. By commune or ward</h2>'
    # the same section title in both briefings, at its own place in each
    assert "6. Hoạt động theo các chương trình" in str(view.heading("activities", "vi").data)
    assert "8. Hoạt động theo các chương trình" in str(view.heading("upper_activities", "vi").data)
    placed = [s for order in view.SECTION_ORDER.values() for s in order]
    assert sorted(placed) == sorted(view.SECTIONS)  # every section shown once, in one briefing


def test_a_commune_without_any_judged_line_says_no_data() -> None:
    table = pd.DataFrame({"group_name": ["Phường A", "Phường A", "Phường B"],
                          "status": ["met", "not_met", "no_data"]})
    page = _html(display.breakdown_summary(table, "vi"))
    assert "1/2 chỉ tiêu đạt" in page and "Chưa có số liệu" in page and "0/0" not in page


def test_a_cdcs_baseline_beside_its_answer_is_said_as_an_answer() -> None:
    row = pd.Series({"answer": "Có", "baseline_value": 1.0, "measure": "share"})
    assert view._baseline_cell(row, "vi") == "Có"
    assert view._baseline_cell(pd.Series({**row, "baseline_value": 0.0}), "en") == "No"
    upper = pd.Series({"answer": None, "baseline_value": 1.0, "measure": "share"})
    assert view._baseline_cell(upper, "vi") == "100%"  # an aggregate: a share
