"""The index page of a briefings folder: every briefing in it, to search and filter.

``index.html`` lists every briefing of the output folder, not only those of the last run: a
record kept beside it (``.index.json``) remembers each briefing's period, kind, name, upper
union, sector and outcome, the results of the run just made are merged into it, and the
folder's files settle what is listed (a briefing whose files were deleted goes; a file no run
recorded, e.g. copied in, is listed under its file name). The page is for officers: Vietnamese
labels, links to the HTML and PDF only (the executed notebooks are audit records, not
offered), a summary line, and a search box with filters by period, kind, upper union, sector
and status that work offline (a few lines of inline script; without script every briefing is
simply listed). At phone width each row becomes a card. All text is escaped.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING

from congdoan.core.registry import SECTOR_NAMES
from congdoan.engine.render import write_atomic

if TYPE_CHECKING:
    from congdoan.engine.jobs import JobResult

RECORD_NAME = ".index.json"
"""File name of the index's record inside an output folder."""

RECORD_VERSION = 2
LISTED_FORMATS = ("html", "pdf")
"""Formats an officer opens; the audit notebooks (ipynb) are not linked."""

PERIOD_FOLDER = re.compile(r"^\d{4}(-H[12])?$")
LEVELS: dict[str, str] = {"organisation": "Toàn địa bàn", "upper_union": "Công đoàn cấp trên",
                          "cdcs": "CĐCS"}
"""Kinds of briefing, in the order they are listed, with their Vietnamese names."""

IN_A_SENTENCE = {"organisation": "toàn địa bàn", "upper_union": "công đoàn cấp trên"}
"""Kinds of briefing as the summary line counts them, inside its sentence."""

STATUS_WORDS = {True: "✔ Đã tạo", False: "✘ Lỗi khi tạo"}
"""Whether a briefing was made (not whether its CĐCS reported or met its targets)."""

REPORTED_WORDS = {"yes": "đã nộp", "no": "chưa nộp"}
"""Whether a CĐCS's report of the period is in (column "CĐCS nộp số liệu")."""


@dataclass
class IndexEntry:
    """One briefing as the index lists it."""

    period: str
    slug: str
    level: str
    unit_id: str
    title: str
    upper_id: str = ""
    upper_name: str = ""
    sector: str = ""
    ok: bool = True
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    """Format → path relative to the output folder (POSIX)."""
    reported: str = ""
    """A CĐCS's report of the period: ``yes``, ``no`` ("" for upper unions, or not known)."""

    @property
    def key(self) -> str:
        """``period/slug``: what identifies a briefing in the folder."""
        return f"{self.period}/{self.slug}"


def _link(path: Path, out_dir: Path, resolved_out: Path) -> str:
    """``path`` relative to ``out_dir`` (resolved: ``resolved_out``), either relative or absolute.

    A path made from ``out_dir`` itself, as the batch makes them, is taken as it is, without
    resolving it (a file system call per output, on every run, even one with nothing to
    render).
    """
    path = Path(path)
    if path.is_relative_to(out_dir) and ".." not in path.parts:
        return path.relative_to(out_dir).as_posix()
    return path.resolve().relative_to(resolved_out).as_posix()


def entry_of(result: JobResult, out_dir: Path, resolved_out: Path) -> IndexEntry:
    """The index entry of one job's result (its HTML and PDF only)."""
    job = result.job
    outputs = {kind: _link(result.outputs[kind], out_dir, resolved_out)
               for kind in LISTED_FORMATS if kind in result.outputs}
    return IndexEntry(period=job.period, slug=job.slug, level=job.level or _level(job.kind),
                      unit_id=job.unit_id, title=job.title or job.unit_id,
                      upper_id=job.upper_id, upper_name=job.upper_name, sector=job.sector,
                      ok=result.ok, error=result.error, outputs=outputs, reported=job.reported)


def _level(kind: str) -> str:
    return "cdcs" if kind == "union" else "upper_union"


def read_record(out_dir: Path) -> dict[str, IndexEntry]:
    """The entries recorded in ``out_dir`` (none when the record is missing or unreadable).

    The record only remembers names and outcomes; an unreadable one is rebuilt from the files.
    """
    path = Path(out_dir) / RECORD_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("version") != RECORD_VERSION:
            return {}
        found = [IndexEntry(**item) for item in raw["entries"]]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {entry.key: entry for entry in found}


def files_on_disk(out_dir: Path) -> dict[str, dict[str, str]]:
    """``period/slug`` → format → relative path of every HTML and PDF in the period folders."""
    found: dict[str, dict[str, str]] = {}
    if not Path(out_dir).is_dir():
        return found
    with os.scandir(out_dir) as folders:
        periods = [f.name for f in folders if f.is_dir() and PERIOD_FOLDER.match(f.name)]
    for period in periods:
        with os.scandir(Path(out_dir) / period) as items:
            for item in items:
                stem, _, suffix = item.name.rpartition(".")
                if suffix in LISTED_FORMATS and stem and not item.name.startswith("."):
                    found.setdefault(f"{period}/{stem}", {})[suffix] = f"{period}/{item.name}"
    return found


def _from_file_name(key: str, outputs: dict[str, str]) -> IndexEntry:
    """An entry for files no run recorded: what their path says (period, kind, id)."""
    period, slug = key.split("/", 1)
    kind, _, unit_id = slug.partition("-")
    return IndexEntry(period=period, slug=slug, level=_level(kind), unit_id=unit_id or slug,
                      title=unit_id or slug,
                      outputs={k: outputs[k] for k in LISTED_FORMATS if k in outputs})


def reconcile(recorded: dict[str, IndexEntry], on_disk: dict[str, dict[str, str]],
              periods: Iterable[str]) -> list[IndexEntry]:
    """What the folder holds: recorded entries checked against the files on disk.

    A successful briefing is listed with the files it still has (none left: not listed); a
    failed one stays listed while its period's folder exists (``periods``); files without a
    record are listed from their names. Sorted by period (newest first), kind, then code.
    """
    kept: dict[str, IndexEntry] = {}
    existing = set(periods)
    for key, entry in recorded.items():
        have = on_disk.get(key, {})
        if entry.ok and not have:
            continue
        if not entry.ok and entry.period not in existing:
            continue
        entry.outputs = {kind: have[kind] for kind in LISTED_FORMATS if kind in have}
        kept[key] = entry
    for key, outputs in on_disk.items():
        if key not in kept:
            kept[key] = _from_file_name(key, outputs)
    order = {level: i for i, level in enumerate(LEVELS)}
    # by code within a kind: the order of the forms and of 'units list'
    entries = sorted(kept.values(), key=lambda e: (order.get(e.level, 9), e.unit_id))
    return sorted(entries, key=lambda e: e.period, reverse=True)


def sort_key(text: str) -> tuple[str, str]:
    """A key that sorts Vietnamese names by their letters first, accents second (đ after d)."""
    return search_text(text), text


@lru_cache(maxsize=8192)
def search_text(text: str) -> str:
    """``text`` lower-cased without accents (``Đồng Xá`` → ``dong xa``), as the search compares."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _ACCENTS.sub("", plain).casefold()


_ACCENTS = re.compile("[\u0300-\u036f]")
"""Combining accents (after NFD), as the page's script removes them too."""


def write_index(results: Sequence[JobResult], out_dir: Path, title: str = "") -> Path:
    """Merge ``results`` into the folder's record and write ``index.html`` of every briefing.

    Returns the page's path. The record (:data:`RECORD_NAME`) is rewritten too.
    """
    out_dir = Path(out_dir)
    resolved_out = out_dir.resolve()
    recorded = read_record(out_dir)
    for result in results:
        entry = entry_of(result, out_dir, resolved_out)
        recorded[entry.key] = entry
    on_disk = files_on_disk(out_dir)
    periods = [p.name for p in out_dir.iterdir() if p.is_dir()] if out_dir.is_dir() else []
    entries = reconcile(recorded, on_disk, periods)
    write_atomic(out_dir / RECORD_NAME, json.dumps(
        {"version": RECORD_VERSION, "entries": [vars(e) for e in entries]}, ensure_ascii=False))
    return write_atomic(out_dir / "index.html", index_page(entries, title))


# ----------------------------------------------------------------------------- the page
def _options(values: Iterable[tuple[str, str]], everything: str) -> str:
    """``<option>``s of a filter: 'all' first, then each (value, label) once, in order."""
    seen = dict.fromkeys(values)
    return f'<option value="">{escape(everything)}</option>' + "".join(
        f'<option value="{escape(value, quote=True)}">{escape(label)}</option>'
        for value, label in seen if value)


def reported_counts(entries: Sequence[IndexEntry]) -> dict[str, str]:
    """For each briefing of a union above CĐCS, how many of its CĐCS reported: ``"4/25"``.

    The organisation counts every CĐCS of the period, an upper union those directly under it;
    keyed by :attr:`IndexEntry.key`; a union without CĐCS listed is left out.
    """
    tally: dict[tuple[str, str], list[int]] = {}
    for e in entries:
        if e.level == "cdcs" and e.reported:
            for where in ((e.period, ""), (e.period, e.upper_id)):
                counts = tally.setdefault(where, [0, 0])
                counts[0] += e.reported == "yes"
                counts[1] += 1
    said = {}
    for e in entries:
        if e.level != "cdcs" and (done := tally.get(
                (e.period, "" if e.level == "organisation" else e.unit_id))):
            said[e.key] = f"{done[0]}/{done[1]}"
    return said


def _row(entry: IndexEntry, reported: str = "") -> str:
    """One briefing's table row; its ``data-`` attributes are what the filters compare.

    ``reported``: for a union above CĐCS, how many of its CĐCS reported (``"4/25"``).
    """
    sector_name = SECTOR_NAMES.get(entry.sector, {}).get("vi", entry.sector)
    links = " · ".join(f'<a href="{escape(path, quote=True)}">{kind.upper()}</a>'
                       for kind, path in entry.outputs.items())
    status = ('<span class="ok">' if entry.ok else '<span class="failed">') + \
        f"{STATUS_WORDS[entry.ok]}</span>" + (f": {escape(entry.error)}" if entry.error else "")
    words = search_text(" ".join([entry.unit_id, entry.title, entry.upper_name, sector_name]))
    data = {"period": entry.period, "level": entry.level, "upper": entry.upper_id,
            "sector": entry.sector, "status": "ok" if entry.ok else "failed", "search": words}
    attributes = " ".join(f'data-{k}="{escape(v, quote=True)}"' for k, v in data.items())
    cells = [("Kỳ", escape(entry.period)), ("Loại", escape(LEVELS.get(entry.level, ""))),
             ("Mã", escape(entry.unit_id)), ("Tên", escape(entry.title)),
             # an upper union's or the organisation's row: no upper union of its own to name
             ("Công đoàn cấp trên", "" if entry.upper_id == entry.unit_id else
              escape(entry.upper_name)), ("Khu vực", escape(sector_name)),
             ("CĐCS nộp số liệu", REPORTED_WORDS.get(entry.reported, "") or reported),
             ("Tệp báo cáo", status), ("Mở", links)]
    tds = "".join(f'<td data-label="{label}">{value}</td>' for label, value in cells)
    return f"<tr {attributes}>{tds}</tr>"


def summary(entries: Sequence[IndexEntry]) -> str:
    """The page's summary line: how many briefings of each kind, failures, periods."""
    counts = {level: sum(e.level == level for e in entries) for level in LEVELS}
    kinds = ", ".join(f"{n} {IN_A_SENTENCE.get(level, LEVELS[level])}"
                      for level, n in counts.items() if n)
    failed = sum(not e.ok for e in entries)
    periods = ", ".join(dict.fromkeys(e.period for e in entries))
    text = f"{len(entries)} báo cáo" + (f" ({kinds})" if kinds else "")
    text += f"; {failed} lỗi" if failed else "; không có lỗi"
    newest = max((e.period for e in entries), default="")
    missing = sum(e.reported == "no" and e.period == newest for e in entries)
    if missing:  # their briefings say "no data": said here, not found one by one
        text += f"; {missing} CĐCS chưa nộp số liệu kỳ {newest}"
    said_once = missing and periods == newest  # "… kỳ 2025; kỳ: 2025" says it twice
    return text + (f"; kỳ: {periods}." if periods and not said_once else ".")


def index_page(entries: Sequence[IndexEntry], title: str = "") -> str:
    """The whole ``index.html`` of ``entries`` (self-contained: style and script inline)."""
    title = title or "Báo cáo tóm tắt"
    uppers = sorted({(e.upper_id, e.upper_name or e.upper_id) for e in entries if e.upper_id},
                    key=lambda pair: sort_key(pair[1]))
    sectors = [(code, names["vi"]) for code, names in SECTOR_NAMES.items()
               if any(e.sector == code for e in entries)]
    counts = reported_counts(entries)
    template = Template((files("congdoan") / "templates" / "briefings_index.html")
                        .read_text(encoding="utf-8"))
    return template.substitute(
        title=escape(title), summary=escape(summary(entries)), total=len(entries),
        periods=_options(((e.period, e.period) for e in entries), "Mọi kỳ"),
        levels=_options(((level, LEVELS[level]) for level in LEVELS
                         if any(e.level == level for e in entries)), "Mọi loại"),
        uppers=_options(uppers, "Mọi công đoàn cấp trên"),
        sectors=_options(sectors, "Mọi khu vực"),
        statuses=_options([("ok", STATUS_WORDS[True]), ("failed", STATUS_WORDS[False])],
                          "Mọi tệp báo cáo"),
        rows="\n".join(_row(e, counts.get(e.key, "")) for e in entries))


__all__ = ["RECORD_NAME", "IndexEntry", "files_on_disk", "index_page", "read_record",
           "reconcile", "reported_counts", "search_text", "summary", "write_index"]
