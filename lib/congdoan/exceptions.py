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

    def describe(self) -> str:
        """Return e.g. ``'file.xlsx', sheet 'BaoCao', ô C7, trường 'members'``."""
        parts: list[str] = []
        if self.file:
            parts.append(f"tệp '{self.file}'")
        if self.sheet:
            parts.append(f"trang '{self.sheet}'")
        if self.cell:
            parts.append(f"ô {self.cell}")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.field:
            parts.append(f"trường '{self.field}'")
        return ", ".join(parts)


class CongdoanError(Exception):
    """Base of every error congdoan raises on purpose.

    Args:
        message_vi: what is wrong and what to do, in Vietnamese.
        message_en: the same in English.
        location: where the problem is.
        value: the offending value, when there is one.
        expected: what was expected instead.

    """

    def __init__(
        self,
        message_vi: str,
        message_en: str = "",
        *,
        location: Location | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.location = location or Location()
        self.value = value
        self.expected = expected
        super().__init__(self.render("vi") + (f" / {self.message_en}" if message_en else ""))

    def render(self, lang: str = "vi") -> str:
        """Return the message in ``lang`` ('vi' or 'en') with its location, value and expectation."""
        text = self.message_vi if lang == "vi" else self.message_en
        where = self.location.describe()
        parts = [f"{where}: {text}" if where else text]
        if self.value is not None:
            parts.append(("giá trị" if lang == "vi" else "value") + f" {self.value!r}")
        if self.expected:
            parts.append(("cần" if lang == "vi" else "expected") + f" {self.expected}")
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
