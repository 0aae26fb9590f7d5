"""``congdoan init`` (make a workspace) and ``congdoan lab`` (JupyterLab in the workspace)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.workspace import KIND_NAMES, Organisation, Workspace, init_workspace

NEXT_STEPS = """\
Đã tạo không gian làm việc / workspace created: {root}
Các bước tiếp theo / next steps (xem docs/getting-started.md):
  cd {root}
  1. sửa kế hoạch và chỉ tiêu / edit the plan:      params/plan.yaml
  2. danh sách CĐCS / units:                       congdoan units template  → điền → congdoan units import TỆP
  3. mẫu báo cáo / report forms:                    congdoan template --period 2026-H1
  4. nhận báo cáo / ingest:                         congdoan ingest inbox
  5. báo cáo tóm tắt / briefings:                   congdoan briefings --period latest
  6. khám phá / explore:                            congdoan lab
"""


def _init_command(args: argparse.Namespace) -> int:
    organisation = Organisation(id=args.id, name=args.name, kind=args.kind,
                                short_name=args.short_name)
    workspace = init_workspace(args.dir, organisation, database=args.database, lang=args.ws_lang)
    print(NEXT_STEPS.format(root=workspace.root))
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
    init.add_argument("--id", required=True, help="mã tổ chức, vd. CD-XA-BATTRANG")
    init.add_argument("--name", required=True, help="tên đầy đủ, vd. 'Công đoàn xã Bát Tràng'")
    init.add_argument("--kind", required=True, choices=tuple(KIND_NAMES), help=kinds)
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
