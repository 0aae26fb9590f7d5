"""The dataset's CSV folder: a faithful round trip, byte-identical re-writes, located errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import tiny_dataset
from congdoan.core.dataset import TABLES, read_dataset, write_dataset
from congdoan.exceptions import DataError

REPORTS = [{"unit_id": "A", "period": "2025-H1", "submitted_on": "2025-06-05", "workers": 40,
            "members": 31},
           {"unit_id": "B", "period": "2025-H1", "submitted_on": None, "workers": 12,
            "members": 9}]


def test_written_and_read_back_is_the_same_dataset(tmp_path: Path) -> None:
    original = tiny_dataset(reports=REPORTS)
    write_dataset(original, tmp_path)
    back = read_dataset(tmp_path)
    assert back.meta == original.meta
    for name in TABLES:
        assert list(back.table(name).columns) == list(original.table(name).columns), name
    reports = back.reports.set_index("unit_id")
    assert reports.loc["A", "submitted_on"] == pd.Timestamp("2025-06-05")
    assert pd.isna(reports.loc["B", "submitted_on"])
    assert int(reports.loc["A", "members"]) == 31 and reports.loc["A", "period"] == "2025-H1"
    links = back.links.sort_values(["unit_id", "valid_from"])
    assert list(links["parent_id"])[:2] == ["FED", "XA"]
    assert links["valid_to"].isna().sum() == 3  # the links in force today are open-ended


def test_writing_again_gives_the_same_bytes(tmp_path: Path) -> None:
    write_dataset(tiny_dataset(reports=REPORTS), tmp_path / "a")
    write_dataset(read_dataset(tmp_path / "a"), tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_a_missing_file_column_or_bad_date_is_an_error_that_names_it(tmp_path: Path) -> None:
    write_dataset(tiny_dataset(reports=REPORTS), tmp_path)
    units = tmp_path / "units.csv"
    text = units.read_text(encoding="utf-8")
    units.write_text(text.replace("2015-01-01", "01/01/2015", 1), encoding="utf-8")
    with pytest.raises(DataError) as bad_date:
        read_dataset(tmp_path)
    assert bad_date.value.location.file == str(units) and bad_date.value.location.field == "founded"
    units.write_text(text.replace("sector,", "sectr,", 1), encoding="utf-8")
    with pytest.raises(DataError) as bad_column:
        read_dataset(tmp_path)
    assert bad_column.value.value == ["sector"] and bad_column.value.location.file == str(units)
    units.unlink()
    with pytest.raises(DataError) as missing:
        read_dataset(tmp_path)
    assert missing.value.location.file == str(units)
    with pytest.raises(DataError) as no_folder:
        read_dataset(tmp_path / "nowhere")
    assert no_folder.value.location.file == str(tmp_path / "nowhere")
