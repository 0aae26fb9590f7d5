"""``congdoan init`` (make a workspace) and ``congdoan lab`` (JupyterLab in the workspace)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.workspace import (
    KIND_NAMES,
    Organisation,
    OrganisationKind,
    Workspace,
    init_workspace,
)

NEXT_STEPS = """\
Đã tạo không gian làm việc / workspace created: {root}
{said}Tiếp theo / next:
{activate}  cd {root}
  congdoan units import DANH_SÁCH.xlsx --start NGÀY_BẮT_ĐẦU   # danh sách CĐCS / your list
  congdoan plan read VĂN_BẢN_KẾ_HOẠCH.docx                      # kế hoạch / your plan
"""


def activation_hint() -> str:
    """A line saying how to make ``congdoan`` typeable, when this one is not on the PATH.

    Empty when the ``congdoan`` found on the PATH lives beside the running interpreter (the
    environment is active) or when there is no ``activate`` script beside it.
    """
    here = Path(sys.executable).parent
    on_path = shutil.which("congdoan")
    activate = here / "activate"
    if (on_path and Path(on_path).parent == here) or not activate.is_file():
        return ""
    return (f"  source {activate}   # để gõ 'congdoan' ở mọi thư mục / so that 'congdoan' "
            "works in every folder\n")


NAME_KINDS: tuple[tuple[str, OrganisationKind], ...] = (
    ("cong doan xa ", "commune"), ("cong doan phuong ", "commune"),
    ("cong doan thi tran ", "commune"), ("cong doan dac khu ", "commune"),
    ("cong doan nganh ", "industry"), ("lien doan lao dong quan ", "district"),
    ("lien doan lao dong huyen ", "district"), ("lien doan lao dong thi xa ", "district"),
    ("lien doan lao dong tinh ", "city"), ("lien doan lao dong thanh pho ", "city"))
"""How an organisation's name begins (as :func:`~congdoan.intake.own_codes.upper_key` reads it,
"CĐ …" and "LĐLĐ …" in full), and the kind of workspace it tells."""


def kind_from_name(name: str) -> OrganisationKind | None:
    """The kind of organisation its name tells ("Công đoàn phường …" → commune), or None."""
    from congdoan.intake.own_codes import upper_key

    words = upper_key(name) + " "
    return next((kind for start, kind in NAME_KINDS if words.startswith(start)), None)


def _init_command(args: argparse.Namespace) -> int:
    from congdoan.intake.own_codes import code_from_name

    kind: OrganisationKind | None = args.kind or kind_from_name(args.name)
    if kind is None:
        print(f"Lỗi: không đoán được loại tổ chức từ tên '{args.name}': thêm --kind, một trong "
              f"{', '.join(KIND_NAMES)} / add --kind", file=sys.stderr)
        return 2
    _check_files(args)  # before anything is made: a wrong option leaves no half-made folder
    code = args.id or code_from_name(args.name, set())
    organisation = Organisation(id=code, name=args.name, kind=kind, short_name=args.short_name)
    workspace = init_workspace(args.dir, organisation, database=args.database, lang=args.ws_lang)
    said = "" if args.id and args.kind else (
        f"Mã tổ chức: {code}; loại: {KIND_NAMES[kind][0]} (theo tên; --kind để chọn khác) / id "
        f"{code}, kind {kind}, from the name\n")
    if not (args.list or args.plan):
        print(NEXT_STEPS.format(root=workspace.root, said=said, activate=activation_hint()))
        return 0
    print(f"Đã tạo không gian làm việc / workspace created: {workspace.root}\n{said}", end="")
    status = _first_steps(args, workspace)
    print(IN_IT.format(root=workspace.root, activate=activation_hint()), end="")
    return status


IN_IT = """\
Mọi lệnh congdoan sau gõ trong thư mục làm việc / run the next commands in the workspace:
{activate}  cd {root}
"""


def _check_files(args: argparse.Namespace) -> None:
    """Refuse, before anything is made, a wrong ``--list``, ``--plan`` or ``--start``.

    Raises:
        ParameterError: a file that is not there; a start malformed, after today, or given
            without ``--list``.

    """
    from congdoan.cli.units import start_day
    from congdoan.exceptions import Location, ParameterError

    for option, value in (("--list", args.list), ("--plan", args.plan)):
        if value is not None and not Path(value).is_file():
            raise ParameterError("Không có tệp này.", "No such file.",
                                 location=Location(field=option), value=value,
                                 expected="một tệp có sẵn / an existing file")
    if args.start and not args.list:
        raise ParameterError("--start là ngày bắt đầu của danh sách CĐCS: cần cả --list.",
                             "--start dates the list of CĐCS: --list is needed too.",
                             location=Location(field="--start"), value=args.start,
                             expected="--list DANH_SÁCH.xlsx --start NGÀY")
    start_day(args.start)


def _first_steps(args: argparse.Namespace, workspace: Workspace) -> int:
    """``units import`` of ``--list`` and ``plan read`` of ``--plan``, run in the new workspace.

    They run from its folder, so that each path they print (``output/…``, the files given) is
    right for the officer who has gone into it. The first failing step's exit code, else 0.
    """
    from congdoan.cli import run_step

    here = Path.cwd()
    inside = {name: os.path.relpath(Path(value).resolve(), workspace.root)
              for name, value in (("list", args.list), ("plan", args.plan)) if value}
    codes = []
    os.chdir(workspace.root)
    try:
        if "list" in inside:
            words = ["units", "import", inside["list"]] + (
                ["--start", args.start] if args.start else [])
            codes.append(run_step(words, workspace, args.lang))
            if codes[-1] != 0:
                print("Danh sách chưa nhập (xem trên); sửa xong, chạy trong thư mục làm việc: "
                      "congdoan " + " ".join(shlex.quote(w) for w in words))
            elif "plan" not in inside:
                print("Tiếp theo: congdoan plan read VĂN_BẢN_KẾ_HOẠCH.docx")
        if "plan" in inside:
            codes.append(run_step(["plan", "read", inside["plan"]], workspace, args.lang))
    finally:
        os.chdir(here)
    return next((code for code in codes if code), 0)


def copy_notebooks(workspace: Workspace) -> Path:
    """The workspace's ``notebooks/`` folder, with any packaged notebook it lacks copied in."""
    folder = workspace.root / "notebooks"
    folder.mkdir(exist_ok=True)
    for notebook in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        if not (folder / notebook.name).exists():
            shutil.copy(notebook, folder / notebook.name)
    return folder


def _lab_command(args: argparse.Namespace) -> int:
    workspace: Workspace = args.ws
    copy_notebooks(workspace)
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter) if jupyter.exists() else "jupyter", "lab",
               f"--notebook-dir={workspace.root}", *args.lab_args]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in command:
        command.append("--allow-root")
    env = os.environ | {"CONGDOAN_WORKSPACE": str(workspace.root)}
    return subprocess.call(command, env=env)


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan init`` and ``congdoan lab``."""
    kinds = "; ".join(f"{k}: {vi}" for k, (vi, _en) in KIND_NAMES.items())
    init = sub.add_parser(
        "init", help="tạo không gian làm việc cho một tổ chức / make a workspace",
        description="Tạo thư mục làm việc cho một công đoàn cấp trên: congdoan.yaml, params/ "
                    "(kế hoạch mẫu để sửa), inbox/, output/. Với --list và --plan: nhập ngay "
                    "danh sách CĐCS ('units import') và kế hoạch ('plan read') vào đó.")
    init.add_argument("dir", type=Path, help="thư mục mới hoặc trống / a new or empty folder")
    init.add_argument("--name", required=True, help="tên đầy đủ, vd. 'Công đoàn xã Bát Tràng'")
    init.add_argument("--id", default=None,
                      help="mã tổ chức, vd. CD-XA-BATTRANG (mặc định: làm từ tên)")
    init.add_argument("--kind", default=None, choices=tuple(KIND_NAMES),
                      help=kinds + " (mặc định: theo tên, vd. 'Công đoàn phường …' → commune)")
    init.add_argument("--short-name", default=None, help="tên ngắn trên biểu đồ (tuỳ chọn)")
    init.add_argument("--database", default=None, metavar="URL",
                      help="URL CSDL (mặc định SQLite congdoan.sqlite trong thư mục làm việc)")
    init.add_argument("--lang", dest="ws_lang", choices=("vi", "en"), default="vi",
                      help="ngôn ngữ báo cáo mặc định")
    init.add_argument("--list", default=None, metavar="FILE",
                      help="danh sách CĐCS (.xlsx, .csv) để nhập ngay như 'units import' / your "
                           "list of CĐCS, imported at once")
    init.add_argument("--start", default=None, metavar="DATE",
                      help="ngày tổ chức bắt đầu hoạt động (dd/mm/yyyy), cho --list / the "
                           "organisation's start")
    init.add_argument("--plan", default=None, metavar="FILE",
                      help="văn bản kế hoạch (.docx, .txt) để đọc và nhập ngay như 'plan read' / "
                           "your plan document, read and imported at once")
    init.set_defaults(func=_init_command)
    lab = sub.add_parser("lab", help="mở JupyterLab trong không gian làm việc / JupyterLab")
    lab.add_argument("lab_args", nargs="*", metavar="-- JUPYTER_ARGS",
                     help="tham số thêm cho jupyter lab, sau '--' (vd. -- --no-browser --port 8899)")
    lab.set_defaults(func=_lab_command)
