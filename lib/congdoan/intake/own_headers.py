"""The header row of a list in the officer's own layout, and the field each column is read as.

The header row is the row, within the first :data:`HEADER_ROWS` rows of a sheet, that names the
most fields, the CĐCS's name among them (:func:`find_mapping`); a group header merged over two
columns is read with the row under it. A column is mapped by its header, compared without
accents, case and punctuation (a part in brackets aside) with the words of :data:`FIELDS`;
``--column "HEADER=field"`` (:func:`parse_columns`) maps one the program does not know; the
others are listed as ignored (:class:`Mapping`), never guessed. Pure: cell grids in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from congdoan.exceptions import DataError, Location, ParameterError
from congdoan.intake.cells import is_blank
from congdoan.intake.units import UNITS_TEMPLATE, Kind


def fold(text: Any) -> str:
    """``text`` without accents, case and punctuation: the form names are compared in.

    ``"Trường Mầm non Tân Hoà"`` and ``"TRƯỜNG MẦM NON TÂN HÒA"`` both give
    ``"truong mam non tan hoa"``; ``"Xã, phường"`` and ``"Xã/phường"`` give ``"xa phuong"``.
    """
    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


HEADER_ROWS = 15
"""The header row is looked for in the first rows of a sheet, at most this many."""

Grid = dict[tuple[int, int], tuple[Any, bool]]


@dataclass(frozen=True)
class Field:
    """A field of an own-layout list: the template column it fills and the headers naming it."""

    key: str
    """The template's field key (:data:`~congdoan.intake.units.UNIT_COLUMNS`) it fills."""
    label_vi: str
    label_en: str
    kind: Kind
    headers: tuple[str, ...]
    required: bool = False


FIELDS: dict[str, Field] = {
    "code": Field("unit_id", "mã CĐCS", "CĐCS code", "code",
                  ("Mã", "Mã CĐCS", "Mã đơn vị", "Mã công đoàn cơ sở", "Mã số CĐCS")),
    "name": Field("name", "tên CĐCS", "CĐCS name", "text",
                  ("Tên CĐCS", "Tên công đoàn cơ sở", "Tên đơn vị", "Tên công đoàn", "Tên",
                   "Công đoàn cơ sở", "CĐCS", "Tên CĐCS, đơn vị"), True),
    "sector": Field("sector", "khu vực (loại hình)", "sector", "text",
                    ("Khu vực", "Loại hình", "Loại hình đơn vị", "Loại hình doanh nghiệp",
                     "Loại hình CĐCS", "Khối", "Khu vực, loại hình"), True),
    "commune": Field("commune_id", "xã, phường", "commune or ward", "text",
                     ("Xã, phường", "Xã/phường", "Địa bàn", "Xã", "Phường", "Xã, phường, thị trấn",
                      "Tên xã, phường", "Địa bàn xã, phường", "Xã, phường, đặc khu"), True),
    "upper": Field("upper_id", "công đoàn cấp trên", "upper union", "text",
                   ("Công đoàn cấp trên", "Trực thuộc", "Cấp trên trực tiếp", "Cấp trên",
                    "Công đoàn cấp trên trực tiếp", "Công đoàn cấp trên trực tiếp cơ sở",
                    "Đơn vị cấp trên", "Tên công đoàn cấp trên")),
    "founded": Field("founded", "ngày thành lập", "founding date", "date",
                     ("Ngày thành lập", "Thành lập", "Ngày thành lập CĐCS",
                      "Ngày thành lập công đoàn", "Ngày thành lập công đoàn cơ sở")),
    "dissolved": Field("dissolved", "ngày giải thể", "dissolution date", "date",
                       ("Ngày giải thể", "Giải thể")),
    "since": Field("since", "trực thuộc từ ngày", "since (day of a move or a rename)", "date",
                   ("Trực thuộc từ ngày", "Trực thuộc từ", "Về trực thuộc từ ngày",
                    "Ngày về trực thuộc", "Từ ngày", "Ngày hiệu lực")),
    "tax_code": Field("enterprise_id", "mã số thuế", "tax code", "tax_code",
                      ("Mã số thuế", "MST", "Mã số thuế đơn vị", "Mã số doanh nghiệp",
                       "Mã số thuế đơn vị sử dụng lao động")),
    "workers": Field("opening_workers", "số CNVCLĐ", "workers", "count",
                     ("Số CNVCLĐ", "Tổng số CNVCLĐ", "Số lao động", "Số CNLĐ", "CNVCLĐ",
                      "Tổng số lao động", "Số người lao động", "Số CNVCLĐ đầu kỳ", "Lao động")),
    "members": Field("opening_members", "số đoàn viên", "members", "count",
                     ("Số đoàn viên", "Đoàn viên", "Tổng số đoàn viên", "Số đoàn viên đầu kỳ",
                      "Số ĐV", "Số đoàn viên công đoàn")),
}
"""The fields a list in the officer's own layout may have, by the name ``--column`` gives."""

IGNORE = "-"
"""The field of a column to ignore (``--column "Ghi chú=-"``)."""

IGNORED_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự")
"""Headers ignored without a word (a row number)."""

def _header_keys(text: Any) -> tuple[str, ...]:
    """The folded header, then without its parts in brackets and stars (when that differs)."""
    whole = fold(text)
    bare = fold(re.sub(r"\([^)]*\)|\[[^\]]*\]|\*", " ", str(text)))
    return (whole,) if bare in ("", whole) else (whole, bare)


_BY_HEADER = {fold(h): name for name, f in FIELDS.items() for h in f.headers}
_ALIASES = {**{f.key: name for name, f in FIELDS.items()}, **{name: name for name in FIELDS},
            IGNORE: IGNORE, "ignore": IGNORE, "bo qua": IGNORE}


def field_named(text: str) -> str | None:
    """The field ``--column "HEADER=text"`` names, or None.

    ``text`` is a field (``name``), a template key (``unit_id``), a header the program knows
    ("Tên CĐCS"), or ``-`` to ignore the column.
    """
    word = fold(text)
    return _ALIASES.get(text.strip()) or _ALIASES.get(word.replace(" ", "_")) or \
        _ALIASES.get(word) or _BY_HEADER.get(word)


def parse_columns(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The ``--column "HEADER=field"`` options as (header, field) pairs.

    Raises:
        ParameterError: an option without ``=`` or naming no field.

    """
    pairs = []
    for value in values:
        header, sep, name = value.rpartition("=")
        mapped = field_named(name) if sep and header.strip() else None
        if mapped is None:
            raise ParameterError(
                "Tuỳ chọn --column cần dạng \"TIÊU ĐỀ CỘT=trường\".",
                "Option --column needs the form \"COLUMN HEADER=field\".",
                location=Location(field="--column"), value=value,
                expected=", ".join([*FIELDS, IGNORE]))
        pairs.append((header.strip(), mapped))
    return tuple(pairs)


@dataclass(frozen=True)
class MappedColumn:
    """A column of the officer's list and the field it was read as (``-``: ignored)."""

    letter: str
    header: str
    field: str
    known: bool = True
    """False for a column no header word names (listed as ignored)."""


@dataclass(frozen=True)
class Mapping:
    """Where the header row of an own-layout list is and what each of its columns was read as."""

    sheet: str | None
    header_row: int
    columns: tuple[MappedColumn, ...]
    header_rows: int = 1
    """2 when the row under the header names the columns a merged group header spans."""

    @property
    def used(self) -> dict[str, MappedColumn]:
        """Field → its column."""
        return {c.field: c for c in self.columns if c.field != IGNORE}

    def describe(self, lang: str = "vi") -> list[str]:
        """Lines for the screen: the header's place and each column read (letter and field).

        Then the columns ignored (letter and header) and a missing upper-union column.
        """
        vi = lang == "vi"
        where = (f"trang '{self.sheet}', " if vi else f"sheet '{self.sheet}', ") if self.sheet \
            else ""
        rows = f"{self.header_row}" + (f"–{self.header_row + 1}" if self.header_rows > 1 else "")
        read = "; ".join(f"{c.letter} {FIELDS[c.field].label_vi if vi else FIELDS[c.field].label_en}"
                         for c in self.columns if c.field != IGNORE)
        lines = [(f"Danh sách riêng ({where}tiêu đề dòng {rows}), cột đã đọc: " if vi else
                  f"Own-layout list ({where}header row {rows}), columns read: ") + read]
        ignored = [f"{c.letter} \"{c.header}\"" for c in self.columns if c.field == IGNORE]
        if ignored:
            lines.append(("   bỏ qua: " if vi else "   ignored: ") + ", ".join(ignored)
                         + (" (đọc sai: --column, xem --help)" if vi else
                            " (misread: --column, see --help)"))
        if "upper" not in self.used:
            lines.append("   không có cột công đoàn cấp trên: các CĐCS trực thuộc thẳng tổ chức"
                         if vi else "   no upper-union column: the CĐCS are directly under the "
                         "organisation")
        return lines


def _field_of(header: Any, extra: dict[str, str]) -> str | None:
    keys = _header_keys(header)
    for table in (extra, _BY_HEADER):
        for key in keys:
            if key in table:
                return table[key]
    return IGNORE if keys[0] in {fold(h) for h in IGNORED_HEADERS} else None


def _headers_in(grid: Grid, row: int) -> dict[int, str]:
    return {c: " ".join(str(v).split()) for (r, c), (v, _) in sorted(grid.items())
            if r == row and not is_blank(v)}


def find_mapping(name: str, grids: Sequence[tuple[str | None, Grid]],
                 columns: Sequence[tuple[str, str]] = ()) -> Mapping:
    """The header row of the first grid that has one, and what each of its columns is read as.

    The header row is the one of the first :data:`HEADER_ROWS` naming the most fields, the name
    among them and at least two. ``columns``: (header, field) pairs of ``--column``.

    Raises:
        DataError: no header row; a field named by two columns; a required field missing.
        ParameterError: a ``--column`` header that is not in the header row.

    """
    extra = {fold(header): mapped for header, mapped in columns}
    for sheet, grid in grids:
        top = {cell: value for cell, value in grid.items() if cell[0] <= HEADER_ROWS}
        best: tuple[int, int] | None = None
        for row in range(1, HEADER_ROWS + 1):
            fields = {_field_of(h, extra) for h in _headers_in(top, row).values()} - {None, IGNORE}
            if "name" in fields and len(fields) >= 2 and (best is None or len(fields) > best[1]):
                best = (row, len(fields))
        if best is not None:
            headers = _headers_in(top, best[0])
            under = _sub_headers(headers, _headers_in(grid, best[0] + 1), extra)
            return _mapping(name, sheet, best[0], dict(sorted({**headers, **under}.items())),
                            extra, 1 + bool(under))
    raise DataError(
        f"Không thấy dòng tiêu đề (trong {HEADER_ROWS} dòng đầu) có cột tên CĐCS.",
        f"No header row (within the first {HEADER_ROWS} rows) with a column of CĐCS names.",
        location=Location(file=name), value=[s for s, _ in grids if s] or None,
        expected="một dòng tiêu đề như: STT | Tên CĐCS | Khu vực | Xã, phường | … (hoặc "
                 f"--column \"TIÊU ĐỀ=name\"), hoặc mẫu: {UNITS_TEMPLATE}",
        expected_en="a header row such as: STT | Tên CĐCS | Khu vực | Xã, phường | … (or "
                    f"--column \"HEADER=name\"), or the template: {UNITS_TEMPLATE}")


def _sub_headers(headers: dict[int, str], under: dict[int, str],
                 extra: dict[str, str]) -> dict[int, str]:
    """The row under the header when it names columns of a group header (else nothing).

    As in "Số lượng" merged over "Số CNVCLĐ | Số đoàn viên": every cell of the row under is
    text under a header cell that is blank or names no field, and one at least names a field.
    """
    if not under or any(c in headers and _field_of(headers[c], extra) not in (None, IGNORE)
                        for c in under):
        return {}
    if any(re.fullmatch(r"[\d\s.,()]*", text) for text in under.values()):
        return {}
    named = [c for c, text in under.items() if _field_of(text, extra) not in (None, IGNORE)]
    return under if named else {}


def _mapping(name: str, sheet: str | None, row: int, headers: dict[int, str],
             extra: dict[str, str], header_rows: int = 1) -> Mapping:
    found = {fold(h) for h in headers.values()}
    absent = [h for h in extra if h not in found]
    if absent:
        raise ParameterError("Tiêu đề cột của --column không có ở dòng tiêu đề.",
                             "A header given with --column is not on the header row.",
                             location=Location(file=name, sheet=sheet, row=row, field="--column"),
                             value=absent, expected=" | ".join(headers.values()))
    columns = []
    for col, header in headers.items():
        mapped = _field_of(header, extra)
        columns.append(MappedColumn(get_column_letter(col), header, mapped or IGNORE,
                                    known=mapped is not None))
    mapping = Mapping(sheet, row, tuple(columns), header_rows)
    where = Location(file=name, sheet=sheet, row=row)
    used = [c for c in columns if c.field != IGNORE]
    doubled = sorted({c.field for c in used if sum(d.field == c.field for d in used) > 1})
    if doubled:
        raise DataError("Hai cột cùng được đọc thành một trường.",
                        "Two columns are read as the same field.", location=where,
                        value=[f"{c.letter} \"{c.header}\" → {c.field}" for c in used
                               if c.field in doubled],
                        expected="bỏ một cột: --column \"TIÊU ĐỀ=-\"",
                        expected_en="ignore one: --column \"HEADER=-\"")
    missing = [f for f, spec in FIELDS.items() if spec.required and f not in mapping.used]
    if missing:
        raise DataError(
            "Thiếu cột bắt buộc: " + ", ".join(FIELDS[f].label_vi for f in missing) + ".",
            "Required columns missing: " + ", ".join(FIELDS[f].label_en for f in missing) + ".",
            location=where, value=" | ".join(headers.values()),
            expected="; ".join(f"{f}: {FIELDS[f].headers[0]}" for f in missing)
            + "; hoặc --column \"TIÊU ĐỀ=trường\"",
            expected_en="; ".join(f"{f}: {FIELDS[f].headers[0]}" for f in missing)
            + "; or --column \"HEADER=field\"")
    return mapping
