"""What intake tells an officer about a file, and the work one file may cost.

A :class:`Problem` is one thing wrong (error) or worth a look (warning), located (file, sheet,
cell or row, field) with the value found and what is expected, in Vietnamese and English;
:func:`problems_frame` is the error report's table, safe to open in a spreadsheet. Work per
file is bounded by :class:`Budget` with the limits of ``params/intake.yaml``
(:class:`IntakeSettings`): a file over one is refused with a problem that names the limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pydantic

from congdoan.core import paths
from congdoan.core.yamlio import load_model
from congdoan.exceptions import CongdoanError

Severity = Literal["error", "warning"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet evaluate a cell: such text is exported with '."""


class IntakeSettings(pydantic.BaseModel):
    """Validated content of ``params/intake.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)
    form_version: str
    max_file_mb: float = pydantic.Field(gt=0)
    max_unpacked_mb: float = pydantic.Field(gt=0)
    max_rows: int = pydantic.Field(gt=0)
    max_columns: int = pydantic.Field(gt=0)
    max_cells: int = pydantic.Field(gt=0)
    max_seconds: float = pydantic.Field(gt=0)
    max_problems: int = pydantic.Field(gt=0)
    max_people: int = pydantic.Field(gt=0)
    max_vnd: int = pydantic.Field(gt=0)
    outlier_z: float = pydantic.Field(gt=0)
    outlier_min_history: int = pydantic.Field(ge=3)
    outlier_history: int = pydantic.Field(ge=3)
    outlier_min_change: float = pydantic.Field(ge=0)


def load_intake_settings(params_dir: Path | None = None) -> IntakeSettings:
    """Load and validate ``intake.yaml`` (default: the parameters folder in force)."""
    return _load_intake_settings(Path(params_dir) if params_dir is not None else paths.params_dir())


@lru_cache(maxsize=8)
def _load_intake_settings(params_dir: Path) -> IntakeSettings:
    return load_model(params_dir / "intake.yaml", IntakeSettings)

@dataclass(frozen=True)
class Problem:
    """One thing wrong (error) or worth a look (warning) in a submitted file."""

    file: str
    message_vi: str
    message_en: str
    severity: Severity = "error"
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    field: str | None = None
    value: Any = None
    expected: str | None = None
    expected_en: str | None = None
    """What is expected, in English (``expected`` is Vietnamese; None: the same text)."""
    omitted: int = 0
    """For the closing line of a capped report: how many problems of this severity it stands
    for (they are counted, not listed); 0 for an ordinary problem."""
    value_said: bool = False
    """The message itself gives the value ("'…' (90) không được lớn hơn …"): not repeated."""

    def where(self, lang: str = "vi") -> str:
        """The location, e.g. ``tệp 'a.xlsx', trang 'BaoCao', ô F17, trường 'members'``."""
        vi = lang == "vi"
        parts = [("tệp" if vi else "file") + f" '{printable(self.file)}'"]
        if self.sheet:
            parts.append(("trang" if vi else "sheet") + f" '{self.sheet}'")
        if self.cell:
            parts.append(("ô" if vi else "cell") + f" {self.cell}")
        if self.row is not None:
            parts.append(("dòng" if vi else "row") + f" {self.row}")
        if self.field:
            parts.append(("trường" if vi else "field") + f" '{self.field}'")
        return ", ".join(parts)

    def render(self, lang: str = "vi") -> str:
        """One line for the screen and the error report."""
        vi = lang == "vi"
        head = ("LỖI" if vi else "ERROR") if self.severity == "error" else (
            "CẢNH BÁO" if vi else "WARNING")
        message = (self.message_vi if vi else self.message_en).rstrip(".")
        text = f"[{head}] {self.where(lang)}: {message}"
        if self.value is not None and not self.value_said:
            text += "; " + ("giá trị" if vi else "value") + f" {self.value!r}"
        expected = self.expected if vi else (self.expected_en or self.expected)
        if expected:
            text += "; " + ("cần" if vi else "expected") + f" {expected}"
        return text


def count_problems(problems: list[Problem]) -> tuple[int, int]:
    """``(errors, warnings)`` in ``problems``, those only counted in a capped report included."""
    errors = sum(p.omitted or 1 for p in problems if p.severity == "error")
    warnings = sum(p.omitted or 1 for p in problems if p.severity == "warning")
    return errors, warnings


def counts_said(problems: list[Problem], lang: str = "vi", reports: int = 0) -> str:
    """What a file brought, in brackets after its name: `` (1 báo cáo, 2 cảnh báo)``.

    Only the counts that are not zero (reports, errors, warnings); "" when all are.
    """
    errors, warnings = count_problems(problems)
    words = ("báo cáo", "lỗi", "cảnh báo") if lang == "vi" else ("reports", "errors", "warnings")
    said = ", ".join(f"{n} {word}" for n, word in zip((reports, errors, warnings), words,
                                                      strict=True) if n)
    return f" ({said})" if said else ""


def report_words(problems: list[Problem], lang: str = "vi") -> str:
    """How the problem report of a file is named on screen.

    An error report only when it has errors: an accepted file's report holds its warnings.
    """
    if has_errors(problems):
        return "báo cáo lỗi" if lang == "vi" else "error report"
    return "các cảnh báo" if lang == "vi" else "warnings"


def has_errors(problems: list[Problem]) -> bool:
    """True when at least one problem is an error."""
    return any(p.severity == "error" for p in problems)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table whose text cells are safe to open in a spreadsheet."""
    columns = ["severity", "file", "sheet", "cell", "row", "field", "value", "expected",
               "message_vi", "message_en"]
    frame = pd.DataFrame([{c: getattr(p, c) for c in columns} for p in problems], columns=columns)
    for col in ("file", "sheet", "field", "value", "expected", "message_vi", "message_en"):
        frame[col] = frame[col].map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return frame


LIMITS: dict[str, tuple[str, str]] = {
    "max_file_mb": ("dung lượng tệp (MB)", "file size (MB)"),
    "max_unpacked_mb": ("dung lượng giải nén (MB)", "unpacked size (MB)"),
    "max_rows": ("số dòng", "rows"),
    "max_columns": ("số cột", "columns"),
    "max_cells": ("số ô có dữ liệu", "filled cells"),
    "max_seconds": ("thời gian xử lý một tệp (giây)", "time to process one file (seconds)"),
}
"""The limits of ``params/intake.yaml`` on the work done for one file, with what they count."""


def limit_problem(file: str, limit: str, settings: IntakeSettings, found: str, *,
                  sheet: str | None = None, row: int | None = None,
                  template: str = "congdoan template") -> Problem:
    """The error of a file over ``limit`` (a key of :data:`LIMITS`); ``found``: what it has.

    ``template``: the command that writes the file's template, named in the advice.
    """
    what_vi, what_en = LIMITS[limit]
    bound = getattr(settings, limit)
    setting = f"{limit} = {bound:g} (params/intake.yaml)"
    return Problem(
        file=file, sheet=sheet, row=row,
        message_vi=f"Tệp quá lớn so với giới hạn {what_vi}, {setting}; tệp không được đọc "
        f"tiếp. Hãy tách tệp hoặc dùng mẫu ({template}).",
        message_en=f"The file is too large for the limit on {what_en}, {setting}; it was not "
        f"read further. Split the file or use the template ({template}).",
        value=found, expected=f"≤ {bound:g}")


class LimitExceeded(Exception):
    """Reading or validating a file passed a limit; carries the file's :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


@dataclass
class Budget:
    """The work allowed for one file (limits of ``params/intake.yaml``), checked as it is done.

    Readers and :func:`validate_reports` call :meth:`check_time` as they go and raise
    :class:`LimitExceeded` with a problem naming the limit, so a hostile file stops costing
    time at the limit, whatever its declared size.
    """

    file: str
    settings: IntakeSettings
    template: str = "congdoan template"
    """The command that writes the file's template (named in a limit's advice)."""
    started: float = field(default_factory=time.monotonic)

    def check_time(self) -> None:
        """Raise :class:`LimitExceeded` once the file has taken more than ``max_seconds``."""
        spent = time.monotonic() - self.started
        if spent > self.settings.max_seconds:
            raise LimitExceeded(limit_problem(self.file, "max_seconds", self.settings,
                                              f"> {self.settings.max_seconds:g} s",
                                              template=self.template))

    def check(self, limit: str, count: int, *, sheet: str | None = None,
              row: int | None = None) -> None:
        """Raise :class:`LimitExceeded` when ``count`` exceeds the setting ``limit``."""
        if count > getattr(self.settings, limit):
            raise LimitExceeded(limit_problem(self.file, limit, self.settings, f"≥ {count}",
                                              sheet=sheet, row=row, template=self.template))


def printable(text: str) -> str:
    """``text`` with control characters (a new line in a file name …) shown as escapes.

    A file name is printed in every outcome line: a name holding a new line must not be able to
    print a line of its own (a forged "ĐÃ NHẬN: …").
    """
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def safe_text(value: Any) -> Any:
    """Text that a spreadsheet would evaluate (=, +, -, @ …) prefixed with ``'`` for export."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class IntakeError(CongdoanError):
    """A whole input could not be processed (unreadable folder, missing registry …)."""
