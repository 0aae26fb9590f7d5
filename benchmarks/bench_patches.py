"""What each upstream patch (``docs/compat.md``) is worth: the batch with it and without it.

For each patch named (default: every one, then all of them at once), ``--pairs`` pairs of runs
of ``congdoan briefings`` on the first ``--unions`` CĐCS of the demo district, one run with the
patch on and one with it off (``CONGDOAN_<NAME>=0``; all: ``CONGDOAN_ACCELERATORS=0``), in
alternating order, so that both sides of a pair share the same minutes of a shared machine.
Cold runs (``--force``, a fresh output folder) by default; ``--no-change`` times re-runs with
nothing to render instead (the start-up and planning only). Prints each pair, the median of
each side, the median of the per-pair differences and how many pairs the patch won: a
difference smaller than the spread of one side's runs is noise. Asserts nothing.

    .venv/bin/python benchmarks/bench_patches.py [--patch NAME ...] [--pairs 5] [--unions 20]
        [--no-change]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PERIOD = "2025"


def run(units: list[str], data: Path, out: Path, env: dict[str, str], force: bool) -> float:
    """Wall seconds of one ``congdoan briefings`` run."""
    cmd = [str(BIN / "congdoan"), "briefings", "--period", PERIOD, "--data", str(data),
           "--out", str(out), "--format", "html,pdf"]
    for unit in units:
        cmd += ["--union", unit]
    if force:
        cmd.append("--force")
    began = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def compare(name: str, units: list[str], data: Path, work: Path, pairs: int,
            no_change: bool) -> None:
    """Alternate ``pairs`` runs with the patch on and off; print what it is worth."""
    from congdoan._compat import ACCELERATORS, PATCHES

    switch = ACCELERATORS if name == "all" else PATCHES[name].switch
    on_env = {**os.environ, switch: "1"}
    off_env = {**os.environ, switch: "0"}
    if no_change:  # outputs to re-run against, one folder per side (the keys differ)
        for side, env in (("on", on_env), ("off", off_env)):
            run(units, data, work / f"{name}-{side}", env, force=True)
    on, off = [], []
    for pair in range(pairs):
        order = (("on", on_env), ("off", off_env))
        for side, env in order if pair % 2 == 0 else order[::-1]:
            out = work / f"{name}-{side}" if no_change else work / f"{name}-{side}-{pair}"
            seconds = run(units, data, out, env, force=not no_change)
            (on if side == "on" else off).append(seconds)
            if not no_change:
                shutil.rmtree(out, ignore_errors=True)
    gains = [b - a for a, b in zip(on, off, strict=True)]
    gain = statistics.median(gains)
    spread = statistics.pstdev(on) if len(on) > 1 else 0.0
    print(f"{name:16} on  {statistics.median(on):6.2f} s  off {statistics.median(off):6.2f} s  "
          f"gain {gain:+6.2f} s ({gain / statistics.median(off):+.1%}); "
          f"on faster in {sum(g > 0 for g in gains)}/{pairs}; spread of 'on' {spread:.2f} s  "
          f"[on {' '.join(f'{x:.2f}' for x in on)} | off {' '.join(f'{x:.2f}' for x in off)}]",
          flush=True)


def main() -> None:
    from congdoan._compat import PATCHES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", action="append", choices=[*PATCHES, "all"],
                        help="a patch to measure (repeat; default every one, then all)")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--unions", type=int, default=20)
    parser.add_argument("--no-change", action="store_true",
                        help="time re-runs with nothing to render instead of cold runs")
    args = parser.parse_args()

    from bench_briefings import demo_in_workspace

    from congdoan.core.periods import parse_period
    from congdoan.core.registry import units_in_period

    work = Path(tempfile.mkdtemp(prefix="bench-patches-"))
    try:
        dataset = demo_in_workspace(work / "demo")
        active = units_in_period(dataset.units, dataset.links, parse_period(PERIOD).cut_off)
        units = sorted(active["unit_id"].astype(str))[: args.unions]
        kind = "no-change re-runs" if args.no_change else "cold runs (--force)"
        print(f"# {len(units)} CĐCS, {kind}, {args.pairs} alternating pairs per patch; "
              f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
        for name in args.patch or [*PATCHES, "all"]:
            compare(name, units, work / "demo", work, args.pairs, args.no_change)
        print(f"# load at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
