"""Workspaces: made, found as git finds a repository, in force for every command; no fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from congdoan.cli import main
from congdoan.core import paths
from congdoan.core.plan import load_register
from congdoan.core.sources import open_dataset
from congdoan.core.workspace import (
    CONFIG_NAME,
    ENV_VAR,
    KIND_NAMES,
    Organisation,
    deactivate,
    find_workspace,
    init_workspace,
    load_workspace,
)
from congdoan.exceptions import ConfigError, WorkspaceError

ORG = Organisation(id="CD-XA-DONGDU", name="Công đoàn xã Đông Dư", kind="commune")


@pytest.fixture
def no_workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No workspace in force: the variable unset and the current folder outside any workspace."""
    monkeypatch.delenv(ENV_VAR, raising=False)  # first, so that monkeypatch restores it after
    deactivate()
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    deactivate()


def test_init_makes_a_self_describing_folder(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "dongdu", ORG)
    config = yaml.safe_load((ws.root / CONFIG_NAME).read_text(encoding="utf-8"))
    assert config["organisation"] == {"id": "CD-XA-DONGDU", "name": "Công đoàn xã Đông Dư",
                                      "kind": "commune"}
    assert config["database"] == "sqlite:///congdoan.sqlite"
    assert sorted(p.name for p in ws.root.iterdir()) == [CONFIG_NAME, "inbox", "output", "params"]
    assert (ws.params_dir / "plan.yaml").read_bytes() == \
        (paths.DEFAULT_PARAMS_DIR / "plan.yaml").read_bytes()
    assert ws.database_url == f"sqlite:///{ws.root / 'congdoan.sqlite'}"
    assert ws.briefings_dir == ws.root / "output" / "briefings"


def test_init_refuses_a_workspace_or_a_folder_with_other_files(tmp_path: Path) -> None:
    init_workspace(tmp_path / "a", ORG)
    with pytest.raises(WorkspaceError, match="đã là một không gian"):
        init_workspace(tmp_path / "a", ORG)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("x")
    with pytest.raises(WorkspaceError, match="đã có tệp khác"):
        init_workspace(tmp_path / "b", ORG)


def test_found_from_a_subfolder_from_the_variable_and_explicitly(no_workspace: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    ws = init_workspace(no_workspace / "ws", ORG)
    deep = ws.root / "output" / "x"
    deep.mkdir()
    assert find_workspace(start=deep).root == ws.root
    other = init_workspace(no_workspace / "other", ORG.model_copy(update={"id": "OTHER"}))
    assert find_workspace(other.root, start=deep).root == other.root  # explicit wins
    monkeypatch.setenv(ENV_VAR, str(other.root))
    assert find_workspace(start=deep).root == other.root  # then the variable


def test_no_workspace_is_an_error_that_says_how_to_make_one(no_workspace: Path) -> None:
    with pytest.raises(WorkspaceError) as caught:
        find_workspace()
    assert "congdoan init" in caught.value.render("vi")
    with pytest.raises(WorkspaceError):
        open_dataset()  # never the demo instead


def test_a_command_outside_a_workspace_stops_with_exit_2_and_the_how_to(
        no_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "--period", "2025"]) == 2
    err = capsys.readouterr().err
    assert "congdoan init" in err and "congdoan demo" in err
    assert not (no_workspace / "data").exists()  # nothing was built


def test_a_typo_in_the_configuration_names_the_field(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", ORG)
    text = (ws.root / CONFIG_NAME).read_text(encoding="utf-8")
    (ws.root / CONFIG_NAME).write_text(text.replace("kind: commune", "kind: comune"),
                                       encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_workspace(ws.root)
    assert "kind" in caught.value.render("en")


def test_the_workspace_s_params_are_in_force(no_workspace: Path) -> None:
    ws = init_workspace(no_workspace / "ws", ORG)
    plan = ws.params_dir / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "target: {min: 0.70}", "target: {min: 0.55}", 1), encoding="utf-8")
    from congdoan.core.workspace import activate

    activate(ws)
    assert paths.params_dir() == ws.params_dir
    register = load_register()
    assert register.get("dialogue_nnn").target.min == pytest.approx(0.55)


@pytest.mark.slow
def test_commands_say_which_workspace_they_use(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", ORG)
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    done = subprocess.run([sys.executable, "-m", "congdoan.cli", "-w", str(ws.root),
                           "completeness", "--period", "2025"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert f"Công đoàn xã Đông Dư (CD-XA-DONGDU) — {ws.root}" in done.stderr
    assert "chưa nhập kế hoạch của tổ chức" in done.stderr  # until the plan is named
    # ... except by the commands that name it (the warning after an import would read as
    # if the import had failed)
    plan = subprocess.run([sys.executable, "-m", "congdoan.cli", "-w", str(ws.root), "plan",
                           "template"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert plan.returncode == 0 and "chưa nhập kế hoạch" not in plan.stderr


@pytest.mark.slow
def test_a_plan_written_before_organisation_is_read_and_its_lines_named(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", ORG)
    plan = ws.params_dir / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    old = text.replace("level: organisation", "level: district")
    lines = [n for n, line in enumerate(old.splitlines(), start=1) if "level: district" in line]
    assert len(lines) >= 2
    plan.write_text(old, encoding="utf-8")
    assert {i.id: i.level for i in load_register(ws.params_dir).indicators} == \
        {i.id: i.level for i in load_register(paths.DEFAULT_PARAMS_DIR).indicators}
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    done = subprocess.run([sys.executable, "-m", "congdoan.cli", "-w", str(ws.root),
                           "completeness", "--period", "2025"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert f"dòng / lines {', '.join(map(str, lines))}" in done.stderr
    assert "'level: organisation'" in done.stderr


def test_init_says_how_to_type_congdoan_when_it_is_not_on_the_path(
        no_workspace: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    activate = Path(sys.executable).parent / "activate"
    if not activate.is_file():
        pytest.skip("the interpreter is not in a virtual environment with an activate script")
    monkeypatch.setenv("PATH", str(no_workspace))   # no congdoan on the PATH
    assert main(["init", "ws", "--id", "CD-X", "--name", "Công đoàn xã X", "--kind",
                 "commune"]) == 0
    out = capsys.readouterr().out
    assert f"source {activate}" in out and "--start NGÀY_BẮT_ĐẦU" in out
    assert "congdoan plan read" in out
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))   # the environment is active
    assert main(["init", "ws2", "--id", "CD-X", "--name", "Công đoàn xã X", "--kind",
                 "commune"]) == 0
    assert "source " not in capsys.readouterr().out


@pytest.mark.parametrize(("name", "code", "kind"), [
    ("Công đoàn phường Hồng Hà", "CD-PHUONG-HONG-HA", "commune"),
    ("CĐ xã Bát Tràng", "CD-XA-BAT-TRANG", "commune"),
    ("Công đoàn ngành Giáo dục", "CD-NGANH-GIAO-DUC", "industry"),
    ("LĐLĐ thành phố Hà Nội", "LDLD-THANH-PHO-HA-NOI", "city"),
    ("Liên đoàn Lao động huyện Gia Lâm", "LDLD-HUYEN-GIA-LAM", "district"),
])
def test_init_takes_the_code_and_the_kind_from_the_name(
        no_workspace: Path, name: str, code: str, kind: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "ws", "--name", name]) == 0
    out = capsys.readouterr().out
    assert f"Mã tổ chức: {code}; loại: {KIND_NAMES[kind][0]} (theo tên; --kind để chọn khác)" in out
    assert f"/ id {code}, kind {kind}, from the name" in out
    organisation = load_workspace(no_workspace / "ws").organisation
    assert (organisation.id, organisation.name, organisation.kind) == (code, name, kind)


def test_init_asks_for_the_kind_when_the_name_does_not_tell_it(
        no_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "ws", "--name", "Nghiệp đoàn Nghề cá"]) == 2
    assert "thêm --kind" in capsys.readouterr().err
    assert not (no_workspace / "ws").exists()
    assert main(["init", "ws", "--name", "Nghiệp đoàn Nghề cá", "--kind", "upper_direct"]) == 0


# ----------------------------------------------------------------------------- init with files

def test_init_with_the_list_and_the_plan_takes_both_in_and_its_next_command_works(
        no_workspace: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``init --list --start --plan``: the workspace, the officer's list imported, the plan read.

    Every command it prints is right from the workspace's folder, where it tells to go.
    """
    from congdoan.core.registry_store import registry_state
    from test_plan_text import WARD_PLAN, docx
    from test_units_own_layout import ROWS, officer_workbook

    files = no_workspace / "tai lieu"
    files.mkdir()
    listed = officer_workbook(files / "DanhSach.xlsx", ROWS)
    plan = docx(files / "KeHoach 07.docx", WARD_PLAN)
    assert main(["init", "tanhoa", "--name", "Công đoàn xã Tân Hòa", "--list", str(listed),
                 "--start", "01/07/2025", "--plan", str(plan)]) == 0
    out = capsys.readouterr().out
    root = (no_workspace / "tanhoa").resolve()
    state = registry_state(load_workspace(root).database_url)
    assert len(state.units) == 5  # the list is in
    assert "ĐÃ NHẬN: DanhSach.xlsx\n" in out
    assert "Danh sách theo mẫu, có mã đã cấp → output/DanhSachCDCS.xlsx" in out  # from root
    assert "Tiếp theo: congdoan plan read" not in out  # the plan was read in the same run
    assert "2.1 \"Hằng năm phát triển đoàn viên đạt 105% chỉ tiêu được giao\"" in out
    again = f"cd {root} && congdoan plan read '../tai lieu/KeHoach 07.docx' --set 2.1=SỐ"
    assert again in out
    assert "run the next commands in the workspace:\n" in out and out.endswith(f"  cd {root}\n")
    assert load_register(root / "params").plan.is_template  # a number to fill: not imported
    # the command it printed, typed where it told to go
    monkeypatch.chdir(root)
    deactivate()
    assert main(["plan", "read", "../tai lieu/KeHoach 07.docx", "--set", "2.1=105"]) == 0
    assert "Đã nhập kế hoạch: Kế hoạch số 07/KH-CĐP" in capsys.readouterr().out
    assert load_register(root / "params").plan.number == "07/KH-CĐP"


def test_init_refuses_a_missing_file_or_a_wrong_start_before_making_anything(
        no_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from test_units_own_layout import ROWS, officer_workbook

    listed = officer_workbook(no_workspace / "DanhSach.xlsx", ROWS)
    name = ["--name", "Công đoàn xã Tân Hòa"]
    for options, said in (
            (["--list", "khong-co.xlsx"], "trường '--list': Không có tệp này; giá trị "
                                          "'khong-co.xlsx'"),
            (["--plan", "KeHoach.docx"], "trường '--plan': Không có tệp này"),
            (["--start", "01/07/2025"], "trường '--start': --start là ngày bắt đầu của danh "
                                        "sách CĐCS: cần cả --list"),
            (["--list", str(listed), "--start", "31/02/2025"],
             "trường '--start': Ngày không đúng dạng; giá trị '31/02/2025'")):
        assert main(["init", "tanhoa", *name, *options]) == 2
        assert said in capsys.readouterr().err
        assert not (no_workspace / "tanhoa").exists()


def test_init_with_a_list_it_refuses_says_how_to_import_it_once_mended(
        no_workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from congdoan.core.registry_store import registry_state
    from test_units_own_layout import ROWS, officer_workbook

    rows = [ROWS[0], [ROWS[1][0], "Hộ kinh doanh", *ROWS[1][2:]], *ROWS[2:]]
    listed = officer_workbook(no_workspace / "DanhSach.xlsx", rows)
    assert main(["init", "tanhoa", "--name", "Công đoàn xã Tân Hòa", "--list", str(listed),
                 "--start", "01/07/2025"]) == 1
    out = capsys.readouterr().out
    assert "ô C7, trường 'Loại hình đơn vị'" in out
    assert ("Danh sách chưa nhập (xem trên); sửa xong, chạy trong thư mục làm việc: congdoan "
            "units import ../DanhSach.xlsx --start 01/07/2025\n") in out
    root = no_workspace / "tanhoa"
    assert registry_state(load_workspace(root).database_url).units.empty  # nothing taken
