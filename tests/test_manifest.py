"""Incremental rules: fingerprints of data slices, the manifest, and re-runs end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import tiny_dataset
from congdoan.briefing import content as briefing
from congdoan.core.dataset import read_dataset, write_dataset
from congdoan.core.periods import parse_period
from congdoan.core.registry import units_in_period
from congdoan.engine import batch
from congdoan.engine.manifest import (
    MANIFEST_NAME,
    Manifest,
    code_fingerprint,
    data_fingerprints,
    job_key,
    parameters_fingerprint,
)
from congdoan.exceptions import DataError


def reports() -> list[dict[str, object]]:
    rows = []
    for unit, members in (("A", 10), ("B", 20), ("C", 30)):
        for period in ("2025-H1", "2025-H2"):
            rows.append({"unit_id": unit, "period": period, "submitted_on": "2025-06-05",
                         "workers": members + 5, "members": members})
    return rows


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    assert before.keys() == after.keys()
    return {k for k in before if before[k] != after[k]}


def with_members(unit: str, period: str, members: int) -> list[dict[str, object]]:
    rows = reports()
    for row in rows:
        if row["unit_id"] == unit and row["period"] == period:
            row["members"] = members
    return rows


def test_every_unit_upper_union_and_the_district_has_a_fingerprint() -> None:
    fps = data_fingerprints(tiny_dataset(reports=reports()), "2025")
    assert set(fps) == {"A", "B", "C", "FED", "XA", "TINY"}
    assert len(set(fps.values())) == 6


def test_a_report_changes_its_unit_its_upper_union_and_the_district_only() -> None:
    base = data_fingerprints(tiny_dataset(reports=reports()), "2025")
    after = data_fingerprints(tiny_dataset(reports=with_members("A", "2025-H2", 11)), "2025")
    # at the 2025 cut-off (30/11/2025) A belongs to the commune union XA, not to FED
    assert changed(base, after) == {"A", "XA", "TINY"}


def test_the_upper_union_is_the_one_in_force_at_the_cut_off() -> None:
    base = data_fingerprints(tiny_dataset(reports=reports()), "2025-H1")
    after = data_fingerprints(tiny_dataset(reports=with_members("B", "2025-H1", 21)), "2025-H1")
    # at the 2025-H1 cut-off (31/5/2025) B was under the district federation
    assert changed(base, after) == {"B", "FED", "TINY"}


def test_a_later_report_does_not_touch_an_earlier_period() -> None:
    base = data_fingerprints(tiny_dataset(reports=reports()), "2025-H1")
    after = data_fingerprints(tiny_dataset(reports=with_members("A", "2025-H2", 99)), "2025-H1")
    assert changed(base, after) == set()


def test_registry_changes_count_and_row_order_does_not() -> None:
    base = data_fingerprints(tiny_dataset(reports=reports()), "2025")
    shuffled = tiny_dataset(reports=list(reversed(reports())))
    assert data_fingerprints(shuffled, "2025") == base
    moved = tiny_dataset(reports=reports())
    moved.units.loc[moved.units["unit_id"] == "C", "name"] = "Công ty CP C (đổi tên)"
    assert changed(base, data_fingerprints(moved, "2025")) == {"C", "XA", "TINY"}


def test_code_fingerprint_follows_library_templates_and_params(tmp_path: Path) -> None:
    lib, params = tmp_path / "lib", tmp_path / "params"
    (lib / "sub").mkdir(parents=True)
    (lib / "templates").mkdir()
    (lib / "__pycache__").mkdir()
    params.mkdir()
    (lib / "a.py").write_text("x = 1\n")
    (lib / "sub" / "b.py").write_text("y = 2\n")
    (lib / "templates" / "briefing.css").write_text("h2 { color: #222; }\n")
    (params / "plan.yaml").write_text("plan: {number: 41b/KH-LĐLĐ}\ntarget: 0.7\n")
    first = code_fingerprint(lib, params)
    assert code_fingerprint(lib, params) == first
    (lib / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00")  # byte code: no change
    assert code_fingerprint(lib, params) == first
    (lib / "sub" / "b.py").write_text("y = 3\n")
    second = code_fingerprint(lib, params)
    (lib / "templates" / "briefing.css").write_text("h2 { color: #111; }\n")  # a style
    third = code_fingerprint(lib, params)
    (params / "plan.yaml").write_text("plan: {number: 41c/KH-LĐLĐ}\ntarget: 0.7\n")  # the plan
    fourth = code_fingerprint(lib, params)
    (params / "plan.yaml").write_text("plan: {number: 41c/KH-LĐLĐ}\ntarget: 0.75\n")
    fifth = code_fingerprint(lib, params)
    assert len({first, second, third, fourth, fifth}) == 5


def test_the_real_library_fingerprint_covers_its_templates() -> None:
    from congdoan.engine.manifest import library_files
    from congdoan.engine.render import TEMPLATES

    names = {path.name for path in library_files()}
    assert {"briefing.css", "render.py", "manifest.py"} <= names
    assert Path(str(TEMPLATES / "briefing.css")).name in names


def test_stack_fingerprint_follows_the_renderer_and_notebook_versions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from congdoan.engine import manifest

    for name in ("weasyprint", "nbconvert", "nbclient", "papermill", "matplotlib", "pandas",
                 "ipykernel"):
        assert name in manifest.STACK
    base = manifest.stack_fingerprint()
    assert manifest.stack_fingerprint() == base
    real = manifest.installed_version
    for name in ("weasyprint", "matplotlib", "ipykernel"):
        monkeypatch.setattr(manifest, "installed_version",
                            lambda dist, name=name: "0.0" if dist == name else real(dist))
        assert manifest.stack_fingerprint() != base, name
    monkeypatch.setattr(manifest, "installed_version", real)
    monkeypatch.setattr(manifest.platform, "python_version", lambda: "3.99.0")
    assert manifest.stack_fingerprint() != base


def test_parameters_fingerprint_ignores_key_order() -> None:
    a = parameters_fingerprint({"union_id": "A", "period": "2025"}, formats=["html"])
    b = parameters_fingerprint({"period": "2025", "union_id": "A"}, formats=["html"])
    c = parameters_fingerprint({"period": "2025", "union_id": "A"}, formats=["html", "pdf"])
    assert a == b != c


def test_manifest_round_trip_and_currency(tmp_path: Path) -> None:
    (tmp_path / "2025").mkdir()
    html = tmp_path / "2025" / "union-A.html"
    html.write_text("<html></html>")
    parts = {"notebook": "n", "code": "c", "stack": "s", "parameters": "p", "data": "d"}
    key = job_key(parts)
    manifest = Manifest(tmp_path)
    manifest.record("union-A", key, [html], parts)
    manifest.save()
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [MANIFEST_NAME]
    loaded = Manifest.load(tmp_path)
    assert loaded.entries["union-A"].outputs == ["2025/union-A.html"]
    assert loaded.is_current("union-A", key)
    for part in parts:  # a change of any part re-renders
        assert not loaded.is_current("union-A", job_key({**parts, part: parts[part] + "2"}))
    assert not loaded.is_current("union-B", key)
    html.unlink()  # an output deleted by hand is rendered again
    assert not loaded.is_current("union-A", key)


def test_corrupt_manifest_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"version": 1, "entries": {"x": {"kee": 1}}}')
    with pytest.raises(DataError) as err:
        Manifest.load(tmp_path)
    assert MANIFEST_NAME in str(err.value) and "--force" in str(err.value)


@pytest.mark.slow
def test_incremental_reruns_end_to_end(demo_dir: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # other engineers edit the library while this runs; the code part is tested above
    monkeypatch.setattr(batch, "code_fingerprint", lambda: "fixed-code")
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    out = tmp_path / "out"
    dataset = read_dataset(data)
    units = ["CDCS-0001", "CDCS-0002", "CDCS-0003"]
    parents = units_in_period(dataset.units, dataset.links, parse_period("2025").cut_off)
    parent = parents.set_index("unit_id").loc["CDCS-0002", "parent_id"]
    other_upper = next(u for u in parents["parent_id"].unique() if u != parent)
    uppers = [str(parent), str(other_upper)]

    def run(force: bool = False) -> batch.BatchRun:
        briefing.load_dataset.cache_clear()
        return batch.build_briefings("2025", unions=units, uppers=uppers, formats=("html",),
                                     out=out, data=str(data), runner=batch.PoolRunner(2),
                                     force=force,
                                     progress_lines=False)

    first = run()
    assert sorted(first.rendered) == sorted([f"union-{u}" for u in units]
                                            + [f"upper-{u}" for u in uppers])
    assert not first.failed and first.skipped == []
    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "2025").iterdir()}

    second = run()
    assert second.rendered == [] and len(second.skipped) == 5
    assert {p.name: p.stat().st_mtime_ns for p in (out / "2025").iterdir()} == stamps
    assert all(r.ok for r in second.results) and (out / "index.html").exists()

    edited = read_dataset(data)
    row = edited.reports.index[(edited.reports["unit_id"] == "CDCS-0002")
                               & (edited.reports["period"] == "2025-H2")][0]
    edited.reports.loc[row, "members"] = edited.reports.loc[row, "members"] + 1
    write_dataset(edited, data)
    third = run()
    assert sorted(third.rendered) == sorted(["union-CDCS-0002", f"upper-{parent}"])
    assert (out / "2025" / "union-CDCS-0001.html").stat().st_mtime_ns == \
        stamps["union-CDCS-0001.html"]

    # a new renderer or notebook stack, or a new style sheet: every briefing again
    monkeypatch.setattr(batch, "stack_fingerprint", lambda: "weasyprint=99.0")
    upgraded = run()
    assert len(upgraded.rendered) == 5 and upgraded.skipped == []
    monkeypatch.setattr(batch, "code_fingerprint", lambda: "briefing.css changed")
    restyled = run()
    assert len(restyled.rendered) == 5 and restyled.skipped == []

    forced = run(force=True)
    assert len(forced.rendered) == 5 and forced.skipped == []
    entries = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))["entries"]
    assert set(entries) == {f"union-{u}" for u in units} | {f"upper-{u}" for u in uppers}
