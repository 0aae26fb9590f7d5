"""``congdoan template``: the Excel report forms."""

from __future__ import annotations

import argparse
from pathlib import Path

from congdoan.cli.common import add_data_argument, near
from congdoan.intake.forms import write_templates


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.core.sources import open_dataset

    dataset = open_dataset(args.data)
    out = Path(args.out) if args.out else args.ws.forms_dir
    written = write_templates(dataset, args.period, out, args.union, not args.no_bulk)
    forms = len(written) - (0 if args.no_bulk else 1)
    vi = args.lang == "vi"
    print(f"Đã tạo {forms} mẫu báo cáo → {near(out / args.period)}: mỗi CĐCS một tệp, tên bắt "
          "đầu bằng mã CĐCS" if vi else f"{forms} CĐCS forms written → {near(out / args.period)}: "
          "one file per CĐCS, named from its code")
    if not args.no_bulk:
        print(f"   {written[-1].name}: để anh/chị tự nhập báo cáo giấy của nhiều CĐCS một lần, "
              "không gửi đi" if vi else f"   {written[-1].name}: for you to type in paper "
              "reports of many CĐCS at once; not sent")
    print("Tiếp theo: gửi mỗi CĐCS tệp mang tên nó; tệp nhận về đặt vào inbox/ rồi: congdoan "
          "ingest" if vi else "Next: send each CĐCS the file named for it; put "
          "the files returned in inbox/, then: congdoan ingest")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan template``."""
    cmd = sub.add_parser(
        "template", help="tạo mẫu báo cáo Excel / write the Excel report forms",
        description="Một tệp Excel cho mỗi CĐCS đang hoạt động tại ngày chốt của kỳ, và một bảng "
                    "tổng hợp (nhiều CĐCS trên một trang), vào output/forms/KỲ/. Gửi cho CĐCS, "
                    "nhận lại vào inbox/, rồi 'congdoan ingest'. / One Excel form per CĐCS active "
                    "at the period's cut-off, and a bulk sheet.")
    cmd.add_argument("--period", required=True,
                     help="kỳ báo cáo: YYYY-H1 (6 tháng, chốt 31/5) hoặc YYYY-H2 (báo cáo năm, "
                          "chốt 30/11); báo cáo năm 2026 là mẫu 2026-H2")
    cmd.add_argument("--union", action="append", metavar="ID",
                     help="mã CĐCS (lặp lại được); mặc định mọi CĐCS hoạt động")
    cmd.add_argument("--out", default=None,
                     help="thư mục ghi (mặc định output/forms của không gian làm việc)")
    cmd.add_argument("--no-bulk", action="store_true", help="không tạo bảng tổng hợp")
    add_data_argument(cmd)
    cmd.set_defaults(func=_template_command)
