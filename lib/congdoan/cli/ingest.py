"""``congdoan ingest``: report files into the database."""

from __future__ import annotations

import argparse
from pathlib import Path

from congdoan.core import store
from congdoan.core.dataset import read_dataset
from congdoan.core.sources import open_dataset
from congdoan.intake.ingest import ingest


def _ingest_command(args: argparse.Namespace) -> int:
    lang = args.ingest_lang or args.lang
    url = args.ws.database_url
    if args.registry:
        registry = read_dataset(Path(args.registry)) if Path(args.registry).is_dir() else \
            open_dataset(args.registry)
        store.seed_registry(registry, url)
    paths = [Path(p) for p in args.paths] or [args.ws.inbox]
    results = ingest(paths, url, Path(args.store) if args.store else None,
                     submitted_by=args.by, source=args.source, lang=lang)
    for result in results:
        print(result.summary(lang))
        shown = [p for p in result.problems if p.severity == "error"]
        for problem in shown[: args.show]:
            print("   " + problem.render(lang))
        if len(shown) > args.show:
            print(f"   … {len(shown) - args.show} " + ("dòng nữa trong báo cáo" if lang == "vi"
                                                        else "more in the report"))
    counts = {s: sum(r.status == s for r in results) for s in ("accepted", "rejected", "duplicate")}
    print(("Tổng: {accepted} tệp nhận, {rejected} tệp từ chối, {duplicate} tệp đã có"
           if lang == "vi" else "Total: {accepted} accepted, {rejected} rejected, "
           "{duplicate} already stored").format(**counts))
    return 1 if args.strict and counts["rejected"] else 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan ingest``."""
    cmd = sub.add_parser("ingest", help="nhận báo cáo Excel/CSV vào CSDL / ingest report files")
    cmd.add_argument("paths", nargs="*", metavar="FILE_OR_DIR",
                     help="tệp hoặc thư mục (mặc định: inbox/ của không gian làm việc)")
    cmd.add_argument("--store", default=None, metavar="DIR",
                     help="thư mục lưu tệp gốc và cách ly (mặc định store/ của không gian làm việc)")
    cmd.add_argument("--registry", default=None, metavar="DIR_OR_URL",
                     help="nạp/cập nhật danh mục CĐCS từ thư mục dữ liệu trước khi nhận")
    cmd.add_argument("--by", default=None, help="người gửi / submitted by")
    cmd.add_argument("--source", default=None, help="nguồn (e-mail, Zalo …)")
    cmd.add_argument("--lang", dest="ingest_lang", choices=("vi", "en"), default=None,
                     help="ngôn ngữ báo cáo lỗi / language of the error reports")
    cmd.add_argument("--show", type=int, default=5, help="số lỗi hiển thị mỗi tệp")
    cmd.add_argument("--strict", action="store_true", help="mã thoát 1 khi có tệp bị từ chối")
    cmd.set_defaults(func=_ingest_command)
