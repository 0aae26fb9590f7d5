"""Incremental batches: which briefings are already up to date.

A manifest (``.manifest.json`` in the output folder) records, per briefing (its slug), a key
made of four fingerprints and the files it produced:

- ``notebook``: the notebook file's bytes;
- ``code``: every file of the library (``lib/congdoan/**``: the code, the templates and style
  sheets of ``templates/``, the packaged assets) and ``params/*.yaml`` (the plan register and
  the other parameters): a change anywhere in the library or the plan re-renders everything, as
  a change to a chart, a style or a target is a change to every page;
- ``stack``: the versions of Python and of the packages that render a briefing (:data:`STACK`:
  WeasyPrint and its PDF writer, the notebook stack, matplotlib, pandas …): an upgrade
  re-renders everything, as it may change the pages;
- ``parameters``: the parameters injected into the notebook, the formats and the language;
- ``data``: the unit's slice of the data. For a CĐCS: its rows of ``units``, ``links``,
  ``openings``, ``enterprises`` (its own firm), and its ``reports`` and ``activities`` up to the period's last
  sub-period. For an upper union: its own rows (``upper_unions``, ``areas``, ``upper_records`` up
  to the period's year, the enterprises of its communes) and the slices of every CĐCS whose
  parent it is at the period's cut-off. For the organisation: all of the above.

A briefing is up to date when its key is unchanged and its files exist; a re-run with nothing
changed renders nothing, and a change to one CĐCS's report re-renders that CĐCS and the upper
unions (and the organisation) that include it. Aggregates shown for comparison (sector, organisation)
are deliberately not part of a CĐCS's key: a change elsewhere does not re-render every CĐCS; use
``--force`` after a bulk correction.

Slices are fingerprinted with vectorised row hashes (:func:`pandas.util.hash_pandas_object`)
combined per unit: one vectorised pass over the data, not one per unit.

Several batches may write into one output folder at once: :meth:`Manifest.save` takes an
exclusive lock on the folder, reads the manifest as it is on disk, applies only this run's
changes (briefings recorded or forgotten) and writes the result atomically, so no batch loses
another's entries. A manifest that is damaged or not of the expected shape (not JSON, a list,
entries of the wrong type) stops the batch with a message; ``--force`` rebuilds it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from congdoan._compat import installed_version
from congdoan.core import paths
from congdoan.core.dataset import Dataset
from congdoan.core.periods import parse_period
from congdoan.core.registry import area_upper_at, bodies_of, dataset_chains, period_units
from congdoan.engine.freshness import LIB_DIR, MANIFEST_NAME
from congdoan.exceptions import DataError, Location

VERSION = 1


def _digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def file_fingerprint(path: Path) -> str:
    """Fingerprint of one file's bytes."""
    return _digest(Path(path).read_bytes())


def library_files(lib_dir: Path = LIB_DIR) -> list[Path]:
    """Every file of the library a briefing may depend on, in a fixed order.

    The code, the templates and style sheets, the assets; not byte code.
    """
    return sorted(path for path in Path(lib_dir).rglob("*")
                  if path.is_file() and "__pycache__" not in path.parts
                  and path.suffix not in (".pyc", ".pyo"))


def code_fingerprint(lib_dir: Path = LIB_DIR, params_dir: Path | None = None) -> str:
    """Fingerprint of the library (:func:`library_files`) and the configuration.

    The configuration is ``params_dir``'s ``*.yaml`` (default: the parameters in force): the plan
    register and the other parameters.
    """
    params_dir = paths.params_dir() if params_dir is None else Path(params_dir)
    parts: list[str | bytes] = []
    for path in library_files(lib_dir):
        parts += [str(path.relative_to(lib_dir)), path.read_bytes()]
    for path in sorted(Path(params_dir).glob("*.yaml")):
        parts += [f"params/{path.name}", path.read_bytes()]
    return _digest(*parts)


STACK = ("weasyprint", "pydyf", "fonttools", "tinycss2", "nbconvert", "nbclient", "nbformat",
         "papermill", "ipykernel", "matplotlib", "seaborn", "pandas", "numpy", "babel")
"""Packages whose version may change a briefing's pages: the renderer (WeasyPrint, its PDF
writer, font subsetter and CSS parser), the notebook stack, and what draws and formats."""


def stack_fingerprint(packages: Iterable[str] = STACK) -> str:
    """Fingerprint of the Python version and the installed versions of ``packages``."""
    return _digest(f"python={platform.python_version()}",
                   *(f"{name}={installed_version(name) or '-'}" for name in packages))


def parameters_fingerprint(parameters: Mapping[str, Any], **extra: Any) -> str:
    """Fingerprint of notebook parameters (plus e.g. formats), independent of key order."""
    text = json.dumps({"parameters": dict(parameters), **extra}, sort_keys=True,
                      ensure_ascii=False, default=str)
    return _digest(text)


# ----------------------------------------------------------------------------- data slices
def _row_hashes(frame: pd.DataFrame, key: str) -> pd.Series:
    """Order-insensitive combined hash of the rows of ``frame`` per value of ``key``."""
    if frame.empty:
        return pd.Series(dtype="uint64")
    rows = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False)
    keys = frame[key].astype("string").fillna("").to_numpy()
    grouped = pd.Series(rows.to_numpy(dtype=np.uint64), index=keys).groupby(level=0)
    total = grouped.sum().to_numpy(dtype=np.uint64)  # wraps modulo 2**64
    count = grouped.size().to_numpy(dtype=np.uint64)
    return pd.Series(total * np.uint64(1_000_003) + count, index=grouped.size().index)


def _upto(frame: pd.DataFrame, last_sub: str) -> pd.DataFrame:
    return frame[frame["period"].astype("string") <= last_sub]


def unit_fingerprints(dataset: Dataset, period: str) -> dict[str, str]:
    """Fingerprint of each CĐCS's slice of the data for ``period`` (every CĐCS in the registry)."""
    per = parse_period(period)
    last_sub = per.sub_periods[-1]
    tables = {
        "units": _row_hashes(dataset.units, "unit_id"),
        "links": _row_hashes(dataset.links, "unit_id"),
        "openings": _row_hashes(dataset.openings, "unit_id"),
        "reports": _row_hashes(_upto(dataset.reports, last_sub), "unit_id"),
        "activities": _row_hashes(_upto(dataset.activities, last_sub), "unit_id"),
        "enterprises": _row_hashes(dataset.enterprises[dataset.enterprises["unit_id"].notna()],
                                   "unit_id"),
    }
    frame = pd.DataFrame(tables).reindex(dataset.units["unit_id"].astype(str).unique())
    text = frame.astype("string").fillna("-").agg("|".join, axis=1)
    return {str(uid): _digest(str(uid), line) for uid, line in text.items()}


def upper_fingerprints(dataset: Dataset, period: str,
                       units: Mapping[str, str] | None = None) -> dict[str, str]:
    """Fingerprint of each upper union's (and the organisation's) slice for ``period``.

    An upper union includes the CĐCS below it at the period's cut-off, at any depth, and the
    own tables (records, areas, enterprises, dated parent) of every upper union below it then;
    the organisation (id :attr:`Dataset.organisation_id`) includes every CĐCS active then.
    """
    per = parse_period(period)
    units = units if units is not None else unit_fingerprints(dataset, period)
    members = period_units(dataset, per.cut_off)
    member_fp = members["unit_id"].astype(str).map(units)
    records = dataset.upper_records[pd.to_numeric(dataset.upper_records["year"]) <= per.year]
    own = {
        "upper_unions": _row_hashes(dataset.upper_unions, "upper_id"),
        "areas": _row_hashes(dataset.areas, "upper_id"),
        "records": _row_hashes(records, "upper_id"),
        "upper_links": _row_hashes(dataset.upper_links, "upper_id"),
    }
    communes = area_upper_at(dataset.areas, per.cut_off)
    firms = dataset.enterprises.assign(
        upper_id=dataset.enterprises["commune_id"].astype(str).map(communes))
    own["enterprises"] = _row_hashes(firms[firms["upper_id"].notna()], "upper_id")
    chains = dataset_chains(dataset, per.cut_off)
    below: dict[str, list[str]] = {}
    for upper, chain in chains.items():
        for above in chain:
            below.setdefault(above, []).append(upper)
    bodies = bodies_of(members["parent_id"], chains).to_numpy()
    out: dict[str, str] = {}
    for upper_id in dataset.upper_unions["upper_id"].astype(str).unique():
        mine = sorted(fp for fp, chain in zip(member_fp, bodies, strict=True)
                      if upper_id in chain and isinstance(fp, str))
        own_part = "|".join("|".join(str(table.get(upper, "-")) for table in own.values())
                            for upper in sorted(below.get(upper_id, [upper_id])))
        out[upper_id] = _digest(upper_id, own_part, *mine)
    everything = [str(t.sum()) for t in own.values()]
    out[dataset.organisation_id] = _digest(
        dataset.organisation_id, json.dumps(dataset.meta, sort_keys=True, default=str),
        *everything, *sorted(member_fp.dropna()))
    return out


def data_fingerprints(dataset: Dataset, period: str) -> dict[str, str]:
    """Fingerprints of every CĐCS, upper union and the organisation for ``period``, by id."""
    units = unit_fingerprints(dataset, period)
    return {**units, **upper_fingerprints(dataset, period, units)}


# ----------------------------------------------------------------------------- the manifest
@dataclass
class Entry:
    """What the manifest knows of one briefing."""

    key: str
    outputs: list[str]
    parts: dict[str, str] = field(default_factory=dict)
    rendered_at: str = ""


def job_key(parts: Mapping[str, str]) -> str:
    """The key of a briefing from its part fingerprints (notebook, code, stack, parameters …)."""
    return _digest(*(f"{name}={parts[name]}" for name in sorted(parts)))


class ManifestDamaged(ValueError):
    """The manifest file is not a manifest (malformed JSON, or another shape)."""


def _entry(raw: object) -> Entry:
    """An :class:`Entry` from its JSON form; :class:`ManifestDamaged` when it is not one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str):
        raise ManifestDamaged(f"entry is not an object with a text 'key': {raw!r:.80}")
    outputs, parts = raw.get("outputs"), raw.get("parts", {})
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        raise ManifestDamaged(f"'outputs' is not a list of file names: {outputs!r:.80}")
    if not isinstance(parts, dict) or not all(isinstance(v, str) for v in parts.values()):
        raise ManifestDamaged(f"'parts' is not a table of fingerprints: {parts!r:.80}")
    unknown = set(raw) - {"key", "outputs", "parts", "rendered_at"}
    if unknown:
        raise ManifestDamaged(f"unknown fields {sorted(unknown)}")
    return Entry(key=raw["key"], outputs=list(outputs), parts=dict(parts),
                 rendered_at=str(raw.get("rendered_at", "")))


def read_entries(path: Path) -> dict[str, Entry]:
    """The entries of the manifest file ``path`` (none when it is absent or of another version).

    Raises:
        ManifestDamaged: the file is not a manifest of this shape.

    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, OSError) as exc:
        raise ManifestDamaged(f"unreadable: {exc}") from exc
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ManifestDamaged(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ManifestDamaged(f"a {type(raw).__name__}, not an object")
    if raw.get("version") != VERSION:
        return {}  # written by another version of congdoan: everything is rendered again
    entries = raw.get("entries")
    if not isinstance(entries, dict):
        raise ManifestDamaged(f"'entries' is a {type(entries).__name__}, not an object")
    return {str(slug): _entry(entry) for slug, entry in entries.items()}


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (advisory, between processes; waits for it)."""
    try:
        import fcntl
    except ModuleNotFoundError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Manifest:
    """The manifest of one output folder.

    :meth:`record` and :meth:`forget` change it in memory; :meth:`save` merges those changes
    into the file as it is on disk then (under the folder's lock), so concurrent batches on one
    folder keep each other's entries.
    """

    def __init__(self, out_dir: Path, entries: dict[str, Entry] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.entries: dict[str, Entry] = entries or {}
        self._changes: dict[str, Entry | None] = {}
        self.rebuilt = False
        """True when a damaged manifest was set aside (``--force``): :meth:`save` replaces it."""

    @property
    def path(self) -> Path:
        """Where the manifest is stored."""
        return self.out_dir / MANIFEST_NAME

    @classmethod
    def load(cls, out_dir: Path, *, rebuild: bool = False) -> Manifest:
        """Read the manifest of ``out_dir`` (empty when there is none).

        A damaged manifest raises :class:`~congdoan.exceptions.DataError`, or with ``rebuild``
        (``--force``: every briefing is rendered anyway) is ignored and replaced at the next save.
        """
        path = Path(out_dir) / MANIFEST_NAME
        try:
            entries = read_entries(path)
        except ManifestDamaged as exc:
            if rebuild:
                manifest = cls(out_dir)
                manifest.rebuilt = True
                return manifest
            raise DataError(
                "Tệp manifest hỏng hoặc không đúng dạng; chạy lại với --force để tạo lại nó "
                "(mọi báo cáo sẽ được tạo lại), hoặc xoá nó.",
                "The manifest is damaged or not of the expected shape; run again with --force "
                "to rebuild it (every briefing is rendered again), or delete it.",
                location=Location(file=str(path)), value=str(exc),
            ) from exc
        return cls(out_dir, entries)

    def is_current(self, slug: str, key: str) -> bool:
        """True when ``slug`` was rendered with ``key`` and all its files still exist."""
        entry = self.entries.get(slug)
        return (entry is not None and entry.key == key and bool(entry.outputs)
                and all((self.out_dir / name).exists() for name in entry.outputs))

    def record(self, slug: str, key: str, outputs: Iterable[Path | str],
               parts: Mapping[str, str] | None = None) -> None:
        """Remember that ``slug`` was rendered with ``key`` into ``outputs``."""
        now = dt.datetime.now().isoformat(timespec="seconds")
        self.entries[slug] = self._changes[slug] = Entry(
            key=key, outputs=[self._relative(p) for p in outputs], parts=dict(parts or {}),
            rendered_at=now)

    def _relative(self, path: Path | str) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.out_dir.resolve()))
        except ValueError:
            return str(path)

    def forget(self, slug: str) -> None:
        """Drop ``slug`` (e.g. after it failed)."""
        self.entries.pop(slug, None)
        self._changes[slug] = None

    def save(self) -> None:
        """Merge this run's changes into the manifest on disk, atomically, under the folder lock.

        Entries another process saved meanwhile are kept; a briefing this run recorded or
        forgot takes this run's state. A file damaged meanwhile is replaced (its entries are
        lost: their briefings are rendered again next time).
        """
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            with folder_lock(self.out_dir):
                try:
                    merged = {} if self.rebuilt else read_entries(self.path)
                except ManifestDamaged:
                    merged = {}
                for slug, entry in self._changes.items():
                    if entry is None:
                        merged.pop(slug, None)
                    else:
                        merged[slug] = entry
                data = {"version": VERSION,
                        "entries": {slug: asdict(e) for slug, e in sorted(merged.items())}}
                tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
                os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise DataError(
                "Không ghi được manifest vào thư mục kết quả (chỉ đọc, đầy, hoặc không phải "
                "thư mục); các báo cáo đã tạo vẫn còn, lần chạy sau sẽ tạo lại chúng.",
                "Cannot write the manifest into the output folder (read-only, full, or not a "
                "folder); the briefings made are kept, the next run renders them again.",
                location=Location(file=str(self.path)), value=exc.strerror or str(exc),
            ) from exc
        self.entries = merged
        self._changes.clear()
        self.rebuilt = False


__all__ = [
    "MANIFEST_NAME", "STACK", "Entry", "Manifest", "ManifestDamaged", "code_fingerprint",
    "data_fingerprints", "file_fingerprint", "folder_lock", "job_key", "library_files",
    "parameters_fingerprint", "read_entries", "stack_fingerprint", "unit_fingerprints",
    "upper_fingerprints",
]
