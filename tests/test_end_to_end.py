"""A commune union that is not the demo, from nothing to briefings, through the command line.

The fictional "Công đoàn xã Hòa Minh" was formed on 1/7/2025 and has 25 CĐCS. Its plan
(07/KH-CĐX) has other targets than the packaged template, drops clause 1.8, adds a clause 1.9, and
has its own baseline (2025) and milestone years (2027, 2028, 2032, 2040). The test runs what an officer runs,
in the workspace folder with no ``CONGDOAN_WORKSPACE`` set: init, units template → fill →
import, forms → fill (one with a mistake) → ingest, briefings of one CĐCS and of the union,
then the explorer and data-quality notebooks; and it checks that no demo name, demo plan number
or demo milestone year appears in anything produced.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.plan import load_elements
from congdoan.intake.forms import FORM_CELLS, FORM_FIELD_COL, FORM_HEADER_ROW, FORM_SHEET, FORM_VALUE_COL

pytestmark = pytest.mark.slow

ORG_ID, ORG_NAME = "CD-XA-HOAMINH", "Công đoàn xã Hòa Minh"
FORBIDDEN = re.compile(r"Gia Lâm|(?<!\w)41b|huyện|GIALAM|(?<!\w)(2023|2045)(?!\w)", re.IGNORECASE)
"""The demo's place, plan number and milestone years that the new plan does not have."""
N_UNITS = 25
EMBEDDED = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+|\"image/(png|jpeg)\": \"[^\"]*\""
                      r"|(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
"""What is not text: embedded images, and random identifiers (a widget model id such as
``41b3ced6…`` once read as the demo's plan number)."""
YEARS = {2023: 2027, 2025: 2028, 2030: 2032, 2045: 2040}
"""The template's milestone years → this plan's."""


def run(ws: Path, *words: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONGDOAN_WORKSPACE"}
    done = subprocess.run([sys.executable, "-m", "congdoan.cli", *words], cwd=ws, env=env,
                          capture_output=True, text=True)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


SAFETY_FIELD = ("  - {name: safety_network, kind: bool, aggregation: any, unit: có/không, "
                "clause: \"1.9\",\n     label_vi: \"Có mạng lưới an toàn, vệ sinh viên\", "
                "label_en: Safety officers' network}\n")


def own_plan(params: Path) -> None:
    """The union's own plan: identity, other targets, clause 1.8 dropped, clause 1.9 added."""
    path = params / "plan.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["plan"] = {
        "number": "07/KH-CĐX", "date": dt.date(2025, 8, 15),
        "issued_by": "Ban Chấp hành Công đoàn xã Hòa Minh",
        "title": "Kế hoạch thực hiện Nghị quyết 02-NQ/TW giai đoạn 2025–2032",
        "implements": "Nghị quyết 02-NQ/TW", "baseline_year": 2025,
        "projection_years": [2028, 2032],
        "clauses": [c for c in raw["plan"]["clauses"] if c != "1.8"] + ["1.9"]}
    indicators = [i for i in raw["indicators"] if i["clause"] != "1.8"]
    for ind in indicators:
        if ind["id"] == "dialogue_nnn":
            ind["target"] = {"min": 0.6}
        if ind.get("milestones"):  # the plan's own milestone years, each clause kept
            ind["milestones"] = {YEARS[year]: goal for year, goal in ind["milestones"].items()}
    extra = dict(next(i for i in indicators if i["id"] == "dialogue_nnn"))
    extra.update(id="safety_network_nnn", clause="1.9", numerator="safety_network",
                 wording_vi="50% trở lên doanh nghiệp ngoài nhà nước có mạng lưới an toàn, vệ sinh viên",
                 name_vi="DN ngoài nhà nước có mạng lưới an toàn, vệ sinh viên (1.9)",
                 name_en="Non-state enterprises with safety officers (1.9)", target={"min": 0.5})
    indicators.append(extra)
    raw["indicators"] = indicators
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # clause 1.9 asks a question the packaged report has not: a new report field
    elements = params / "data_elements.yaml"
    text = elements.read_text(encoding="utf-8")
    elements.write_text(text.replace("elements:\n", "elements:\n" + SAFETY_FIELD, 1),
                        encoding="utf-8")


def fill_units(template: Path, target: Path) -> None:
    """25 CĐCS over two communes, as an officer fills the template in Excel."""
    wb = load_workbook(template)

    def put(sheet: str, rows: list[dict[str, Any]]) -> None:
        sh = wb[sheet]
        keys = {c.value: c.column for c in sh[5] if c.value}
        row = 6
        while sh.cell(row=row, column=1).value not in (None, rows[0].get(next(iter(keys)))):
            row += 1
        for rec in rows:
            while sh.cell(row=row, column=1).value not in (None, rec[next(iter(keys))]):
                row += 1
            for key, value in rec.items():
                sh.cell(row=row, column=keys[key], value=value)
            row += 1

    put("XaPhuong", [{"commune_id": "HM-1", "name": "Thôn Đông"},
                     {"commune_id": "HM-2", "name": "Thôn Đoài"}])
    put("CapTren", [{"upper_id": ORG_ID, "name": ORG_NAME,
                     "valid_from": dt.datetime(2025, 7, 1)}])
    sectors = ["HCSN"] * 8 + ["DNNN"] * 5 + ["NNN"] * 12
    put("CDCS", [{
        "unit_id": f"HM-{i:02d}", "name": f"Công đoàn cơ sở Hòa Minh số {i}",
        "sector": sector, "commune_id": "HM-1" if i % 2 else "HM-2", "upper_id": ORG_ID,
        "founded": dt.datetime(2010 + i % 10, 3, 1), "opening_workers": 40 + i,
        "opening_members": 30 + i,
        **({"enterprise_id": f"01012345{i:02d}"} if sector != "HCSN" else {}),
    } for i, sector in enumerate(sectors, start=1)])
    wb.save(target)


def fill_form(path: Path, params: Path, workers: int, members: int, women: int) -> None:
    """Answer every open field of one CĐCS form (the fields of the workspace's register)."""
    wb = load_workbook(path)
    sheet = wb[FORM_SHEET]
    kinds = {e.name: e.kind for e in load_elements(params).elements}
    answers = {"workers": workers, "members": members, "women_members": women,
               "members_admitted": 3, "members_left": 1}
    for row in range(FORM_HEADER_ROW + 1, sheet.max_row + 1):
        name = sheet.cell(row=row, column=FORM_FIELD_COL).value
        cell = sheet.cell(row=row, column=FORM_VALUE_COL)
        if name not in kinds or cell.protection.locked:
            continue
        kind = kinds[name]
        if name in answers:
            cell.value = answers[name]
        elif kind == "bool":
            cell.value = "Có"
        elif kind in ("int", "vnd"):
            cell.value = 2 if kind == "int" else 5_000_000
    sheet[FORM_CELLS["submitted_on"]] = "05/12/2025"
    sheet[FORM_CELLS["submitted_by"]] = "Trần Văn Bình, Chủ tịch CĐCS"
    wb.save(path)


def texts(folder: Path) -> dict[Path, str]:
    """The text of every file produced under ``folder`` (PDFs through their text layer)."""
    from pypdf import PdfReader

    found: dict[Path, str] = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix in (".sqlite", ".png"):
            continue
        if path.suffix == ".pdf":
            found[path] = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix == ".xlsx":
            wb = load_workbook(path, read_only=True)
            found[path] = "\n".join(str(c) for ws in wb.worksheets
                                    for row in ws.iter_rows(values_only=True) for c in row
                                    if c is not None)
        else:
            text = path.read_text(encoding="utf-8", errors="replace")
            found[path] = EMBEDDED.sub("", text)  # images and random ids are not text
    return found


def test_a_commune_union_from_nothing_to_briefings(tmp_path: Path) -> None:
    ws = tmp_path / "hoaminh"
    run(tmp_path, "init", str(ws), "--id", ORG_ID, "--name", ORG_NAME, "--kind", "commune")
    own_plan(ws / "params")

    # units: template → filled → imported
    run(ws, "units", "template")
    (template,) = (ws / "output").glob("*.xlsx")
    fill_units(template, ws / "danh_sach.xlsx")
    done = run(ws, "units", "import", "danh_sach.xlsx")
    assert f"{ORG_NAME} ({ORG_ID})" in done.stderr  # the command says which workspace
    listed = run(ws, "units", "list", "--at", "2025-11-30").stdout
    assert listed.count("Công đoàn cơ sở Hòa Minh số") == N_UNITS

    # forms for the second half of 2025, filled; one with women members > members
    run(ws, "template", "--period", "2025-H2")
    forms = sorted((ws / "output" / "forms" / "2025-H2").glob("HM-*.xlsx"))
    assert len(forms) == N_UNITS
    first = load_workbook(forms[0])[FORM_SHEET]
    assert first["A2"].value == ("Theo Kế hoạch số 07/KH-CĐX ngày 15/08/2025 của "
                                 "Ban Chấp hành Công đoàn xã Hòa Minh")
    for i, form in enumerate(forms, start=1):
        members = 30 + i
        fill_form(form, ws / "params", workers=45 + i, members=members,
                  women=members + 5 if i == 3 else members // 2)
        form.rename(ws / "inbox" / form.name)
    done = run(ws, "ingest")
    assert f"Tổng: {N_UNITS - 1} tệp nhận, 1 tệp từ chối" in done.stdout, done.stdout
    assert "HM-03" in done.stdout and "women_members" in done.stdout
    # the report to send back, named for the file, said from the workspace
    [form_name] = [n for n in re.findall(r"BỊ TỪ CHỐI: (\S+)", done.stdout)]
    assert f" → báo cáo lỗi: output/loi/{form_name}.loi.txt\n" in done.stdout
    assert "women_members" in (ws / "output" / "loi" / f"{form_name}.loi.txt").read_text("utf-8")
    # who has reported, counted after the files: the rejected one is not among them
    assert (f"Kỳ 2025-H2: đã nhận {N_UNITS - 1}/{N_UNITS} CĐCS ({N_UNITS - 1} đúng hạn), còn 1 "
            "chưa nộp (từng CĐCS: congdoan completeness --period 2025-H2 --units)\n"
            "Tệp bị từ chối (1): gửi CĐCS báo cáo lỗi trong output/loi/; tệp sửa xong đặt vào "
            "inbox/ (ghi đè tệp cũ) rồi congdoan ingest\n"
            "Tiếp theo: congdoan briefings --period latest\n") in done.stdout
    # who must send again: the CĐCS whose file was refused, not just "missing"
    listed = run(ws, "completeness", "--period", "2025-H2", "--units").stdout
    [line] = [x for x in listed.splitlines() if "HM-03" in x]
    assert "tệp bị từ chối, chờ gửi lại" in line
    summary = run(ws, "completeness", "--period", "2025-H2").stdout
    assert "Tệp bị từ chối, chờ gửi lại (1): HM-03." in summary

    # the new clause, from the new field: 12 NNN CĐCS, all answered "Có"
    table = pd.read_csv(io.StringIO(run(ws, "indicators", "--period", "2025").stdout))
    safety = table[(table["indicator_id"] == "safety_network_nnn")
                   & (table["unit_id"] == ORG_ID)].iloc[0]
    assert (safety["numerator"], safety["denominator"]) == (12, 12)

    # briefings: one CĐCS and the union itself, for the partial year 2025
    said = run(ws, "briefings", "--period", "2025", "--union", "HM-01", "--upper", ORG_ID).stdout
    out = ws / "output" / "briefings" / "2025"
    # the organisation's own briefing and the index, said from the workspace (the command's cwd)
    assert (f"Báo cáo của {ORG_NAME}: output/briefings/2025/upper-{ORG_ID}.pdf\n"
            "Mọi báo cáo, mở trong trình duyệt / all, in a browser: "
            "output/briefings/index.html\n") in said
    union_html = (out / f"upper-{ORG_ID}.html").read_text(encoding="utf-8")
    assert ORG_NAME in union_html and "07/KH-CĐX" in union_html
    assert "01/07/2025" in union_html  # the year from the half it has
    assert (out / "union-HM-01.pdf").stat().st_size > 0

    # the notebooks, on the workspace in force
    env = {k: v for k, v in os.environ.items() if k != "CONGDOAN_WORKSPACE"}
    env["CONGDOAN_WORKSPACE"] = str(ws)
    for name in ("explore.ipynb", "data_quality.ipynb"):
        executed = ws / "output" / name
        subprocess.run([str(Path(sys.executable).with_name("papermill")), "--no-progress-bar",
                        str(NOTEBOOKS_DIR / name), str(executed), "-p", "period", "2025"],
                       check=True, capture_output=True, env=env, cwd=ws)
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
        assert not [o for c in cells for o in c.get("outputs", [])
                    if o.get("output_type") == "error"], name

    # nothing produced names the demo, its plan or its milestone years
    found = {str(path.relative_to(ws)): m.group(0) for path, text in texts(ws / "output").items()
             if (m := FORBIDDEN.search(text))}
    assert not found, found
