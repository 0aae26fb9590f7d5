"""The plan register is complete, consistent and validated on load."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from congdoan.core.paths import DEFAULT_PARAMS_DIR as PARAMS_DIR
from congdoan.core.plan import load_elements, load_register, register_version
from congdoan.exceptions import ConfigError


def test_every_clause_of_the_plan_is_served() -> None:
    register = load_register()
    served = {c for ind in register.indicators for c in ind.all_clauses}
    assert register.plan.clauses == ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8",
                                     "2.1", "2.2", "2.3", "2.4")
    for clause in register.plan.clauses:
        assert clause in served, f"clause {clause} has no indicator"
    raw = yaml.safe_load((PARAMS_DIR / "plan.yaml").read_text(encoding="utf-8"))
    assert all("clause" in entry for entry in raw["indicators"])


def test_every_line_of_the_reading_is_an_entry() -> None:
    register = load_register()
    per_clause: dict[str, int] = {}
    for ind in register.indicators:
        per_clause[ind.clause] = per_clause.get(ind.clause, 0) + 1
    # lines of section II.1 in PLAN_READING.md: 1.1 has five, 1.2 two, 1.4 three, 1.5 two,
    # 1.7 three, 1.8 three; 1.3 and 1.6 one each
    assert per_clause["1.1"] == 5
    assert per_clause["1.2"] == 2
    assert per_clause["1.3"] == 1
    assert per_clause["1.4"] == 3
    assert per_clause["1.5"] == 2
    assert per_clause["1.6"] == 1
    assert per_clause["1.7"] == 3
    assert per_clause["1.8"] == 3
    annual = [i for i in register.indicators if i.kind == "annual"]
    assert len(annual) == 21  # 20 lines of II.1 + the yearly new non-state CĐCS of 2.1


def test_ranges_and_milestones_are_kept() -> None:
    register = load_register()
    growth = register.get("member_growth").target
    assert growth is not None and (growth.min, growth.max) == (600, 700)
    new = register.get("new_cdcs").target
    assert new is not None and (new.min, new.max) == (13, 15)
    cba = register.get("cba_coverage")
    assert cba.milestones is not None
    assert {y: m.value for y, m in cba.milestones.items()} == {
        2023: 0.75, 2025: 0.80, 2030: 0.85, 2045: 1.0}
    assert cba.milestones[2030].strict       # "trên 85 %"
    assert cba.milestone_for(2026) == (2030, cba.milestones[2030])
    assert cba.milestone_for(2050) == (2045, cba.milestones[2045])


def test_qualitative_lines_are_marked_as_interpretations() -> None:
    register = load_register()
    for ind_id in ("total_members", "member_share_unionised", "nonunion_workers_reached"):
        assert register.get(ind_id).interpretation


def test_elements_declare_aggregation() -> None:
    elements = load_elements().by_name()
    assert elements["members"].aggregation == "stock"
    assert elements["workers"].aggregation == "stock"
    assert elements["members_admitted"].aggregation == "flow"
    assert elements["dialogue_held"].aggregation == "any"


def _copy_params(tmp_path: Path) -> Path:
    target = tmp_path / "params"
    shutil.copytree(PARAMS_DIR, target)
    return target


@pytest.mark.parametrize(("written", "typo", "named"), [
    ("population: NNN", "population: NNNN", "population"),  # a typo in a field's value
    ("numerator: dialogue_held", "numerator: dialog_held", "dialog_held"),  # an unknown element
])
def test_a_typo_in_the_register_is_an_error_naming_it(tmp_path: Path, written: str, typo: str,
                                                       named: str) -> None:
    params = _copy_params(tmp_path)
    path = params / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(written, typo, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_register(params)
    assert "plan.yaml" in str(err.value) and named in str(err.value)


def test_a_missing_clause_is_an_error(tmp_path: Path) -> None:
    params = _copy_params(tmp_path)
    path = params / "plan.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["indicators"] = [i for i in raw["indicators"] if i["clause"] != "1.6"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_register(params)
    assert "1.6" in str(err.value)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    params = _copy_params(tmp_path)
    (params / "plan.yaml").write_text("indicators:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_register(params)
    assert "dòng" in str(err.value)



def test_a_change_needs_its_reading_and_the_method_is_validated(tmp_path: Path) -> None:
    register = load_register()
    assert register.get("member_growth").reading == "net"
    assert register.get("new_cdcs").reading == "net"
    assert register.get("new_cdcs_nonstate").reading == "gross"
    total = register.get("total_members").milestones
    assert total is not None and total[2023].about
    assert total[2023].tolerance_or(register.method.about_tolerance) == 0.01
    params = _copy_params(tmp_path)
    path = params / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    reading: net\n", "", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_register(params)
    assert "reading" in str(err.value)
    path.write_text(text.replace("acceleration_needed: 0.60", "acceleration_needed: 0.99"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_register(params)
    assert "method" in str(err.value)


def test_the_packaged_plan_is_a_template_until_a_workspace_names_it(tmp_path: Path) -> None:
    from congdoan.core.plan import set_plan_identity

    plan = load_register().plan
    assert plan.is_template and "kế hoạch mẫu" in plan.citation("vi")
    assert plan.baseline_year == 2021
    assert load_register().milestone_years == (2023, 2025, 2030, 2045)
    params = _copy_params(tmp_path)
    set_plan_identity(params / "plan.yaml", {
        "number": "12/KH-CĐX", "date": dt.date(2025, 8, 15), "issued_by": "Công đoàn xã Đông Dư"})
    named = load_register(params).plan
    assert not named.is_template
    assert named.citation("vi") == "Kế hoạch số 12/KH-CĐX ngày 15/08/2025 của Công đoàn xã Đông Dư"
    assert named.short == "Kế hoạch số 12/KH-CĐX"
    assert "# Mẫu: điền số hiệu" in (params / "plan.yaml").read_text(encoding="utf-8")


def test_a_clause_dropped_and_one_added_is_a_valid_plan(tmp_path: Path) -> None:
    """Another union's plan: clause 1.8 dropped (and its lines), a clause 1.9 added."""
    params = _copy_params(tmp_path)
    raw = yaml.safe_load((params / "plan.yaml").read_text(encoding="utf-8"))
    raw["plan"]["clauses"] = [c for c in raw["plan"]["clauses"] if c != "1.8"] + ["1.9"]
    raw["indicators"] = [i for i in raw["indicators"] if i["clause"] != "1.8"]
    added = dict(next(i for i in raw["indicators"] if i["id"] == "dialogue_nnn"))
    raw["indicators"].append({**added, "id": "dialogue_nnn_extra", "clause": "1.9"})
    (params / "plan.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    register = load_register(params)
    assert "1.8" not in {c for i in register.indicators for c in i.all_clauses}
    assert register.get("dialogue_nnn_extra").clause == "1.9"


def test_the_register_version_follows_its_content(tmp_path: Path) -> None:
    params = _copy_params(tmp_path)
    before = register_version(params)
    assert before == register_version(PARAMS_DIR) and len(before) == 12
    path = params / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "target: {min: 0.70}", "target: {min: 0.75}", 1), encoding="utf-8")
    assert register_version(params) != before
