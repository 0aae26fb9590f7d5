"""HTML fragments of the briefings: every text from data escaped, statuses never by colour alone."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from congdoan.briefing import display
from congdoan.briefing.content import Identity

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
    assert "✔" in met and "#009E73" in met
    assert "✘" in missed and "#D55E00" in missed
    unknown = display.status_badge("<odd>", "vi")  # an unknown status: the no-data style
    assert "?" in unknown and "<odd>" not in unknown


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
