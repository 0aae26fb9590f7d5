"""``congdoan completeness``: who has reported, and on time.

The summary has one row per upper union and one for the whole organisation (the column
``cấp`` tells them apart: with a single upper union they carry the same code and figures); the
CĐCS still missing are named under it. ``--units`` lists every expected report instead: one row
per CĐCS and half-year with its submission day and status (missing, late, on time).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from congdoan.cli.common import add_data_argument
from congdoan.core.completeness import completeness, expected_reports
from congdoan.core.dataset import Dataset
from congdoan.core.sources import open_dataset

LEVEL_WORDS: dict[str, tuple[str, str]] = {
    "upper_union": ("cấp trên trực tiếp", "upper union"),
    "organisation": ("toàn tổ chức", "whole organisation"),
}
"""The ``level`` of a summary row, as printed (Vietnamese, English)."""

SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "level": ("cấp", "level"),
    "upper_id": ("mã", "code"),
    "upper_name": ("công đoàn cấp trên", "upper union"),
    "period": ("kỳ", "period"),
    "due_date": ("hạn", "due"),
    "expected": ("phải nộp", "expected"),
    "received": ("đã nhận", "received"),
    "on_time": ("đúng hạn", "on time"),
    "late": ("muộn", "late"),
    "missing": ("chưa nộp", "missing"),
    "received_share": ("% đã nhận", "% received"),
    "on_time_share": ("% đúng hạn", "% on time"),
}
"""Headers of the summary on screen (Vietnamese, English)."""

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "missing": ("chưa nộp", "missing"),
    "rejected": ("tệp bị từ chối, chờ gửi lại", "file rejected, awaiting a corrected one"),
    "late": ("nộp muộn", "late"),
    "on_time": ("đúng hạn", "on time"),
}
"""The status of one expected report (Vietnamese, English), in the order listed."""

UNIT_COLUMNS: dict[str, tuple[str, str]] = {
    "unit_id": ("mã CĐCS", "CĐCS code"),
    "unit_name": ("tên CĐCS", "CĐCS name"),
    "parent_id": ("mã cấp trên", "upper union code"),
    "period": ("kỳ", "period"),
    "due_date": ("hạn", "due"),
    "submitted_on": ("ngày nộp", "submitted on"),
    "status": ("tình trạng", "status"),
}
"""Columns of ``--units`` (CSV keys; headers on screen in Vietnamese, English)."""

MISSING_SHOWN = 12
"""How many missing CĐCS codes the summary names before "… and N more"."""


def unit_reports(dataset: Dataset, period: str,
                 rejected: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()
                 ) -> pd.DataFrame:
    """One row per expected (CĐCS, half-year): name, upper union, submission day and status.

    ``rejected``: (CĐCS, half-year) of the reports a rejected file claimed
    (:func:`~congdoan.intake.ingest.rejected_claims`); such a report still missing is
    "rejected" (the CĐCS sent one, to be corrected) rather than "missing". Missing reports
    first, then rejected, late, on time; by code within each status.
    """
    rows = expected_reports(dataset, period)
    names = dataset.units.set_index("unit_id")["name"]
    status = pd.Series("on_time", index=rows.index)
    status[rows["received"] & ~rows["on_time"]] = "late"
    status[~rows["received"]] = "missing"
    claimed = pd.Series([(u, p) in rejected for u, p in zip(
        rows["unit_id"].astype(str), rows["period"].astype(str), strict=True)], index=rows.index)
    status[~rows["received"] & claimed] = "rejected"
    order = {s: i for i, s in enumerate(STATUS_WORDS)}
    table = rows.assign(unit_name=rows["unit_id"].map(names), status=status,
                        submitted_on=pd.to_datetime(rows["submitted_on"]),
                        _order=status.map(order))
    table = table.sort_values(["_order", "unit_id", "period"], kind="stable")
    return table[list(UNIT_COLUMNS)].reset_index(drop=True)


def _dates(table: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return table.assign(**{c: table[c].dt.strftime("%d/%m/%Y").fillna("") for c in columns})


def _rejected(args: argparse.Namespace) -> set[tuple[str, str]]:
    """The reports rejected files claimed, from the workspace's quarantine (not for ``--data``)."""
    from congdoan.intake.ingest import rejected_claims

    return set() if args.data else rejected_claims(args.ws.store_dir)


def _units_command(args: argparse.Namespace, dataset: Dataset) -> int:
    table = unit_reports(dataset, args.period, _rejected(args))
    which = 0 if args.lang == "vi" else 1
    if args.out:
        _to_csv(table, args.out)
        return 0
    shown = _dates(table, ("due_date", "submitted_on")).assign(
        status=table["status"].map(lambda s: STATUS_WORDS[s][which]))
    print(shown.rename(columns={k: v[which] for k, v in UNIT_COLUMNS.items()})
          .to_string(index=False) if len(shown) else "(không có / none)")
    return 0


def _missing_line(dataset: Dataset, period: str, lang: str,
                  rejected: set[tuple[str, str]]) -> str | None:
    """The CĐCS still missing, named (the first :data:`MISSING_SHOWN`), or None when none is.

    Those whose file was rejected are among them, and named again as such.
    """
    table = unit_reports(dataset, period, rejected)
    status = table.set_index("unit_id")["status"]
    missing = list(dict.fromkeys(status[status.isin(("missing", "rejected"))].index))
    if not missing:
        return None
    named = ", ".join(missing[:MISSING_SHOWN])
    more = len(missing) - MISSING_SHOWN
    again = list(dict.fromkeys(status[status == "rejected"].index))
    if lang == "vi":
        tail = f", … và {more} CĐCS nữa" if more > 0 else ""
        resend = (f" Tệp bị từ chối, chờ gửi lại ({len(again)}): {', '.join(again)}."
                  if again else "")
        return (f"CĐCS chưa nộp ({len(missing)}): {named}{tail}.{resend} "
                "Từng CĐCS, ngày nộp, đúng hạn hay muộn: thêm --units.")
    tail = f", … and {more} more" if more > 0 else ""
    resend = (f" File rejected, awaiting a corrected one ({len(again)}): {', '.join(again)}."
              if again else "")
    return (f"CĐCS missing ({len(missing)}): {named}{tail}.{resend} "
            "Each CĐCS with its day and status: add --units.")


def _to_csv(table: pd.DataFrame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, encoding="utf-8", lineterminator="\n")
    print(f"{len(table)} dòng / rows → {out}", file=sys.stderr)


def _completeness_command(args: argparse.Namespace) -> int:
    dataset = open_dataset(args.data)
    if args.units:
        return _units_command(args, dataset)
    table = completeness(dataset, args.period)
    if args.out:
        _to_csv(table, args.out)
        return 0
    which = 0 if args.lang == "vi" else 1
    shown = _dates(table, ("due_date",)).assign(
        received_share=(table["received_share"] * 100).round(1),
        on_time_share=(table["on_time_share"] * 100).round(1),
        level=table["level"].map(lambda level: LEVEL_WORDS.get(level, (level, level))[which]),
    )[list(SUMMARY_COLUMNS)]
    print(shown.rename(columns={k: v[which] for k, v in SUMMARY_COLUMNS.items()})
          .to_string(index=False))
    line = _missing_line(dataset, args.period, args.lang, _rejected(args))
    if line:
        print(line)
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan completeness``."""
    cmd = sub.add_parser(
        "completeness", help="tình hình nộp báo cáo / completeness and timeliness of reports",
        description="Số báo cáo phải nộp, đã nhận, đúng hạn, muộn, chưa nộp theo từng công đoàn "
                    "cấp trên và toàn tổ chức, kèm mã các CĐCS chưa nộp; --units: từng CĐCS. "
                    "/ Reports expected, received, on time, late and missing per upper union and "
                    "for the organisation, naming the CĐCS missing; --units: each CĐCS.")
    cmd.add_argument("--period", required=True,
                     help="kỳ: YYYY (cả năm: hai kỳ 6 tháng), YYYY-H1 (chốt 31/5) hoặc YYYY-H2 "
                          "(chốt 30/11)")
    cmd.add_argument("--units", action="store_true",
                     help="từng CĐCS: ngày nộp, đúng hạn, muộn hay chưa nộp / one row per CĐCS")
    cmd.add_argument("--out", type=Path, default=None, help="tệp CSV (mặc định: in ra màn hình)")
    add_data_argument(cmd)
    cmd.set_defaults(func=_completeness_command)
