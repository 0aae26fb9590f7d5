"""One exception family for congdoan.

Every message is written for a union officer: Vietnamese first, then English, and it names the
place (file, sheet, row/cell, field), the value found and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem was found; every part is optional."""

    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    field: str | None = None

    def describe(self, lang: str = "vi") -> str:
        """Return e.g. ``tệp 'file.xlsx', trang 'BaoCao', ô C7, trường 'members'`` (or in English)."""
        words = _WHERE_WORDS[lang if lang in _WHERE_WORDS else "vi"]
        parts: list[str] = []
        if self.file:
            parts.append(f"{words[0]} '{self.file}'")
        if self.sheet:
            parts.append(f"{words[1]} '{self.sheet}'")
        if self.cell:
            parts.append(f"{words[2]} {self.cell}")
        if self.row is not None:
            parts.append(f"{words[3]} {self.row}")
        if self.field:
            parts.append(f"{words[4]} '{self.field}'")
        return ", ".join(parts)


_WHERE_WORDS = {"vi": ("tệp", "trang", "ô", "dòng", "trường"),
                "en": ("file", "sheet", "cell", "row", "field")}


class CongdoanError(Exception):
    """Base of every error congdoan raises on purpose.

    Args:
        message_vi: what is wrong and what to do, in Vietnamese.
        message_en: the same in English.
        location: where the problem is.
        value: the offending value, when there is one.
        expected: what was expected instead.
        expected_en: the same in English (None: ``expected`` in both languages).

    """

    def __init__(
        self,
        message_vi: str,
        message_en: str = "",
        *,
        location: Location | None = None,
        value: object = None,
        expected: str | None = None,
        expected_en: str | None = None,
    ) -> None:
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.location = location or Location()
        self.value = value
        self.expected = expected
        self.expected_en = expected_en
        super().__init__(self.render("vi") + (f" / {self.message_en}" if message_en else ""))

    def render(self, lang: str = "vi") -> str:
        """Return the message in ``lang`` ('vi' or 'en') with its location, value and expectation."""
        vi = lang == "vi"
        text = (self.message_vi if vi else self.message_en).rstrip(".")
        where = self.location.describe(lang)
        parts = [f"{where}: {text}" if where else text]
        if self.value is not None:
            parts.append(("giá trị" if vi else "value") + f" {self.value!r}")
        expected = self.expected if vi else (self.expected_en or self.expected)
        if expected:
            parts.append(("cần" if vi else "expected") + f" {expected}")
        return "; ".join(parts)


class ConfigError(CongdoanError):
    """A file in ``params/`` is missing, malformed or inconsistent."""


class DataError(CongdoanError):
    """Input data (registry, reports) is missing or inconsistent."""


class PeriodError(CongdoanError):
    """A period id is malformed or outside the data."""


class ValidationError(CongdoanError):
    """A submitted report breaks a validation rule (used by intake)."""


class RenderError(CongdoanError):
    """A briefing could not be executed or rendered."""


class ParameterError(CongdoanError):
    """A notebook parameter is unknown, misspelled or out of range."""


class WorkspaceError(CongdoanError):
    """No workspace where one is needed, or a folder that cannot become one."""
