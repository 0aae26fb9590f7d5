"""The index page lists every briefing of the output folder, for officers, searchable."""

from __future__ import annotations

import json
import re
from pathlib import Path

from congdoan.engine import index
from congdoan.engine.jobs import JobResult, make_job

FACTS = {
    "CDCS-0001": ("Trường Mầm non Đặng Xá", {"level": "cdcs", "upper_id": "CD-XA-A",
                                            "upper_name": "Công đoàn xã Đặng Xá", "sector": "HCSN",
                                            "reported": "yes"}),
    "CDCS-0002": ("Công ty TNHH Thuận An", {"level": "cdcs", "upper_id": "CD-XA-B",
                                           "upper_name": "Công đoàn xã Bát Tràng", "sector": "NNN",
                                           "reported": "no"}),
    "CD-XA-A": ("Công đoàn xã Đặng Xá", {"level": "upper_union", "upper_id": "CD-XA-A",
                                        "upper_name": "Công đoàn xã Đặng Xá"}),
    "TOP": ("Toàn địa bàn thử", {"level": "organisation", "upper_id": "TOP",
                                 "upper_name": "Toàn địa bàn thử"}),
}


def _result(out: Path, unit_id: str, period: str = "2025", ok: bool = True) -> JobResult:
    title, facts = FACTS[unit_id]
    kind = "union" if facts["level"] == "cdcs" else "upper"
    job = make_job(kind, unit_id, period, title=title, facts=facts)  # type: ignore[arg-type]
    folder = out / period
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {"ipynb": folder / f"{job.slug}.ipynb"}
    if ok:
        for fmt in ("html", "pdf"):
            (folder / f"{job.slug}.{fmt}").write_text("x", encoding="utf-8")
            outputs[fmt] = folder / f"{job.slug}.{fmt}"
    return JobResult(job=job, status="ok" if ok else "failed", error="" if ok else "Lỗi <thử>",
                     outputs=outputs)


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-period="[^"]*" data-level="[^"]*"[^>]*data-search="([^"]*)">',
                      page)


def test_index_lists_every_briefing_of_the_folder_not_only_the_last_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    index.write_index([_result(out, "CDCS-0001"), _result(out, "TOP")], out)
    page = index.write_index([_result(out, "CDCS-0002"), _result(out, "CD-XA-A", "2024")],
                             out).read_text(encoding="utf-8")
    assert len(_rows(page)) == 4  # the first run's two are still listed
    assert "4 báo cáo (1 toàn địa bàn, 1 công đoàn cấp trên, 2 CĐCS); không có lỗi; " \
           "1 CĐCS chưa nộp số liệu kỳ 2025; kỳ: 2025, 2024." in page
    # whether each CĐCS's report is in, beside its briefing; the organisation's row counts its
    # CĐCS of the period; an upper union with no CĐCS listed in its period says nothing
    assert re.findall(r'data-label="CĐCS nộp số liệu">([^<]*)<', page) == [
        "1/2", "đã nộp", "chưa nộp", ""]
    # newest period first; the organisation, then upper unions, then CĐCS by code (as the forms)
    assert [m for m in re.findall(r'data-label="Mã">([^<]+)<', page)] == [
        "TOP", "CDCS-0001", "CDCS-0002", "CD-XA-A"]
    # an upper union's row names no upper union (it is its own, for the filter only)
    uppers = re.findall(r'data-label="Công đoàn cấp trên">([^<]*)<', page)
    assert uppers == ["", "Công đoàn xã Đặng Xá", "Công đoàn xã Bát Tràng", ""]
    assert 'data-upper="TOP"' in page
    # a briefing whose files were deleted goes; one copied in unrecorded is listed by its name
    for fmt in ("html", "pdf"):
        (out / "2025" / f"union-CDCS-0002.{fmt}").unlink()
    (out / "2023").mkdir()
    (out / "2023" / "union-CDCS-0099.pdf").write_text("x", encoding="utf-8")
    page = index.write_index([], out).read_text(encoding="utf-8")
    assert "CDCS-0002" not in page and 'href="2023/union-CDCS-0099.pdf"' in page
    assert len(_rows(page)) == 4
    # a record that cannot be read is rebuilt from the files
    (out / index.RECORD_NAME).write_text("{not json", encoding="utf-8")
    page = index.write_index([], out).read_text(encoding="utf-8")
    assert len(_rows(page)) == 4 and "Trường Mầm non Đặng Xá" not in page  # names: from files
    assert json.loads((out / index.RECORD_NAME).read_text(encoding="utf-8"))["version"] == 2


def test_index_is_for_officers_vietnamese_labels_no_notebook_links(tmp_path: Path) -> None:
    out = tmp_path / "out"
    page = index.write_index([_result(out, "CDCS-0001"), _result(out, "CDCS-0002", ok=False)],
                             out, title="Báo cáo <thử>").read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<html lang="vi">' in page and "<title>Báo cáo &lt;thử&gt;</title>" in page
    assert ".ipynb" not in page  # the audit notebooks are not offered
    assert 'href="2025/union-CDCS-0001.html">HTML</a> · <a href="2025/union-CDCS-0001.pdf"' in page
    assert "✘ Lỗi" in page and "1 lỗi" in page
    # why it failed, in its status cell: the table has no column that is empty when all is well
    assert '<td data-label="Tệp báo cáo"><span class="failed">✘ Lỗi khi tạo</span>: Lỗi &lt;thử&gt;' \
        '</td>' in page
    assert "<th>Lỗi</th>" not in page and 'data-label="Lỗi"' not in page
    assert '<option value="NNN">Doanh nghiệp ngoài nhà nước</option>' in page
    assert '<option value="CD-XA-B">Công đoàn xã Bát Tràng</option>' in page
    assert 'data-label="Khu vực">Khu vực hành chính sự nghiệp<' in page  # names, not codes
    assert ">union<" not in page and ">upper<" not in page
    # what the search compares: names and codes without accents
    assert 'data-search="cdcs-0001 truong mam non dang xa cong doan xa dang xa khu vuc hanh ' \
           'chinh su nghiep"' in page


def test_a_union_above_cdcs_counts_its_cdcs_that_reported(tmp_path: Path) -> None:
    out = tmp_path / "out"
    page = index.write_index([_result(out, u) for u in ("TOP", "CD-XA-A", "CDCS-0001",
                                                         "CDCS-0002")], out).read_text("utf-8")
    # the organisation: every CĐCS of the period; CD-XA-A: CDCS-0001, the one under it
    assert re.findall(r'data-label="CĐCS nộp số liệu">([^<]*)<', page) == [
        "1/2", "1/1", "đã nộp", "chưa nộp"]
    # one period: named once
    assert "; 1 CĐCS chưa nộp số liệu kỳ 2025.<" in page and "kỳ: 2025" not in page


def test_search_text_drops_accents_and_case() -> None:
    assert index.search_text("Công đoàn xã Đặng Xá") == "cong doan xa dang xa"
    assert index.sort_key("Đông") > index.sort_key("Dong") > index.sort_key("Ca")
