"""How long the explorer's kernel side takes to update after a control change, on the demo.

The kernel's share of the update only: the goal (issue 20) is measured where officers see it,
in Chromium, by ``benchmarks/bench_explore_browser.py``. Prints the one-off cost of the
indicator history, then the median / 90th percentile / max of the update time over a scripted
sequence of control changes, split into data + table (keeping the scope, filtering, summing,
HTML) and charts (the panels whose content changed, written as SVG). A view seen before comes
from the explorer's cache.

    .venv/bin/python benchmarks/bench_explore.py [--data DIR] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from congdoan.core.dataset import read_dataset
from congdoan.demo.synthetic import write_demo
from congdoan.explore.explorer import ALL, Explorer
from congdoan.explore.views import build_history


def _changes(ex: Explorer) -> list[tuple[str, object, object]]:
    """(label, control, value) in the order an analyst might click."""
    return [
        ("indicator → people_informed", ex.indicator, "people_informed"),
        ("period → 2024", ex.period, "2024"),
        ("upper → LDLD-GIALAM", ex.upper, "LDLD-GIALAM"),
        ("sector → NNN", ex.sector, "NNN"),
        ("commune → first", ex.commune, "first"),
        ("unit → first", ex.unit, "first"),
        ("unit → all", ex.unit, ALL),
        ("commune → all", ex.commune, ALL),
        ("indicator → cba_coverage", ex.indicator, "cba_coverage"),
        ("period → 2025", ex.period, "2025"),
        ("sector → all", ex.sector, ALL),
        ("years → 2023–2025", ex.years, (2023, 2025)),
        ("indicator → dialogue_nnn", ex.indicator, "dialogue_nnn"),
        ("period → 2024-H1", ex.period, "2024-H1"),
        ("upper → all", ex.upper, ALL),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="demo folder (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = args.data
    if folder is None:
        folder = Path(tempfile.mkdtemp()) / "demo"
        write_demo(folder)
    dataset = read_dataset(folder)
    print(f"demo: {len(dataset.units)} CĐCS, {len(dataset.reports)} reports")

    start = time.perf_counter()
    history = build_history(dataset)
    print(f"indicator history (once, cached): {time.perf_counter() - start:.1f} s, "
          f"{len(history):,} rows, {history['period'].nunique()} periods")
    start = time.perf_counter()
    ex = Explorer(dataset, period="2024", history=history, out_dir=Path(tempfile.mkdtemp()))
    print(f"explorer start: {(time.perf_counter() - start) * 1000:.0f} ms")

    rounds: list[dict[str, list[float]]] = []
    for number in range(args.rounds):
        figures: dict[str, list[float]] = {"wall": [], "cpu": [], "views": [], "charts": [],
                                           "drawn": []}
        for label, control, value in _changes(ex):
            if value == "first":
                options = [v for _l, v in control.options if v]  # type: ignore[attr-defined]
                if not options:
                    continue
                value = options[0]
            if control.value == value:  # type: ignore[attr-defined]
                continue
            cpu_start = time.process_time()
            wall_start = time.perf_counter()
            control.value = value  # type: ignore[attr-defined]
            wall = (time.perf_counter() - wall_start) * 1000
            figures["wall"].append(wall)
            figures["cpu"].append((time.process_time() - cpu_start) * 1000)
            figures["views"].append(ex.timings["views_ms"])
            figures["charts"].append(ex.timings["figure_ms"])
            figures["drawn"].append(ex.timings["panels_drawn"])
            if number == 0:
                print(f"  {label:30s} {wall:5.0f} ms wall  (data+table {ex.timings['views_ms']:4.0f},"
                      f" charts {ex.timings['figure_ms']:4.0f} for "
                      f"{ex.timings['panels_drawn']:.0f} redrawn of 4)")
        rounds.append(figures)

    def line(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        return (f"    {name:16s} median {statistics.median(values):5.0f} ms   p90 {p90:5.0f} ms   "
                f"max {max(values):5.0f} ms")

    cold = rounds[0]
    warm = {k: [v for r in rounds[1:] for v in r[k]] for k in cold}
    for title, data in (("first visit of each view (charts drawn)", cold),
                        ("views seen before (charts from the cache)", warm)):
        if not data["wall"]:
            continue
        print(f"\n{title}: {len(data['wall'])} control changes")
        for key, name in (("wall", "update (wall)"), ("cpu", "update (CPU)"),
                          ("views", "data + table"), ("charts", "charts (SVG)")):
            print(line(name, data[key]))
    print(f"\ngoal ≤ 200 ms per update; first visits: median "
          f"{statistics.median(cold['wall']):.0f} ms wall, {statistics.median(cold['cpu']):.0f} ms"
          " CPU (the machine's load average is printed by `uptime`)")


if __name__ == "__main__":
    main()
