"""The explorer measured where officers see it: JupyterLab in Chromium, driven by Playwright.

Goal (issue 20): from a control change to the updated view, median ≤ 200 ms and 95th percentile
≤ 400 ms on the demo district. explore.ipynb runs in a real JupyterLab (its own server, a fresh
token, Debian's Chromium); a scripted sequence of control changes is made in the page and each
is timed in the page's own clock: from the ``change`` event of the ``<select>`` to the first
frame painted after the explorer has cleared its busy state with every chart image loaded
(:data:`congdoan.explore.browser.WATCH_JS`). The time until the busy state shows is printed too.

The first round visits every view for the first time (charts drawn in the kernel); later rounds
revisit them (charts from the kernel's cache, but every message still crosses the browser).

    .venv/bin/python benchmarks/bench_explore_browser.py [--data DIR] [--rounds 3]
        [--width 1400] [--shots DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.plan import load_register
from congdoan.core.workspace import Organisation, init_workspace
from congdoan.demo.synthetic import write_demo
from congdoan.explore.browser import (
    Timing,
    chromium,
    lab_server,
    open_explorer,
    timed_change,
)
from congdoan.explore.widget_html import prepare_notebook

Pick = Callable[[list[str]], str | None]
"""Chooses one option label among a dropdown's labels (None: skip the change)."""


def _indicator(indicator_id: str) -> Pick:
    ind = load_register().get(indicator_id)
    return lambda labels: f"{ind.clause} · {ind.name_vi}"


def _ends(text: str) -> Pick:
    return lambda labels: next((x for x in labels if x.endswith(text)), None)


def _exact(text: str) -> Pick:
    return lambda labels: text if text in labels else None


def _nth(n: int) -> Pick:
    return lambda labels: labels[n] if len(labels) > n else None


CHANGES: list[tuple[str, str, Pick]] = [
    ("indicator → people_informed", "Chỉ tiêu", _indicator("people_informed")),
    ("period → 2024", "Kỳ", _ends("(2024)")),
    ("upper → district federation", "Công đoàn cấp trên",
     _exact("Liên đoàn Lao động huyện Gia Lâm")),
    ("sector → NNN", "Khu vực", _exact("Doanh nghiệp ngoài nhà nước")),
    ("commune → first", "Xã, thị trấn", _nth(1)),
    ("unit → first", "CĐCS", _nth(1)),
    ("unit → all", "CĐCS", _nth(0)),
    ("commune → all", "Xã, thị trấn", _nth(0)),
    ("indicator → cba_coverage", "Chỉ tiêu", _indicator("cba_coverage")),
    ("period → 2025", "Kỳ", _ends("(2025)")),
    ("sector → all", "Khu vực", _nth(0)),
    ("indicator → dialogue_nnn", "Chỉ tiêu", _indicator("dialogue_nnn")),
    ("period → 2024-H1", "Kỳ", _ends("(2024-H1)")),
    ("sector → DNNN", "Khu vực", _exact("Doanh nghiệp nhà nước")),
    ("upper → all", "Công đoàn cấp trên", _nth(0)),
    ("period → 2026-H1", "Kỳ", _ends("(2026-H1)")),
    ("sector → all", "Khu vực", _nth(0)),
]
"""(what, dropdown, which option) in the order an analyst might click."""


def _labels(page: Any, label: str) -> list[str]:
    values: list[str] = page.locator(".congdoan-explorer").get_by_label(
        label, exact=True).evaluate("(s) => [...s.options].map(o => o.value)")
    return values


def _selected(page: Any, label: str) -> str:
    value: str = page.locator(".congdoan-explorer").get_by_label(label, exact=True).evaluate(
        "(s) => s.value")
    return value


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _line(name: str, values: list[float]) -> str:
    return (f"    {name:24s} median {statistics.median(values):5.0f} ms   "
            f"p95 {_percentile(values, 0.95):5.0f} ms   max {max(values):5.0f} ms   "
            f"(n = {len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="demo folder (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--width", type=int, default=1400, help="browser window width (px)")
    parser.add_argument("--shots", type=Path, default=None,
                        help="folder for a screenshot after each change of the first round")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-explore-"))
    folder = args.data
    if folder is None:
        folder = work / "demo"
        write_demo(folder)
    # a workspace served as congdoan lab serves it: its notebooks/ folder, the demo as data
    ws = init_workspace(work / "ws", Organisation(id="GIALAM", name="Huyện Gia Lâm",
                                                  kind="district"))
    prepare_notebook(NOTEBOOKS_DIR / "explore.ipynb", ws.root / "notebooks" / "explore.ipynb",
                     {"data": str(folder.resolve()), "period": "2024-H2"})
    rounds: list[list[Timing]] = []
    with lab_server(ws.root, work / "server", {"CONGDOAN_WORKSPACE": str(ws.root)}) as lab, \
            chromium() as browser:
        page = browser.new_page(viewport={"width": args.width, "height": 1000})
        page.set_default_timeout(60_000)
        open_explorer(page, lab.url("notebooks/explore.ipynb"))
        # the charts in view, as an analyst looking at them has them
        page.locator(".congdoan-explorer .congdoan-chart").first.scroll_into_view_if_needed()
        for number in range(args.rounds):
            timings: list[Timing] = []
            for step, (what, label, pick) in enumerate(CHANGES):
                choice = pick(_labels(page, label))
                if choice is None or choice == _selected(page, label):
                    continue
                timing = timed_change(page, label, value=choice)
                timings.append(timing)
                if number == 0:
                    print(f"  {what:32s} busy shown {timing.busy_ms:5.0f} ms   "
                          f"view updated {timing.done_ms:5.0f} ms")
                    if args.shots:
                        args.shots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(args.shots / f"{step:02d}.png"))
            rounds.append(timings)
        page.close()

    first = rounds[0]
    again = [t for r in rounds[1:] for t in r]
    for title, data in (("views not seen before", first), ("views seen before", again),
                        ("all changes", first + again)):
        if not data:
            continue
        print(f"\n{title}:")
        print(_line("busy state shown", [t.busy_ms for t in data]))
        print(_line("updated view painted", [t.done_ms for t in data]))
    print("\ngoal: updated view median ≤ 200 ms, 95th percentile ≤ 400 ms "
          "(`uptime` shows the machine's load)")


if __name__ == "__main__":
    main()
