"""plan.yaml rewritten with only the changed fields' lines: comments and layout stay."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from congdoan.core.plan_file import write_plan

TEXT = """\
# the plan register (a comment to keep)
plan:
  number: null   # số hiệu
  title: "Kế hoạch"
  clauses: ["1.1", "2.1"]
indicators:
  # ---- annual
  - id: informed
    clause: "1.1"
    target: {min: 0.75}
  - id: coverage
    clause: "2.1"
    milestones:
      2025: {value: 0.8, clause: "2.1"}
      2030: {value: 0.85, clause: "2.1", strict: true}
  # ---- the end
"""


def test_changed_fields_are_rewritten_in_place_and_the_comments_stay(tmp_path: Path) -> None:
    raw = yaml.safe_load(TEXT)
    new = copy.deepcopy(raw)
    new["plan"]["number"] = "12/KH-CĐX"
    new["indicators"][1]["milestones"][2030]["value"] = 0.9
    path = tmp_path / "plan.yaml"
    assert write_plan(path, TEXT, raw, new)
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == new
    assert text.splitlines() == [
        "# the plan register (a comment to keep)", "plan:", "  number: 12/KH-CĐX",
        '  title: "Kế hoạch"', '  clauses: ["1.1", "2.1"]', "indicators:", "  # ---- annual",
        "  - id: informed", '    clause: "1.1"', "    target: {min: 0.75}", "  - id: coverage",
        '    clause: "2.1"', "    milestones:", "      2025: {value: 0.8, clause: '2.1'}",
        "      2030: {value: 0.9, clause: '2.1', strict: true}", "  # ---- the end"]


def test_a_dropped_line_goes_with_its_lines_only(tmp_path: Path) -> None:
    raw = yaml.safe_load(TEXT)
    new = copy.deepcopy(raw)
    new["indicators"] = new["indicators"][1:]
    new["plan"]["clauses"] = ["2.1"]
    path = tmp_path / "plan.yaml"
    assert write_plan(path, TEXT, raw, new)
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == new
    assert "informed" not in text and "# ---- annual" in text and "# ---- the end" in text


def test_a_layout_the_line_edits_cannot_follow_is_written_whole(tmp_path: Path) -> None:
    block_list = TEXT.replace('  clauses: ["1.1", "2.1"]\n', '  clauses:\n    - "1.1"\n'
                              '    - "2.1"\n')
    raw = yaml.safe_load(block_list)
    new = copy.deepcopy(raw)
    new["plan"]["clauses"] = ["2.1"]
    new["indicators"] = new["indicators"][1:]
    path = tmp_path / "plan.yaml"
    assert not write_plan(path, block_list, raw, new)
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text) == new and "#" not in text
