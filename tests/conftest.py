"""Shared fixtures: a hand-made tiny district whose numbers are worked out in the tests."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from congdoan._compat import ACCELERATORS, PATCHES, active, fits  # noqa: E402
from congdoan._compat.jsonschema import skip_iri_grammar  # noqa: E402
from congdoan.core.dataset import COLUMNS, Dataset, report_columns, with_optional_columns  # noqa: E402

NaT = pd.NaT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--accelerators", choices=("on", "off"), default=None,
        help="run with congdoan's upstream patches on or off (sets CONGDOAN_ACCELERATORS for "
             "this process and the processes it starts; default: as the environment says)")


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("--accelerators")
    if choice is not None:
        os.environ[ACCELERATORS] = "1" if choice == "on" else "0"
    # the test process runs congdoan's code as the command line does, so it takes the same
    # ``iri_grammar`` patch (where it is active) before a test module imports nbformat
    skip_iri_grammar()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.accelerator(name)``: the test is about that patch at work; skipped where
    it is not active (switched off, or upstream outside its tested range)."""
    for mark in item.iter_markers("accelerator"):
        for name in mark.args:
            if not active(name):
                pytest.skip(f"accelerator {name!r} is not active here")


class Patches:
    """Switch congdoan's upstream patches on or off for one test (see :func:`patches`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def on(self, name: str) -> None:
        """Switch ``name`` on; skip the test where its upstream is outside the tested range."""
        if not fits(name):
            pytest.skip(f"{name}: upstream outside its tested range ({PATCHES[name].ranges()})")
        self.monkeypatch.setenv(ACCELERATORS, "1")
        self.monkeypatch.setenv(PATCHES[name].switch, "1")

    def off(self, name: str) -> None:
        """Switch ``name`` off."""
        self.monkeypatch.setenv(PATCHES[name].switch, "0")


@pytest.fixture
def patches(monkeypatch: pytest.MonkeyPatch) -> Patches:
    """Switch patches on or off for this test only (the environment is restored after it)."""
    return Patches(monkeypatch)


def pdf_content(data: bytes) -> list[dict[str, Any]]:
    """What a PDF shows, page by page, without what its bytes carry besides (clock, font
    files, compression): the page size, the text, the drawing operations, the fonts' names and
    each image's pixels."""
    import io

    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page["/Resources"]
        fonts = sorted(str(font.get_object().get("/BaseFont"))
                       for font in resources.get("/Font", {}).values())
        pages.append({
            "size": [float(x) for x in page.mediabox],
            "text": page.extract_text(),
            "drawing": contents.get_data() if (contents := page.get_contents()) is not None else b"",
            "fonts": fonts,
            "images": [(image.image.size, image.image.mode, image.image.tobytes())
                       for image in page.images],
        })
    return pages


@contextmanager
def collections_seen() -> Iterator[list[int]]:
    """The generation of every garbage collection that starts inside the block, in order."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)


def exits_within(pid: int, seconds: float) -> bool:
    """True once process ``pid`` has exited (a zombie counts): waits for the exit itself (its
    pidfd becomes readable), at most ``seconds``, a bound that only a process left running
    reaches."""
    import select

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], seconds)
        return bool(readable)
    finally:
        os.close(fd)


def fresh_python(code: str, stdin: str | None = None) -> str:
    """Standard output of ``code`` run in a new interpreter (nothing imported yet), stripped."""
    return subprocess.run([sys.executable, "-c", code], input=stdin, capture_output=True,
                          text=True, check=True).stdout.strip()


def frame(name: str, rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A table of the dataset with its required columns (missing cells NaN, optional columns
    as a data folder without them reads)."""
    cols = report_columns() if name == "reports" else COLUMNS[name]
    out = with_optional_columns(pd.DataFrame(list(rows)), name)
    for col in cols:
        if col not in out.columns:
            out[col] = pd.NA
    out = out[list(cols)]
    for col in ("valid_from", "valid_to", "founded", "dissolved", "opened", "closed", "submitted_on"):
        if col in out.columns:
            out[col] = pd.to_datetime(out[col])
    return out


def tiny_dataset(
    units: list[dict[str, Any]] | None = None,
    reports: list[dict[str, Any]] | None = None,
    links: list[dict[str, Any]] | None = None,
    enterprises: list[dict[str, Any]] | None = None,
    upper_records: list[dict[str, Any]] | None = None,
) -> Dataset:
    """A district 'TINY' with the federation until 30/6/2025 and commune union XA after.

    Default units: A (HCSN, commune C1), B (NNN, C1), C (NNN, C2); all founded 2015.
    """
    units = units if units is not None else [
        {"unit_id": "A", "name": "Trường Mầm non A", "sector": "HCSN", "commune_id": "C1",
         "founded": "2015-01-01"},
        {"unit_id": "B", "name": "Công ty TNHH B", "sector": "NNN", "commune_id": "C1",
         "founded": "2015-01-01", "enterprise_id": "E-B"},
        {"unit_id": "C", "name": "Công ty CP C", "sector": "NNN", "commune_id": "C2",
         "founded": "2015-01-01", "enterprise_id": "E-C"},
    ]
    if links is None:
        links = []
        for u in units:
            links.append({"unit_id": u["unit_id"], "parent_id": "FED",
                          "valid_from": u["founded"], "valid_to": "2025-06-30"})
            links.append({"unit_id": u["unit_id"], "parent_id": "XA",
                          "valid_from": "2025-07-01", "valid_to": None})
    return Dataset(
        meta={"organisation_id": "TINY", "organisation_name": "Huyện Tí Hon"},
        communes=frame("communes", [{"commune_id": "C1", "name": "Xã Một"},
                                    {"commune_id": "C2", "name": "Xã Hai"}]),
        upper_unions=frame("upper_unions", [
            {"upper_id": "FED", "name": "LĐLĐ huyện Tí Hon", "kind": "district_federation",
             "direct": 1, "valid_from": "2000-01-01", "valid_to": "2025-06-30"},
            {"upper_id": "XA", "name": "Công đoàn xã Tí Hon", "kind": "commune_union",
             "direct": 1, "valid_from": "2025-07-01", "valid_to": None},
        ]),
        areas=frame("areas", [
            {"commune_id": c, "upper_id": "FED", "valid_from": "2000-01-01",
             "valid_to": "2025-06-30"} for c in ("C1", "C2")
        ] + [
            {"commune_id": c, "upper_id": "XA", "valid_from": "2025-07-01", "valid_to": None}
            for c in ("C1", "C2")
        ]),
        units=frame("units", units),
        links=frame("links", links),
        enterprises=frame("enterprises", enterprises or []),
        reports=frame("reports", reports or []),
        upper_records=frame("upper_records", upper_records or []),
        activities=frame("activities", []),
    )


def one_form(folder: Path, unit_id: str = "A") -> Path:
    """The one form of ``unit_id`` in a forms folder (its file name carries the CĐCS's name)."""
    [form] = folder.glob(f"{unit_id}_*.xlsx")
    return form


def pick(table: pd.DataFrame, **where: Any) -> pd.Series:
    """The single row of ``table`` matching ``where``."""
    mask = pd.Series(True, index=table.index)
    for key, value in where.items():
        mask &= table[key] == value
    rows = table[mask]
    assert len(rows) == 1, f"expected one row for {where}, found {len(rows)}"
    return rows.iloc[0]


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo district written once for the session."""
    from congdoan.demo.synthetic import write_demo

    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Path:
    """A workspace holding the demo district in its database (its planted errors left out),
    loaded directly rather than through Excel intake."""
    from congdoan.core import store
    from congdoan.core.dataset import read_dataset
    from congdoan.core.workspace import Organisation, init_workspace

    demo = read_dataset(demo_dir)
    ws = init_workspace(tmp_path_factory.mktemp("demo-ws") / "ws", Organisation(
        id=str(demo.meta["organisation_id"]), name=str(demo.meta["organisation_name"]), kind="district"))
    planted = {(p["unit_id"], p["period"]) for p in demo.meta.get("planted_errors", [])}
    keep = [(u, p) not in planted for u, p in zip(demo.reports["unit_id"], demo.reports["period"],
                                                 strict=True)]
    store.seed_registry(demo, ws.database_url)
    store.accept_submission({"sha256": "0" * 64, "original_name": "demo", "stored_path": "demo",
                             "received_at": store.now(), "layout": "bulk"},
                            demo.reports[keep].reset_index(drop=True), ws.database_url)
    store.dispose_engines()
    return ws.root


@pytest.fixture(scope="session")
def demo(demo_dir: Path) -> Dataset:
    """The demo district read back from CSV."""
    from congdoan.core.dataset import read_dataset

    return read_dataset(demo_dir)


@pytest.fixture(scope="session", autouse=True)
def test_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A workspace in force for the whole session (commands need one), with the default plan.

    Tests that give ``--data`` read that data; the workspace's own database stays empty.
    """
    from congdoan.core.workspace import ENV_VAR, Organisation, deactivate, init_workspace

    root = tmp_path_factory.mktemp("workspace") / "ws"
    init_workspace(root, Organisation(id="TEST", name="Công đoàn thử nghiệm", kind="commune"))
    before = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = str(root)
    yield root
    deactivate()
    if before is not None:
        os.environ[ENV_VAR] = before


@pytest.fixture(autouse=True)
def _workspace_restored() -> Iterator[None]:
    """A test that activates another workspace (a command run with ``-w``) leaves no trace."""
    from congdoan.core.workspace import ENV_VAR, deactivate

    before = os.environ.get(ENV_VAR)
    yield
    deactivate()
    if before is not None:
        os.environ[ENV_VAR] = before


def workspace_for(url: str, parent: Path) -> Path:
    """The folder of a workspace whose database is ``url`` (made under ``parent`` once per URL)."""
    import hashlib

    from congdoan.core.workspace import CONFIG_NAME, Organisation, init_workspace

    root = parent / f"ws-{hashlib.sha256(url.encode()).hexdigest()[:8]}"
    if not (root / CONFIG_NAME).exists():
        init_workspace(root, Organisation(id="TINY", name="Công đoàn thử", kind="commune"),
                       database=url)
    return root


def comparison_series(labels: list[str], series: dict[str, str], shift: float) -> pd.DataFrame:
    """A comparison chart's table: a target and one share per series for each label, the
    unit's share missing for the first label."""
    import numpy as np

    frame = pd.DataFrame({"label": labels, "target": [0.7] * len(labels)})
    for i, name in enumerate(series):
        frame[name] = [min(1.0, shift + 0.1 * i + 0.05 * j) for j in range(len(labels))]
    frame.loc[0, "unit"] = np.nan  # a series without a value for one indicator
    frame.attrs["series_names"] = series
    return frame


def trend_histories() -> list[pd.DataFrame]:
    """Trend tables of five shapes, each drawn after the one before: six share panels over five
    years, two count panels over seven halves (slanted labels), counts where shares were, four
    panels over three years, and two share panels with a break of the series and hollow
    (provisional) points."""
    def history(labels: list[str], periods: list[str], measure: str, scale: float) -> pd.DataFrame:
        rows = [{"label": label, "period": p, "measure": measure,
                 "value": scale * (0.4 + 0.1 * i + 0.05 * j), "target": scale * 0.7,
                 "status": "met" if i % 2 else "not_met"}
                for j, label in enumerate(labels) for i, p in enumerate(periods)]
        return pd.DataFrame(rows)

    years = ["2021", "2022", "2023", "2024", "2025"]
    halves = ["2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]
    broken = history(["Thu", "Chi"], years, "share", 1.0).assign(
        break_label=lambda t: np.where(t["period"] == "2025", "01/07/2025", ""),
        provisional=lambda t: t["period"] == "2024")  # a dotted break, hollow points
    return [history(["A", "B", "C", "D", "E", "F"], years, "share", 1.0),
            history(["Đoàn viên", "B"], halves, "count", 18000),
            history(["A", "B", "C", "D", "E", "F"], years, "count", 600),
            history(["A", "B", "C", "D"], years[:3], "share", 1.0),
            broken]
