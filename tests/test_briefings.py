"""Batch of briefings on the demo district: executed notebooks, HTML, PDF, index, failures."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from pypdf import PdfReader

from congdoan.briefing import fmt
from congdoan.core.dataset import read_dataset, write_dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.periods import resolve_period
from congdoan.engine import jobs as briefings
from congdoan.engine.batch import BatchRun, SequentialRunner, build_briefings, warmup_code
from congdoan.engine.index import write_index
from congdoan.exceptions import ParameterError

URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(https?:|//)""", re.IGNORECASE)
XSS = "<script>alert(1)</script>"


def _period(demo) -> str:  # type: ignore[no-untyped-def]
    return resolve_period("latest", demo)


def _pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_slug_is_safe() -> None:
    assert briefings.slugify("union", "CDCS-0001") == "union-CDCS-0001"
    for bad in ("../../etc/passwd", "a/b", "a\\b", "..", "x y"):
        slug = briefings.slugify("union", bad)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", slug) and ".." not in slug
    assert briefings.slugify("union", "a/b") != briefings.slugify("union", "a_b")


def test_parameters_are_checked_before_execution(demo, demo_dir: Path) -> None:  # type: ignore[no-untyped-def]
    period = _period(demo)
    job = briefings.make_job("union", "CDCS-0001", period, data=str(demo_dir))
    briefings.check_parameters(job, demo)  # a good job passes
    typo = briefings.BriefingJob(**{**job.__dict__, "parameters": {**job.parameters,
                                                                    "unoin_id": "X"}})
    with pytest.raises(ParameterError, match="unoin_id"):
        briefings.check_parameters(typo, demo)
    with pytest.raises(ParameterError, match="NO-SUCH"):
        briefings.check_parameters(briefings.make_job("union", "NO-SUCH", period), demo)
    with pytest.raises(ParameterError, match="1999"):
        briefings.check_parameters(briefings.make_job("upper", "GIALAM", "1999"), demo)
    with pytest.raises(ParameterError, match="NOPE"):
        briefings.check_parameters(briefings.make_job("upper", "NOPE", period), demo)


def test_cli_refuses_unknown_union_before_running(demo_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from congdoan.cli import main

    code = main(["briefings", "--period", "latest", "--union", "BAD-ID", "--data",
                 str(demo_dir), "--out", str(tmp_path)])
    assert code == 2
    assert "BAD-ID" in capsys.readouterr().err
    assert not (tmp_path / "index.html").exists()


def test_plan_jobs_default_covers_every_active_union_and_upper(demo) -> None:  # type: ignore[no-untyped-def]
    from congdoan.core.periods import parse_period
    from congdoan.core.registry import units_in_period

    period = _period(demo)
    jobs = briefings.plan_jobs(demo, period)
    active = units_in_period(demo.units, demo.links, parse_period(period).cut_off)
    assert sum(j.kind == "union" for j in jobs) == len(active)
    uppers = [j.unit_id for j in jobs if j.kind == "upper"]
    assert uppers[0] == demo.organisation_id and len(uppers) > 1
    assert len({j.slug for j in jobs}) == len(jobs)
    # each CĐCS's job says whether its report of the period is in (for the index)
    subs = parse_period(period).sub_periods
    sent = set(demo.reports.loc[demo.reports["period"].isin(subs), "unit_id"].astype(str))
    assert {j.unit_id for j in jobs if j.reported == "yes"} == sent & set(active["unit_id"])
    assert {j.reported for j in jobs if j.kind == "union"} <= {"yes", "no"}
    assert {j.reported for j in jobs if j.kind == "upper"} == {""}


@pytest.fixture(scope="module")
def batch(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> BatchRun:
    out = tmp_path_factory.mktemp("briefings")
    return build_briefings("latest", unions=["CDCS-0001"], uppers=["GIALAM"], out=out,
                           data=str(demo_dir), runner=SequentialRunner(), progress_lines=False)


@pytest.mark.slow
def test_batch_writes_audit_html_pdf_and_index(batch: BatchRun) -> None:
    assert not batch.failed, [r.error for r in batch.failed]
    for result in batch.results:
        assert result.status == "ok"
        assert set(result.outputs) == {"ipynb", "html", "pdf"}
        audit = result.outputs["ipynb"]
        # kept in the period's notebooks/ folder, not among the files an officer shares
        html = result.outputs["html"]
        assert audit == html.parent / "notebooks" / f"{html.stem}.ipynb"
        nb = nbformat.read(str(audit), as_version=4)
        assert nb.metadata["papermill"]["parameters"]["period"] == result.job.period
        page = result.outputs["html"].read_text(encoding="utf-8")
        assert "load_context" not in page and "<pre" not in page   # no code cells
        assert not URL_ATTR.search(page)                          # opens offline
        assert "data:image/png;base64," in page
    index = (batch.out_dir / "index.html").read_text(encoding="utf-8")
    assert index.count('class="ok"') == 2 and "union-CDCS-0001.pdf" in index


def _poppler(tool: str) -> str:
    """A poppler-utils program (the page's layout is read from the PDF as a reader sees it)."""
    found = shutil.which(tool)
    if found is None:
        message = f"{tool} not found (apt-get install poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must check the printed layout")
        pytest.skip(message)
    return found


@pytest.mark.slow
def test_the_printed_table_stays_on_the_page_and_keeps_its_names_whole(batch: BatchRun) -> None:
    """A4 print: no word past the right margin, and an indicator's short name on one line.

    Long notes (a change's parts, a finance break) once squeezed the names' column to a word a
    line ("Tổng số đoàn" / "viên"); a fixed table layout once pushed the notes off the page.
    """
    for result in batch.results:
        pdf = result.outputs["pdf"]
        boxes = subprocess.run([_poppler("pdftotext"), "-bbox", str(pdf), "-"], check=True,
                               capture_output=True, text=True).stdout
        width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))  # type: ignore[union-attr]
        right = max(float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes))
        assert right <= width - 20, (pdf.name, right, width)       # at least 7 mm of margin
        layout = subprocess.run([_poppler("pdftotext"), "-layout", str(pdf), "-"], check=True,
                                capture_output=True, text=True).stdout
        assert re.search(r"Tổng số đoàn viên +[\d.—]", layout), pdf.name


@pytest.mark.slow
def test_union_pdf_shows_the_indicator_values_in_vietnamese(batch: BatchRun,
                                                            demo) -> None:  # type: ignore[no-untyped-def]
    result = next(r for r in batch.results if r.job.kind == "union")
    text = _pdf_text(result.outputs["pdf"])
    assert unicodedata.is_normalized("NFC", text)
    flat = re.sub(r"\s+", " ", text)
    assert "Cơ quan Huyện ủy Gia Lâm" in flat and "Kết quả thực hiện chỉ tiêu" in flat
    assert re.search(r"Trang 1/\d", flat)
    table = compute_indicators(demo, result.job.period)
    table = table[table["level"] == "cdcs"]
    rows = table[(table["unit_id"] == "CDCS-0001") & table["value"].notna()]
    assert len(rows) >= 8
    for _, row in rows.iterrows():
        expected = fmt.value(str(row["measure"]), row["value"], "vi")
        assert expected in flat, (row["indicator_id"], expected)


@pytest.mark.slow
def test_union_briefing_names_no_other_union(batch: BatchRun, demo) -> None:  # type: ignore[no-untyped-def]
    result = next(r for r in batch.results if r.job.kind == "union")
    own = str(demo.units.set_index("unit_id").loc["CDCS-0001", "name"])
    texts = [result.outputs["html"].read_text(encoding="utf-8"),
             re.sub(r"\s+", " ", _pdf_text(result.outputs["pdf"]))]
    context = " ".join([own, *demo.upper_unions["name"], *demo.communes["name"],
                        demo.organisation_name])
    others = demo.units[demo.units["unit_id"] != "CDCS-0001"]
    checked = 0
    for name in others["name"].astype(str):
        if name in context:  # a name inside our own, our upper union's or commune's name
            continue
        checked += 1
        for text in texts:
            assert name not in text, name
    assert checked > 300
    for other_id in others["unit_id"]:
        assert f">{other_id}<" not in texts[0]


@pytest.mark.slow
def test_upper_briefing_lists_units_and_reporting(batch: BatchRun) -> None:
    result = next(r for r in batch.results if r.job.kind == "upper")
    flat = re.sub(r"\s+", " ", _pdf_text(result.outputs["pdf"]))
    assert "Huyện Gia Lâm" in flat and "Tình hình nộp báo cáo" in flat
    assert "Dự báo 2030" in flat and "CĐCS có nhiều chỉ tiêu cần cải thiện" in flat


@pytest.mark.slow
def test_xss_name_is_escaped_and_one_failure_does_not_stop_the_batch(
        demo_dir: Path, tmp_path: Path) -> None:
    dataset = read_dataset(demo_dir)
    dataset.units.loc[dataset.units["unit_id"] == "CDCS-0002", "name"] = XSS
    data = tmp_path / "data"
    write_dataset(dataset, data)
    failing = tmp_path / "failing.ipynb"
    nb = new_notebook(cells=[
        new_code_cell('union_id: str = "x"  # id\nperiod: str = "latest"  # period\n'
                      'lang: str = "vi"  # lang\ndata: str = ""  # data',
                      metadata={"tags": ["parameters"]}),
        new_code_cell("raise RuntimeError('hỏng có chủ ý')"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                "language": "python"}})
    nbformat.write(nb, str(failing))
    jobs = briefings.plan_jobs(dataset, "2025", ["CDCS-0002"], None, "vi", str(data))
    jobs.append(briefings.make_job("union", "CDCS-0003", "2025", data=str(data),
                                   notebook=failing))
    out = tmp_path / "out"
    spec = briefings.WorkerSpec(out_dir=out, formats=("html",), warmup=warmup_code(jobs))
    ok, failed = SequentialRunner().run(jobs, spec)
    assert ok.status == "ok" and failed.status == "failed" and "hỏng có chủ ý" in failed.error
    write_index([ok, failed], out)
    page = ok.outputs["html"].read_text(encoding="utf-8")
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    audit = nbformat.read(str(out / "2025" / "notebooks" / "union-CDCS-0003.ipynb"), as_version=4)
    assert audit.cells[-1].outputs[0]["ename"] == "RuntimeError"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="failed"' in index and "hỏng có chủ ý" in index
    assert XSS not in index


def test_index_links_work_with_a_relative_output_folder(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # `make briefings` passes a relative --out while outputs are recorded as absolute paths
    monkeypatch.chdir(tmp_path)
    job = briefings.make_job("union", "CDCS-0001", "2025", title="Trường <b>A</b>")
    page = (tmp_path / "out" / "2025" / f"{job.slug}.html")
    page.parent.mkdir(parents=True)
    page.write_text("x", encoding="utf-8")
    result = briefings.JobResult(job=job, status="ok", outputs={"html": page.resolve()})
    index = write_index([result], Path("out"))
    text = index.read_text(encoding="utf-8")
    assert f'href="2025/{job.slug}.html"' in text
    assert "Trường &lt;b&gt;A&lt;/b&gt;" in text
    # the same link for outputs recorded relative, or absolute through a linked folder
    (tmp_path / "linked").symlink_to(tmp_path / "out")
    for outputs, out in (({"html": Path("out/2025") / page.name}, Path("out")),
                         ({"html": page.resolve()}, tmp_path / "linked"),
                         ({"html": tmp_path / "linked" / "2025" / page.name}, Path("out")),
                         ({"html": Path("out/2025/../2025") / page.name}, Path("out"))):
        result = briefings.JobResult(job=job, status="ok", outputs=outputs)
        text = write_index([result], out).read_text(encoding="utf-8")
        assert f'href="2025/{job.slug}.html"' in text, outputs
