"""Intake: read submitted files (forms, bulk sheets, CSV), validate, store — nothing lost.

Every input file is first copied into a content-addressed store (``store/files/ab/abcd….xlsx``),
whatever happens next. A file is then accepted or rejected *whole*:

- accepted: its reports (and the section III activities it carries) are written in one
  transaction (:func:`congdoan.core.store.accept_submission`);
  a resubmission for the same (CĐCS, sub-period) becomes the current version, earlier versions
  stay queryable;
- rejected: nothing is written to the database (it stays byte-for-byte unchanged); the file is
  copied to ``store/quarantine/`` with its error report (``.loi.txt`` in Vietnamese or English,
  ``.loi.csv``, and a ``.json`` record of who sent it and when).

Re-ingesting a file already seen (same SHA-256) is a no-op.

``congdoan ingest FILE_OR_DIR ... [--lang en]``; :func:`write_demo_inbox` makes the demo inbox.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.activities import activities_wide, activity_fields, activity_key
from congdoan.core.dataset import Dataset
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_elements
from congdoan.exceptions import Location
from congdoan.intake.forms import (
    ACTIVITY_COLUMNS,
    ACTIVITY_HEADER,
    BULK_FIRST_ROW,
    BULK_IDENTITY,
    BULK_KEY_ROW,
    BULK_PERIOD_CELL,
    BULK_SHEET,
    BULK_VERSION_CELL,
    FORM_CELLS,
    FORM_FIELD_COL,
    FORM_HEADER_ROW,
    FORM_SHEET,
    FORM_VALUE_COL,
    bulk_form,
    expected_units,
    safe_file_stem,
    save_workbook,
    unit_form,
)
from congdoan.intake.validation import (
    Cell,
    Context,
    IntakeSettings,
    ParsedFile,
    Problem,
    RawReport,
    has_errors,
    is_blank,
    load_intake_settings,
    nfc,
    problems_frame,
    validate_submission,
)

SUFFIXES = (".xlsx", ".csv")
Status = Literal["accepted", "rejected", "duplicate"]


@dataclass
class IngestResult:
    """What happened to one input file."""

    path: Path
    sha256: str
    status: Status
    stored_path: Path
    problems: list[Problem] = field(default_factory=list)
    n_reports: int = 0
    report_path: Path | None = None
    submission_id: int | None = None

    def summary(self, lang: str = "vi") -> str:
        """One line for the screen."""
        words = {"vi": {"accepted": "ĐÃ NHẬN", "rejected": "BỊ TỪ CHỐI",
                        "duplicate": "ĐÃ CÓ (bỏ qua)"},
                 "en": {"accepted": "ACCEPTED", "rejected": "REJECTED",
                        "duplicate": "ALREADY STORED (skipped)"}}[lang]
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        counts = (f"{self.n_reports} báo cáo, {errors} lỗi, {warnings} cảnh báo" if lang == "vi"
                  else f"{self.n_reports} reports, {errors} errors, {warnings} warnings")
        text = f"{words[self.status]}: {self.path.name} ({counts})"
        if self.report_path is not None:
            text += (" → báo cáo lỗi: " if lang == "vi" else " → error report: ") + str(
                self.report_path)
        return text


# ----------------------------------------------------------------------------- readers
def _grid(ws: Any) -> dict[tuple[int, int], Any]:
    """All non-empty cells of a (read-only) worksheet by (row, column)."""
    cells: dict[tuple[int, int], Any] = {}
    for r, row in enumerate(ws.iter_rows(), start=1):
        for c, cell in enumerate(row, start=1):
            if getattr(cell, "value", None) is not None:
                cells[(r, c)] = cell
    return cells


def _cell(grid: dict[tuple[int, int], Any], sheet: str, row: int, col: int) -> Cell:
    from openpyxl.utils import get_column_letter

    raw = grid.get((row, col))
    value = None if raw is None else raw.value
    formula = raw is not None and getattr(raw, "data_type", None) == "f"
    return Cell(value=value, sheet=sheet, ref=f"{get_column_letter(col)}{row}", is_formula=formula)


def _ref(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def read_xlsx(name: str, data: bytes, settings: IntakeSettings) -> ParsedFile:
    """Read an individual form or a bulk sheet (values only; formulas are flagged, never run)."""
    from openpyxl import load_workbook

    parsed = ParsedFile(name=name, layout="form")
    fail = "Tệp Excel bị hỏng hoặc không đọc được"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > settings.max_unpacked_mb * 2**20:
            parsed.problems.append(Problem(
                file=name, message_vi="Tệp Excel giải nén quá lớn; không đọc.",
                message_en="The Excel file unpacks to too much data; not read.",
                value=f"{unpacked / 2**20:.0f} MB", expected=f"≤ {settings.max_unpacked_mb} MB"))
            return parsed
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - any failure of a corrupt file is reported
        parsed.problems.append(Problem(
            file=name, message_vi=f"{fail} ({type(exc).__name__}). Hãy lưu lại tệp bằng Excel "
            "và gửi lại.", message_en=f"The Excel file is corrupt or unreadable "
            f"({type(exc).__name__}). Save it again from Excel and resend.",
            expected="tệp .xlsx tạo từ mẫu (congdoan template)"))
        return parsed
    try:
        if FORM_SHEET in workbook.sheetnames:
            _read_form(parsed, workbook[FORM_SHEET])
        elif BULK_SHEET in workbook.sheetnames:
            parsed.layout = "bulk"
            _read_bulk(parsed, workbook[BULK_SHEET])
        else:
            parsed.problems.append(Problem(
                file=name, message_vi="Không tìm thấy trang báo cáo trong tệp.",
                message_en="No report sheet in the workbook.", value=list(workbook.sheetnames),
                expected=f"trang '{FORM_SHEET}' (mẫu từng CĐCS) hoặc '{BULK_SHEET}' (tổng hợp)"))
    except Exception as exc:  # noqa: BLE001 - truncated parts surface while iterating
        parsed.problems.append(Problem(
            file=name, message_vi=f"{fail} ({type(exc).__name__}).",
            message_en=f"The Excel file is corrupt or unreadable ({type(exc).__name__}).",
            expected="tệp .xlsx tạo từ mẫu (congdoan template)"))
        parsed.reports.clear()
    finally:
        workbook.close()
    return parsed


def _read_form(parsed: ParsedFile, ws: Any) -> None:
    grid = _grid(ws)
    at = {key: _cell(grid, FORM_SHEET, *_ref(ref)) for key, ref in FORM_CELLS.items()}
    parsed.form_version = at["form_version"]
    by = at["submitted_by"].value
    parsed.submitted_by = None if is_blank(by) else str(nfc(by))
    names = {e.name for e in load_elements().elements}
    programmes = {a.name for a in load_elements().activities}
    values: dict[str, Cell] = {}
    activities: dict[str, Cell] | None = None
    last_row = max((r for r, _ in grid), default=0)
    for row in range(FORM_HEADER_ROW + 1, last_row + 1):
        key = _cell(grid, FORM_SHEET, row, FORM_FIELD_COL)
        if is_blank(key.value):
            continue
        name = str(nfc(key.value))
        if name == ACTIVITY_HEADER:  # the section III table begins
            activities = {}
            continue
        if activities is not None and name in programmes:
            for measure, col in ACTIVITY_COLUMNS.items():
                activities[activity_key(name, measure)] = _cell(grid, FORM_SHEET, row, col)
            continue
        if name not in names:
            parsed.problems.append(Problem(
                file=parsed.name, sheet=FORM_SHEET, cell=key.ref, field=name,
                message_vi="Mã trường lạ: mẫu đã bị sửa.", message_en="Unknown field: the form "
                "was altered.", value=name, expected="mẫu gốc (congdoan template)"))
            continue
        values[name] = _cell(grid, FORM_SHEET, row, FORM_VALUE_COL)
    parsed.reports.append(RawReport(unit_id=at["unit_id"], period=at["period"], values=values,
                                    submitted_on=at["submitted_on"], unit_name=at["unit_name"],
                                    activities=activities))


def _read_bulk(parsed: ParsedFile, ws: Any) -> None:
    grid = _grid(ws)
    parsed.form_version = _cell(grid, BULK_SHEET, *_ref(BULK_VERSION_CELL))
    period = _cell(grid, BULK_SHEET, *_ref(BULK_PERIOD_CELL))
    last_col = max((c for _, c in grid), default=0)
    keys = {col: str(nfc(_cell(grid, BULK_SHEET, BULK_KEY_ROW, col).value))
            for col in range(1, last_col + 1)
            if not is_blank(_cell(grid, BULK_SHEET, BULK_KEY_ROW, col).value)}
    _check_columns(parsed, list(keys.values()), sheet=BULK_SHEET, row=BULK_KEY_ROW)
    last_row = max((r for r, _ in grid), default=0)
    for row in range(BULK_FIRST_ROW, last_row + 1):
        cells = {key: _cell(grid, BULK_SHEET, row, col) for col, key in keys.items()}
        _add_row(parsed, cells, period, row_number=None)


def _check_columns(parsed: ParsedFile, keys: list[str], sheet: str | None, row: int) -> None:
    known = ({e.name for e in load_elements().elements} | set(BULK_IDENTITY) | {"period"}
             | set(activity_fields()))
    unknown = [k for k in keys if k not in known]
    required = ["unit_id", *(e.name for e in load_elements().elements)]
    missing = [k for k in required if k not in keys]
    if unknown or missing:
        parsed.problems.append(Problem(
            file=parsed.name, sheet=sheet, row=row, field="header",
            message_vi="Dòng tiêu đề có cột lạ hoặc thiếu cột.",
            message_en="The header row has unknown or missing columns.",
            value={"lạ/unknown": unknown, "thiếu/missing": missing},
            expected="đúng các mã trường của mẫu tổng hợp"))


def _add_row(parsed: ParsedFile, cells: dict[str, Cell], period: Cell | None,
             row_number: int | None) -> None:
    names = {e.name for e in load_elements().elements}
    figures = activity_fields()
    unit = cells.get("unit_id", Cell(None))
    filled = [c for k, c in cells.items() if k in names and not is_blank(c.value)]
    if is_blank(unit.value) and not filled:
        return  # an empty row, or a CĐCS that has not reported
    if not filled and not any(c.is_formula for c in cells.values()):
        return  # a prefilled row left blank: not reported in this file
    activities = {k: c for k, c in cells.items() if k in figures}
    parsed.reports.append(RawReport(
        unit_id=unit, period=period or cells.get("period", Cell(None, row=row_number)),
        values={k: c for k, c in cells.items() if k in names},
        submitted_on=cells.get("submitted_on"), unit_name=cells.get("unit_name"),
        activities=activities or None))


def decode_csv(name: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Text of a CSV: UTF-8 (with or without BOM), else Windows-1258 (with a warning)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        return None, [Problem(
            file=name, message_vi="Tệp CSV không đọc được theo UTF-8 hay Windows-1258.",
            message_en="The CSV is neither UTF-8 nor Windows-1258.",
            value=f"byte {data[exc.start:exc.start + 1]!r} tại vị trí {exc.start}",
            expected="CSV UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')")]
    return text, [Problem(
        file=name, severity="warning",
        message_vi="Tệp CSV mã hóa Windows-1258 (không phải UTF-8); đã chuyển sang Unicode NFC.",
        message_en="The CSV is encoded in Windows-1258, not UTF-8; converted to Unicode NFC.",
        expected="CSV UTF-8")]


def read_csv(name: str, data: bytes) -> ParsedFile:
    """Read a CSV with a header of field names (unit_id, period, submitted_on, elements)."""
    parsed = ParsedFile(name=name, layout="csv")
    text, problems = decode_csv(name, data)
    parsed.problems.extend(problems)
    if text is None:
        return parsed
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return parsed
    header = [str(nfc(h)) for h in rows[0]]
    _check_columns(parsed, header, sheet=None, row=1)
    if "period" not in header:
        parsed.problems.append(Problem(
            file=name, row=1, field="period", message_vi="Thiếu cột kỳ báo cáo 'period'.",
            message_en="Missing column 'period'.", expected="cột 'period' (YYYY-H1/H2)"))
    if has_errors(parsed.problems):
        return parsed
    for number, values in enumerate(rows[1:], start=2):
        if len(values) != len(header) and any(v.strip() for v in values):
            parsed.problems.append(Problem(
                file=name, row=number, message_vi="Số ô của dòng khác số cột tiêu đề.",
                message_en="The row has a different number of cells than the header.",
                value=len(values), expected=f"{len(header)} ô"))
            continue
        cells = {key: Cell(value=v, row=number, from_text_file=True)
                 for key, v in zip(header, values, strict=False)}
        _add_row(parsed, cells, None, row_number=number)
    return parsed


def read_input(name: str, data: bytes, settings: IntakeSettings) -> ParsedFile:
    """Dispatch on the file's suffix."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(name, data, settings)
    if suffix == ".csv":
        return read_csv(name, data)
    parsed = ParsedFile(name=name, layout="csv")
    parsed.problems.append(Problem(
        file=name, message_vi="Định dạng tệp không được hỗ trợ.", message_en="Unsupported file type.",
        value=suffix or "(không có đuôi)", expected=".xlsx (mẫu báo cáo) hoặc .csv (UTF-8)"))
    return parsed


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


def _stored_copy(store_dir: Path, path: Path, sha: str) -> Path:
    suffix = path.suffix.lower() if path.suffix.lower() in SUFFIXES else ".bin"
    target = store_dir / "files" / sha[:2] / f"{sha}{suffix}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    return target


def _write_problem_report(base: Path, result_problems: list[Problem], lang: str,
                          header: list[str]) -> Path:
    text = "\n".join(header + [""] + [p.render(lang) for p in result_problems]) + "\n"
    report = base.with_name(base.name + ".loi.txt")
    report.write_text(text, encoding="utf-8")
    problems_frame(result_problems).to_csv(base.with_name(base.name + ".loi.csv"), index=False,
                                           encoding="utf-8-sig", lineterminator="\n")
    return report


def _registry_units(url: str) -> pd.DataFrame:
    units = store.read_table("units", url)
    for col in ("founded", "dissolved"):
        units[col] = pd.to_datetime(units[col])
    return units


def ingest(paths: Sequence[Path], url: str | None = None, store_dir: Path | None = None, *,
           submitted_by: str | None = None, source: str | None = None,
           today: dt.date | None = None, lang: str = "vi") -> list[IngestResult]:
    """Ingest files and folders into the database at ``url``; one result per file."""
    url = url or store.default_url()
    store_dir = Path(store_dir) if store_dir else store.default_store_dir(url)
    settings = load_intake_settings()
    today = today or dt.date.today()
    if not store.has_registry(url):
        raise store.StorageError(
            "Cơ sở dữ liệu chưa có danh mục CĐCS; thêm '--registry THƯ_MỤC_DỮ_LIỆU'.",
            "The database has no registry yet; add '--registry DATA_DIR'.",
            location=Location(file=url))
    units = _registry_units(url)
    history = store.current_reports(url)
    results: list[IngestResult] = []
    for path in input_files(paths):
        result = ingest_file(path, url, store_dir, settings,
                             Context(units=units, today=today, settings=settings, history=history),
                             submitted_by=submitted_by, source=source, lang=lang)
        if result.status == "accepted":
            history = store.current_reports(url)
        results.append(result)
    return results


def ingest_file(path: Path, url: str, store_dir: Path, settings: IntakeSettings, ctx: Context, *,
                submitted_by: str | None = None, source: str | None = None,
                lang: str = "vi") -> IngestResult:
    """Keep, validate and store (or quarantine) one file."""
    name = unicodedata.normalize("NFC", path.name)
    sha = sha256_of(path)
    stored = store_dir / "files" / sha[:2]
    if store.find_submission(sha, url) or _quarantined(store_dir, sha):
        return IngestResult(path=path, sha256=sha, status="duplicate", stored_path=stored)
    stored = _stored_copy(store_dir, path, sha)
    received = store.now()
    size = path.stat().st_size
    if size > settings.max_file_mb * 2**20:
        parsed = ParsedFile(name=name, layout="csv", problems=[Problem(
            file=name, message_vi="Tệp quá lớn; không đọc (đã lưu lại).",
            message_en="File too large; not read (it has been kept).",
            value=f"{size / 2**20:.1f} MB", expected=f"≤ {settings.max_file_mb:g} MB")])
        frame, activities, problems = pd.DataFrame(), None, parsed.problems
    else:
        parsed = read_input(name, path.read_bytes(), settings)
        found = validate_submission(parsed, ctx)
        frame, activities, problems = found.reports, found.activities, found.problems
    submission = {"sha256": sha, "original_name": name, "stored_path": str(stored),
                  "received_at": received, "submitted_by": submitted_by or parsed.submitted_by,
                  "source": source, "layout": parsed.layout}
    if not has_errors(problems):
        try:
            sub_id = store.accept_submission(submission, frame, url, activities)
        except sa.exc.IntegrityError as exc:
            problems = problems + [Problem(
                file=name, message_vi=f"Cơ sở dữ liệu từ chối báo cáo: {exc.orig}",
                message_en=f"The database refused the reports: {exc.orig}")]
        else:
            report = None
            if problems:
                base = store_dir / "reports" / f"{sha[:16]}_{safe_file_stem(name)}"
                base.parent.mkdir(parents=True, exist_ok=True)
                report = _write_problem_report(base, problems, lang, [name, f"sha256 {sha}"])
            return IngestResult(path=path, sha256=sha, status="accepted", stored_path=stored,
                                problems=problems, n_reports=len(frame), report_path=report,
                                submission_id=sub_id)
    base = store_dir / "quarantine" / f"{sha[:16]}_{safe_file_stem(name)}"
    base.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stored, base)
    header = ([f"BÁO CÁO LỖI – tệp '{name}' bị từ chối, không dữ liệu nào được ghi.",
               f"Nhận lúc {received:%d/%m/%Y %H:%M}; sha256 {sha}"] if lang == "vi" else
              [f"ERROR REPORT – file '{name}' rejected; nothing was written.",
               f"Received {received:%Y-%m-%d %H:%M}; sha256 {sha}"])
    report = _write_problem_report(base, problems, lang, header)
    base.with_name(base.name + ".json").write_text(json.dumps({
        **{k: str(v) if v is not None else None for k, v in submission.items()},
        "status": "rejected", "error_report_path": str(report),
        "errors": sum(p.severity == "error" for p in problems)}, ensure_ascii=False, indent=2),
        encoding="utf-8")
    return IngestResult(path=path, sha256=sha, status="rejected", stored_path=stored,
                        problems=problems, report_path=report)


def rejected_submissions(store_dir: Path) -> pd.DataFrame:
    """Every rejected file kept in quarantine (who sent it, when, where its report is)."""
    rows = [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted((Path(store_dir) / "quarantine").glob("*.json"))]
    return pd.DataFrame(rows)


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
