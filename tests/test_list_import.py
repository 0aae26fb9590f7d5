"""congdoan.intake.list_import: a list file kept once, its size limit, its unreadable problem."""

from __future__ import annotations

from pathlib import Path

from congdoan.intake.list_import import receive, unreadable


def _workspace_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'congdoan.sqlite'}"


def test_a_file_is_kept_once_and_a_seen_one_is_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "DanhSach.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    url, store_dir = _workspace_db(tmp_path), tmp_path / "store"
    first = receive(path, url, store_dir, seen=lambda sha, url: False, template="congdoan x")
    assert not first.duplicate and not first.too_big
    assert first.stored.read_bytes() == path.read_bytes() and first.stored != path
    assert first.record["sha256"] == first.sha256 and first.record["original_name"] == path.name
    again = receive(path, url, store_dir, seen=lambda sha, url: sha == first.sha256,
                    template="congdoan x")
    assert again.duplicate and again.stored == path      # nothing stored a second time


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    from congdoan.intake.problems import load_intake_settings

    path = tmp_path / "big.xlsx"
    path.write_bytes(b"\0" * int(load_intake_settings().max_file_mb * 2**20 + 1))
    got = receive(path, _workspace_db(tmp_path), tmp_path / "store", seen=lambda s, u: False,
                  template="congdoan units template")
    (problem,) = got.too_big
    assert problem.severity == "error" and "congdoan units template" in problem.render()


def test_an_unreadable_file_is_one_problem_in_both_languages() -> None:
    problem = unreadable("x.xlsx", ValueError("hỏng"), "tệp .xlsx", "an .xlsx")
    assert problem.file == "x.xlsx" and "ValueError: hỏng" in problem.message_vi
    assert "nothing was written" in problem.render("en") and "an .xlsx" in problem.render("en")
