"""Ingestion: real files in, the database unchanged byte for byte on every bad one."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import tiny_dataset, workspace_for
from congdoan.cli import main
from congdoan.core import store
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_elements
from congdoan.core.schema import schema
from congdoan.intake.forms import FORM_CELLS, FORM_SHEET, bulk_form, save_workbook, unit_form
from congdoan.intake.ingest import IngestResult, ingest, rejected_submissions

TODAY = dt.date(2024, 1, 15)


def good_values(**override: Any) -> dict[str, Any]:
    """A report of CĐCS A that passes every rule."""
    values: dict[str, Any] = {}
    for e in load_elements().elements:
        values[e.name] = {"int": 5, "vnd": 10**9, "bool": 1}.get(e.kind)
    values.update(workers=40, members=30, women_members=12, submitted_on="05/06/2023",
                  submitted_by="Nguyễn Thị Hoa, Chủ tịch CĐCS")
    values.update(override)
    return values


UNITS = [
    {"unit_id": "A", "name": "Trường Mầm non Hoa Sữa", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "B", "name": "Công ty TNHH B", "sector": "NNN", "commune_id": "C1",
     "founded": "2015-01-01", "enterprise_id": "E-B"},
    {"unit_id": "D", "name": "Công ty CP Mới D", "sector": "NNN", "commune_id": "C2",
     "founded": "2023-03-01"},
    {"unit_id": "E", "name": "HTX E (giải thể)", "sector": "NNN", "commune_id": "C2",
     "founded": "2010-01-01", "dissolved": "2020-12-31"},
]


def unit_row(unit_id: str = "A") -> pd.Series:
    known = {u["unit_id"]: u for u in UNITS}
    row = dict(known.get(unit_id, {**UNITS[0], "unit_id": unit_id}))
    row.setdefault("founded", "2015-01-01")
    return pd.Series(row)


def write_form(path: Path, unit_id: str = "A", period: str = "2023-H1",
               edit: Callable[[Any], None] | None = None, **values: Any) -> Path:
    wb = unit_form(unit_row(unit_id), "LĐLĐ huyện Tí Hon", parse_period(period), good_values(**values))
    if edit is not None:
        edit(wb)
    save_workbook(wb, path)
    return path


def write_bulk(path: Path, rows: list[dict[str, Any]], period: str = "2023-H1") -> Path:
    frame = pd.DataFrame([{**good_values(), "name": unit_row(r.get("unit_id", "A"))["name"], **r}
                          for r in rows])
    save_workbook(bulk_form(frame, parse_period(period)), path)
    return path


def csv_text(rows: list[dict[str, Any]], period: str = "2023-H1") -> str:
    names = [e.name for e in load_elements().elements]
    header = ["unit_id", "unit_name", "period", "submitted_on", *names]
    lines = [",".join(header)]
    for r in rows:
        values = {**good_values(submitted_on="2023-06-05"), "unit_id": "A", "period": period,
                  "unit_name": unit_row(r.get("unit_id", "A"))["name"], **r}
        lines.append(",".join("" if values.get(h) is None else str(values[h]) for h in header))
    return "\n".join(lines) + "\n"


@dataclass
class Intake:
    url: str
    db_file: Path
    store_dir: Path
    folder: Path

    def run(self, *paths: Path, lang: str = "vi") -> list[IngestResult]:
        return ingest(list(paths), self.url, self.store_dir, today=TODAY, lang=lang,
                      submitted_by=None, source="test")

    def one(self, path: Path, lang: str = "vi") -> IngestResult:
        (result,) = self.run(path, lang=lang)
        return result

    def snapshot(self) -> tuple[str, dict[str, list[tuple[Any, ...]]]]:
        engine = store.get_engine(self.url)
        store.checkpoint(engine)
        digest = hashlib.sha256(self.db_file.read_bytes()).hexdigest()
        dump = {name: sorted(map(tuple, store.read_table(name, self.url).astype(str).to_numpy()))
                for name in schema().tables}
        store.checkpoint(engine)
        return digest, dump


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    db_file = tmp_path / "db" / "congdoan.sqlite"
    url = f"sqlite:///{db_file}"
    store.seed_registry(tiny_dataset(units=UNITS), url)
    folder = tmp_path / "inbox"
    folder.mkdir()
    return Intake(url=url, db_file=db_file, store_dir=tmp_path / "store", folder=folder)


# ----------------------------------------------------------------------------- builders
def _corrupt(folder: Path) -> Path:
    path = folder / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook" * 10)
    return path


def _truncated(folder: Path) -> Path:
    good = write_form(folder / "tmp_full.xlsx")
    path = folder / "cut.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    good.unlink()
    return path


def _zip_not_workbook(folder: Path) -> Path:
    path = folder / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "xin chào")
    return path


def _rename_sheet(wb: Any) -> None:
    wb[FORM_SHEET].title = "Sheet1"


def _old_version(wb: Any) -> None:
    wb[FORM_SHEET][FORM_CELLS["form_version"]] = "2019.1"


def _formula(wb: Any) -> None:
    wb[FORM_SHEET]["F16"] = "=10+30"


def _decimal(wb: Any) -> None:
    wb[FORM_SHEET]["F16"] = 12.5


def _unknown_field(wb: Any) -> None:
    wb[FORM_SHEET]["B16"] = "workerz"


def _future_date(wb: Any) -> None:
    wb[FORM_SHEET][FORM_CELLS["submitted_on"]] = "01/01/2030"


def form(name: str, **kw: Any) -> Callable[[Path], Path]:
    return lambda folder: write_form(folder / name, **kw)


def bulk(name: str, rows: list[dict[str, Any]], period: str = "2023-H1") -> Callable[[Path], Path]:
    return lambda folder: write_bulk(folder / name, rows, period)


def csv_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return path
    return build


def _big(folder: Path) -> Path:
    path = folder / "rat_lon.csv"
    row = csv_text([{}]).splitlines()[1]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(csv_text([{}]).splitlines()[0] + "\n")
        for _ in range(50 * 2**20 // len(row) + 1):
            handle.write(row + "\n")
    assert path.stat().st_size >= 50 * 2**20
    return path


def _undecodable(folder: Path) -> Path:
    path = folder / "ma_la.csv"
    path.write_bytes(csv_text([{}]).encode("utf-8").replace(b"Hoa", b"H\x81\x8a"))
    return path


def _empty_bulk(folder: Path) -> Path:
    path = folder / "trong.xlsx"
    save_workbook(bulk_form(pd.DataFrame(columns=["unit_id", "name"]), parse_period("2023-H1")),
                  path)
    return path


def _bulk_header(folder: Path) -> Path:
    path = write_bulk(folder / "tieu_de.xlsx", [{"unit_id": "A"}])
    wb = openpyxl.load_workbook(path)
    wb["TongHop"]["D6"] = "so_cong_nhan"
    save_workbook(wb, path)
    return path


BAD_CASES: list[tuple[str, Callable[[Path], Path], list[str]]] = [
    ("corrupt_xlsx", _corrupt, ["hong.xlsx", "bị hỏng"]),
    ("truncated_xlsx", _truncated, ["cut.xlsx", "bị hỏng"]),
    ("zip_without_workbook", _zip_not_workbook, ["notes.xlsx", "bị hỏng"]),
    ("wrong_sheet", form("sheet.xlsx", edit=_rename_sheet), ["sheet.xlsx", "Sheet1", "BaoCao"]),
    ("wrong_form_version", form("version.xlsx", edit=_old_version),
     ["version.xlsx", "ô C4", "form_version", "'2019.1'", "2025.1+"]),
    ("formula_instead_of_value", form("formula.xlsx", edit=_formula),
     ["formula.xlsx", "trang 'BaoCao'", "ô F16", "'workers'", "'=10+30'", "công thức"]),
    ("text_in_number", form("text.xlsx", members="bốn mươi"),
     ["text.xlsx", "ô F17", "'members'", "'bốn mươi'", "số nguyên"]),
    ("negative_number", form("negative.xlsx", workers=-5, members=0, women_members=0,
                             members_upskilled=0),
     ["negative.xlsx", "ô F16", "'workers'", "-5", "âm"]),
    ("absurd_number", form("absurd.xlsx", workers=10**9),
     ["absurd.xlsx", "ô F16", "'workers'", "1000000000", "200.000"]),
    ("absurd_money", form("money.xlsx", wage_fund_vnd=10**15),
     ["money.xlsx", "'wage_fund_vnd'", str(10**15)]),
    ("decimal_in_whole_number", form("decimal.xlsx", edit=_decimal),
     ["decimal.xlsx", "ô F16", "'workers'", "12.5", "số nguyên"]),
    ("bad_yes_no", form("yesno.xlsx", policy_proposal="có lẽ"),
     ["yesno.xlsx", "ô F24", "'policy_proposal'", "'có lẽ'", "Có/Không"]),
    ("bad_rating_label", form("rating.xlsx", period="2023-H2", rating="Giỏi",
                              submitted_on="05/12/2023"),
     ["rating.xlsx", "ô F32", "'rating'", "'Giỏi'", "Hoàn thành tốt nhiệm vụ"]),
    ("unknown_union", form("unknown.xlsx", unit_id="CDCS-9999"),
     ["unknown.xlsx", "ô C5", "'unit_id'", "'CDCS-9999'", "danh mục"]),
    ("inactive_union", form("inactive.xlsx", unit_id="E"),
     ["inactive.xlsx", "ô C5", "'unit_id'", "'E'", "không hoạt động"]),
    ("union_not_yet_founded", form("young.xlsx", unit_id="D", period="2022-H2",
                                   submitted_on="05/12/2022"),
     ["young.xlsx", "ô C5", "'D'", "không hoạt động"]),
    ("path_like_union_code", form("path.xlsx", unit_id="../../x"),
     ["path.xlsx", "ô C5", "'unit_id'", "'../../x'", "không hợp lệ"]),
    ("malformed_period", form("period.xlsx", edit=lambda wb: wb[FORM_SHEET].__setitem__(
        FORM_CELLS["period"], "2023-H3")),
     ["period.xlsx", "ô C9", "'period'", "'2023-H3'", "YYYY-H1"]),
    ("period_not_ended", form("early.xlsx", period="2024-H1", submitted_on="10/01/2024"),
     ["early.xlsx", "ô C9", "'2024-H1'", "chưa kết thúc"]),
    ("period_before_plan", csv_file("old.csv", csv_text([{}], period="2019-H1")),
     ["old.csv", "dòng 2", "'period'", "'2019-H1'", "2021-H1"]),
    ("women_gt_members", form("women.xlsx", women_members=31),
     ["women.xlsx", "ô F18", "'women_members'", "31", "≤ 30"]),
    ("members_gt_workers", form("members.xlsx", members=41, women_members=10),
     ["members.xlsx", "ô F17", "'members'", "(41) không được lớn hơn 'Tổng số công nhân, viên "
      "chức, lao động (CNVCLĐ)' (40); cần ≤ 40\n"]),  # the value said once
    ("upskilled_gt_members", form("upskilled.xlsx", unit_id="B", members_upskilled=31),
     ["upskilled.xlsx", "'members_upskilled'", "31", "≤ 30"]),
    ("visited_gt_hardship", form("visited.xlsx", members_hardship_visited=6),
     ["visited.xlsx", "'members_hardship_visited'", "6", "≤ 5"]),
    ("represented_gt_need", form("legal.xlsx", legal_cases_represented=6),
     ["legal.xlsx", "'legal_cases_represented'", "6", "≤ 5"]),
    ("grade_without_agreement", form("grade.xlsx", unit_id="B", cba_signed=0, cba_grade="A"),
     ["grade.xlsx", "'cba_grade'", "'A'", "dòng thỏa ước ghi Có"]),
    ("rating_in_six_month_report", form("h1rating.xlsx", edit=lambda wb: wb[FORM_SHEET].cell(
        row=32, column=6, value="Hoàn thành tốt nhiệm vụ")),
     ["h1rating.xlsx", "ô F32", "'rating'", "H2"]),
    ("rating_before_12_months", form("norating.xlsx", unit_id="D", period="2023-H2",
                                     submitted_on="05/12/2023", edit=lambda wb: wb[
                                         FORM_SHEET].cell(row=32, column=6, value="tot")),
     ["norating.xlsx", "ô F32", "'rating'", "12 tháng"]),
    ("missing_required", form("missing.xlsx", people_informed=None),
     ["missing.xlsx", "ô F26", "'people_informed'", "bắt buộc"]),
    ("future_submission_date", form("future.xlsx", edit=_future_date),
     ["future.xlsx", "ô C12", "'submitted_on'", "01/01/2030"]),
    ("unknown_field_in_form", form("field.xlsx", edit=_unknown_field),
     ["field.xlsx", "ô B16", "'workerz'"]),
    ("csv_equals_sign", csv_file("equals.csv", csv_text([{"members": "=1+2"}])),
     ["equals.csv", "dòng 2", "'members'", "'=1+2'"]),
    ("csv_plus_sign", csv_file("plus.csv", csv_text([{"workers": "+40"}])),
     ["plus.csv", "dòng 2", "'workers'", "'+40'"]),
    ("csv_unknown_column", csv_file("cols.csv", csv_text([{}]).replace("members,", "memberz,", 1)),
     ["cols.csv", "dòng 1", "memberz"]),
    ("csv_ragged_row", csv_file("ragged.csv", csv_text([{}]) + "A,x,2023-H1\n"),
     ["ragged.csv", "dòng 3"]),
    ("csv_undecodable", _undecodable, ["ma_la.csv", "UTF-8", "Windows-1258"]),
    ("file_of_50_mb", _big, ["rat_lon.csv", "quá lớn", "MB"]),
    ("bulk_duplicate_row", bulk("dup_rows.xlsx", [{"unit_id": "A"}, {"unit_id": "A"}]),
     ["dup_rows.xlsx", "trang 'TongHop'", "ô A8", "'A'", "lặp lại"]),
    ("bulk_one_bad_row", bulk("one_bad.xlsx", [{"unit_id": "A"}, {"unit_id": "B", "members": 99}]),
     ["one_bad.xlsx", "ô E8", "'members'", "99"]),
    ("bulk_altered_header", _bulk_header, ["tieu_de.xlsx", "dòng 6", "so_cong_nhan"]),
    ("bulk_without_rows", _empty_bulk, ["trong.xlsx", "không có báo cáo"]),
    ("unsupported_type", csv_file("bao_cao.pdf", "%PDF-1.4"), ["bao_cao.pdf", ".pdf"]),
]


@pytest.mark.parametrize("case, build, fragments", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_rejected_whole_and_changes_nothing(
        intake: Intake, case: str, build: Callable[[Path], Path], fragments: list[str]) -> None:
    path = build(intake.folder)
    before = intake.snapshot()
    result = intake.one(path)
    after = intake.snapshot()
    assert result.status == "rejected", case
    assert after == before  # DB file bytes (after a checkpoint) and every table
    assert result.report_path is not None
    report = result.report_path.read_text(encoding="utf-8")
    for fragment in fragments:
        assert fragment in report, f"{case}: {fragment!r} not in report:\n{report}"
    # nothing lost: the original is kept by hash and in quarantine next to its report
    assert result.stored_path.read_bytes() == path.read_bytes()
    kept = result.report_path.with_name(result.report_path.name.removesuffix(".loi.txt"))
    assert kept.read_bytes() == path.read_bytes()
    assert kept.parent == intake.store_dir / "quarantine"
    assert ".." not in kept.name and "/" not in kept.name.replace(str(kept.parent), "")


def test_there_are_at_least_30_bad_cases() -> None:
    assert len(BAD_CASES) >= 30


def test_formula_like_text_is_exported_safely(intake: Intake) -> None:
    path = csv_file("eq.csv", csv_text([{"members": "=HYPERLINK(\"x\")"}]))(intake.folder)
    result = intake.one(path)
    assert result.report_path is not None
    table = result.report_path.with_name(result.report_path.name.replace(".txt", ".csv"))
    text = table.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_english_report(intake: Intake) -> None:
    result = intake.one(write_form(intake.folder / "en.xlsx", members="many"), lang="en")
    assert result.report_path is not None
    report = result.report_path.read_text(encoding="utf-8")
    assert "file 'en.xlsx', sheet 'BaoCao', cell F17, field 'members'" in report
    assert "must be a number" in report and "value 'many'" in report


def test_good_form_is_stored_with_every_value(intake: Intake) -> None:
    path = write_form(intake.folder / "A_2023-H1.xlsx")
    before = intake.snapshot()
    result = intake.one(path)
    assert result.status == "accepted" and result.n_reports == 1
    after = intake.snapshot()
    assert after[0] != before[0] and after[1] != before[1]  # the snapshot does see changes
    row = store.current_reports(intake.url).iloc[0]
    assert (row["unit_id"], row["period"]) == ("A", "2023-H1")
    assert (row["workers"], row["members"], row["women_members"]) == (40, 30, 12)
    assert row["officials_conference_held"] == 1 and row["wage_fund_vnd"] == 10**9
    # the plan counts dialogues in enterprises only: a school's form does not ask it
    assert pd.isna(row["dialogue_held"])
    assert row["submitted_on"] == pd.Timestamp("2023-06-05")
    sub = store.find_submission(result.sha256, intake.url)
    assert sub is not None
    assert sub["submitted_by"] == "Nguyễn Thị Hoa, Chủ tịch CĐCS"
    assert sub["original_name"] == "A_2023-H1.xlsx" and sub["status"] == "accepted"
    assert Path(sub["stored_path"]).read_bytes() == path.read_bytes()


def test_same_file_twice_is_a_no_op(intake: Intake) -> None:
    path = write_form(intake.folder / "A.xlsx")
    assert intake.one(path).status == "accepted"
    before = intake.snapshot()
    again = intake.one(path)
    assert again.status == "duplicate"
    assert again.summary() == "ĐÃ CÓ (bỏ qua): A.xlsx (đã nhận trước đây)"
    assert intake.snapshot() == before
    bad = write_form(intake.folder / "bad.xlsx", members="x")
    first = intake.one(bad)
    assert first.status == "rejected"
    quarantined = sorted((intake.store_dir / "quarantine").iterdir())
    # the same refused content again, under another name: said refused, with its report
    renamed = bad.rename(bad.with_name("bad (1).xlsx"))
    refused = intake.one(renamed)
    assert refused.status == "duplicate" and refused.report_path == first.report_path
    assert refused.summary() == (f"ĐÃ CÓ (bỏ qua): bad (1).xlsx (đã bị từ chối trước đây, chưa "
                                 f"sửa) → báo cáo lỗi: {first.report_path}")
    assert sorted((intake.store_dir / "quarantine").iterdir()) == quarantined
    assert len(rejected_submissions(intake.store_dir)) == 1


def test_resubmission_becomes_current_version(intake: Intake) -> None:
    first = write_form(intake.folder / "A_v1.xlsx", people_informed=20)
    second = write_form(intake.folder / "A_v2.xlsx", people_informed=25,
                        submitted_by="Trần Văn Bình (sửa số liệu)")
    results = intake.run(first, second)
    assert [r.status for r in results] == ["accepted", "accepted"]
    assert store.current_reports(intake.url)["people_informed"].tolist() == [25]
    history = store.report_history("A", "2023-H1", intake.url)
    assert history["people_informed"].tolist() == [20, 25]
    assert history["is_current"].tolist() == [False, True]
    assert history["original_name"].tolist() == ["A_v1.xlsx", "A_v2.xlsx"]
    assert history["submitted_by"].tolist()[1] == "Trần Văn Bình (sửa số liệu)"


def test_nfd_text_is_normalised(intake: Intake) -> None:
    nfd = unicodedata.normalize("NFD", "Có")
    assert nfd != "Có"
    path = write_form(intake.folder / "nfd.xlsx", officials_conference_held=nfd,
                      edit=lambda wb: wb[FORM_SHEET].__setitem__(
                          FORM_CELLS["unit_name"], unicodedata.normalize("NFD", UNITS[0]["name"])))
    result = intake.one(path)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert not [p for p in result.problems if p.field == "unit_name"]
    assert store.current_reports(intake.url)["officials_conference_held"].tolist() == [1]


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: precomposed vowels + combining tone marks."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += base.encode("cp1258") + "".join(
                c for c in parts if c in TONE_MARKS).encode("cp1258")
    return out


@pytest.mark.parametrize("encoding, bom, warned", [
    ("utf-8", False, False), ("utf-8", True, False), ("cp1258", False, True)])
def test_csv_encodings(intake: Intake, encoding: str, bom: bool, warned: bool) -> None:
    text = csv_text([{"dialogue_held": "Không", "unit_id": "A"}])
    data = to_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    if encoding == "cp1258":
        assert unicodedata.normalize("NFC", data.decode("cp1258")) == text
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    path = intake.folder / f"bao_cao_{encoding}.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    result = intake.one(path)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert any("Windows-1258" in p.message_vi for p in result.problems) == warned
    assert store.current_reports(intake.url)["dialogue_held"].tolist() == [0]


def test_bulk_skips_rows_left_blank(intake: Intake) -> None:
    path = intake.folder / "bulk.xlsx"
    names = [e.name for e in load_elements().elements]
    frame = pd.DataFrame([
        {**good_values(), "unit_id": "A", "name": UNITS[0]["name"]},
        {"unit_id": "B", "name": UNITS[1]["name"], **{n: None for n in names}},
    ])
    save_workbook(bulk_form(frame, parse_period("2023-H1")), path)
    result = intake.one(path)
    assert result.status == "accepted" and result.n_reports == 1


def test_formula_text_in_a_free_text_cell_is_kept_as_text(intake: Intake) -> None:
    path = write_form(intake.folder / "by.xlsx", submitted_by="=cmd|' /C calc'!A0")
    wb = openpyxl.load_workbook(path)
    cell = wb[FORM_SHEET][FORM_CELLS["submitted_by"]]
    assert cell.data_type == "s" and cell.value == "'=cmd|' /C calc'!A0"  # written safely
    result = intake.one(path)
    assert result.status == "accepted"
    sub = store.find_submission(result.sha256, intake.url)
    # the protective ' of the export is undone on reading: the text itself is stored
    assert sub is not None and sub["submitted_by"] == "=cmd|' /C calc'!A0"


def test_every_file_is_kept_by_hash(intake: Intake) -> None:
    good = write_form(intake.folder / "g.xlsx")
    bad = write_form(intake.folder / "b.xlsx", members=99)
    results = intake.run(intake.folder)
    assert sorted(r.status for r in results) == ["accepted", "rejected"]
    for path, result in zip(sorted([bad, good]), results, strict=True):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert result.sha256 == digest
        assert (intake.store_dir / "files" / digest[:2] / f"{digest}.xlsx").exists()


def test_cli_ingest_in_english_with_registry(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from congdoan.core.dataset import write_dataset

    registry = tmp_path / "registry"
    write_dataset(tiny_dataset(units=UNITS), registry)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_form(inbox / "A.xlsx")
    write_form(inbox / "bad.xlsx", members="nhiều")
    from congdoan.core.workspace import Organisation, init_workspace

    ws = init_workspace(tmp_path / "ws", Organisation(id="TINY", name="Tiny", kind="commune"))
    code = main(["-w", str(ws.root), "ingest", str(inbox), "--registry", str(registry),
                 "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "ACCEPTED: A.xlsx (1 reports)\n" in out
    assert "REJECTED: bad.xlsx" in out and "cell F17, field 'members'" in out
    assert "Total: 1 accepted, 1 rejected\n" in out
    # the refused file's report, named for it, in output/loi/ to send back to its CĐCS
    sent_back = ws.output_dir / "loi" / "bad.xlsx.loi.txt"
    assert f"→ error report: {sent_back}" in out and "F17" in sent_back.read_text("utf-8")
    assert main(["ingest", str(inbox), "--workspace", str(ws.root),
                 "--strict"]) == 0  # both already stored: nothing rejected this time
    out = capsys.readouterr().out
    assert f"ĐÃ CÓ (bỏ qua): bad.xlsx (đã bị từ chối trước đây, chưa sửa) → báo cáo lỗi: " \
           f"{sent_back}" in out
    assert (ws.root / "congdoan.sqlite").is_file() and (ws.store_dir / "quarantine").is_dir()
    # corrected under the same name and taken in: its old report is not left to be sent again
    write_form(inbox / "bad.xlsx", members=20)
    assert main(["-w", str(ws.root), "ingest", str(inbox)]) == 0
    out = capsys.readouterr().out
    assert "ĐÃ NHẬN: bad.xlsx" in out and not sent_back.exists()
    assert f"ĐÃ NHẬN: bad.xlsx (1 báo cáo)\n   đã bỏ báo cáo lỗi cũ, không cần gửi nữa: " \
           f"{sent_back}\n" in out  # said, not gone silently


@pytest.mark.slow
def test_demo_inbox_is_mostly_accepted(tmp_path: Path, demo_dir: Path) -> None:
    """The demo inbox: clean bulk files accepted, every planted or bad file quarantined."""
    from congdoan.core.dataset import read_dataset
    from congdoan.intake.ingest import write_demo_inbox

    demo = read_dataset(demo_dir)
    files = write_demo_inbox(demo, tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    store.seed_registry(demo, url)
    results = ingest([tmp_path / "inbox"], url, tmp_path / "store")
    assert len(results) == len(files)
    rejected = sorted(r.path.name for r in results if r.status == "rejected")
    planted = demo.meta.get("planted_errors", [])
    assert len(rejected) == len(planted) + 4
    assert all(name.startswith("loi_") for name in rejected)
    for result in results:
        if result.status == "rejected":
            assert result.report_path is not None and "[LỖI]" in result.report_path.read_text(
                encoding="utf-8")
    current = store.current_reports(url)
    assert len(current) == len(demo.reports) - len(planted)
    resent = next(r.path.name for r in results if r.path.name.endswith("_bansua.xlsx"))
    unit_id, period = resent.split("_")[:2]
    corrected = store.report_history(unit_id, period, url)
    assert corrected["version"].tolist() == [1, 2]
    assert corrected["is_current"].tolist() == [False, True]


def test_two_submissions_in_one_run_the_later_date_is_current(
        intake: Intake, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 21: the form submitted 03/12 must win over the one of 01/12, whatever the names."""
    h2 = {"period": "2023-H2", "submitted_by": "Chủ tịch CĐCS"}
    write_form(intake.folder / "A_1_gui_0312.xlsx", submitted_on="03/12/2023", people_informed=31,
               **h2)
    write_form(intake.folder / "A_2_gui_0112.xlsx", submitted_on="01/12/2023", people_informed=29,
               **h2)
    write_form(intake.folder / "B_1.xlsx", unit_id="B", submitted_on="01/12/2023", **h2)
    write_form(intake.folder / "B_2.xlsx", unit_id="B", submitted_on="02/12/2023", workers=41, **h2)
    code = main(["ingest", str(intake.folder), "-w",
                 str(workspace_for(intake.url, intake.folder.parent)), "--store",
                 str(intake.store_dir)])
    out = capsys.readouterr().out
    assert code == 0
    current = store.current_reports(intake.url).set_index("unit_id")
    assert current.loc["A", "people_informed"] == 31
    assert current.loc["B", "workers"] == 41
    assert ("CĐCS A, kỳ 2023-H2: đã lưu là bản cũ hơn, vì bản hiện hành ('A_1_gui_0312.xlsx') "
            "gửi ngày 03/12/2023") in out
    assert "CĐCS B, kỳ 2023-H2: lần nhận này có hai bản ('B_1.xlsx' gửi ngày 01/12/2023" in out


def test_section_iii_activities_are_stored_and_replaced_by_a_resubmission(intake: Intake) -> None:
    first = write_form(intake.folder / "A_v1.xlsx", **{
        "tet_sum_vay.events": 2, "tet_sum_vay.participants": 40,
        "tet_sum_vay.support_vnd": 6_000_000, "thang_cong_nhan.events": 1,
        "thang_cong_nhan.participants": 25})
    assert intake.one(first).status == "accepted"
    stored = store.read_table("activities", intake.url).sort_values("programme")
    assert stored[["unit_id", "period", "programme", "events", "participants",
                   "support_vnd"]].values.tolist() == [
        ["A", "2023-H1", "tet_sum_vay", 2, 40, 6_000_000],
        ["A", "2023-H1", "thang_cong_nhan", 1, 25, 0]]
    # the corrected form replaces them all (Tháng Công nhân was a mistake)
    second = write_form(intake.folder / "A_v2.xlsx", people_informed=6, **{
        "tet_sum_vay.events": 3, "tet_sum_vay.participants": 45})
    assert intake.one(second).status == "accepted"
    stored = store.read_table("activities", intake.url)
    assert stored[["programme", "events", "participants"]].values.tolist() == [
        ["tet_sum_vay", 3, 45]]
    # a CSV has no section III: the activities stay as they are
    csv = intake.folder / "A.csv"
    csv.write_text(csv_text([{"people_informed": 7}]), encoding="utf-8")
    assert intake.one(csv).status == "accepted"
    assert len(store.read_table("activities", intake.url)) == 1
    # a bulk sheet carries them: a row left blank there means none were held
    bulk_path = write_bulk(intake.folder / "bulk.xlsx", [{"unit_id": "A", "people_informed": 8}])
    assert intake.one(bulk_path).status == "accepted"
    assert store.read_table("activities", intake.url).empty


def test_participants_without_an_activity_held_reject_the_file(intake: Intake) -> None:
    path = write_form(intake.folder / "A.xlsx", **{"mai_am_cong_doan.support_vnd": 60_000_000})
    before = intake.snapshot()
    result = intake.one(path)
    assert result.status == "rejected" and intake.snapshot() == before
    (problem,) = [p for p in result.problems if p.severity == "error"]
    assert (problem.sheet, problem.field) == (FORM_SHEET, "mai_am_cong_doan.events")
    assert "Mái ấm công đoàn" in problem.message_vi
