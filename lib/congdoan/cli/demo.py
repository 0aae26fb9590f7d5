"""``congdoan demo DIR``: the synthetic Gia Lâm district as a workspace of its own."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from congdoan.core import store
from congdoan.core.plan import set_plan_identity
from congdoan.core.workspace import Organisation, activate, init_workspace
from congdoan.demo.synthetic import DISTRICT_ID, write_demo
from congdoan.intake.ingest import write_demo_inbox

DEMO_ORGANISATION = Organisation(id=DISTRICT_ID, name="Liên đoàn Lao động huyện Gia Lâm",
                                 kind="district", short_name="LĐLĐ huyện Gia Lâm")
"""The demo's organisation (the plan register shipped as the packaged default is its plan)."""


DEMO_PLAN = {"number": "41b/KH-LĐLĐ", "date": dt.date(2021, 9, 30),
             "issued_by": "Liên đoàn Lao động huyện Gia Lâm"}
"""The demo's plan: the packaged template's targets are those of this plan."""


def _demo_command(args: argparse.Namespace) -> int:
    workspace = activate(init_workspace(args.dir, DEMO_ORGANISATION))
    set_plan_identity(workspace.params_dir / "plan.yaml", DEMO_PLAN)
    data = workspace.root / "demo-data"
    dataset = write_demo(data, scale=args.scale, seed=args.seed)
    store.seed_registry(dataset, workspace.database_url)
    print(f"Đã tạo không gian mẫu / demo workspace: {workspace.root} "
          f"({len(dataset.units)} CĐCS; danh mục đã nạp vào CSDL / registry loaded)")
    files = write_demo_inbox(dataset, workspace.inbox)
    print(f"Hộp thư báo cáo / inbox: {workspace.inbox} ({len(files)} tệp Excel); tiếp theo / next: "
          f"congdoan -w {workspace.root} ingest inbox && congdoan -w {workspace.root} briefings "
          "--period latest")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan demo``."""
    demo = sub.add_parser("demo", help="tạo không gian mẫu (huyện Gia Lâm) / the demo workspace")
    demo.add_argument("dir", type=Path, help="thư mục mới hoặc trống / a new or empty folder")
    demo.add_argument("--scale", type=int, default=1, help="nhân số CĐCS (benchmark)")
    demo.add_argument("--seed", type=int, default=2021, help="hạt giống ngẫu nhiên cố định")
    demo.set_defaults(func=_demo_command)
