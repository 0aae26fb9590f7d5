"""Union reporting periods: six-month report to 31/5, year report to 30/11.

Reports are stored per half-year *sub-period* (``2023-H1``, ``2023-H2``). Analysis periods are
``2023-H1`` (six months), ``2023-H2`` (second half alone) and ``2023`` (the whole reporting year,
H1 + H2). The cut-off days and the start of the reporting year are read from
``params/periods.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pydantic

from congdoan.core import paths
from congdoan.core.yamlio import load_model
from congdoan.exceptions import ParameterError, PeriodError

if TYPE_CHECKING:
    from congdoan.core.dataset import Dataset

_PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-H(?P<half>[12]))?$")


class MonthDay(pydantic.BaseModel):
    """A day of the year (month, day)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    month: int = pydantic.Field(ge=1, le=12)
    day: int = pydantic.Field(ge=1, le=31)

    def in_year(self, year: int) -> dt.date:
        """Return this day in ``year``."""
        return dt.date(year, self.month, self.day)


class PeriodSettings(pydantic.BaseModel):
    """Validated content of ``params/periods.yaml``."""

    model_config = pydantic.ConfigDict(extra="forbid")
    year_start: MonthDay
    half_year_cut_off: MonthDay
    year_cut_off: MonthDay
    due_days_after_cut_off: int = pydantic.Field(ge=0, le=120)
    first_year: int = pydantic.Field(ge=2000, le=2100)


def load_settings(params_dir: Path | None = None) -> PeriodSettings:
    """Load and validate ``periods.yaml`` from ``params_dir`` (default: the parameters folder in force)."""
    return _load_settings(Path(params_dir) if params_dir is not None else paths.params_dir())


@lru_cache(maxsize=8)
def _load_settings(params_dir: Path) -> PeriodSettings:
    return load_model(params_dir / "periods.yaml", PeriodSettings)


@dataclass(frozen=True, order=True)
class Period:
    """An analysis or reporting period.

    Attributes:
        id: ``YYYY`` (reporting year), ``YYYY-H1`` or ``YYYY-H2`` (halves).
        year: the reporting year.
        half: 1 or 2 for a half, ``None`` for the whole year.
        start: first day covered.
        cut_off: last day covered (the statistics cut-off).

    """

    year: int
    half: int | None
    id: str
    start: dt.date
    cut_off: dt.date

    @property
    def sub_periods(self) -> tuple[str, ...]:
        """The half-year sub-periods whose reports make up this period."""
        if self.half is None:
            return (f"{self.year}-H1", f"{self.year}-H2")
        return (self.id,)

    @property
    def is_year(self) -> bool:
        """True for a whole reporting year."""
        return self.half is None

    @property
    def year_fraction(self) -> float:
        """Share of a reporting year this period covers (for pro-rating annual counts)."""
        return 1.0 if self.half is None else 0.5

    def label(self, lang: str = "vi", since: dt.date | None = None) -> str:
        """Human label, e.g. '6 tháng đầu năm 2023' / 'Năm 2023'.

        ``since``: the day the body's data begin when that falls inside the period (a union or
        CĐCS that began mid-year); the label then says so: 'Năm 2025 — từ 01/07/2025'.
        """
        if lang == "vi":
            text = f"Năm {self.year}" if self.half is None else \
                f"6 tháng {'đầu' if self.half == 1 else 'cuối'} năm {self.year}"
        else:
            text = f"Year {self.year}" if self.half is None else \
                f"{'First' if self.half == 1 else 'Second'} half of {self.year}"
        if since is not None and self.start < since <= self.cut_off:
            text += (" — từ " if lang == "vi" else " — from ") + f"{since:%d/%m/%Y}"
        return text


def parse_period(period_id: str, settings: PeriodSettings | None = None) -> Period:
    """Parse ``'2023'``, ``'2023-H1'`` or ``'2023-H2'`` into a :class:`Period`."""
    settings = settings or load_settings()
    match = _PERIOD_RE.match(str(period_id).strip())
    if not match:
        raise PeriodError(
            "Mã kỳ báo cáo không đúng dạng.",
            "Malformed period id.",
            value=period_id,
            expected="'YYYY' (năm), 'YYYY-H1' (6 tháng đầu) hoặc 'YYYY-H2'",
        )
    year = int(match["year"])
    half = int(match["half"]) if match["half"] else None
    year_start = settings.year_start.in_year(year - 1)
    mid_cut = settings.half_year_cut_off.in_year(year)
    year_cut = settings.year_cut_off.in_year(year)
    if half == 1:
        start, cut_off = year_start, mid_cut
    elif half == 2:
        start, cut_off = mid_cut + dt.timedelta(days=1), year_cut
    else:
        start, cut_off = year_start, year_cut
    return Period(year=year, half=half, id=f"{year}" + (f"-H{half}" if half else ""),
                  start=start, cut_off=cut_off)


def due_date(period: Period, settings: PeriodSettings | None = None) -> dt.date:
    """Day by which a report for ``period`` must be received to count as on time."""
    settings = settings or load_settings()
    return period.cut_off + dt.timedelta(days=settings.due_days_after_cut_off)


def sub_periods_between(first_year: int, last: str) -> list[str]:
    """All half-year sub-periods from ``first_year``-H1 to ``last`` (a half or a year) inclusive."""
    end = parse_period(last)
    end_key = (end.year, end.half or 2)
    out: list[str] = []
    for year in range(first_year, end.year + 1):
        for half in (1, 2):
            if (year, half) <= end_key:
                out.append(f"{year}-H{half}")
    return out


def analysis_periods(sub_periods: list[str]) -> list[str]:
    """Analysis periods available from stored sub-periods: each half, and each year.

    A year is available when both its halves are, or when the data begin with its second half
    (a union formed mid-year: its first year report is made of the half it has).
    """
    present = set(sub_periods)
    out: list[str] = []
    years = sorted({int(s[:4]) for s in present})
    first = min(present, default=None)
    for year in years:
        for half in (1, 2):
            if f"{year}-H{half}" in present:
                out.append(f"{year}-H{half}")
        if {f"{year}-H1", f"{year}-H2"} <= present or first == f"{year}-H2":
            out.append(str(year))
    return out


def latest_period(dataset: Dataset, today: dt.date | None = None) -> str:
    """The period ``'latest'`` stands for, in every command, briefing and view.

    Contract: the analysis period (a half-year, or a whole reporting year) that

    - has data: it is among :func:`analysis_periods` of the sub-periods holding at least one
      report of ``dataset`` (a year needs both halves, or the data begin with its second
      half), and
    - is over: its cut-off is before ``today`` (default: the date of today), so a half-year
      still running is never 'latest', whatever reports (early or mistyped) it holds;

    and among those, the one with the latest cut-off; a whole year rather than its second
    half (they end on the same day). Reports still due after the cut-off do not hold it back:
    a briefing of the latest period shows who has reported so far.

    Raises:
        PeriodError: no period with data is over yet.

    """
    today = today or dt.date.today()
    ended = [parse_period(p) for p in analysis_periods(_report_sub_periods(dataset))]
    ended = [p for p in ended if p.cut_off < today]
    if not ended:
        raise PeriodError("Chưa có kỳ báo cáo nào đã kết thúc.", "No completed period in the data.",
                          expected=f"một kỳ có báo cáo, kết thúc trước {today:%d/%m/%Y}")
    return max(ended, key=lambda p: (p.cut_off, p.half is None)).id


def resolve_period(period: str, dataset: Dataset, today: dt.date | None = None) -> str:
    """``'latest'`` → :func:`latest_period`; any other id normalised and checked against the data.

    Raises:
        PeriodError: a malformed id, or 'latest' when no period with data is over.
        ParameterError: a period the data hold no report for.

    """
    if str(period).strip() == "latest":
        return latest_period(dataset, today)
    chosen = parse_period(period).id
    available = analysis_periods(_report_sub_periods(dataset))
    if chosen not in available:
        raise ParameterError(
            "Kỳ báo cáo nằm ngoài dữ liệu.", "Period outside the data.",
            location=None, value=period, expected="một trong: " + ", ".join(available),
        )
    return chosen


def _report_sub_periods(dataset: Dataset) -> list[str]:
    """The half-year sub-periods holding at least one report, sorted."""
    return sorted(str(p) for p in dataset.reports["period"].dropna().unique())


def period_of_date(day: dt.date, settings: PeriodSettings | None = None) -> str:
    """The half-year sub-period that contains ``day``."""
    settings = settings or load_settings()
    year = day.year + (1 if day >= settings.year_start.in_year(day.year) else 0)
    half = 1 if day <= settings.half_year_cut_off.in_year(year) else 2
    return f"{year}-H{half}"
