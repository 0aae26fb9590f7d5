"""Benchmark of the briefing batch (issue 5, item 1). Prints figures; asserts nothing.

On the same CĐCS of the demo district (default: the first 20 active in the period):

(a) naive route, per union: ``papermill`` CLI, ``jupyter nbconvert --to html --no-input`` CLI,
    ``weasyprint`` CLI on that HTML (each a new process, a new kernel, fresh imports);
(b) ``congdoan briefings`` (the warm batch engine), as a subprocess, ``--force``;
(c) the floor: the same charts, HTML and PDF in one warm process, without notebooks (the
    notebook cells' calls made directly, outputs rendered by the same Renderer).

Then the no-change re-run of (b), and with ``--full`` the whole demo district from a cold start
and its no-change re-run, then the whole district again with every upstream patch off
(``CONGDOAN_ACCELERATORS=0``, see ``docs/compat.md``). Peak memory is the largest resident set of
the process tree (batch, workers and kernels) sampled every 0.2 s. The first lines say the
commit, the machine, the versions and which patches are active.

    .venv/bin/python benchmarks/bench_briefings.py [--unions 20] [--naive 5] [--repeat 3] [--full]

``--naive N`` runs route (a) on the first N of the unions only (it is ~20x slower; its figure is
per briefing anyway); the default keeps the whole run within a few minutes. ``--repeat R``
alternates R cold runs of (b) with R parts of (a), so that both are timed over the same
minutes of a shared machine whose speed drifts; (b) is their median, and each is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from congdoan.core.dataset import Dataset

BIN = Path(sys.executable).parent
PERIOD = "2025"


class PeakMemory:
    """Sample the resident memory of a process tree until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
                total = 0
                for proc in procs:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total / 2**20)
            except psutil.Error:
                pass
            self._stop.wait(0.2)  # returns at once when stopped

    def stop(self) -> float:
        self._stop.set()
        self.thread.join()
        return self.peak


def timed(cmd: list[str], **kwargs: object) -> tuple[float, float, str]:
    """Run ``cmd``; return wall seconds, peak tree memory (MB) and its output.

    The time ends when the command has exited, not when the memory sampler has stopped (it
    sleeps 0.2 s between samples, which once added up to 0.2 s to every timed command).
    """
    began = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)  # type: ignore[call-overload]
    meter = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - began
    peak = meter.stop()
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{out[-3000:]}")
    return seconds, peak, out


_SPIN = "import time; t = time.process_time(); sum(range(30_000_000)); print(time.process_time() - t)"


def parallel_capacity(workers: int) -> float:
    """How many cores' worth of work ``workers`` CPU-bound processes get done at once.

    A fixed pure-Python loop is timed alone, then in ``workers`` processes started together
    (CPU seconds each, so start-up and waiting do not count). On dedicated cores the answer is
    ``workers``; on a shared virtual machine whose vCPUs share physical cores with each other or
    with other guests it is less, and it is what (b) can get from its parallel workers while (a)
    runs one process at a time.
    """
    def spin(count: int) -> list[float]:
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True)
                 for _ in range(count)]
        return [float(p.communicate()[0]) for p in procs]

    alone = min(spin(1) + spin(1))
    together = spin(workers)
    return workers * alone / (sum(together) / len(together))


def naive(units: list[str], data: Path, out: Path) -> tuple[float, float]:
    from congdoan.engine.jobs import NOTEBOOKS

    out.mkdir(parents=True, exist_ok=True)
    total, peak = 0.0, 0.0
    for unit in units:
        nb = out / f"{unit}.ipynb"
        steps = [
            [str(BIN / "papermill"), str(NOTEBOOKS["union"]), str(nb), "-p", "union_id", unit,
             "-p", "period", PERIOD, "-p", "lang", "vi", "-p", "data", str(data),
             "--no-progress-bar"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
            [str(BIN / "weasyprint"), str(out / f"{unit}.html"), str(out / f"{unit}.pdf")],
        ]
        for cmd in steps:
            seconds, mem, _ = timed(cmd)
            total += seconds
            peak = max(peak, mem)
    return total, peak


def floor(units: list[str], data: Path, out: Path) -> float:
    """The same outputs as the union notebook, made by direct calls in this process."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from congdoan.briefing import charts
    from congdoan.briefing import content as briefing
    from congdoan.briefing import display as view
    from congdoan.engine.render import Renderer, write_atomic

    renderer = Renderer()
    ctx = briefing.load_context(PERIOD, str(data))  # warm: loaded before the clock starts
    out.mkdir(parents=True, exist_ok=True)

    import base64

    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter  # the kernel's own formatter

    def outputs(*objects: object) -> nbformat.NotebookNode:
        cell = new_code_cell("")
        for obj in objects:
            data, metadata = formatter.format(obj)
            data = {k: base64.b64encode(v).decode() if isinstance(v, bytes) else v
                    for k, v in data.items()}
            cell.outputs.append(new_output("display_data", data=data, metadata=metadata))
        return cell

    began = time.perf_counter()
    lang = "vi"
    for unit in units:
        who = briefing.union_identity(ctx, unit, lang)
        card = briefing.union_scorecard(ctx, unit, lang)
        history = briefing.history_rows(ctx, unit, "cdcs", briefing.trend_indicators(card), lang)
        compared = briefing.comparison_table(ctx, unit, lang)
        nb = new_notebook(cells=[
            outputs(view.title_block(who, lang)),
            outputs(view.heading("scorecard", lang), view.scorecard(card, lang)),
            outputs(view.heading("trend", lang), charts.trend_image(history, lang=lang)),
            outputs(view.heading("comparison", lang), view.comparison(compared, lang)),
            outputs(view.heading("pace", lang), view.pace(briefing.milestone_pace(card), lang)),
            outputs(view.heading("missing", lang),
                    view.bullets(briefing.missing_data(ctx, unit, card, lang), lang)),
            outputs(view.heading("activities", lang),
                    view.activities(briefing.unit_activities(ctx, unit, "cdcs", lang), lang)),
            outputs(view.heading("conclusions", lang),
                    view.narrative(briefing.narrative(card, lang)), view.footer(lang)),
        ])
        write_atomic(out / f"{unit}.html", renderer.html(nb, who.name, lang))
        write_atomic(out / f"{unit}.pdf", renderer.pdf(nb, who.name, lang))
    return time.perf_counter() - began


def engine(units: list[str] | None, data: Path, out: Path, workers: int,
           force: bool, plain: bool = False) -> tuple[float, float, str]:
    """``congdoan briefings`` (``plain``: with every upstream patch off)."""
    cmd = [str(BIN / "congdoan"), "briefings", "--period", PERIOD, "--data", str(data),
           "--out", str(out), "--workers", str(workers)]
    for unit in units or []:
        cmd += ["--union", unit]
    if force:
        cmd.append("--force")
    env = {**os.environ, "CONGDOAN_ACCELERATORS": "0"} if plain else None
    return timed(cmd, env=env)


def describe_setting() -> None:
    """Print the commit, the machine, the versions that matter and the active patches."""
    from congdoan._compat import installed_version, report

    root = Path(__file__).resolve().parents[1]
    commit = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"],
                            capture_output=True, text=True, check=False).stdout.strip()
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    print(f"# commit {commit or '?'}; {platform.system()} {platform.release()}, {cpu}, "
          f"{os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
          f"Python {platform.python_version()}")
    versions = ", ".join(f"{name} {installed_version(name)}" for name in (
        "matplotlib", "weasyprint", "pandas", "papermill", "nbclient", "ipykernel",
        "jupyter_client"))
    print(f"# {versions}")
    for line in report().splitlines():
        print(f"#   {line}")


def demo_in_workspace(data: Path) -> Dataset:
    """Write the demo district to ``data`` and put a workspace for it in force (beside it).

    Every command needs a workspace; this process and those it starts use this one.
    """
    from congdoan.core.workspace import ENV_VAR, Organisation, activate, init_workspace
    from congdoan.demo.synthetic import write_demo

    dataset = write_demo(data)
    workspace = init_workspace(data.parent / "workspace", Organisation(
        id=dataset.organisation_id, name=dataset.organisation_name, kind="district"))
    activate(workspace)
    os.environ[ENV_VAR] = str(workspace.root)
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unions", type=int, default=20)
    parser.add_argument("--naive", type=int, default=5)
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=3,
                        help="cold runs of (b), alternating with parts of (a) (default 3)")
    parser.add_argument("--full", action="store_true",
                        help="also the whole demo district, with the patches on and off")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    describe_setting()

    from congdoan.core.periods import parse_period
    from congdoan.core.registry import units_in_period

    work = Path(tempfile.mkdtemp(prefix="bench-briefings-"))
    data = work / "demo"
    dataset = demo_in_workspace(data)
    active = units_in_period(dataset.units, dataset.links, parse_period(PERIOD).cut_off)
    units = sorted(active["unit_id"].astype(str))[: args.unions]
    n_naive = min(args.naive, len(units))
    print(f"# {len(units)} CĐCS of the demo district, period {PERIOD}, HTML + PDF; "
          f"{args.workers} workers; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"work dir {work}", flush=True)
    print(f"    parallel capacity: {parallel_capacity(args.workers):.2f} of {args.workers} cores "
          "(CPU-bound processes run at once; drifts with the host's load)", flush=True)

    # (a) and (b) are measured in alternation: round r runs the naive route on every
    # ``repeat``-th of its unions, then one cold ``congdoan briefings --force`` of all of them
    # (a fresh output folder each time). A shared machine's speed drifts within minutes; this
    # way both figures come from the same stretch of time. b is the median of the cold runs.
    a_total, a_peak, b_runs = 0.0, 0.0, []
    b_peak, b_out = 0.0, ""
    for r in range(args.repeat):
        part = units[:n_naive][r::args.repeat]
        if part:
            seconds, peak = naive(part, data, work / "naive")
            a_total, a_peak = a_total + seconds, max(a_peak, peak)
        total, peak, out = engine(units, data, work / f"engine-{r}", args.workers, force=True)
        b_runs.append(total)
        b_peak = max(b_peak, peak)
        b_out = b_out or out
        print(f"    round {r + 1}: naive {len(part)} unions, engine {total:.1f} s", flush=True)
    a = a_total / n_naive
    print(f"(a) naive CLIs         {a:7.2f} s/briefing  (over {n_naive}; peak {a_peak:.0f} MB)",
          flush=True)
    b_total = statistics.median(b_runs)
    b = b_total / len(units)
    runs = ", ".join(f"{x:.1f}" for x in b_runs)
    print(f"(b) congdoan briefings {b:7.2f} s/briefing  ({b_total:.1f} s for {len(units)}, "
          f"start-up included: median of {len(b_runs)} cold runs [{runs}] s; "
          f"peak {b_peak:.0f} MB)", flush=True)
    steady = [float(x.split("(")[-1].split(" s)")[0]) for x in b_out.splitlines()
              if x.startswith("[") and " ok " in x]
    if steady:
        print(f"    in-worker time per briefing, mean {sum(steady) / len(steady):.2f} s "
              f"(execution + rendering, {args.workers} in parallel)")

    c_total = floor(units, data, work / "floor")
    c = c_total / len(units)
    print(f"(c) floor, one process {c:7.2f} s/briefing  ({c_total:.1f} s)", flush=True)
    each = " / ".join(f"{a / (x / len(units)):.1f}" for x in b_runs)
    print(f"ratio a/b = {a / b:5.1f}x   ({len(units)} CĐCS, start-up included; each cold run: {each};"
          " the >= 25x goal is the whole district's, --full)")
    print(f"ratio b/c = {b / c:5.2f}    (goal <= 1.5; one process vs {args.workers} workers)")
    # what a/b would be if the engine split the floor's work over its workers with no start-up,
    # no kernel messaging and no papermill at all: an upper bound on this machine, this run
    print(f"ceiling a/(c/{args.workers}) = {a / (c / args.workers):5.1f}x  "
          f"(b at the floor split {args.workers} ways: {c / args.workers:.2f} s/briefing)")

    print(f"    parallel capacity now: {parallel_capacity(args.workers):.2f} of {args.workers} cores",
          flush=True)
    r_total, _, _ = engine(units, data, work / "engine-0", args.workers, force=False)
    print(f"no-change re-run       {r_total:7.2f} s for {len(units)} "
          f"({b_total / r_total:.0f}x faster than the full run)", flush=True)

    if args.full:
        f_total, f_peak, f_out = engine(None, data, work / "full", args.workers, force=True)
        count = f_out.count(" ok ") + f_out.count(" LỖI ")
        print(f"full demo, cold        {f_total:7.1f} s for {count} briefings "
              f"({f_total / max(count, 1):.2f} s each; peak {f_peak:.0f} MB; "
              f"a / this = {a / (f_total / max(count, 1)):.1f}x; goal >= 25x)", flush=True)
        n_total, _, _ = engine(None, data, work / "full", args.workers, force=False)
        print(f"full demo, no change   {n_total:7.2f} s ({f_total / n_total:.0f}x faster; goal >= 100x)",
              flush=True)
        p_total, p_peak, p_out = engine(None, data, work / "plain", args.workers, force=True,
                                        plain=True)
        count = p_out.count(" ok ") + p_out.count(" LỖI ")
        print(f"full demo, cold, every patch off (CONGDOAN_ACCELERATORS=0) {p_total:7.1f} s for "
              f"{count} briefings ({p_total / max(count, 1):.2f} s each; peak {p_peak:.0f} MB; "
              f"a / this = {a / (p_total / max(count, 1)):.1f}x)", flush=True)
        print(f"    load now {os.getloadavg()[0]:.1f}; parallel capacity now: "
              f"{parallel_capacity(args.workers):.2f} of {args.workers} cores", flush=True)
    if args.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
