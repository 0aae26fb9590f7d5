"""read_yaml: the same documents with libyaml's loader; a malformed file is a located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from congdoan.core.yamlio import read_yaml
from congdoan.exceptions import ConfigError


def test_read_yaml_parses_with_the_fast_loader_and_locates_a_malformed_line(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("a: 1\nb: [x, 'y']\nc: {d: 2.5}\ntext: Đoàn viên ≥ 70%\n", encoding="utf-8")
    assert read_yaml(good) == {"a": 1, "b": ["x", "y"], "c": {"d": 2.5},
                               "text": "Đoàn viên ≥ 70%"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_yaml(bad)
    assert caught.value.location is not None and caught.value.location.file == str(bad)
    assert caught.value.location.row in (3, 4)


def test_a_plan_typo_is_named_by_item_number_and_id_in_vietnamese(tmp_path: Path) -> None:
    from congdoan.core.paths import DEFAULT_PARAMS_DIR
    from congdoan.core.plan import PlanRegister
    from congdoan.core.yamlio import load_model

    text = (DEFAULT_PARAMS_DIR / "plan.yaml").read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    # the officer types `mn:` for `min:` in the second indicator (dialogue_nnn)
    path.write_text(text.replace("target: {min: 0.70}", "target: {mn: 0.70}", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_model(path, PlanRegister)
    where = caught.value.location
    assert where is not None and where.field is not None
    assert where.field.startswith("indicators[2] (id: dialogue_nnn).target.")
    assert "trường lạ" in caught.value.render("vi") or "thiếu trường" in caught.value.render("vi")
    assert "Invalid configuration" in caught.value.render("en")


def test_a_missing_block_is_named_without_dumping_the_file(tmp_path: Path) -> None:
    from congdoan.core.paths import DEFAULT_PARAMS_DIR
    from congdoan.core.plan import PlanRegister
    from congdoan.core.yamlio import load_model

    text = (DEFAULT_PARAMS_DIR / "plan.yaml").read_text(encoding="utf-8")
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace("\nplan:", "\nkhong_phai_plan:", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_model(path, PlanRegister)
    shown = caught.value.render("vi")
    assert "'plan'" in shown and "thiếu trường bắt buộc" in shown
    assert len(shown) < 600 and "dialogue_nnn" not in shown      # not the whole register
