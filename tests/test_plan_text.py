"""Reading a plan document (``congdoan plan read``): the demo's own plan and a ward's plan in Word.

``fixtures/plan_41b_gialam.txt`` is the text of the plan the packaged register was written from
(by hand, line by line): reading it must give the register's own numbers back.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from congdoan.cli import main
from congdoan.core.paths import DEFAULT_PARAMS_DIR
from congdoan.core.plan import load_elements, load_register
from congdoan.core.workspace import Organisation, Workspace, init_workspace
from congdoan.exceptions import DataError, ParameterError
from congdoan.intake.plan_text import document_text, match_targets, read_plan_text

SEED = Path(__file__).parent / "fixtures" / "plan_41b_gialam.txt"

WARD_PLAN = """CÔNG ĐOÀN PHƯỜNG HÒA BÌNH
Số: 07/KH-CĐP\tHòa Bình, ngày 15 tháng 09 năm 2025

KẾ HOẠCH
Thực hiện Nghị quyết số 02-NQ/TW ngày 12/6/2021 của Bộ Chính trị
về đổi mới tổ chức và hoạt động của Công đoàn Việt Nam trong tình hình mới

I. MỤC ĐÍCH, YÊU CẦU
Phấn đấu hoàn thành các chỉ tiêu năm 2021 của cấp trên giao (ngày 12/6/2021).

II. CHỈ TIÊU (hằng năm)
1.1. Phấn đấu 95% cơ quan, đơn vị có tổ chức công đoàn tổ chức hội nghị cán bộ, công chức, viên chức.
1.2. Phấn đấu 75% doanh nghiệp có tổ chức công đoàn tổ chức hội nghị người lao động.
1.3. Phấn đấu 55% doanh nghiệp ký kết thỏa ước lao động tập thể; trong đó 30% thỏa ước đạt loại B.
2.1. Hằng năm phát triển đoàn viên đạt 105% chỉ tiêu được giao.
2.2. Phấn đấu 85% CĐCS xếp loại hoàn thành tốt nhiệm vụ trở lên.
3.1. Phấn đấu 80% cán bộ công đoàn cơ sở được tập huấn nghiệp vụ.

Mốc đến năm 2028:
- 100% cơ quan, đơn vị tổ chức hội nghị CBCCVC.
- 70% doanh nghiệp có tổ chức công đoàn ký kết thỏa ước lao động tập thể.

III. NHIỆM VỤ, GIẢI PHÁP
1.1. Tuyên truyền cho 100% đoàn viên về Nghị quyết.
"""
"""A ward union's plan (fictional): eight annual targets in its own numbering, two 2028
milestones in a year the template has no column for, one target (3.1) no report question
measures, a target in % of an assignment (2.1)."""


def docx(path: Path, text: str) -> Path:
    """A Word document with one paragraph per line of ``text`` (tabs kept), as Word saves it."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraphs = "".join(
        "<w:p>" + "<w:r><w:tab/></w:r>".join(f'<w:r><w:t xml:space="preserve">{escape(part)}'
                                             "</w:t></w:r>" for part in line.split("\t"))
        + "</w:p>" for line in text.splitlines())
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>'
                         f'<w:document xmlns:w="{ns}"><w:body>{paragraphs}</w:body>'
                         "</w:document>")
    return path


def test_the_demo_plan_document_gives_back_the_demo_register() -> None:
    register = load_register(DEFAULT_PARAMS_DIR)
    plan = read_plan_text(document_text(SEED))
    assert (plan.identity["number"], plan.identity["date"]) == ("41b/KH-LĐLĐ",
                                                                dt.date(2021, 9, 30))
    assert plan.identity["implements"] == "Nghị quyết 02-NQ/TW"
    reading = match_targets(plan, register)
    assert reading.unknown == [] and reading.dropped == []
    assert all(f.line is not None and f.problem is None for f in reading.found)
    # the three lines the plan states without a number keep the register's reading of them
    assert {i.id for i in reading.named} == {"district_rating", "enterprise_coverage",
                                             "nonunion_workers_reached"}
    # the programmes of its section III stay (it names them)
    from congdoan.intake.plan_text import sheet_values
    values = sheet_values(reading, register, "LĐLĐ", load_elements(DEFAULT_PARAMS_DIR).activities)
    assert values.programmes and all(values.programmes.values())
    seen: dict[str, list[tuple[int | None, float, float | None, bool]]] = {}
    for found in reading.found:
        assert found.line is not None
        t = found.target
        seen.setdefault(found.line.id, []).append(
            (None if found.line.kind == "annual" else t.year, round(t.low, 6),
             None if t.high is None else round(t.high, 6), t.strict))
    expected: dict[str, list[tuple[int | None, float, float | None, bool]]] = {}
    for ind in register.indicators:
        if ind.target is not None:
            expected[ind.id] = [(None, ind.target.min, ind.target.max, ind.target.strict)]
        for year, mark in (ind.milestones or {}).items():
            expected.setdefault(ind.id, []).append((year, mark.value, None, mark.strict))
    for named in ("district_rating", "enterprise_coverage", "nonunion_workers_reached"):
        expected.pop(named)
    # member_share_unionised: 95 % in 2030 in the plan's words; 2045 is "hầu hết" (a reading)
    expected["member_share_unionised"] = [e for e in expected["member_share_unionised"]
                                          if e[0] == 2030]
    assert seen == expected
    # its words read each change as the register does: "tăng thêm" net, "thành lập mới" gross
    cells = values.lines
    assert cells[("member_growth", "reading")] == "net" and cells[("new_cdcs", "reading")] == "net"
    assert cells[("new_cdcs_nonstate", "reading")] == "gross"
    assert all(register.get(i).reading == r for (i, k), r in cells.items() if k == "reading")
    # the clauses as the plan writes them: 1.5 for both counts, 2.3 for the 2030 milestones
    clauses = {(f.line.id, f.target.year): f.target.clause for f in reading.found if f.line}
    assert clauses[("member_growth", None)] == clauses[("new_cdcs", None)] == "1.5"
    assert clauses[("cba_coverage", 2030)] == "2.3"
    assert clauses[("new_cdcs_nonstate", 2023)] == "2.1"  # "mỗi năm" under 2.1: annual


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "hoabinh", Organisation(
        id="CD-PHUONG-HOABINH", name="Công đoàn phường Hòa Bình", kind="commune"))


def test_a_ward_plan_in_word_becomes_its_register_in_one_pass(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = docx(tmp_path / "KeHoach 07.docx", WARD_PLAN)
    assert main(["-w", str(ws.root), "plan", "read", str(document)]) == 0
    said = capsys.readouterr().out
    assert "số 07/KH-CĐP, ngày 15/09/2025, của Công đoàn phường Hòa Bình, năm gốc 2025" in said
    # 105 % of an assignment; "phát triển" reads gross: the line is named for what it counts
    assert "Phát triển đoàn viên trong năm → CẦN ĐIỀN" in said
    assert re.search(r"CẦN ĐIỀN \(văn bản không cho số\), chưa nhập gì:\n   2\.1 \"Hằng năm phát "
                     r"triển đoàn viên đạt 105% chỉ tiêu được giao\": văn bản ghi tỷ lệ, .* SỐ = "
                     r"105 % × số được giao", said)
    assert f"congdoan plan read {shlex.quote(str(document))} --set 2.1=SỐ\n" in said
    cell = re.search(r"\(hoặc điền ô ([A-Z]+\d+) trong ", said)
    assert cell is not None
    assert re.search(r"Chưa theo dõi được \(1; .*\): 3\.1 Phấn đấu 80% cán bộ", said)  # no question
    assert "Tuyên truyền" not in said                          # section III is not a target
    workbook = ws.output_dir / "KeHoach.xlsx"
    # a number to fill: nothing imported; the cell is left blank, never the template's number,
    # and an import of the workbook is refused there
    before = (ws.params_dir / "plan.yaml").read_bytes()
    assert load_register(ws.params_dir).plan.is_template
    assert main(["-w", str(ws.root), "plan", "import", str(workbook)]) == 1
    out = capsys.readouterr().out
    assert f"ô {cell[1]}, trường 'min': Thiếu" in out and "Không sửa gì" in out
    assert (ws.params_dir / "plan.yaml").read_bytes() == before
    from openpyxl import load_workbook
    book = load_workbook(workbook)
    sheet = book["ChiTieu"]
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    # the template's lines the document does not have are dropped, and out of sight
    assert sheet.row_dimensions[rows["dialogue_dnnn"]].hidden
    assert not sheet.row_dimensions[rows["officials_conference_hcsn"]].hidden
    sheet[cell[1]] = 105
    book.save(workbook)
    assert main(["-w", str(ws.root), "plan", "import", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert "Đã nhập kế hoạch: Kế hoạch số 07/KH-CĐP — " in out
    assert "min 100 % → 95 %" not in out  # each change only with --details
    assert "Tiếp theo: congdoan template --period YYYY-H2" in out
    assert "chưa theo dõi được (1): 3.1" in out
    # the same workbook again: already in, nothing changes (not read against the plan it made)
    after = (ws.params_dir / "plan.yaml").read_bytes()
    assert main(["-w", str(ws.root), "plan", "import", str(workbook)]) == 0
    assert "Tệp này đã được nhập" in capsys.readouterr().out
    assert (ws.params_dir / "plan.yaml").read_bytes() == after
    register = load_register(ws.params_dir)
    plan = register.plan
    assert (plan.number, plan.date, plan.issued_by, plan.baseline_year, plan.milestone_years) == (
        "07/KH-CĐP", dt.date(2025, 9, 15), "Công đoàn phường Hòa Bình", 2025, (2028,))
    assert plan.projection_years == (2028,) and not plan.is_template
    # the target no report question measures is kept in the register, for every briefing to say
    assert plan.untracked == ("3.1: Phấn đấu 80% cán bộ công đoàn cơ sở được tập huấn nghiệp vụ",)
    got = {i.id: i for i in register.indicators}
    officials = got["officials_conference_hcsn"]
    assert officials.target is not None and officials.target.min == 0.95
    assert officials.wording_vi.startswith("Phấn đấu 95% cơ quan, đơn vị")
    conference = got["workers_conference_dnnn_2"]   # one figure for every enterprise
    assert (conference.clause, conference.population, conference.target) == (
        "1.2", "enterprise", conference.target) and conference.target is not None
    assert conference.target.min == 0.75
    assert (got["cba_coverage_2"].kind, got["cba_coverage_2"].clause) == ("annual", "1.3")
    assert got["cba_quality_2"].target.min == 0.30  # type: ignore[union-attr]
    rated = got["rated_good_state_2"]
    assert (rated.clause, rated.population) == ("2.2", "all")
    # the template's agreement line runs through clauses 2.1–2.4; the ward's 2028 milestone, under
    # a heading without a number, takes the clause the ward gives agreements (1.3): a line of its
    # own (and the template's line goes)
    cba = got["cba_coverage_3"].milestones or {}
    assert "cba_coverage" not in got and got["cba_coverage_3"].clause == "1.3"
    # the 2028 column came with the workbook: one read, one import
    assert list(cba) == [2028] and (cba[2028].value, cba[2028].strict) == (0.70, False)
    officials_2028 = got["officials_conference_hcsn_2"].milestones or {}
    assert (officials_2028[2028].value, officials_2028[2028].clause) == (1.0, "1.1")
    # kept, its number the officer's (written above): the plan's clause and words, the
    # template's range gone
    growth = got["member_growth"]
    assert (growth.clause, growth.target.min, growth.target.max) == (  # type: ignore[union-attr]
        "2.1", 105, None)
    assert growth.wording_vi == "Hằng năm phát triển đoàn viên đạt 105% chỉ tiêu được giao"
    assert growth.reading == "gross"  # "phát triển đoàn viên": members admitted, not the net
    assert growth.name_vi == "Phát triển đoàn viên trong năm"
    assert {"dialogue_dnnn", "total_members", "legal_representation"}.isdisjoint(got)
    assert sorted(plan.clauses) == sorted({c for i in register.indicators for c in i.all_clauses})
    # the ward's plan names none of the template's programmes (section III): forms stop asking
    assert "   đã bỏ: 29 dòng của kế hoạch mẫu, 8 chương trình, " in out
    assert load_elements(ws.params_dir).activities == ()
    from openpyxl import load_workbook

    from conftest import one_form, tiny_dataset
    from congdoan.core.dataset import write_dataset
    write_dataset(tiny_dataset(), tmp_path / "data")
    assert main(["-w", str(ws.root), "template", "--period", "2026-H2", "--data",
                 str(tmp_path / "data"), "--out", str(tmp_path / "forms")]) == 0
    form = load_workbook(one_form(tmp_path / "forms" / "2026-H2"))["BaoCao"]
    text = " ".join(str(c.value) for row in form.iter_rows() for c in row if c.value)
    assert "HOẠT ĐỘNG THEO CÁC CHƯƠNG TRÌNH" not in text  # no empty section III
    # each question names the ward's clauses it serves; one no line reads names none (its own
    # clause was the template plan's: "1.3" is the ward's dialogue)
    served = {row[1].value: row[4].value for row in form.iter_rows() if row[1].value}
    assert served["members"] == "2.1" and served["workers"] in (None, "")


def test_the_number_to_fill_given_on_the_command_line_imports_the_plan(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    document = docx(tmp_path / "KeHoach.docx", WARD_PLAN)
    monkeypatch.chdir(ws.root)  # paths under the current folder are said from it
    plan = ws.params_dir / "plan.yaml"
    before = plan.read_bytes()
    # a code that names no target to fill, or no number: a message at the option, nothing changes
    for wrong, said in (("2.5=105", "Không có ô CẦN ĐIỀN nào mang mã này; giá trị '2.5=105'; "
                                    "cần 2.1=SỐ"),
                        ("2.1=một trăm", "Cần một số ≥ 0; giá trị '2.1=một trăm'")):
        assert main(["-w", str(ws.root), "plan", "read", str(document), "--set", wrong]) == 2
        assert f"trường '--set': {said}" in capsys.readouterr().err
        assert plan.read_bytes() == before
    assert main(["-w", str(ws.root), "plan", "read", str(document), "--set", "2.1=105"]) == 0
    out = capsys.readouterr().out
    # the list was shown by the reading that asked for the number: one line now, then the import
    assert out.startswith("Đã đọc KeHoach.docx: 8 chỉ tiêu; đã điền: 2.1 = 105\nĐã nhập kế hoạch: ")
    assert "CẦN ĐIỀN" not in out and "Đã nhập kế hoạch: Kế hoạch số 07/KH-CĐP — " in out
    assert "chưa theo dõi được (1): 3.1" in out  # not listed above: said by the import
    assert ("Chỗ nào đọc sai: sửa output/KeHoach.xlsx rồi congdoan plan import "
            "output/KeHoach.xlsx\n") in out
    growth = load_register(ws.params_dir).get("member_growth")
    assert growth.target is not None and (growth.target.min, growth.clause) == (105, "2.1")
    # read again, the same number: the plan as it is
    after = plan.read_bytes()
    assert main(["-w", str(ws.root), "plan", "read", str(document), "--set", "2.1=105"]) == 0
    assert capsys.readouterr().out.endswith("Không có thay đổi / no change: "
                                            f"{ws.params_dir / 'plan.yaml'}\nChỗ nào đọc sai: "
                                            "sửa output/KeHoach.xlsx rồi congdoan plan import "
                                            "output/KeHoach.xlsx\n")
    assert plan.read_bytes() == after


def test_set_names_a_milestone_by_clause_and_year() -> None:
    from congdoan.cli.plan import _given
    from congdoan.core.plan import load_register as load
    from congdoan.intake.plan_text import Found, Target

    register = load(DEFAULT_PARAMS_DIR)
    annual = next(i for i in register.indicators if i.kind == "annual" and i.measure == "count")
    milestone = next(i for i in register.indicators if i.kind == "milestone")
    def target(year: int | None) -> Target:
        return Target(line=1, clause="2.1", text="…", before="", after="", phrase="", rest="",
                      share=True, low=1.05, high=None, year=year)

    targets = [Found(target(None), line=annual, problem="…"),
               Found(target(2030), line=milestone, problem="…")]
    assert _given(["2.1=105", "2.1/2030=70 %"], targets) == {"2.1": 105, "2.1/2030": 70}
    assert _given(["2.1/2030=12,5"], targets) == {"2.1/2030": 12.5}
    with pytest.raises(ParameterError, match="mang mã này"):
        _given(["2.2=1"], targets)
    for wrong in ("2.1=nan", "2.1=inf", "2.1=-5", "2.1"):  # a number ≥ 0, or a message
        with pytest.raises(ParameterError, match="Cần một số ≥ 0"):
            _given([wrong], targets)


@pytest.mark.parametrize(("name", "content", "said"), [
    ("KeHoach.doc", b"\xd0\xcf\x11\xe0 old Word", "lưu kế hoạch thành .docx hoặc .txt"),
    ("KeHoach.docx", b"PK not really a zip", "Không đọc được tệp Word"),
    ("KeHoach.txt", "Kế hoạch".encode("utf-16"), "cần UTF-8"),
])
def test_an_unreadable_document_is_a_message_at_the_file(
        ws: Workspace, tmp_path: Path, name: str, content: bytes, said: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=said.split(" ")[0]):
        document_text(path)
    before = (ws.params_dir / "plan.yaml").read_bytes()
    assert main(["-w", str(ws.root), "plan", "read", str(path)]) == 2
    err = capsys.readouterr().err
    assert said in err and str(path) in err and "Traceback" not in err
    assert (ws.params_dir / "plan.yaml").read_bytes() == before


def test_reading_the_same_document_again_changes_nothing(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook
    document = docx(tmp_path / "KeHoach.docx", WARD_PLAN)
    workbook = ws.output_dir / "KeHoach.xlsx"
    for _ in range(2):
        assert main(["-w", str(ws.root), "plan", "read", str(document)]) == 0
        cell = re.findall(r"\(hoặc điền ô ([A-Z]+\d+) trong ", capsys.readouterr().out)
        book = load_workbook(workbook)
        book["ChiTieu"][cell[0]] = 105  # the number the document does not give, each time
        book.save(workbook)
        assert main(["-w", str(ws.root), "plan", "import", str(workbook)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith(f"Không có thay đổi / no change: {ws.params_dir / 'plan.yaml'}")
    # the second reading finds the lines the first one added (their keywords came with them)
    assert main(["-w", str(ws.root), "plan", "read", str(document)]) == 0
    assert re.search(r"1\.2 +75 %  hằng năm Doanh nghiệp có tổ chức công đoàn tổ chức hội nghị .*\n",
                     capsys.readouterr().out)
