"""Intake: read submitted files (forms, bulk sheets, CSV), validate, store — nothing lost.

Every input file is first copied into a content-addressed store (``store/files/ab/abcd….xlsx``),
whatever happens next. A file is then accepted or rejected *whole*:

- accepted: its reports (and the section III activities it carries) are written in one
  transaction (:func:`congdoan.core.store.accept_submission`); a resubmission for the same
  (CĐCS, sub-period) is a new version, current when it was submitted (its date) no earlier
  than the current one; earlier versions stay queryable;
- rejected: nothing is written to the database (it stays byte-for-byte unchanged); the file is
  copied to ``store/quarantine/`` with its error report (``.loi.txt`` in Vietnamese or English,
  ``.loi.csv``, and a ``.json`` record of who sent it and when).

Re-ingesting a file already seen (same SHA-256), by this run or another process, is a no-op
("already stored"). Each file is processed on its own: whatever goes wrong with it (a parser
error, a limit of ``params/intake.yaml`` passed, a database fault) becomes that file's located
message and the run goes on to the next file. A database fault leaves the file "not processed"
(nothing written, not quarantined), so that a re-run takes it again. Each outcome is handed to
``on_result`` as soon as it is decided and appended to ``store/ingest.log``, so a run that is
killed has told what it stored. The store and quarantine are owner-only (0700/0600).

``congdoan ingest FILE_OR_DIR ... [--lang en]``; :func:`write_demo_inbox` makes the demo inbox.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.activities import activities_wide
from congdoan.core.dataset import Dataset
from congdoan.core.dbfaults import DatabaseFault
from congdoan.core.ownerfiles import (
    FILE_MODE,
    copy_private,
    private_dir,
    remove_stale_temporaries,
    write_private,
)
from congdoan.core.periods import parse_period
from congdoan.exceptions import Location
from congdoan.intake.cells import ParsedFile, nfc
from congdoan.intake.forms import (
    FORM_CELLS,
    FORM_SHEET,
    bulk_form,
    expected_units,
    safe_file_stem,
    save_workbook,
    unit_form,
)
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    LimitExceeded,
    Problem,
    count_problems,
    counts_said,
    has_errors,
    limit_problem,
    load_intake_settings,
    printable,
    problems_frame,
    report_words,
)
from congdoan.intake.readers import read_input
from congdoan.intake.validation import Context, validate_submission

SUFFIXES = (".xlsx", ".csv")
Status = Literal["accepted", "rejected", "duplicate", "failed"]
LOG_NAME = "ingest.log"
"""The store's journal: one JSON line per file outcome, appended as each is decided."""

log = logging.getLogger(__name__)

STATUS_WORDS = {
    "vi": {"accepted": "ĐÃ NHẬN", "rejected": "BỊ TỪ CHỐI", "duplicate": "ĐÃ CÓ (bỏ qua)",
           "failed": "CHƯA XỬ LÝ ĐƯỢC (chạy lại sau khi khắc phục)"},
    "en": {"accepted": "ACCEPTED", "rejected": "REJECTED", "duplicate": "ALREADY STORED (skipped)",
           "failed": "NOT PROCESSED (run again once fixed)"},
}


@dataclass
class IngestResult:
    """What happened to one input file.

    ``status``: ``accepted`` (stored), ``rejected`` (quarantined, nothing written),
    ``duplicate`` (stored or quarantined before, by this or another process) or ``failed``
    (a fault of the database or the store: nothing written, not quarantined; run again).
    """

    path: Path
    sha256: str
    status: Status
    stored_path: Path | None
    problems: list[Problem] = field(default_factory=list)
    n_reports: int = 0
    report_path: Path | None = None
    submission_id: int | None = None
    reported: list[tuple[str, str, dt.date]] = field(default_factory=list)
    """(unit, period, submitted on) of each report the file brought (accepted files)."""
    rejected_before: bool = False
    """A ``duplicate`` whose content was refused before (``report_path``: why)."""

    def summary(self, lang: str = "vi", shown: Callable[[Path], Path] | None = None) -> str:
        """One line for the screen (a duplicate: whether it was taken or refused before).

        ``shown``: how a path is written (e.g. from the current folder); as it is by default.
        """
        report = None if self.report_path is None else (
            shown(self.report_path) if shown else self.report_path)
        if self.status == "duplicate":
            vi = lang == "vi"
            said = ("đã bị từ chối trước đây, chưa sửa" if vi else
                    "refused before, not corrected") if self.rejected_before else (
                "đã nhận trước đây" if vi else "taken before")
            where = (" → " + ("báo cáo lỗi" if vi else "error report") + f": {report}"
                     if self.rejected_before and report else "")
            return f"{STATUS_WORDS[lang][self.status]}: {printable(self.path.name)} ({said}){where}"
        counts = counts_said(self.problems, lang, self.n_reports)
        text = f"{STATUS_WORDS[lang][self.status]}: {printable(self.path.name)}{counts}"
        if report is not None:
            text += f" → {report_words(self.problems, lang)}: {report}"
        return text


# ----------------------------------------------------------------------------- the pipeline
def sha256_of(path: Path) -> str:
    """Content hash of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def input_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file under folders named (sorted, hidden files skipped)."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and not any(part.startswith(".") for part in
                                                    p.relative_to(path).parts))
        else:
            found.append(path)
    return found


def _quarantined(store_dir: Path, sha: str) -> Path | None:
    hits = sorted((store_dir / "quarantine").glob(f"{sha[:16]}_*.json"))
    return hits[0] if hits else None


def _report_of(record: Path) -> Path | None:
    """The error report of a quarantined file, from its record (None if unreadable)."""
    try:
        said = json.loads(record.read_text(encoding="utf-8")).get("error_report_path")
    except (OSError, ValueError):
        return None
    return Path(said) if said else None


def _stored_copy(store_dir: Path, path: Path, sha: str) -> Path:
    suffix = path.suffix.lower() if path.suffix.lower() in SUFFIXES else ".bin"
    return copy_private(path, store_dir / "files" / sha[:2] / f"{sha}{suffix}")


def _write_problem_report(base: Path, result_problems: list[Problem], lang: str,
                          header: list[str]) -> Path:
    text = "\n".join(header + [""] + [p.render(lang) for p in result_problems]) + "\n"
    report = base.with_name(base.name + ".loi.txt")
    table = problems_frame(result_problems).to_csv(index=False, lineterminator="\n")
    write_private(base.with_name(base.name + ".loi.csv"), "\ufeff" + table)
    write_private(report, text)
    return report


def _registry_units(url: str) -> pd.DataFrame:
    units = store.read_table("units", url)
    for col in ("founded", "dissolved"):
        units[col] = pd.to_datetime(units[col])
    return units


def _journal(store_dir: Path, result: IngestResult) -> None:
    """Append ``result`` to the store's journal (a failure to do so is logged, not raised)."""
    line = json.dumps({
        "at": store.now().isoformat(), "pid": os.getpid(), "file": str(result.path),
        "sha256": result.sha256, "status": result.status, "reports": result.n_reports,
        "submission_id": result.submission_id,
        "errors": count_problems(result.problems)[0]}, ensure_ascii=False) + "\n"
    try:
        fd = os.open(store_dir / LOG_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("ingest journal not written: %s", exc)
    log.info("%s", result.summary("en"))


def ingest(paths: Sequence[Path], url: str | None = None, store_dir: Path | None = None, *,
           submitted_by: str | None = None, source: str | None = None,
           today: dt.date | None = None, lang: str = "vi",
           on_result: Callable[[IngestResult], None] | None = None) -> list[IngestResult]:
    """Ingest files and folders into the database at ``url``; one result per file.

    ``on_result(result)`` is called as each file's outcome is decided (the command line
    prints it then). Raises :class:`~congdoan.core.store.StorageError` (a
    :class:`~congdoan.core.dbfaults.DatabaseFault` for a failing database) before any file when
    the database cannot be read or has no registry.
    """
    url = url or store.default_url()
    store_dir = Path(store_dir) if store_dir else store.default_store_dir(url)
    settings = load_intake_settings()
    today = today or dt.date.today()
    if not store.has_registry(url):
        raise store.StorageError(
            "Cơ sở dữ liệu chưa có danh mục CĐCS: nhập danh sách CĐCS trước ('congdoan units "
            "template', điền, rồi 'congdoan units import TỆP'), hoặc thêm '--registry THƯ_MỤC'.",
            "The database has no registry yet: import the list of CĐCS first ('congdoan units "
            "template', fill it, then 'congdoan units import FILE'), or add '--registry DIR'.",
            location=Location(file=url))
    units = _registry_units(url)
    history = store.current_reports(url)
    private_dir(store_dir)
    remove_stale_temporaries(store_dir)
    earlier: dict[tuple[str, str], tuple[str, dt.date]] = {}
    results: list[IngestResult] = []
    for path in input_files(paths):
        result = ingest_file(path, url, store_dir, settings,
                             Context(units=units, today=today, settings=settings, history=history),
                             submitted_by=submitted_by, source=source, lang=lang, earlier=earlier)
        if result.status == "accepted":
            for unit_id, period, day in result.reported:
                earlier.setdefault((unit_id, period), (unicodedata.normalize(
                    "NFC", result.path.name), day))
            try:
                history = store.current_reports(url)
            except DatabaseFault as exc:  # the next file is checked against what was read
                log.warning("history not refreshed: %s", exc)
        _journal(store_dir, result)
        if on_result is not None:
            on_result(result)
        results.append(result)
    return results


def _read_and_check(name: str, stored: Path, settings: IntakeSettings, ctx: Context
                    ) -> tuple[ParsedFile, pd.DataFrame, pd.DataFrame | None, list[Problem]]:
    """Read and validate the stored copy of a file; every failure becomes a problem of it.

    Returns what was read, the valid reports, the section III activities the file carries (None
    when it carries none) and the problems.
    """
    budget = Budget(name, settings)
    parsed = ParsedFile(name=name, layout="csv")
    try:
        size = stored.stat().st_size
        if size > settings.max_file_mb * 2**20:
            parsed.problems.append(limit_problem(name, "max_file_mb", settings,
                                                 f"{size / 2**20:.1f} MB"))
            return parsed, pd.DataFrame(), None, parsed.problems
        parsed = read_input(name, stored.read_bytes(), budget)
        found = validate_submission(parsed, dataclasses.replace(ctx, budget=budget))
    except LimitExceeded as exc:
        return parsed, pd.DataFrame(), None, [exc.problem]
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file does, it is its outcome
        log.debug("reading %s failed", name, exc_info=True)
        return parsed, pd.DataFrame(), None, [Problem(
            file=name, message_vi=f"Không đọc được tệp ({type(exc).__name__}: {exc}); tệp bị "
            "từ chối, không ghi gì.", message_en=f"The file could not be read "
            f"({type(exc).__name__}: {exc}); it was rejected, nothing was written.",
            expected="tệp .xlsx tạo từ mẫu hoặc CSV UTF-8",
            expected_en="an .xlsx made from the form, or a UTF-8 CSV")]
    return parsed, found.reports, found.activities, found.problems


def _order_notes(name: str, frame: pd.DataFrame, accepted: store.Accepted,
                 earlier: Mapping[tuple[str, str], tuple[str, dt.date]]) -> list[Problem]:
    """Warnings on which report is current where this file is not the only one for a period."""
    notes: list[Problem] = []
    kept = {(u, p): (day, other) for u, p, day, other in accepted.not_current}
    for unit_id, period, day in zip(frame["unit_id"], frame["period"], frame["submitted_on"],
                                    strict=True):
        mine = pd.Timestamp(day).date()
        if (unit_id, period) in kept:
            current_day, other = kept[(unit_id, period)]
            notes.append(Problem(
                file=name, field="submitted_on", severity="warning", value=f"{mine:%d/%m/%Y}",
                message_vi=f"CĐCS {unit_id}, kỳ {period}: đã lưu là bản cũ hơn, vì bản hiện hành "
                f"('{other}') gửi ngày {current_day:%d/%m/%Y}, sau ngày gửi của tệp này.",
                message_en=f"CĐCS {unit_id}, period {period}: stored as an earlier version, as "
                f"the current one ('{other}') was submitted on {current_day:%d/%m/%Y}, after "
                "this file.", expected="bản gửi sau cùng là bản hiện hành",
                expected_en="the report submitted last is current"))
        elif (unit_id, period) in earlier:
            other, other_day = earlier[(unit_id, period)]
            notes.append(Problem(
                file=name, field="submitted_on", severity="warning", value=f"{mine:%d/%m/%Y}",
                message_vi=f"CĐCS {unit_id}, kỳ {period}: lần nhận này có hai bản ('{other}' gửi "
                f"ngày {other_day:%d/%m/%Y} và tệp này); bản hiện hành là tệp này (gửi sau "
                "hoặc cùng ngày, nhận sau).",
                message_en=f"CĐCS {unit_id}, period {period}: this run holds two reports "
                f"('{other}' submitted {other_day:%d/%m/%Y}, and this file); this file is "
                "current (submitted later or the same day, received later).",
                expected="bản gửi sau cùng là bản hiện hành",
                expected_en="the report submitted last is current"))
    return notes


def ingest_file(path: Path, url: str, store_dir: Path, settings: IntakeSettings, ctx: Context, *,
                submitted_by: str | None = None, source: str | None = None,
                lang: str = "vi",
                earlier: Mapping[tuple[str, str], tuple[str, dt.date]] | None = None
                ) -> IngestResult:
    """Keep, validate and store (or quarantine) one file; never raises for the file's sake.

    ``earlier``: (unit, period) → (file name, submitted on) of reports accepted before in the
    same run, so that a second report for one of them is noted.
    """
    name = unicodedata.normalize("NFC", path.name)

    def failed(vi: str, en: str, value: Any = None, sha: str = "",
               stored: Path | None = None) -> IngestResult:
        return IngestResult(path=path, sha256=sha, status="failed", stored_path=stored,
                            problems=[Problem(file=name, message_vi=vi, message_en=en,
                                              value=value)])

    def database_failed(exc: DatabaseFault, sha: str, stored: Path | None = None) -> IngestResult:
        where = exc.location.file or url
        return failed(f"{exc.message_vi.rstrip('.')} (CSDL '{where}').",
                      f"{exc.message_en.rstrip('.')} (database '{where}').", exc.value, sha, stored)

    try:
        sha = sha256_of(path)
    except OSError as exc:
        return failed("Không đọc được tệp gửi đến.", "The submitted file cannot be read.",
                      value=exc.strerror or str(exc))
    try:
        if store.find_submission(sha, url):
            return IngestResult(path=path, sha256=sha, status="duplicate",
                                stored_path=store_dir / "files" / sha[:2])
        if (record := _quarantined(store_dir, sha)) is not None:  # refused before: said so
            return IngestResult(path=path, sha256=sha, status="duplicate",
                                stored_path=store_dir / "files" / sha[:2],
                                report_path=_report_of(record), rejected_before=True)
        stored = _stored_copy(store_dir, path, sha)
    except DatabaseFault as exc:
        return database_failed(exc, sha)
    except OSError as exc:
        return failed(f"Không lưu được bản gốc vào kho '{store_dir}'; không ghi gì.",
                      f"Cannot keep the original in the store '{store_dir}'; nothing was written.",
                      value=exc.strerror or str(exc), sha=sha)
    received = store.now()
    parsed, frame, activities, problems = _read_and_check(name, stored, settings, ctx)
    submission = {"sha256": sha, "original_name": name, "stored_path": str(stored),
                  "received_at": received, "submitted_by": submitted_by or parsed.submitted_by,
                  "source": source, "layout": parsed.layout,
                  "form_version": str(parsed.form_version.value) if parsed.form_version else None}
    if not has_errors(problems):
        try:
            accepted = store.accept_submission(submission, frame, url, activities)
        except store.AlreadyStored:
            return IngestResult(path=path, sha256=sha, status="duplicate", stored_path=stored)
        except DatabaseFault as exc:
            return database_failed(exc, sha, stored)
        except sa.exc.IntegrityError as exc:
            problems = problems + [Problem(
                file=name, message_vi=f"Cơ sở dữ liệu từ chối báo cáo: {exc.orig}",
                message_en=f"The database refused the reports: {exc.orig}")]
        else:
            problems = problems + _order_notes(name, frame, accepted, earlier or {})
            result = IngestResult(
                path=path, sha256=sha, status="accepted", stored_path=stored, problems=problems,
                n_reports=len(frame), submission_id=accepted.submission_id,
                reported=[(str(u), str(p), pd.Timestamp(d).date()) for u, p, d in zip(
                    frame["unit_id"], frame["period"], frame["submitted_on"], strict=True)])
            if problems:
                base = store_dir / "reports" / f"{sha[:16]}_{safe_file_stem(name)}"
                try:
                    result.report_path = _write_problem_report(
                        base, problems, lang, [name, f"sha256 {sha}"])
                except OSError as exc:  # stored all the same: say so, do not pretend otherwise
                    log.warning("warnings report of %s not written: %s", name, exc)
            return result
    claimed = [[str(nfc(r.unit_id.value)), str(nfc(r.period.value))] for r in parsed.reports
               if r.unit_id.value is not None and r.period.value is not None]
    return _quarantine(path, name, sha, stored, store_dir, {**submission, "claims": claimed},
                       problems, lang)


def _quarantine(path: Path, name: str, sha: str, stored: Path, store_dir: Path,
                submission: dict[str, Any], problems: list[Problem], lang: str) -> IngestResult:
    """Keep a rejected file in quarantine with its error report; the record is written last."""
    base = store_dir / "quarantine" / f"{sha[:16]}_{safe_file_stem(name)}"
    received = submission["received_at"]
    header = ([f"BÁO CÁO LỖI – tệp '{name}' bị từ chối, không dữ liệu nào được ghi.",
               f"Nhận lúc {received:%d/%m/%Y %H:%M}; sha256 {sha}"] if lang == "vi" else
              [f"ERROR REPORT – file '{name}' rejected; nothing was written.",
               f"Received {received:%Y-%m-%d %H:%M}; sha256 {sha}"])
    try:
        copy_private(stored, base)
        report = _write_problem_report(base, problems, lang, header)
        first = write_private(base.with_name(base.name + ".json"), json.dumps({
            **{k: v if k == "claims" else str(v) if v is not None else None
               for k, v in submission.items()},
            "status": "rejected", "error_report_path": str(report),
            "errors": count_problems(problems)[0]}, ensure_ascii=False, indent=2),
            exclusive=True)
    except OSError as exc:
        return IngestResult(path=path, sha256=sha, status="failed", stored_path=stored,
                            problems=[*problems, Problem(
                                file=name, value=exc.strerror or str(exc),
                                message_vi="Tệp bị từ chối nhưng không ghi được vào khu cách ly "
                                f"'{base.parent}'; không ghi gì vào cơ sở dữ liệu.",
                                message_en="The file was rejected but could not be quarantined in "
                                f"'{base.parent}'; nothing was written to the database.")])
    return IngestResult(path=path, sha256=sha, status="rejected" if first else "duplicate",
                        stored_path=stored, problems=problems, report_path=report)


def rejected_submissions(store_dir: Path) -> pd.DataFrame:
    """Every rejected file kept in quarantine (who sent it, when, where its report is).

    ``claims``: the (CĐCS code, period) pairs the file said it reported, as read before it was
    refused (empty when none could be read).
    """
    rows = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((Path(store_dir) / "quarantine").glob("*.json"))]
    return pd.DataFrame(rows)


def rejected_claims(store_dir: Path) -> set[tuple[str, str]]:
    """(CĐCS code, sub-period) of every report a rejected file in quarantine claimed to bring."""
    frame = rejected_submissions(store_dir)
    if "claims" not in frame:
        return set()
    return {(str(u), str(p)) for claims in frame["claims"].dropna() for u, p in claims}


# ----------------------------------------------------------------------------- demo inbox
DEMO_INDIVIDUAL = 5
"""Individual CĐCS forms written for the latest sub-period of the demo (the rest go in bulk)."""


def write_demo_inbox(dataset: Dataset, folder: Path) -> list[Path]:
    """Write the demo reports as Excel forms into ``folder`` (an inbox to ingest).

    One bulk workbook per sub-period, each CĐCS's section III activities included; a few
    individual forms for the latest sub-period (one
    with a corrected resubmission); every row the demo planted as contradictory in a small file
    of its own (so it is rejected without taking the clean rows with it); and a few deliberately
    bad files (text in a number cell, a cross-field violation, an unknown union, an old form).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()
    reports = dataset.reports.merge(
        dataset.units[["unit_id", "name", "founded", "sector"]], on="unit_id").merge(
        activities_wide(dataset.activities), on=["unit_id", "period"], how="left")
    planted = {(p["unit_id"], p["period"]): p["rule"]
               for p in dataset.meta.get("planted_errors", [])}
    is_planted = pd.Series([(u, p) in planted for u, p in
                            zip(reports["unit_id"], reports["period"], strict=True)],
                           index=reports.index)
    latest = str(max(reports["period"]))
    candidates = reports[(reports["period"] == latest) & ~is_planted].sort_values("unit_id")
    individual = candidates.head(DEMO_INDIVIDUAL)
    taken = is_planted | reports.index.isin(individual.index)
    written: list[Path] = []
    for period_id, rows in reports[~taken].groupby("period", sort=True):
        path = folder / f"TongHop_{period_id}.xlsx"
        save_workbook(bulk_form(rows.sort_values("unit_id"), parse_period(str(period_id))), path)
        written.append(path)
    period = parse_period(latest)
    uppers = expected_units(dataset, period).set_index("unit_id")["upper_name"]
    for _, row in individual.iterrows():
        upper = str(uppers.get(row["unit_id"], ""))
        values = {**_record(row), "submitted_on": pd.Timestamp(row["submitted_on"]).strftime(
            "%d/%m/%Y"), "submitted_by": f"Chủ tịch CĐCS {row['name']}"}
        path = folder / f"{row['unit_id']}_{latest}.xlsx"
        save_workbook(unit_form(row, upper, period, values), path)
        written.append(path)
    first = individual.iloc[0]
    fixed = {**_record(first), "people_informed": int(first["people_informed"]) + 1,
             "submitted_by": "Chủ tịch CĐCS (bản sửa)"}
    path = folder / f"{first['unit_id']}_{latest}_bansua.xlsx"
    save_workbook(unit_form(first, "", period, fixed), path)
    written.append(path)
    for (unit_id, period_id), rule in sorted(planted.items()):
        rows = reports[(reports["unit_id"] == unit_id) & (reports["period"] == period_id)]
        path = folder / f"loi_{rule}_{unit_id}_{period_id}.xlsx"
        save_workbook(bulk_form(rows, parse_period(period_id)), path)
        written.append(path)
    written.extend(_demo_bad_files(individual.iloc[1], folder, period))
    return written


def _record(row: pd.Series) -> dict[str, Any]:
    return {str(key): value for key, value in row.items()}


def _demo_bad_files(row: pd.Series, folder: Path, period: Any) -> list[Path]:
    base = {**_record(row), "submitted_by": "Cán bộ CĐCS"}
    bad: dict[str, tuple[pd.Series, dict[str, Any]]] = {
        "loi_chu_trong_o_so.xlsx": (row, {**base, "members": "khoảng 50"}),
        "loi_nu_nhieu_hon_doan_vien.xlsx": (row, {**base,
                                                  "women_members": int(row["members"]) + 7}),
        "loi_ma_cdcs_khong_ton_tai.xlsx": (pd.Series({**_record(row), "unit_id": "CDCS-9999"}),
                                           base),
        "loi_phien_ban_mau_cu.xlsx": (row, base),
    }
    out: list[Path] = []
    for name, (unit, values) in bad.items():
        wb = unit_form(unit, "", period, values)
        if name == "loi_phien_ban_mau_cu.xlsx":
            sheet = wb[FORM_SHEET]
            sheet[FORM_CELLS["form_version"]] = "2021.1"
        path = folder / name
        save_workbook(wb, path)
        out.append(path)
    return out
