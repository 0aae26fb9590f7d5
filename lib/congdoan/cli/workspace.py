"""``congdoan init`` (make a workspace) and ``congdoan lab`` (JupyterLab in the workspace)."""

from __future__ import annotations

import argparse
import os
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
{said}Tiếp theo / next (README.md, "Bắt đầu với tổ chức của bạn"):
{activate}  cd {root}
  congdoan units import DANH_SÁCH.xlsx --start NGÀY_BẮT_ĐẦU   # danh sách CĐCS / your list
  congdoan plan read VĂN_BẢN_KẾ_HOẠCH.docx                      # kế hoạch / your plan
  congdoan template --period YYYY-H2                            # mẫu báo cáo năm / year forms
  congdoan ingest                                               # nhận các tệp trong inbox/
  congdoan briefings --period latest                            # báo cáo tóm tắt / briefings
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
    code = args.id or code_from_name(args.name, set())
    organisation = Organisation(id=code, name=args.name, kind=kind, short_name=args.short_name)
    workspace = init_workspace(args.dir, organisation, database=args.database, lang=args.ws_lang)
    said = "" if args.id and args.kind else (
        f"Mã tổ chức: {code}; loại: {KIND_NAMES[kind][0]} (theo tên; --kind để chọn khác) / id "
        f"{code}, kind {kind}, from the name\n")
    print(NEXT_STEPS.format(root=workspace.root, said=said, activate=activation_hint()))
    return 0


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
                    "(kế hoạch mẫu để sửa), inbox/, output/.")
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
    init.set_defaults(func=_init_command)
    lab = sub.add_parser("lab", help="mở JupyterLab trong không gian làm việc / JupyterLab")
    lab.add_argument("lab_args", nargs="*", metavar="-- JUPYTER_ARGS",
                     help="tham số thêm cho jupyter lab, sau '--' (vd. -- --no-browser --port 8899)")
    lab.set_defaults(func=_lab_command)
