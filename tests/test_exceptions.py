"""One exception family: Vietnamese first, English too, with the place, the value and what is
expected."""

from __future__ import annotations

import pytest

from congdoan.exceptions import (
    ConfigError,
    CongdoanError,
    DataError,
    Location,
    ParameterError,
    PeriodError,
    RenderError,
    ValidationError,
)


def test_a_message_names_the_file_sheet_cell_row_and_field() -> None:
    where = Location(file="bao_cao.xlsx", sheet="BaoCao", cell="C7", row=7, field="members")
    assert where.describe() == ("tệp 'bao_cao.xlsx', trang 'BaoCao', ô C7, dòng 7, "
                                "trường 'members'")
    assert Location().describe() == "" and Location(row=0).describe() == "dòng 0"


def test_render_in_each_language_with_value_and_expectation() -> None:
    error = DataError("Số đoàn viên âm.", "Negative member count.",
                      location=Location(file="r.csv", row=3), value=-5, expected="số ≥ 0")
    assert error.render("vi") == "tệp 'r.csv', dòng 3: Số đoàn viên âm; giá trị -5; cần số ≥ 0"
    assert error.render("en") == ("file 'r.csv', row 3: Negative member count; value -5; "
                                  "expected số ≥ 0")
    assert str(error) == error.render("vi") + " / Negative member count."


def test_a_message_without_english_is_shown_in_vietnamese_in_both() -> None:
    error = PeriodError("Kỳ không hợp lệ.")
    assert error.render("en") == "Kỳ không hợp lệ" and str(error) == "Kỳ không hợp lệ"


@pytest.mark.parametrize("kind", [ConfigError, DataError, PeriodError, ValidationError,
                                  RenderError, ParameterError])
def test_every_error_is_a_congdoan_error(kind: type[CongdoanError]) -> None:
    with pytest.raises(CongdoanError) as caught:
        raise kind("Lỗi.", "Error.", value=0)
    assert caught.value.value == 0 and caught.value.location == Location()
