"""Benchmark: indicators for all periods of the demo district, and of --scale 100.

Prints seconds and peak memory (RSS high-water mark of a fresh child process per scale).
Goals (issue 2): ≤ 2 s for the demo district and ≤ 60 s for scale 100, peak ≤ 4 GB.
Usage: ``python benchmarks/bench_indicators.py [--scales 1,100]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from congdoan.demo.synthetic import write_demo
from congdoan.core.dataset import read_dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.periods import analysis_periods

out = Path(sys.argv[1]); scale = int(sys.argv[2])
t0 = time.perf_counter(); write_demo(out, scale=scale); t_demo = time.perf_counter() - t0
t0 = time.perf_counter(); ds = read_dataset(out); t_read = time.perf_counter() - t0
periods = analysis_periods(sorted(ds.reports["period"].unique()))
t0 = time.perf_counter(); rows = 0
for p in periods:
    rows += len(compute_indicators(ds, p))
t_ind = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"scale": scale, "units": len(ds.units), "reports": len(ds.reports),
                  "periods": len(periods), "rows": rows, "demo_s": t_demo, "read_s": t_read,
                  "indicators_s": t_ind, "peak_mb": peak}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,100")
    args = parser.parse_args()
    print(f"{'scale':>5} {'CĐCS':>7} {'reports':>8} {'periods':>7} {'rows':>10} "
          f"{'demo s':>7} {'read s':>7} {'indic. s':>8} {'s/period':>8} {'peak MB':>8}")
    for scale in [int(s) for s in args.scales.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", CHILD, str(Path(tmp) / "d"), str(scale)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{r['scale']:>5} {r['units']:>7} {r['reports']:>8} {r['periods']:>7} "
                  f"{r['rows']:>10} {r['demo_s']:>7.2f} {r['read_s']:>7.2f} "
                  f"{r['indicators_s']:>8.2f} {r['indicators_s'] / r['periods']:>8.3f} "
                  f"{r['peak_mb']:>8.0f}   (wall {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
