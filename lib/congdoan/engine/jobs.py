"""Batch of briefings: plan the jobs, check their parameters, execute, render, index.

``congdoan briefings --period P`` runs :func:`run_briefings`: one job per CĐCS active in the
period, per upper union existing at the cut-off and one for the whole organisation. Each job is
executed by papermill (the executed notebook is kept as the audit record, even on failure),
then rendered to HTML and PDF by one shared :class:`~congdoan.engine.render.Renderer`; all jobs share
one kernel manager, so the kernel and the period's indicator tables are loaded once. One
failure never stops the batch; ``index.html`` lists every briefing of the output folder with
its status (:mod:`congdoan.engine.index`).
"""

from __future__ import annotations

import copy
import hashlib
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from congdoan.briefing.content import load_dataset, resolve, union_identity, upper_identity
from congdoan.briefing.fmt import check_lang
from congdoan.core.dataset import Dataset
from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.periods import parse_period
from congdoan.core.registry import period_units, upper_unions_at
from congdoan.core.workspace import active_workspace
from congdoan.engine.index import write_index
from congdoan.engine.render import Renderer, check_fonts, write_atomic
from congdoan.exceptions import CongdoanError, Location, ParameterError

if TYPE_CHECKING:  # imported where used: a run with nothing to render never needs them
    import nbformat

Kind = Literal["union", "upper"]
NOTEBOOKS: dict[str, Path] = {
    "union": NOTEBOOKS_DIR / "briefing_union.ipynb",
    "upper": NOTEBOOKS_DIR / "briefing_upper.ipynb",
}
ID_PARAMETER = {"union": "union_id", "upper": "upper_id"}
FORMATS = ("html", "pdf")
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def slugify(kind: str, unit_id: str) -> str:
    """A safe file stem from an id: only ``[A-Za-z0-9_-]``, never a path separator or ``..``.

    When characters had to be replaced, a short hash of the original id keeps stems distinct.
    """
    clean = _SAFE.sub("_", str(unit_id))[:80] or "_"
    if clean != str(unit_id):
        clean += "-" + hashlib.sha1(str(unit_id).encode("utf-8")).hexdigest()[:8]
    return f"{kind}-{clean}"


@dataclass(frozen=True)
class BriefingJob:
    """One briefing to produce.

    ``level``, ``upper_id``, ``upper_name`` and ``sector`` describe whom it is about (for the
    index page: a CĐCS's upper union and sector at the period's cut-off; an upper union or the
    whole area is its own upper union); they change nothing in the briefing itself.
    """

    kind: Kind
    unit_id: str
    period: str
    lang: str = "vi"
    title: str = ""
    notebook: Path = field(default=Path())
    parameters: dict[str, Any] = field(default_factory=dict)
    level: str = ""
    upper_id: str = ""
    upper_name: str = ""
    sector: str = ""

    @property
    def slug(self) -> str:
        """Safe file stem of this briefing's outputs."""
        return slugify(self.kind, self.unit_id)


def make_job(kind: Kind, unit_id: str, period: str, *, lang: str = "vi", title: str = "",
             data: str | None = None, notebook: Path | None = None,
             facts: dict[str, str] | None = None) -> BriefingJob:
    """A job with its notebook and papermill parameters filled in.

    ``facts``: ``level``, ``upper_id``, ``upper_name``, ``sector`` (see :class:`BriefingJob`).
    """
    params: dict[str, Any] = {ID_PARAMETER[kind]: unit_id, "period": period, "lang": lang,
                              "data": data}
    return BriefingJob(kind=kind, unit_id=unit_id, period=period, lang=lang,
                       title=title or unit_id, notebook=notebook or NOTEBOOKS[kind],
                       parameters=params, **(facts or {}))


def plan_jobs(dataset: Dataset, period: str, unions: Sequence[str] | None = None,
              uppers: Sequence[str] | None = None, lang: str = "vi",
              data: str | None = None) -> list[BriefingJob]:
    """Jobs of a batch (with ``unions`` or ``uppers``: only those).

    By default: every CĐCS active in the period, every upper union existing at the cut-off
    (at any depth: one under another gets its own briefing) and the organisation (the top,
    ``dataset.organisation_id``). An upper union that is the
    organisation itself (a commune union's own workspace) gets one briefing, the top's.
    """
    per = parse_period(period)
    names = dict(zip(dataset.units["unit_id"], dataset.units["name"], strict=True))
    upper_names = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["name"],
                           strict=True))
    upper_names[dataset.organisation_id] = dataset.organisation_name
    active = period_units(dataset, per.cut_off)
    if unions is None and uppers is None:
        unions = list(active["unit_id"])
        uppers = [dataset.organisation_id,
                  *upper_unions_at(dataset.upper_unions, per.cut_off)["upper_id"]]
    where = active.set_index(active["unit_id"].astype(str))[["parent_id", "sector"]]

    def union_facts(unit_id: str) -> dict[str, str]:
        if unit_id not in where.index:
            return {"level": "cdcs"}
        parent, sector = (str(v) for v in where.loc[unit_id])
        return {"level": "cdcs", "upper_id": parent, "upper_name": str(upper_names.get(parent, "")),
                "sector": sector}

    def upper_facts(upper_id: str) -> dict[str, str]:
        level = "organisation" if upper_id == dataset.organisation_id else "upper_union"
        return {"level": level, "upper_id": upper_id,
                "upper_name": str(upper_names.get(upper_id, upper_id))}

    jobs = [make_job("union", str(u), per.id, lang=lang, data=data, title=str(names.get(u, u)),
                     facts=union_facts(str(u))) for u in (unions or [])]
    jobs += [make_job("upper", str(u), per.id, lang=lang, data=data,
                      title=str(upper_names.get(u, u)), facts=upper_facts(str(u)))
             for u in dict.fromkeys(uppers or [])]
    return jobs


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """Parameters declared in a notebook's ``parameters`` cell (papermill's reading).

    Read once per version of the file (a batch checks every job against the same notebook).
    """
    path = Path(notebook)
    return dict(_notebook_parameters(str(path), path.stat().st_mtime_ns))


@lru_cache(maxsize=16)
def _notebook_parameters(path: str, mtime_ns: int) -> dict[str, Any]:
    import papermill

    found: dict[str, Any] = papermill.inspect_notebook(path)
    return found


def check_parameters(job: BriefingJob, dataset: Dataset) -> None:
    """Refuse a job whose parameters papermill would only warn about.

    Raises:
        ParameterError: an unknown or misspelled parameter, an unknown language, a period
            outside the data, or a union / upper union unknown at the period's cut-off.

    """
    declared = notebook_parameters(job.notebook)
    unknown = sorted(set(job.parameters) - set(declared))
    if unknown:
        raise ParameterError(
            "Tham số không có trong ô 'parameters' của notebook.",
            "Parameter not declared in the notebook's 'parameters' cell.",
            location=Location(file=str(job.notebook), field=unknown[0]), value=unknown,
            expected="một trong: " + ", ".join(declared),
        )
    check_lang(str(job.parameters.get("lang", job.lang)))
    period = resolve(str(job.parameters.get("period", job.period)), dataset)
    from congdoan.briefing.content import BriefingContext

    per = parse_period(period)
    ctx = BriefingContext(dataset=dataset, period=per, table=dataset.units.iloc[0:0],
                          history=dataset.units.iloc[0:0], trend_periods=(), available=())
    unit = job.parameters.get(ID_PARAMETER[job.kind], job.unit_id)
    if "union_id" in declared or "upper_id" in declared:
        (union_identity if job.kind == "union" else upper_identity)(ctx, str(unit))


AUDIT_NOTE = ("# Giá trị mặc định đã được thay bằng tham số của báo cáo này (ô injected-parameters"
              " bên dưới) / defaults replaced by this briefing's parameters (cell below)")
"""First line of an audit notebook's parameters cell, where defaults were overridden."""


def audit_record(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The executed notebook as kept for audit: it carries the briefing's own parameters only.

    Papermill adds an ``injected-parameters`` cell after the notebook's ``parameters`` cell and
    leaves the defaults there (every CĐCS's record read ``union_id = "CDCS-0001"``): in the
    copy returned, the defaults it overrides are removed from the ``parameters`` cell (the
    others stay, with their comments). ``nb`` itself is not changed.
    """
    def tags(cell: Any) -> list[str]:
        return list(cell.get("metadata", {}).get("tags", []))

    injected = next((c for c in nb.cells if "injected-parameters" in tags(c)), None)
    if injected is None:
        return nb
    names = set(re.findall(r"^(\w+)\s*=", injected.source, flags=re.MULTILINE))
    record = copy.deepcopy(nb)
    for cell in record.cells:
        if "parameters" in tags(cell) and "injected-parameters" not in tags(cell):
            kept = [line for line in cell.source.splitlines()
                    if (match := re.match(r"^(\w+)\s*[:=]", line)) is None
                    or match.group(1) not in names]
            cell.source = "\n".join([AUDIT_NOTE, *kept])
    return record


def execute_job(job: BriefingJob, out_dir: Path, *, km: Any = None,
                timeout: int = 600) -> tuple[nbformat.NotebookNode, Exception | None]:
    """Execute the job's notebook with papermill.

    The executed notebook is always written to ``<out>/<period>/<slug>.ipynb`` (the audit
    record), also when a cell fails.

    Returns:
        The executed notebook and the error (None on success).

    """
    import nbformat
    import papermill

    target = Path(out_dir) / job.period / f"{job.slug}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".running-{target.name}")
    error: Exception | None = None
    try:
        nb = papermill.execute_notebook(
            str(job.notebook), str(tmp), parameters=job.parameters, kernel_name="python3",
            progress_bar=False, request_save_on_cell_execute=False, execution_timeout=timeout,
            km=km, cwd=str(job.notebook.parent),
        )
    except Exception as exc:  # a failing cell, a dead kernel, a timeout: recorded, not raised
        error = exc
        nb = (nbformat.read(str(tmp), as_version=4) if tmp.exists()
              else nbformat.read(str(job.notebook), as_version=4))
    write_atomic(target, nbformat.writes(audit_record(nb)))
    tmp.unlink(missing_ok=True)
    return nb, error


def render_job(nb: nbformat.NotebookNode, job: BriefingJob, out_dir: Path,
               formats: Iterable[str], renderer: Renderer) -> dict[str, Path]:
    """Write the job's HTML and/or PDF next to its audit notebook; returns format → path."""
    written: dict[str, Path] = {}
    folder = Path(out_dir) / job.period
    for fmt_name in formats:
        path = folder / f"{job.slug}.{fmt_name}"
        if fmt_name == "html":
            write_atomic(path, renderer.html(nb, job.title, job.lang))
        elif fmt_name == "pdf":
            write_atomic(path, renderer.pdf(nb, job.title, job.lang))
        else:
            raise ParameterError("Định dạng không hỗ trợ.", "Unsupported format.",
                                 location=None, value=fmt_name, expected="html, pdf")
        written[fmt_name] = path
    return written


@dataclass
class JobResult:
    """Outcome of one job."""

    job: BriefingJob
    ok: bool
    error: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class BatchResult:
    """Outcome of a batch: every job's result, the output folder and the index page."""

    results: list[JobResult]
    out_dir: Path
    index: Path | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[JobResult]:
        """Results of the jobs that failed."""
        return [r for r in self.results if not r.ok]

    def summary(self, lang: str = "vi") -> str:
        """One line per failure and the totals."""
        ok = len(self.results) - len(self.failed)
        lines = [f"{'Lỗi' if lang == 'vi' else 'Failed'}: {r.job.kind} {r.job.unit_id}: {r.error}"
                 for r in self.failed]
        lines.append((f"Báo cáo: {ok} thành công, {len(self.failed)} lỗi; " if lang == "vi" else
                      f"Briefings: {ok} ok, {len(self.failed)} failed; ")
                     + f"{self.index or self.out_dir}")
        return "\n".join(lines)


def _first_line(error: BaseException) -> str:
    if isinstance(error, CongdoanError):
        return error.render("vi")
    text = str(error).strip().splitlines()
    evalue = [t for t in text if t and not t.startswith("-")]
    return (evalue[-1] if evalue else type(error).__name__)[:300]


def _kernel_manager() -> Any:
    from congdoan.engine.warm import SequentialKernelManager

    km = SequentialKernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(NOTEBOOKS_DIR))
    return km


def _reset(km: Any) -> Any:
    """Clear the user namespace between jobs (module caches stay warm); restart a dead kernel."""
    if not km.is_alive():
        km.restart_kernel(now=True)
        return km
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive("%reset -f", timeout=60)
    finally:
        client.stop_channels()
    return km


def run_jobs(jobs: Sequence[BriefingJob], dataset: Dataset, out: Path,
             formats: Sequence[str] = FORMATS, progress: bool = True,
             timeout: int = 600) -> BatchResult:
    """Check every job, then execute and render them in turn with one kernel and one renderer.

    Raises:
        ParameterError: before anything runs, when a job's parameters are wrong.

    """
    for job in jobs:
        check_parameters(job, dataset)
    from tqdm import tqdm

    started = time.perf_counter()
    renderer = Renderer()
    km = _kernel_manager()
    results: list[JobResult] = []
    try:
        for job in tqdm(jobs, desc="Báo cáo / briefings", unit="bc", disable=not progress,
                        file=sys.stderr):
            t0 = time.perf_counter()
            try:
                _reset(km)
                try:
                    nb, error = execute_job(job, out, km=km, timeout=timeout)
                finally:
                    km.close_clients()  # the client papermill opened (it leaves it open)
                if error is None:
                    outputs = render_job(nb, job, out, formats, renderer)
                    results.append(JobResult(job, True, outputs=outputs))
                else:
                    results.append(JobResult(job, False, _first_line(error), outputs={
                        "ipynb": Path(out) / job.period / f"{job.slug}.ipynb"}))
            except Exception as exc:  # rendering or kernel trouble: record, go on
                results.append(JobResult(job, False, _first_line(exc)))
            results[-1].seconds = time.perf_counter() - t0
    finally:
        km.shutdown_kernel(now=True)
    batch = BatchResult(results, Path(out), seconds=time.perf_counter() - started)
    batch.index = write_index(results, Path(out))
    return batch


def check_request(formats: Sequence[str], lang: str, out: Path | str | None,
                  data: str | None) -> tuple[Path, str]:
    """The checks every runner makes before anything runs; the output folder and data source.

    ``out`` and ``data`` default to the workspace in force's ``output/briefings`` and database.

    Raises:
        ParameterError: an unknown format or language.
        RenderError: PDFs asked for where no font covers Vietnamese.

    """
    check_lang(lang)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ParameterError("Định dạng không hỗ trợ.", "Unsupported format.", location=None,
                             value=bad, expected=", ".join(FORMATS))
    check_fonts(formats)  # before anything runs: a PDF without Vietnamese letters is no PDF
    return (Path(out) if out is not None else active_workspace().briefings_dir,
            data if data is not None else active_workspace().database_url)


def run_briefings(period: str, *, unions: Sequence[str] | None = None,
                  uppers: Sequence[str] | None = None, formats: Sequence[str] = FORMATS,
                  out: Path | None = None, data: str | None = None,
                  lang: str = "vi", progress: bool = True) -> BatchResult:
    """Produce the briefings of ``period`` ('latest' allowed) into ``out``."""
    out, data = check_request(formats, lang, out, data)
    dataset = load_dataset(data)
    resolved = resolve(period, dataset)
    jobs = plan_jobs(dataset, resolved, unions, uppers, lang, data)
    return run_jobs(jobs, dataset, out, formats, progress)
