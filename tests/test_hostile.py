"""Hostile files, faults and concurrency: nothing lost, nothing hangs, no traceback.

Every hostile input is made from the tool's own templates (:mod:`congdoan.intake.forms`, and
:mod:`congdoan.intake.units_template` for units lists), so the cases follow layout changes. Each
case runs ``congdoan ingest --strict`` (or ``congdoan units import``) and asserts the message (on
screen and in the error report), a database unchanged (a dump before and after), the copy kept
in quarantine, and the exit code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import openpyxl
import pandas as pd
import psutil
import pytest
import sqlalchemy as sa

from conftest import fresh_python, tiny_dataset, workspace_for
from congdoan.cli import main
from congdoan.core import store
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_elements
from congdoan.core.registry_store import registry_state
from congdoan.core.workspace import Workspace, load_workspace
from congdoan.engine.jobs import AUDIT_NOTE, audit_record
from congdoan.engine.manifest import MANIFEST_NAME, Manifest
from congdoan.exceptions import DataError
from congdoan.intake import ingest as ingest_module
from congdoan.intake import list_import
from congdoan.intake.forms import (
    BULK_SHEET,
    FORM_CELLS,
    FORM_SHEET,
    bulk_form,
    save_workbook,
    unit_form,
)
from congdoan.intake.problems import load_intake_settings, printable
from congdoan.intake.readers import OLE_MAGIC
from congdoan.intake.unit_import import import_units
from congdoan.intake.units_template import units_workbook
from test_ingest import UNITS, Intake, csv_text, good_values, write_bulk, write_form
from test_ingest import intake as intake  # the fixture, shared
from test_store import fresh_postgres
from test_store import postgres_server as postgres_server  # the fixture, shared
from test_units import fill, first_import
from test_units import ws as ws  # the fixture, shared

pytestmark = pytest.mark.slow  # hostile files and killed processes: the full suite only

SETTINGS = load_intake_settings()
ELEMENTS = [e.name for e in load_elements().elements]


# ----------------------------------------------------------------------------- builders
def rewrite_member(path: Path, member: str, change: Callable[[str], str]) -> Path:
    """Rewrite one part of a workbook (e.g. its sheet XML) as a hostile editor would."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    parts[member] = change(parts[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return path


SHEET_XML = "xl/worksheets/sheet1.xml"


def far_cell(ref: str, row: int) -> Callable[[str], str]:
    """Claim A1:XFD1048576 and put one cell at ``ref`` (in row ``row``) at the end."""
    def change(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml)
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace("</sheetData>", cell + "</sheetData>")
    return change


def dimension_bomb(folder: Path) -> Path:
    """The 10 KB form of the issue: A1:XFD1048576 declared, one cell in row 1,048,576."""
    return rewrite_member(write_form(folder / "bomb_dimension.xlsx"), SHEET_XML,
                          far_cell("XFD1048576", 1048576))


def column_bomb(folder: Path) -> Path:
    """One cell in column XFD of a row past the form's last (the form's own rows are kept)."""
    return rewrite_member(write_form(folder / "bomb_column.xlsx"), SHEET_XML,
                          far_cell("XFD500", 500))


def lying_dimension(folder: Path) -> Path:
    """A good form whose <dimension> alone claims the whole sheet: read by its real extent."""
    return rewrite_member(write_form(folder / "lying_dimension.xlsx"), SHEET_XML, lambda xml: re.sub(
        r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml))


def padded(path: Path) -> Path:
    """A good workbook made to carry 60 MB of zeros (a few KB compressed)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (60 * 2**20))
    return path


def zip_bomb(folder: Path) -> Path:
    """A good form carrying 60 MB of zeros."""
    return padded(write_form(folder / "bomb_zip.xlsx"))


def set_cell(ref: str, value: Any) -> Callable[[Any], None]:
    """An edit of the form's sheet: ``value`` into cell ``ref`` (a formula if it starts with =)."""
    return lambda wb: wb[FORM_SHEET].__setitem__(ref, value)


def formula_form(name: str, field_name: str, formula: str) -> Callable[[Path], Path]:
    return lambda folder: write_form(folder / name, edit=set_cell(FORM_CELLS[field_name], formula))


def raw_cell(ref: str, inner: str) -> Callable[[str], str]:
    """Replace cell ``ref`` of the sheet XML by ``<c r=ref>inner</c>`` (what no editor writes)."""
    def change(xml: str) -> str:
        cell = re.compile(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)')
        assert cell.search(xml), ref
        return cell.sub(f'<c r="{ref}">{inner}</c>', xml, count=1)
    return change


def in_ole_container(folder: Path, name: str, streams: list[str],
                     made_by: Callable[[Path], Path] = write_form) -> Path:
    """The bytes of a template (``made_by``: the report form) inside an OLE2 compound file
    naming ``streams``.

    An encrypted .xlsx is such a container (streams EncryptionInfo, EncryptedPackage), as is an
    Excel 97-2003 workbook (stream Workbook).
    """
    template = made_by(folder / f".{name}.template.xlsx").read_bytes()
    header = OLE_MAGIC + bytes(512 - len(OLE_MAGIC))
    directory = b"".join(s.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for s in streams)
    path = folder / name
    path.write_bytes(header + directory + template)
    (folder / f".{name}.template.xlsx").unlink()
    return path


def entity_form(name: str, dtd: str, value: str) -> Callable[[Path], Path]:
    """A form whose sheet declares XML entities (Excel never does) and uses one in C13."""
    def build(folder: Path) -> Path:
        path = write_form(folder / name)
        rewrite_member(path, SHEET_XML, lambda xml: raw_cell("C13", f'<is><t>{value}</t></is>')(
            xml.replace("<worksheet", dtd + "<worksheet", 1)).replace(
            '<c r="C13">', '<c r="C13" t="inlineStr">'))
        return path
    return build


LAUGHS = ('<!DOCTYPE w [<!ENTITY a "ha ha ha ha ">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + "]>")
"""The billion laughs: ten-fold nested entities, 10**9 times 'ha ' when expanded."""


def bulk_rows(name: str, count: int, **values: Any) -> Callable[[Path], Path]:
    """A bulk sheet of ``count`` rows of CĐCS A (every row a report)."""
    return lambda folder: write_bulk(folder / name, [{"unit_id": "A", **values}] * count)


@dataclass
class Case:
    """One hostile input: how to make it, what the officer must read, what must happen."""

    id: str
    build: Callable[[Path], Path]
    fragments: list[str]
    limits: dict[str, Any] = field(default_factory=dict)
    """Settings of params/intake.yaml changed for the case (small limits, small files)."""
    lang: str = "vi"


CASES: list[Case] = [
    Case("dimension_bomb", dimension_bomb, ["bomb_dimension.xlsx", "max_rows = 5000", "số dòng"]),
    Case("column_bomb", column_bomb, ["bomb_column.xlsx", "max_columns = 200", "dòng 500"]),
    Case("zip_bomb", zip_bomb, ["bomb_zip.xlsx", "max_unpacked_mb = 25", "60 MB"]),
    Case("too_many_rows", bulk_rows("rows.xlsx", 12), ["rows.xlsx", "max_rows = 10", "TongHop"],
         limits={"max_rows": 10}),
    Case("too_many_cells", bulk_rows("cells.xlsx", 5), ["cells.xlsx", "max_cells = 50"],
         limits={"max_cells": 50}),
    Case("too_slow", lambda folder: write_form(folder / "slow.xlsx"),
         ["slow.xlsx", "max_seconds = 1e-09", "thời gian"], limits={"max_seconds": 1e-9}),
    Case("too_many_rows_csv", lambda folder: _csv(folder, "rows.csv", csv_text([{}] * 12)),
         ["rows.csv", "max_rows = 10", "dòng 11"], limits={"max_rows": 10}),
    Case("too_many_columns_csv", lambda folder: _csv(folder, "wide.csv", csv_text([{}]).replace(
        "\n", "," * 300 + "\n", 1)), ["wide.csv", "max_columns = 200", "dòng 1"]),
    Case("file_too_large", lambda folder: _csv(folder, "large.csv", csv_text([{}] * 40)),
         ["large.csv", "max_file_mb = 0.001", "MB"], limits={"max_file_mb": 0.001}),
    # formulas are refused in every cell, text cells included
    Case("formula_submitted_by", formula_form("f_by.xlsx", "submitted_by", '=A1&" (Chủ tịch)"'),
         ["f_by.xlsx", "ô C13", "'submitted_by'", "công thức"]),
    Case("formula_unit_name", formula_form("f_name.xlsx", "unit_name", "=UPPER(A1)"),
         ["f_name.xlsx", "ô C6", "'unit_name'", "công thức"]),
    Case("formula_unit_id", formula_form("f_id.xlsx", "unit_id", '="A"'),
         ["f_id.xlsx", "ô C5", "'unit_id'", "công thức"]),
    Case("formula_period", formula_form("f_period.xlsx", "period", '="2023-H"&1'),
         ["f_period.xlsx", "ô C9", "'period'", "công thức"]),
    Case("formula_submitted_on", formula_form("f_date.xlsx", "submitted_on", "=TODAY()"),
         ["f_date.xlsx", "ô C12", "'submitted_on'", "công thức"]),
    Case("formula_bulk_name", lambda folder: _bulk_edit(folder, "f_bulk.xlsx", "B7", "=A7"),
         ["f_bulk.xlsx", "trang 'TongHop'", "ô B7", "'unit_name'", "công thức"]),
    Case("formula_bulk_period", lambda folder: _bulk_edit(folder, "f_bperiod.xlsx", "B3",
                                                          '="2023-H1"'),
         ["f_bperiod.xlsx", "ô B3", "'period'", "công thức"]),
    # files that are not what they claim
    Case("encrypted_workbook", lambda folder: in_ole_container(
        folder, "mat_khau.xlsx", ["Root Entry", "EncryptionInfo", "EncryptedPackage"]),
         ["mat_khau.xlsx", "đặt mật khẩu", "bỏ mật khẩu"]),
    Case("encrypted_workbook_en", lambda folder: in_ole_container(
        folder, "password.xlsx", ["Root Entry", "EncryptedPackage", "EncryptionInfo"]),
         ["password.xlsx", "password-protected", "Remove the password"], lang="en"),
    Case("xls_renamed", lambda folder: in_ole_container(
        folder, "cu.xlsx", ["Root Entry", "Workbook", "SummaryInformation"]),
         ["cu.xlsx", "Excel 97-2003 (.xls)"]),
    Case("empty_xlsx", lambda folder: _csv(folder, "rong.xlsx", ""), ["rong.xlsx", "bị hỏng"]),
    Case("xml_external_entity", entity_form(
        "xxe.xlsx", '<!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
         ["xxe.xlsx", "bị hỏng"]),
    Case("billion_laughs", entity_form("laughs.xlsx", LAUGHS, "&j;"), ["laughs.xlsx", "bị hỏng"]),
    # values no editor would write
    Case("infinite_number", lambda folder: rewrite_member(
        write_form(folder / "inf.xlsx"), SHEET_XML, raw_cell("F16", "<v>1e309</v>")),
         ["inf.xlsx", "ô F16", "'workers'", "inf", "số nguyên"]),
    Case("date_in_number_cell", lambda folder: write_form(
        folder / "date.xlsx", edit=set_cell("F16", dt.datetime(2023, 6, 5))),
         ["date.xlsx", "ô F16", "'workers'", "phải là số"]),
    Case("boolean_in_number_cell", lambda folder: write_form(
        folder / "bool.xlsx", edit=set_cell("F16", True)),
         ["bool.xlsx", "ô F16", "'workers'", "phải là số"]),
    Case("zero_width_in_code", lambda folder: write_form(folder / "zw.xlsx", unit_id="A\u200b"),
         ["zw.xlsx", "ô C5", "không hợp lệ"]),
    Case("name_forging_a_line", lambda folder: write_form(
        folder / "x.xlsx\nĐÃ NHẬN: y.xlsx", members="x"),
         ["x.xlsx\\x0aĐÃ NHẬN: y.xlsx", "'members'"]),
    # CSV
    Case("csv_huge_field", lambda folder: _csv(folder, "field.csv", csv_text(
        [{"unit_name": "x" * 200_000}])), ["field.csv", "dòng 2", "field larger than field limit"]),
    Case("csv_repeated_column", lambda folder: _csv(folder, "twice.csv", csv_text([{}]).replace(
        "members,", "members,members,", 1).replace(",30,", ",30,99,", 1)),
         ["twice.csv", "dòng 1", "cột lặp lại", "members"]),
    Case("csv_no_delimiter", lambda folder: _csv(folder, "one.csv", "unit_id|period|members\n"
                                                 "A|2023-H1|30\n"),
         ["one.csv", "không có dấu phân cách nào"]),
    Case("csv_thousands_dot", lambda folder: _csv(folder, "dot.csv", csv_text(
        [{"workers": "1.000"}])), ["dot.csv", "dòng 2", "'workers'", "'1.000'", "phải là số"]),
    Case("csv_empty", lambda folder: _csv(folder, "empty.csv", ""),
         ["empty.csv", "không có báo cáo nào"]),
    Case("csv_header_only", lambda folder: _csv(folder, "header.csv", csv_text([]).rstrip()),
         ["header.csv", "không có báo cáo nào"]),
    Case("csv_utf16_with_error", lambda folder: _csv(
        folder, "utf16.csv", csv_text([{"members": "nhiều"}]).replace(",", "\t"), "utf-16"),
         ["utf16.csv", "dấu phân cách 'Tab'", "'members'", "'nhiều'"]),
    Case("limits_in_english", dimension_bomb,
         ["bomb_dimension.xlsx", "too large for the limit on rows", "max_rows = 5000",
          "expected ≤ 5000"], lang="en"),
]


def _bulk_edit(folder: Path, name: str, ref: str, value: Any) -> Path:
    path = write_bulk(folder / name, [{"unit_id": "A"}])
    wb = openpyxl.load_workbook(path)
    wb[BULK_SHEET][ref] = value
    save_workbook(wb, path)
    return path


def _csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any]], None]:
    """Change settings of params/intake.yaml for one test."""
    def change(values: dict[str, Any]) -> None:
        changed = SETTINGS.model_copy(update=values)
        for module in (ingest_module, list_import):  # report files and lists alike
            monkeypatch.setattr(module, "load_intake_settings", lambda: changed)
    return change


def run_cli(intake: Intake, *paths: Path, lang: str = "vi", strict: bool = True) -> int:
    words = ["ingest", *map(str, paths), "-w", str(workspace_for(intake.url, intake.folder.parent)),
             "--store", str(intake.store_dir), "--lang", lang]
    return main(words + (["--strict"] if strict else []))


def run_units_cli(intake: Intake, path: Path, lang: str = "vi") -> int:
    """``congdoan units import FILE`` in the workspace whose inbox is ``intake.folder``."""
    return main(["-w", str(intake.folder.parent), "units", "import", str(path),
                 "--store", str(intake.store_dir), "--lang", lang])


def quarantined_copy(intake: Intake, path: Path) -> Path:
    """The copy of ``path`` kept in quarantine (found by its content hash)."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    (record,) = (intake.store_dir / "quarantine").glob(f"{sha[:16]}_*.json")
    return record.with_name(record.name.removesuffix(".json"))


def assert_refused(case: Case, intake: Intake, run: Callable[[Path, str], int],
                   capsys: pytest.CaptureFixture[str]) -> None:
    """``run`` (a command on one file) refuses ``case``'s file: its message on screen and in
    the error report, the database unchanged, the file quarantined, exit code 1."""
    path = case.build(intake.folder)
    before = intake.snapshot()
    code = run(path, case.lang)
    out = capsys.readouterr()
    assert intake.snapshot() == before  # the database file and every table unchanged
    assert code == 1, out  # rejected (--strict), not a fault and not a traceback
    assert "Traceback" not in out.out + out.err
    assert ("BỊ TỪ CHỐI" if case.lang == "vi" else "REJECTED") + f": {printable(path.name)} (" \
        in out.out
    assert not [line for line in out.out.splitlines() if line.startswith(("ĐÃ NHẬN", "ACCEPTED"))]
    kept = quarantined_copy(intake, path)
    assert kept.read_bytes() == path.read_bytes()
    report = kept.with_name(kept.name + ".loi.txt").read_text(encoding="utf-8")
    for fragment in case.fragments:
        assert fragment in report, f"{case.id}: {fragment!r} not in\n{report}"
    assert case.fragments[1] in out.out  # the screen says which limit


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_is_refused_with_its_message(
        case: Case, intake: Intake, limits: Callable[[dict[str, Any]], None],
        capsys: pytest.CaptureFixture[str]) -> None:
    limits(case.limits)
    assert_refused(case, intake, lambda path, lang: run_cli(intake, path, lang=lang), capsys)


# ----------------------------------------------------------------------------- units lists
def units_template(path: Path) -> Path:
    """``congdoan units template`` of the workspace whose inbox holds ``path`` (prefilled)."""
    ws = load_workspace(path.parent.parent)
    save_workbook(units_workbook(registry_state(ws.database_url), ws.organisation), path)
    return path


def units_list(path: Path) -> Path:
    """:func:`units_template` with one new CĐCS filled in: a list accepted as it is."""
    return fill(units_template(path), path, {"CDCS": [NEW_UNIT]})


NEW_UNIT = {"unit_id": "Z", "name": "Công ty TNHH Z", "sector": "NNN", "commune_id": "X2",
            "upper_id": "CD-XA-TH", "founded": dt.date(2026, 1, 10)}
UNITS_CSV = "unit_id,name,sector,commune_id,upper_id,founded\n"


def units_csv(name: str, *rows: str) -> Callable[[Path], Path]:
    return lambda folder: _csv(folder, name, UNITS_CSV + "".join(row + "\n" for row in rows))


NEW_ROW = "Z,Công ty TNHH Z,NNN,X2,CD-XA-TH,10/01/2026"

UNIT_CASES: list[Case] = [
    Case("units_dimension_bomb", lambda folder: rewrite_member(
        units_list(folder / "ds_bomb.xlsx"), SHEET_XML, far_cell("XFD1048576", 1048576)),
         ["ds_bomb.xlsx", "max_rows = 5000", "trang 'CDCS'", "congdoan units template"]),
    Case("units_column_bomb", lambda folder: rewrite_member(
        units_list(folder / "ds_cot.xlsx"), SHEET_XML, far_cell("XFD600", 600)),
         ["ds_cot.xlsx", "max_columns = 200", "dòng 600"]),
    Case("units_zip_bomb", lambda folder: padded(units_list(folder / "ds_zip.xlsx")),
         ["ds_zip.xlsx", "max_unpacked_mb = 25", "60 MB"]),
    Case("units_too_many_rows", lambda folder: units_list(folder / "ds_dong.xlsx"),
         ["ds_dong.xlsx", "max_rows = 10", "dòng 11"], limits={"max_rows": 10}),
    Case("units_too_many_cells", lambda folder: units_list(folder / "ds_o.xlsx"),
         ["ds_o.xlsx", "max_cells = 50"], limits={"max_cells": 50}),
    Case("units_too_slow", lambda folder: units_list(folder / "ds_cham.xlsx"),
         ["ds_cham.xlsx", "max_seconds = 1e-09", "thời gian"], limits={"max_seconds": 1e-9}),
    Case("units_encrypted", lambda folder: in_ole_container(
        folder, "ds_mat_khau.xlsx", ["Root Entry", "EncryptionInfo", "EncryptedPackage"],
        units_list), ["ds_mat_khau.xlsx", "đặt mật khẩu", "bỏ mật khẩu"]),
    Case("units_xls_renamed", lambda folder: in_ole_container(
        folder, "ds_cu.xlsx", ["Root Entry", "Workbook"], units_list),
         ["ds_cu.xlsx", "Excel 97-2003 (.xls)", "congdoan units template"]),
    Case("units_text_renamed_xlsx", lambda folder: _csv(folder, "ds_chu.xlsx", UNITS_CSV),
         ["ds_chu.xlsx", "bị hỏng", "lưu lại tệp bằng Excel"]),
    Case("units_file_too_large", units_csv("ds_lon.csv", *[NEW_ROW] * 40),
         ["ds_lon.csv", "max_file_mb = 0.001", "MB"], limits={"max_file_mb": 0.001}),
    Case("units_csv_huge_field", units_csv("ds_o_dai.csv", NEW_ROW.replace("Z,", "Z," + "x" * 200_000, 1)),
         ["ds_o_dai.csv", "dòng 2", "field larger than field limit"]),
    Case("units_csv_too_many_rows", units_csv("ds_dong.csv", *[NEW_ROW] * 12),
         ["ds_dong.csv", "max_rows = 10", "dòng 11"], limits={"max_rows": 10}),
    Case("units_csv_too_many_columns", units_csv("ds_rong.csv", NEW_ROW + "," * 300),
         ["ds_rong.csv", "max_columns = 200", "dòng 2"]),
    Case("units_csv_nul_in_name", units_csv("ds_nul.csv", NEW_ROW.replace("TNHH", "TNHH\0")),
         ["ds_nul.csv", "dòng 2", "'name'", "ký tự điều khiển", "\\x00"]),
    Case("units_limits_in_english", lambda folder: rewrite_member(
        units_list(folder / "list_bomb.xlsx"), SHEET_XML, far_cell("XFD1048576", 1048576)),
         ["list_bomb.xlsx", "too large for the limit on rows", "max_rows = 5000",
          "expected ≤ 5000", "use the template (congdoan units template)"], lang="en"),
]


@pytest.fixture
def units_intake(ws: Workspace) -> Intake:
    """The workspace of tests/test_units.py after its first list (three CĐCS, two upper
    unions), as an intake: its database, store and inbox."""
    first_import(ws)
    return Intake(url=ws.database_url, db_file=ws.root / "congdoan.sqlite",
                  store_dir=ws.root / "store", folder=ws.inbox)


@pytest.mark.parametrize("case", UNIT_CASES, ids=[c.id for c in UNIT_CASES])
def test_hostile_units_list_is_refused_with_its_message(
        case: Case, units_intake: Intake, limits: Callable[[dict[str, Any]], None],
        capsys: pytest.CaptureFixture[str]) -> None:
    limits(case.limits)
    assert_refused(case, units_intake, lambda path, lang: run_units_cli(units_intake, path, lang),
                   capsys)


def test_a_units_list_made_by_the_template_is_accepted(
        units_intake: Intake, capsys: pytest.CaptureFixture[str]) -> None:
    """The builder of the cases above makes a good list: each case fails by its hostility."""
    path = units_list(units_intake.folder / "ds.xlsx")
    assert run_units_cli(units_intake, path) == 0
    assert "ĐÃ NHẬN: ds.xlsx\n   CĐCS thành lập mới ngày 10/01/2026: 1\n" in capsys.readouterr().out
    assert "Z" in set(store.read_table("units", units_intake.url)["unit_id"])


@pytest.mark.parametrize("delimiter, encoding, shown", [
    (";", "utf-8", "';'"), ("\t", "utf-16", "'Tab'")])
def test_a_units_csv_with_another_delimiter_is_read_and_named(
        units_intake: Intake, delimiter: str, encoding: str, shown: str) -> None:
    text = (UNITS_CSV + NEW_ROW + "\n").replace(",", delimiter)
    path = _csv(units_intake.folder, "ds.csv", text, encoding)
    result = import_units(path, units_intake.url, units_intake.store_dir)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert f"dấu phân cách {shown} thay cho dấu phẩy" in result.problems[0].render()
    assert "Z" in set(store.read_table("units", units_intake.url)["unit_id"])


def test_a_units_list_exported_with_a_hostile_name_reads_back_unchanged(
        units_intake: Intake) -> None:
    """The template puts ' before a name a spreadsheet would evaluate; reading undoes it."""
    hostile = "=Công ty TNHH Z"  # a CSV may carry it as text
    path = units_csv("ds.csv", NEW_ROW.replace("Công ty TNHH Z", hostile))(units_intake.folder)
    first = import_units(path, units_intake.url, units_intake.store_dir)
    assert first.status == "accepted", [p.render() for p in first.problems]
    again = units_template(units_intake.folder / "lai.xlsx")  # prefilled with it
    wb = openpyxl.load_workbook(again)
    assert "'" + hostile in [c.value for c in wb["CDCS"]["B"]]  # exported safely
    result = import_units(again, units_intake.url, units_intake.store_dir)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert result.events.empty  # read back as the name itself: no rename


def test_a_units_error_report_lists_the_first_problems_and_counts_the_rest(
        units_intake: Intake, limits: Callable[[dict[str, Any]], None]) -> None:
    limits({"max_problems": 5})
    rows = [NEW_ROW.replace("Z,", f"Z{i},").replace("NNN", "XYZ") for i in range(12)]
    path = units_csv("sai.csv", *rows)(units_intake.folder)
    result = import_units(path, units_intake.url, units_intake.store_dir)
    assert result.status == "rejected"
    assert len(result.problems) == 6 and result.problems[-1].omitted == 7
    assert "… và 7 lỗi khác, không liệt kê" in result.problems[-1].render()


def test_a_declared_dimension_is_not_read(intake: Intake) -> None:
    path = lying_dimension(intake.folder)
    result = intake.one(path)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert store.current_reports(intake.url)["workers"].tolist() == [40]


def test_error_reports_list_the_first_problems_and_count_the_rest(
        intake: Intake, limits: Callable[[dict[str, Any]], None]) -> None:
    limits({"max_problems": 5})
    rows = [{"unit_id": f"X{i}"} for i in range(12)]  # one error each: unknown CĐCS
    path = write_bulk(intake.folder / "many.xlsx", rows)
    result = intake.one(path)
    assert result.status == "rejected"
    assert len(result.problems) == 6  # five listed, and the line that counts the others
    assert result.problems[-1].omitted == 7
    assert result.report_path is not None
    report = result.report_path.read_text(encoding="utf-8")
    assert report.count("[LỖI]") == 6
    assert "… và 7 lỗi khác, không liệt kê" in report and "max_problems" in report
    assert result.summary().endswith("(12 lỗi) → báo cáo lỗi: " + str(result.report_path))


def test_a_bulk_sheet_of_a_district_is_read_within_its_limits(intake: Intake) -> None:
    """A normal district bulk sheet (here 1,000 rows of known CĐCS) is accepted."""
    units = [{**UNITS[0], "unit_id": f"U{i:04d}", "name": f"CĐCS {i}"} for i in range(1000)]
    store.seed_registry(tiny_dataset(units=units), intake.url)
    rows = [{**good_values(), "unit_id": u["unit_id"], "name": u["name"]} for u in units]
    path = intake.folder / "district.xlsx"
    save_workbook(bulk_form(pd.DataFrame(rows), parse_period("2023-H1")), path)
    result = intake.one(path)
    assert result.status == "accepted" and result.n_reports == 1000



def test_the_largest_accepted_file_is_ingested_in_bounded_memory(intake: Intake) -> None:
    """A bulk sheet at the row limit is accepted by a process that stays under 500 MB."""
    count = SETTINGS.max_rows - 10  # the sheet's title and header rows count too
    units = [{**UNITS[0], "unit_id": f"U{i:05d}", "name": f"CĐCS {i}"} for i in range(count)]
    store.seed_registry(tiny_dataset(units=units), intake.url)
    rows = [{**good_values(), "unit_id": u["unit_id"], "name": u["name"]} for u in units]
    path = intake.folder / "largest.xlsx"
    save_workbook(bulk_form(pd.DataFrame(rows), parse_period("2023-H1")), path)
    code = (
        "from congdoan.intake.ingest import ingest\n"
        f"(result,) = ingest([{str(path)!r}], {intake.url!r}, {str(intake.store_dir)!r})\n"
        # VmHWM: this program's own peak (ru_maxrss keeps the forking parent's size across exec)
        "status = open('/proc/self/status', encoding='ascii').read().splitlines()\n"
        "peak = int(next(s for s in status if s.startswith('VmHWM')).split()[1]) / 1024\n"
        "print(result.status, result.n_reports, int(peak))\n")
    status, reports, peak_mb = fresh_python(code).split()
    assert (status, int(reports)) == ("accepted", count)
    assert int(peak_mb) < 500


# ----------------------------------------------------------------------------- one file, one outcome
def test_one_bad_csv_does_not_stop_the_run(intake: Intake,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    huge = _csv(intake.folder, "a_huge_field.csv", csv_text([{"unit_name": "x" * 200_000}]))
    good = write_form(intake.folder / "b_good.xlsx")
    also = _csv(intake.folder, "c_good.csv", csv_text([{"unit_id": "B", "unit_name": UNITS[1]["name"]}]))
    code = run_cli(intake, intake.folder, strict=False)
    out = capsys.readouterr().out
    assert code == 0 and "Traceback" not in out
    lines = [line for line in out.splitlines() if not line.startswith("   ")]
    assert lines[0].startswith(f"BỊ TỪ CHỐI: {huge.name}")
    assert "dòng 2" in out and "field larger than field limit" in out and "dấu phân cách ','" in out
    assert lines[1].startswith(f"ĐÃ NHẬN: {good.name}")
    assert lines[2].startswith(f"ĐÃ NHẬN: {also.name}")
    assert sorted(store.current_reports(intake.url)["unit_id"]) == ["A", "B"]


def test_each_outcome_is_told_before_the_next_file_is_read(
        intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    reader = ingest_module.read_input

    def reading(name: str, data: bytes, budget: Any) -> Any:
        events.append(f"read {name}")
        return reader(name, data, budget)

    monkeypatch.setattr(ingest_module, "read_input", reading)
    write_form(intake.folder / "1.xlsx")
    write_form(intake.folder / "2.xlsx", members="x")
    write_form(intake.folder / "3.xlsx", unit_id="B")
    ingest_module.ingest([intake.folder], intake.url, intake.store_dir,
                         on_result=lambda r: events.append(f"{r.status} {r.path.name}"))
    assert events == ["read 1.xlsx", "accepted 1.xlsx", "read 2.xlsx", "rejected 2.xlsx",
                      "read 3.xlsx", "accepted 3.xlsx"]
    journal = (intake.store_dir / ingest_module.LOG_NAME).read_text(encoding="utf-8").splitlines()
    assert [line.split('"status": "')[1].split('"')[0] for line in journal] == [
        "accepted", "rejected", "accepted"]


def test_an_unexpected_failure_is_that_files_outcome(
        intake: Intake, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    validate = ingest_module.validate_submission

    def breaking(parsed: Any, ctx: Any) -> Any:
        if parsed.name == "1_breaks.xlsx":
            raise RecursionError("maximum recursion depth exceeded")
        return validate(parsed, ctx)

    monkeypatch.setattr(ingest_module, "validate_submission", breaking)
    broken = write_form(intake.folder / "1_breaks.xlsx")
    write_form(intake.folder / "2_fine.xlsx", unit_id="B")
    before = intake.snapshot()
    code = run_cli(intake, broken, strict=True)
    out = capsys.readouterr().out
    assert code == 1 and intake.snapshot() == before
    assert "BỊ TỪ CHỐI: 1_breaks.xlsx" in out and "RecursionError" in out
    assert quarantined_copy(intake, broken).read_bytes() == broken.read_bytes()
    assert run_cli(intake, intake.folder) == 0  # the other file goes in; the broken one is known
    assert store.current_reports(intake.url)["unit_id"].tolist() == ["B"]


# ----------------------------------------------------------------------------- the manifest
DAMAGED_MANIFESTS = {
    "not_json": b"{\"version\": 1, \"entries\": {",
    "a_list": b"[]",
    "a_string": b"\"manifest\"",
    "entries_a_list": b'{"version": 1, "entries": []}',
    "key_a_number": b'{"version": 1, "entries": {"union-A": {"key": 1, "outputs": []}}}',
    "outputs_a_string": b'{"version": 1, "entries": {"union-A": {"key": "k", "outputs": "a.html"}}}',
    "unknown_field": b'{"version": 1, "entries": {"union-A": {"kee": "k", "outputs": []}}}',
    "not_utf8": b'{"version": 1, "entries": {"\xff": 1}}',
}


@pytest.mark.parametrize("content", DAMAGED_MANIFESTS.values(), ids=DAMAGED_MANIFESTS.keys())
def test_a_damaged_manifest_stops_with_a_message_and_force_rebuilds_it(
        tmp_path: Path, content: bytes) -> None:
    (tmp_path / MANIFEST_NAME).write_bytes(content)
    with pytest.raises(DataError) as stopped:
        Manifest.load(tmp_path)
    assert "--force" in stopped.value.render("vi") and "--force" in stopped.value.render("en")
    assert "damaged or not of the expected shape" in stopped.value.render("en")
    assert (tmp_path / MANIFEST_NAME).read_bytes() == content  # nothing touched without --force
    rebuilt = Manifest.load(tmp_path, rebuild=True)
    assert rebuilt.entries == {}
    rebuilt.record("union-B", "k2", [tmp_path / "2025" / "union-B.html"])
    rebuilt.save()
    assert set(Manifest.load(tmp_path).entries) == {"union-B"}


def test_a_manifest_of_another_version_is_ignored(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"version": 99, "entries": []}', encoding="utf-8")
    assert Manifest.load(tmp_path).entries == {}


SAVER = """\
import sys
from congdoan.engine.manifest import Manifest
out, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
manifest = Manifest.load(out)
print("loaded", flush=True)
sys.stdin.readline()  # both loaded before either saves
for i in range(count):
    manifest.record(f"{name}-{i}", f"key-{i}", [f"{out}/2025/{name}-{i}.html"])
    manifest.save()
"""


def test_two_batches_on_one_output_folder_keep_every_entry(tmp_path: Path) -> None:
    """Two processes that loaded the same manifest save their entries one by one, interleaved."""
    script = tmp_path / "saver.py"
    script.write_text(SAVER, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    first = Manifest(out)
    first.record("old", "k", [out / "2025" / "old.html"])
    first.save()
    savers = [subprocess.Popen([sys.executable, str(script), str(out), name, "40"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
              for name in ("union", "upper")]
    for saver in savers:
        assert saver.stdout is not None and saver.stdout.readline() == "loaded\n"
    for saver in savers:
        saver.communicate("go\n")
        assert saver.returncode == 0
    entries = Manifest.load(out).entries
    assert len(entries) == 81 and "old" in entries
    assert {f"union-{i}" for i in range(40)} | {f"upper-{i}" for i in range(40)} < set(entries)


# ----------------------------------------------------------------------------- concurrency
def test_a_file_stored_by_another_process_meanwhile_is_already_stored(
        intake: Intake, monkeypatch: pytest.MonkeyPatch) -> None:
    """The interleaving of the issue: checked as new, stored by another process, then written."""
    path = write_form(intake.folder / "A.xlsx")
    assert intake.one(path).status == "accepted"  # "the other process"
    before = intake.snapshot()
    monkeypatch.setattr(store, "find_submission", lambda sha, url=None: None)  # checked too early
    again = intake.one(path)
    assert again.status == "duplicate" and again.problems == []
    assert intake.snapshot() == before
    assert not (intake.store_dir / "quarantine").exists()


def test_a_batch_reads_the_last_stored_state_while_an_ingest_writes(intake: Intake) -> None:
    """A reader (the batch, a notebook) neither waits for nor sees an ingest's open transaction."""
    assert intake.one(write_form(intake.folder / "A.xlsx")).status == "accepted"
    writer = sqlite3.connect(intake.db_file, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # an ingest holding the write lock, mid-file
        writer.execute("UPDATE report_versions SET people_informed = 1")
        dataset = store.load_dataset(intake.url)  # with busy_timeout 30 s: would wait if blocked
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    assert dataset.reports["people_informed"].tolist() == [5]


def _many_forms(intake: Intake, count: int) -> list[str]:
    """``count`` forms of distinct CĐCS (added to the registry) in the inbox; their file names."""
    extra = [{**UNITS[0], "unit_id": f"K{i:02d}", "name": f"CĐCS K{i:02d}"} for i in range(count)]
    store.seed_registry(tiny_dataset(units=UNITS + extra), intake.url)
    for unit in extra:
        path = write_form(intake.folder / f"{unit['unit_id']}.xlsx", unit_id=unit["unit_id"])
        rewrite_member(path, SHEET_XML, lambda xml, n=unit["name"]: xml.replace(
            UNITS[0]["name"], n))  # the form names its own CĐCS
    return sorted(f"{u['unit_id']}.xlsx" for u in extra)


def _two_ingests(intake: Intake, url: str) -> list[tuple[int, str]]:
    """Run two ``congdoan ingest`` processes on the same inbox and database at once."""
    words = [sys.executable, "-m", "congdoan.cli", "ingest", str(intake.folder),
             "-w", str(workspace_for(url, intake.folder.parent)),
             "--store", str(intake.store_dir), "--strict"]
    runs = [subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate() for run in runs]
    return [(run.returncode, out + err) for run, (out, err) in zip(runs, outputs, strict=True)]


def _check_nothing_misreported(names: list[str], runs: list[tuple[int, str]]) -> None:
    for code, text in runs:
        assert code == 0, text
        assert "BỊ TỪ CHỐI" not in text and "CHƯA XỬ LÝ" not in text and "Traceback" not in text
    for name in names:
        accepted = sum(f"ĐÃ NHẬN: {name} " in text for _, text in runs)
        stored = sum(f"ĐÃ CÓ (bỏ qua): {name} " in text for _, text in runs)
        assert (accepted, stored) == (1, 1), (name, runs)


def test_two_ingests_on_one_sqlite_database_never_misreport(intake: Intake) -> None:
    names = _many_forms(intake, 30)
    runs = _two_ingests(intake, intake.url)
    _check_nothing_misreported(names, runs)
    assert len(store.read_table("submissions", intake.url)) == 30
    assert len(store.current_reports(intake.url)) == 30
    assert not (intake.store_dir / "quarantine").exists()


@pytest.mark.postgres
def test_two_ingests_on_one_postgresql_database_never_misreport(
        intake: Intake, postgres_server: str) -> None:
    url = fresh_postgres(postgres_server)
    intake.url = url
    names = _many_forms(intake, 30)
    runs = _two_ingests(intake, url)
    _check_nothing_misreported(names, runs)
    assert len(store.read_table("submissions", url)) == 30
    assert store.current_reports(url)["unit_id"].is_unique
    assert not (intake.store_dir / "quarantine").exists()


# ----------------------------------------------------------------------------- faults
@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Make files or folders read-only, even for root (``chattr +i``); undone after the test."""
    done: list[Path] = []

    def make(path: Path) -> None:
        if os.geteuid() == 0:
            if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                pytest.skip("root without chattr +i: cannot make a read-only folder")
        else:
            path.chmod(0o555 if path.is_dir() else 0o444)
        done.append(path)

    yield make
    for path in done:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def _cap_pages(url: str) -> Callable[[], None]:
    """A full disk: the database may not grow by one page. Returns the undo."""
    engine = store.get_engine(url)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    sa.event.listen(engine, "connect", cap)
    engine.dispose()

    def undo() -> None:
        sa.event.remove(engine, "connect", cap)
        engine.dispose()
    return undo


def _two_bulks(intake: Intake) -> list[Path]:
    """Two bulk sheets of 100 CĐCS each (each needs new database pages)."""
    extra = [{**UNITS[0], "unit_id": f"K{i:03d}", "name": f"CĐCS K{i:03d}"} for i in range(200)]
    store.seed_registry(tiny_dataset(units=UNITS + extra), intake.url)
    rows = [{"unit_id": u["unit_id"], "name": u["name"]} for u in extra]
    return [write_bulk(intake.folder / "bulk1.xlsx", rows[:100]),
            write_bulk(intake.folder / "bulk2.xlsx", rows[100:])]


def _faulted(intake: Intake, capsys: pytest.CaptureFixture[str], lang: str) -> str:
    """Run the CLI once: exit code 2, nothing written, nothing quarantined; its output."""
    before = intake.snapshot()
    code = run_cli(intake, intake.folder, lang=lang)
    out = capsys.readouterr()
    assert code == 2, out
    assert "Traceback" not in out.out + out.err
    assert intake.snapshot() == before
    assert not (intake.store_dir / "quarantine").exists()
    return out.out + out.err


@pytest.mark.parametrize("lang, words", [
    ("vi", ["CHƯA XỬ LÝ ĐƯỢC", "Ổ đĩa đầy", "database or disk is full", "chạy lại",
            "Tổng: 2 tệp chưa xử lý được\n"]),
    ("en", ["NOT PROCESSED", "The disk is full", "Free some space and run again",
            "Total: 2 not processed\n"]),
])
def test_a_full_disk_writes_nothing_and_a_rerun_completes(
        intake: Intake, capsys: pytest.CaptureFixture[str], lang: str, words: list[str]) -> None:
    _two_bulks(intake)
    undo = _cap_pages(intake.url)
    try:
        out = _faulted(intake, capsys, lang)
    finally:
        undo()
    for word in words:
        assert word in out, out
    if lang == "en":
        assert "tệp" not in out and "cần" not in out  # English through and through
    assert run_cli(intake, intake.folder) == 0  # space freed: the same files go in
    assert len(store.current_reports(intake.url)) == 200


def _close(intake: Intake) -> None:
    engine = store.get_engine(intake.url)
    store.checkpoint(engine)
    engine.dispose()


@pytest.mark.parametrize("lang, words", [
    ("vi", ["Lỗi: tệp 'sqlite:///", "Cơ sở dữ liệu bị hỏng", "khôi phục từ bản sao lưu",
            "database disk image is malformed"]),
    ("en", ["Error: file 'sqlite:///", "The database is damaged", "restore it from a backup"]),
])
def test_a_damaged_database_is_a_message_and_is_left_alone(
        intake: Intake, capsys: pytest.CaptureFixture[str], lang: str, words: list[str]) -> None:
    write_form(intake.folder / "A.xlsx")
    _close(intake)
    damaged = bytearray(intake.db_file.read_bytes())
    damaged[100:4096] = b"\xff" * (4096 - 100)  # the schema page, past the file header
    intake.db_file.write_bytes(bytes(damaged))
    code = run_cli(intake, intake.folder, lang=lang)
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.out + out.err
    for word in words:
        assert word in out.err, out.err
    assert intake.db_file.read_bytes() == bytes(damaged)
    assert not intake.store_dir.exists()  # stopped before any file was taken


def test_a_read_only_database_leaves_every_file_for_the_next_run(
        intake: Intake, capsys: pytest.CaptureFixture[str],
        read_only: Callable[[Path], None]) -> None:
    write_form(intake.folder / "A.xlsx")
    write_form(intake.folder / "B.xlsx", unit_id="B")
    _close(intake)
    read_only(intake.db_file)
    out = _faulted(intake, capsys, "vi")
    assert out.count("CHƯA XỬ LÝ ĐƯỢC") == 2 and "chỉ cho phép đọc" in out
    assert "attempt to write a readonly database" in out


def test_a_read_only_store_is_a_message(intake: Intake, capsys: pytest.CaptureFixture[str],
                                        read_only: Callable[[Path], None]) -> None:
    write_form(intake.folder / "A.xlsx")
    intake.store_dir.mkdir()
    read_only(intake.store_dir)
    out = _faulted(intake, capsys, "en")
    assert "NOT PROCESSED (run again once fixed): A.xlsx" in out
    assert f"Cannot keep the original in the store '{intake.store_dir}'" in out


def test_a_database_locked_too_long_is_a_message(
        intake: Intake, capsys: pytest.CaptureFixture[str]) -> None:
    write_form(intake.folder / "A.xlsx")
    engine = store.get_engine(intake.url)

    def impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    sa.event.listen(engine, "connect", impatient)
    engine.dispose()
    holder = sqlite3.connect(intake.db_file, isolation_level=None)
    try:
        before = intake.snapshot()
        holder.execute("BEGIN IMMEDIATE")  # another process writing, for too long
        code = run_cli(intake, intake.folder)
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        sa.event.remove(engine, "connect", impatient)
        engine.dispose()
    out = capsys.readouterr().out
    assert code == 2 and "bị một tiến trình khác khóa quá lâu" in out
    assert "database is locked" in out
    assert intake.snapshot() == before
    assert run_cli(intake, intake.folder) == 0  # the lock gone, the file goes in


def test_an_unreachable_database_server_is_a_message(
        intake: Intake, capsys: pytest.CaptureFixture[str]) -> None:
    write_form(intake.folder / "A.xlsx")
    intake.url = "postgresql+psycopg://nobody@127.0.0.1:9/congdoan"  # nothing listens there
    code = run_cli(intake, intake.folder, lang="en")
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err
    assert "Cannot reach the database server" in out.err and "congdoan.yaml" in out.err


def test_a_file_that_cannot_be_read_is_not_processed(
        intake: Intake, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(intake, intake.folder / "gone.xlsx")
    out = capsys.readouterr().out
    assert code == 2
    assert "CHƯA XỬ LÝ ĐƯỢC (chạy lại sau khi khắc phục): gone.xlsx" in out
    assert "Không đọc được tệp gửi đến" in out and "No such file or directory" in out


def _vietnamese_words(text: str) -> set[str]:
    """Words with Vietnamese letters outside quoted values (data) and the term CĐCS."""
    text = re.sub(r"'[^']*'", "", text).replace("CĐCS", "")
    return {word for word in re.findall(r"\w+", text) if not word.isascii()}


def test_english_error_reports_are_english_through_and_through(intake: Intake) -> None:
    from test_ingest import BAD_CASES

    leftovers: dict[str, set[str]] = {}
    builders = [(case, build) for case, build, _ in BAD_CASES] + [
        (case.id, case.build) for case in CASES if not case.limits and case.lang == "vi"]
    for case, build in builders:
        path = build(intake.folder)
        result = intake.one(path, lang="en")
        if result.status == "duplicate":  # the same bytes as an earlier case (an empty file)
            continue
        assert result.report_path is not None, case
        words = _vietnamese_words(result.report_path.read_text(encoding="utf-8"))
        if words:
            leftovers[case] = words
    assert leftovers == {}


def test_briefings_stop_on_a_damaged_manifest_and_force_rebuilds_it(
        demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONGDOAN_FORK_SERVER", "0")  # one kernel is enough here
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST_NAME).write_text("[]", encoding="utf-8")  # crashed with AttributeError
    words = ["briefings", "--period", "2025", "--union", "CDCS-0002", "--format", "html",
             "--out", str(out), "--data", str(demo_dir), "--workers", "1"]
    assert main(["--lang", "en", *words]) == 2
    err = capsys.readouterr().err
    assert "The manifest is damaged or not of the expected shape; run again with --force" in err
    assert (out / MANIFEST_NAME).read_text(encoding="utf-8") == "[]"
    assert main([*words, "--force"]) == 0
    assert set(Manifest.load(out).entries) == {"union-CDCS-0002"}
    assert (out / "2025" / "union-CDCS-0002.html").is_file()
    audit = (out / "2025" / "notebooks" / "union-CDCS-0002.ipynb").read_text(encoding="utf-8")
    assert "CDCS-0001" not in audit and AUDIT_NOTE.split(" (")[0] in audit


# ----------------------------------------------------------------------------- local security
@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_database_store_and_quarantine_are_owner_only_whatever_the_umask(
        tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        db_file = tmp_path / "data" / "congdoan.sqlite"
        url = f"sqlite:///{db_file}"
        store.seed_registry(tiny_dataset(units=UNITS), url)
        inbox = tmp_path / "inbox"
        inbox.mkdir()
        write_form(inbox / "good.xlsx")
        write_form(inbox / "bad.xlsx", members="x")
        results = ingest_module.ingest([inbox], url, tmp_path / "store")
    finally:
        os.umask(previous)
    assert sorted(r.status for r in results) == ["accepted", "rejected"]
    made = [db_file, *db_file.parent.glob("congdoan.sqlite-*"), *(tmp_path / "store").rglob("*")]
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in made}
    modes[db_file.parent.name] = oct(db_file.parent.stat().st_mode & 0o777)
    modes["store"] = oct((tmp_path / "store").stat().st_mode & 0o777)
    wrong = {name: mode for name, mode in modes.items()
             if mode != ("0o700" if (tmp_path / name).is_dir() else "0o600")}
    assert wrong == {}
    assert any(name.startswith("store/quarantine/") for name in modes)
    assert any(name.endswith("-wal") for name in modes)  # SQLite's own files follow the database


# ----------------------------------------------------------------------------- the small ones
def test_a_form_exported_for_a_hostile_name_reads_back_unchanged(intake: Intake) -> None:
    """The export puts ' before a name a spreadsheet would evaluate; reading undoes it."""
    hostile = {**UNITS[0], "unit_id": "H", "name": "=HYPERLINK(\"http://x\";\"Công ty\")"}
    store.seed_registry(tiny_dataset(units=[*UNITS, hostile]), intake.url)
    wb = unit_form(pd.Series(hostile), "-Công đoàn cấp trên", parse_period("2023-H1"),
                   good_values())
    assert wb[FORM_SHEET][FORM_CELLS["unit_name"]].value == "'" + hostile["name"]  # exported safely
    path = intake.folder / "H.xlsx"
    save_workbook(wb, path)
    result = intake.one(path)
    assert result.status == "accepted" and result.problems == []  # no "name differs" warning


@pytest.mark.parametrize("delimiter, encoding, shown", [
    (";", "utf-8", "';'"), ("\t", "utf-8", "'Tab'"), ("\t", "utf-16", "'Tab'")])
def test_a_csv_with_another_delimiter_is_read_and_named(
        intake: Intake, delimiter: str, encoding: str, shown: str) -> None:
    text = csv_text([{"unit_id": "A"}]).replace(",", delimiter)
    result = intake.one(_csv(intake.folder, "other.csv", text, encoding))
    assert result.status == "accepted", [p.render() for p in result.problems]
    (warning,) = result.problems
    assert f"dấu phân cách {shown} thay cho dấu phẩy" in warning.render()
    assert store.current_reports(intake.url)["workers"].tolist() == [40]


def test_an_audit_notebook_carries_the_briefings_parameters_only() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(
            'union_id: str = "CDCS-0001"  # mã CĐCS\nperiod: str = "latest"  # kỳ\n'
            'lang: str = "vi"  # ngôn ngữ', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('# Parameters\nunion_id = "CDCS-0042"\nperiod = "2025"\n',
                                  metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("print(union_id)"),
    ])
    record = audit_record(nb)
    assert record.cells[0].source == AUDIT_NOTE + '\nlang: str = "vi"  # ngôn ngữ'
    assert "CDCS-0001" not in nbformat.writes(record) and "CDCS-0042" in nbformat.writes(record)
    assert 'union_id: str = "CDCS-0001"' in nb.cells[0].source  # the notebook run is untouched
    plain = nbformat.v4.new_notebook(cells=[nb.cells[0]])
    assert audit_record(plain) is plain  # nothing injected: nothing to take out


# ----------------------------------------------------------------------------- killed runs
def _killed_ingest(intake: Intake, signum: int, after: int) -> tuple[int, list[str]]:
    """Run ``congdoan ingest`` on the inbox and send it ``signum`` once it has told ``after``
    outcomes; return its exit status and the files it said it accepted."""
    words = [sys.executable, "-m", "congdoan.cli", "ingest", str(intake.folder), "-w",
             str(workspace_for(intake.url, intake.folder.parent)), "--store", str(intake.store_dir)]
    run = subprocess.Popen(words, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert run.stdout is not None
    told: list[str] = []
    try:
        for line in run.stdout:
            if line.startswith("ĐÃ NHẬN: "):
                told.append(line.split()[2])
            if len(told) == after:
                run.send_signal(signum)
                break
        rest, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    told += [line.split()[2] for line in rest.splitlines() if line.startswith("ĐÃ NHẬN: ")]
    return run.returncode, told


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_killed_ingest_has_told_what_it_stored_and_a_rerun_completes(
        intake: Intake, capsys: pytest.CaptureFixture[str], signum: int) -> None:
    names = _many_forms(intake, 20)
    code, told = _killed_ingest(intake, signum, after=5)
    assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 130)
    stored = set(store.read_table("submissions", intake.url)["original_name"])
    assert set(told) <= stored  # everything it said it stored, it did
    assert len(stored - set(told)) <= 1  # at most the file between its commit and its line
    assert len(stored) < len(names)  # it was stopped before the end
    assert run_cli(intake, intake.folder) == 0  # --strict: nothing rejected either
    out = capsys.readouterr().out
    accepted = {line.split()[2] for line in out.splitlines() if line.startswith("ĐÃ NHẬN: ")}
    skipped = {line.split()[4] for line in out.splitlines() if line.startswith("ĐÃ CÓ (bỏ qua): ")}
    assert accepted == set(names) - stored and skipped == stored  # exactly what was missing
    submissions = store.read_table("submissions", intake.url)["original_name"]
    assert sorted(submissions) == names  # each once
    assert len(store.current_reports(intake.url)) == len(names)
    assert not (intake.store_dir / "quarantine").exists()
    assert not list(intake.store_dir.rglob(".*.part"))  # a killed writer's temporaries removed


UNIONS = [f"CDCS-{i:04d}" for i in range(1, 7)]


def _batch_words(demo_dir: Path, out: Path) -> list[str]:
    unions = [word for union in UNIONS for word in ("--union", union)]
    return [sys.executable, "-m", "congdoan.cli", "briefings", "--period", "2025", *unions,
            "--format", "html", "--out", str(out), "--data", str(demo_dir), "--workers", "2"]


def _all_gone(pids: list[int]) -> bool:
    """True once none of ``pids`` runs any more (checked for up to 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not [pid for pid in pids if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_killed_batch_renders_exactly_what_was_missing(
        demo_dir: Path, tmp_path: Path, signum: int) -> None:
    out = tmp_path / "out"
    run = subprocess.Popen(_batch_words(demo_dir, out), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    family: list[int] = []
    try:
        for line in run.stderr:
            if "] ok " in line:  # one briefing done (and in the manifest): stop the batch
                family = [p.pid for p in psutil.Process(run.pid).children(recursive=True)]
                run.send_signal(signum)
                break
        run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert family and run.returncode == (-signal.SIGKILL if signum == signal.SIGKILL else 130)
    assert _all_gone(family)  # workers, kernels and the fork server went with the batch
    finished = set(Manifest.load(out).entries)
    assert finished and finished < {f"union-{u}" for u in UNIONS}
    for slug in finished:
        assert (out / "2025" / f"{slug}.html").is_file()
    again = subprocess.run(_batch_words(demo_dir, out), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    summary = re.search(r"(\d+) tạo mới / rendered, (\d+) không đổi / up to date, (\d+) lỗi",
                        again.stdout)
    assert summary is not None, again.stdout
    rendered, skipped, failed = map(int, summary.groups())
    assert (rendered, skipped, failed) == (len(UNIONS) - len(finished), len(finished), 0)
    assert set(Manifest.load(out).entries) == {f"union-{u}" for u in UNIONS}
    leftovers = [p for pattern in (".*.tmp", ".running-*") for p in out.rglob(pattern)]
    assert leftovers == []
