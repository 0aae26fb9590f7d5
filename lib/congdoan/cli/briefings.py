"""``congdoan briefings``: the batch of briefings (all argument parsing of it)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from congdoan.cli.common import add_data_argument, near

# The engine's modules (pandas, nbformat, WeasyPrint …) are imported inside the functions: the
# command line parses the arguments and starts the kernels' fork server (:func:`early_start`)
# before it pays for them.

if TYPE_CHECKING:
    from congdoan.engine.jobs import JobResult, Runner


def _sequential(args: argparse.Namespace) -> Runner:
    from congdoan.engine.batch import SequentialRunner

    return SequentialRunner()


def _pool(args: argparse.Namespace) -> Runner:
    from congdoan.engine.batch import PoolRunner

    return PoolRunner(workers=args.workers)


def _dask(args: argparse.Namespace) -> Runner:
    from congdoan.engine.dask_runner import DaskRunner

    return DaskRunner(args.scheduler)


RUNNERS: dict[str, Callable[[argparse.Namespace], Runner]] = {
    "sequential": _sequential, "pool": _pool, "dask": _dask}
"""The runners ``congdoan briefings`` can use, by name (see :func:`runner_name`)."""


def runner_name(args: argparse.Namespace) -> str:
    """The runner the options ask for: ``--scheduler`` Dask, ``--workers 0`` sequential, or the pool."""
    if args.scheduler:
        return "dask"
    return "sequential" if args.workers == 0 else "pool"


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan briefings``."""
    cmd = sub.add_parser(
        "briefings", help="báo cáo tóm tắt HTML/PDF / render briefings",
        description="Báo cáo tóm tắt cho mỗi CĐCS, mỗi công đoàn cấp trên và toàn tổ chức, vào "
                    "output/briefings/KỲ/ (mở output/briefings/index.html). Không có --union, "
                    "--upper: mọi báo cáo. Ví dụ: --period 2026 --union MÃ_CĐCS --upper "
                    "MÃ_TỔ_CHỨC (một CĐCS và toàn tổ chức). / Briefings per CĐCS, per upper "
                    "union and for the organisation; without --union/--upper, all of them.")
    cmd.add_argument("--period", required=True,
                     help="kỳ: YYYY (cả năm, chốt 30/11), YYYY-H1 (6 tháng, chốt 31/5), YYYY-H2 "
                          "hoặc 'latest' (kỳ gần nhất đã kết thúc có trong số liệu)")
    cmd.add_argument("--union", action="append", default=None, metavar="ID",
                     help="chỉ CĐCS này (lặp lại được)")
    cmd.add_argument("--upper", action="append", default=None, metavar="ID",
                     help="chỉ công đoàn cấp trên này, hoặc mã tổ chức (mã trong congdoan.yaml: "
                          "báo cáo toàn tổ chức); lặp lại được. Khi tổ chức là cấp trên trực "
                          "tiếp duy nhất của các CĐCS, hai báo cáo là một")
    cmd.add_argument("--format", default="html,pdf", help="html,pdf (mặc định cả hai)")
    cmd.add_argument("--out", default=None,
                     help="thư mục kết quả (mặc định output/briefings của không gian làm việc)")
    cmd.add_argument("--lang", dest="briefing_lang", choices=("vi", "en"), default="vi",
                     help="ngôn ngữ báo cáo")
    add_data_argument(cmd)
    add_batch_arguments(cmd)
    cmd.set_defaults(func=batch_command)


def add_batch_arguments(cmd: argparse.ArgumentParser) -> None:
    """Add the engine's options to ``congdoan briefings``."""
    cmd.add_argument("--workers", type=int, default=None, metavar="N",
                     help="số tiến trình làm việc (mặc định: số lõi CPU; 0 = chạy tuần tự "
                          "một kernel trong tiến trình này)")
    cmd.add_argument("--force", action="store_true",
                     help="tạo lại mọi báo cáo, kể cả báo cáo chưa thay đổi")
    cmd.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                     help="thời gian tối đa cho một báo cáo (mặc định 600 giây)")
    cmd.add_argument("--scheduler", default=None, metavar="URL",
                     help="chạy trên cụm Dask có sẵn, ví dụ tcp://HOST:8786")


def batch_command(args: argparse.Namespace) -> int:
    """``congdoan briefings``: the warm, incremental batch, with the runner the options choose.

    The engine's modules (pandas, matplotlib, WeasyPrint …) are imported with the garbage
    collector paused (:func:`congdoan.engine.heap.paused_collection`): they make no garbage
    worth a collection, and collections would walk all they load.
    """
    from congdoan.engine.heap import paused_collection

    _resolve(args)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    with paused_collection():
        from congdoan.engine.batch import build_briefings

        runner = RUNNERS[runner_name(args)](args)
    run = build_briefings(
        args.period, unions=args.union, uppers=args.upper, formats=formats, out=Path(args.out),
        data=args.data, lang=args.briefing_lang, runner=runner, force=args.force,
        timeout=args.timeout,
    )
    for r in run.failed:
        print(f"Lỗi / failed: {r.job.kind} {r.job.unit_id}: {r.error}", file=sys.stderr)
    made = len(run.rendered)
    print(_periods_line(run.results))
    print(f"Báo cáo / briefings: {made - len(run.failed)} tạo mới / rendered, "
          f"{len(run.skipped)} không đổi / up to date, {len(run.failed)} lỗi / failed; "
          f"{run.seconds:.0f} s")
    for result in run.results:  # the organisation's own briefing: its officer opens it first
        path = result.outputs.get("pdf") or result.outputs.get("html")
        if result.job.level == "organisation" and result.ok and path is not None:
            print(f"Báo cáo của {result.job.title}: {near(path)}")
    if run.index is not None:
        print(f"Mọi báo cáo, mở trong trình duyệt / all, in a browser: {near(run.index)}")
    return 1 if run.failed else 0


def _periods_line(results: Iterable[JobResult]) -> str:
    """The period(s) the batch was about: what ``--period latest`` turned out to be.

    Each with its words and cut-off (``2025 — Năm 2025 (báo cáo năm, mẫu 2025-H2), chốt
    30/11/2025``): a year is reported on the second half-year's form.
    """
    from congdoan.core.periods import parse_period

    said = []
    for period in sorted({r.job.period for r in results}):
        p = parse_period(period)
        form = f" (báo cáo năm, mẫu {p.year}-H2)" if p.half is None else ""
        said.append(f"{period} — {p.label('vi')}{form}, chốt {p.cut_off:%d/%m/%Y}")
    return f"Kỳ / period: {'; '.join(said) or '—'}"


def _resolve(args: argparse.Namespace) -> None:
    """Fill ``--out`` and ``--data`` from the workspace in force when not given."""
    args.out = args.out or str(args.ws.briefings_dir)
    args.data = args.data or args.ws.database_url


def early_start(args: argparse.Namespace) -> None:
    """Start the kernels' fork server before the engine is imported, when it may be needed."""
    _resolve(args)
    if runner_name(args) != "pool":
        return
    from congdoan.engine.forkserver import start_early

    start_early(args.period, args.data, args.out, force=args.force)
