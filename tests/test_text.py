"""Text helpers: a first capital that keeps the rest; a cut that never splits a word."""

from __future__ import annotations

from congdoan.core.text import cut_at_word, first_upper


def test_first_upper_capitalises_only_the_first_letter() -> None:
    assert first_upper("báo cáo năm 2025-H2") == "Báo cáo năm 2025-H2"
    assert first_upper("đường liền: thực hiện.") == "Đường liền: thực hiện."
    assert first_upper("") == ""


def test_cut_at_word_keeps_whole_words_and_marks_the_cut() -> None:
    name = "Doanh nghiệp có tổ chức công đoàn ký kết thỏa ước"
    assert cut_at_word(name, 60) == name  # short enough: unchanged, no mark
    assert cut_at_word(name, 20) == "Doanh nghiệp có tổ …"
    assert cut_at_word(name, 20, "…") == "Doanh nghiệp có tổ…"
    assert cut_at_word("Doanh", 3) == "Doa …"  # no space to cut at: cut at the width
