"""``congdoan ingest``: report files into the database, each outcome printed as it is decided.

Exit codes: 0 done (files may have been rejected: see each line), 1 with ``--strict`` when a
file was rejected, 2 when the database or the store failed (the message says what to do;
those files are not processed and a re-run takes them), 130 when interrupted (Ctrl-C or
SIGTERM: every line printed before is done; a re-run completes the rest).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from congdoan.cli.common import near
from congdoan.core import store
from congdoan.core.dataset import read_dataset
from congdoan.core.sources import open_dataset
from congdoan.exceptions import CongdoanError
from congdoan.intake.forms import safe_file_stem
from congdoan.intake.ingest import IngestResult, ingest


def _to_send_back(result: IngestResult, folder: Path) -> Path | None:
    """A copy of a refused file's error report in ``folder``, to send to its CĐCS.

    Named for the file (``CDCS-014_2025-H2.xlsx.loi.txt``, in letters, digits, "-", "_" and
    "." only; the store keeps the original under a hashed name); None when the file was not
    refused or the copy cannot be made.
    """
    copy = _copy_name(result, folder)
    if result.report_path is None or not (result.status == "rejected" or result.rejected_before):
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.report_path, copy)
    except OSError:
        return None  # the store's report is still named
    return copy


def _copy_name(result: IngestResult, folder: Path) -> Path:
    """Where the copy of ``result``'s error report goes, named for its file."""
    return folder / f"{safe_file_stem(result.path.name)}.loi.txt"  # never a path, one line


def _old_report_gone(result: IngestResult, folder: Path) -> Path | None:
    """The copy of an earlier error report for a file of this name, removed once it is taken in.

    It is not to be sent again; None when there was none.
    """
    copy = _copy_name(result, folder)
    if result.status != "accepted" or not copy.is_file():
        return None
    copy.unlink(missing_ok=True)
    return copy


def _printer(lang: str, show: int, returned: Path) -> Any:
    def on_result(result: IngestResult) -> None:
        copy = _to_send_back(result, returned)
        print(result.summary(lang, lambda path: near(copy if copy and path == result.report_path
                                                     else path)))
        if gone := _old_report_gone(result, returned):
            print(f"   đã bỏ báo cáo lỗi cũ, không cần gửi nữa: {near(gone)}" if lang == "vi" else
                  f"   its old error report, not to be sent any more, removed: {near(gone)}")
        shown = sorted(result.problems, key=lambda p: p.severity != "error")  # errors first
        for problem in shown[:show]:
            print("   " + problem.render(lang))
        if len(shown) > show:
            print(f"   … {len(shown) - show} " + ("dòng nữa trong báo cáo" if lang == "vi"
                                                   else "more in the report"))
        sys.stdout.flush()  # a run that is killed has told what it stored
    return on_result


TOTAL_WORDS = (
    {"accepted": "accepted", "rejected": "rejected", "duplicate": "already stored",
     "failed": "not processed"},
    {"accepted": "tệp nhận", "rejected": "tệp từ chối", "duplicate": "tệp đã có",
     "failed": "tệp chưa xử lý được"})
"""How the last line counts the files of each outcome (English, Vietnamese); none: not said."""

RETURNED_FOLDER = "loi"
"""Where, under the output folder, the error reports to send back to CĐCS are copied."""


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _ingest_command(args: argparse.Namespace) -> int:
    lang = args.ingest_lang or args.lang
    results: list[IngestResult] = []
    printer = _printer(lang, args.show, args.ws.output_dir / RETURNED_FOLDER)

    def on_result(result: IngestResult) -> None:
        results.append(result)
        printer(result)

    previous = signal.signal(signal.SIGTERM, _interrupted)  # the file in hand is undone, cleanly
    try:
        url = args.ws.database_url
        if args.registry:
            registry = read_dataset(Path(args.registry)) if Path(args.registry).is_dir() else \
                open_dataset(args.registry)
            store.seed_registry(registry, url)
        paths = [Path(p) for p in args.paths] or [args.ws.inbox]
        ingest(paths, url, Path(args.store) if args.store else None,
               submitted_by=args.by, source=args.source, lang=lang, on_result=on_result)
    except CongdoanError as exc:
        print(("Lỗi: " if lang == "vi" else "Error: ") + exc.render(lang), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"Đã dừng sau {len(results)} tệp; các dòng trên đã xong, chạy lại để nhận phần còn "
              "lại." if lang == "vi" else f"Interrupted after {len(results)} files; the lines "
              "above are done, run again for the rest.", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    counts = {s: sum(r.status == s for r in results)
              for s in ("accepted", "rejected", "duplicate", "failed")}
    words = TOTAL_WORDS[lang == "vi"]
    print(("Tổng: " if lang == "vi" else "Total: ") + (", ".join(
        f"{counts[status]} {words[status]}" for status in words if counts[status])
        or ("không có tệp nào" if lang == "vi" else "no file")))
    periods = sorted({period for r in results if r.status == "accepted"
                      for _, period, _ in r.reported})
    vi = lang == "vi"
    if periods:
        _print_completeness(url, periods, lang)
    if counts["rejected"]:
        returned = near(args.ws.output_dir / RETURNED_FOLDER)
        print(f"Tệp bị từ chối ({counts['rejected']}): gửi CĐCS báo cáo lỗi trong {returned}/; "
              "tệp sửa xong đặt vào inbox/ (ghi đè tệp cũ) rồi congdoan ingest" if vi else
              f"Files rejected ({counts['rejected']}): send each CĐCS its error report in "
              f"{returned}/; put the corrected file in inbox/ (over the old one), then congdoan "
              "ingest")
    if periods:
        print("Tiếp theo: congdoan briefings --period latest" if vi else
              "Next: congdoan briefings --period latest")
    if counts["failed"]:
        return 2
    return 1 if args.strict and counts["rejected"] else 0


def _print_completeness(url: str, periods: list[str], lang: str) -> None:
    """After the files: who has reported for each half-year they brought, and how to see who."""
    from congdoan.core.completeness import completeness

    dataset = open_dataset(url)
    for period in periods:
        row = completeness(dataset, period).iloc[-1]  # the whole organisation
        expected, received, on_time = int(row["expected"]), int(row["received"]), \
            int(row["on_time"])
        units = f"congdoan completeness --period {period} --units"
        print(f"Kỳ {period}: đã nhận {received}/{expected} CĐCS ({on_time} đúng hạn), còn "
              f"{expected - received} chưa nộp (từng CĐCS: {units})" if lang == "vi" else
              f"Period {period}: {received}/{expected} CĐCS reported ({on_time} on time), "
              f"{expected - received} missing (each CĐCS: {units})")


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
    cmd.add_argument("--show", type=int, default=5,
                     help="số lỗi, cảnh báo hiển thị mỗi tệp / problems shown per file")
    cmd.add_argument("--strict", action="store_true", help="mã thoát 1 khi có tệp bị từ chối")
    cmd.epilog = ("Mã thoát / exit codes: 0 xong / done; 1 có tệp bị từ chối (--strict) / a file "
                  "rejected; 2 lỗi CSDL hoặc kho / database or store fault; 130 bị dừng / "
                  "interrupted")
    cmd.set_defaults(func=_ingest_command)
