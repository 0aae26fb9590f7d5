"""The job model and the runner interface of the batch of briefings.

A :class:`BriefingJob` is one briefing to produce (one per CĐCS active in the period, per
upper union existing at the cut-off and one for the whole organisation: :func:`plan_jobs`);
its parameters are checked before anything runs (:func:`check_request`,
:func:`check_parameters`). A :class:`Runner` turns jobs into files (the executed notebook,
kept as the audit record even on failure, then HTML and PDF) and gives one
:class:`JobResult` per job; one failure never stops a batch. The runners, all driving the same
:class:`~congdoan.engine.batch.BriefingWorker` (a warm kernel and a reused renderer):

- :class:`~congdoan.engine.batch.SequentialRunner`: one worker in this process, jobs in turn;
- :class:`~congdoan.engine.batch.PoolRunner`: warm worker processes (the fast path);
- :class:`~congdoan.engine.dask_runner.DaskRunner`: one worker per Dask worker of a cluster.

:func:`congdoan.engine.batch.build_briefings` plans, checks, skips what is up to date, hands
the rest to a runner and writes ``index.html`` (:mod:`congdoan.engine.index`).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from congdoan.briefing.content import union_identity, upper_identity
from congdoan.briefing.fmt import check_lang
from congdoan.core.dataset import Dataset
from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.periods import parse_period, resolve_period
from congdoan.core.registry import period_units, upper_unions_at
from congdoan.core.workspace import active_workspace
from congdoan.engine.render import Renderer, check_fonts, write_atomic
from congdoan.exceptions import Location, ParameterError

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
    reported: str = ""
    """A CĐCS's: ``yes`` when a report of the period is in, else ``no`` ("" for upper unions)."""

    @property
    def slug(self) -> str:
        """Safe file stem of this briefing's outputs."""
        return slugify(self.kind, self.unit_id)


def make_job(kind: Kind, unit_id: str, period: str, *, lang: str = "vi", title: str = "",
             data: str | None = None, notebook: Path | None = None,
             facts: dict[str, str] | None = None) -> BriefingJob:
    """A job with its notebook and papermill parameters filled in.

    ``facts``: ``level``, ``upper_id``, ``upper_name``, ``sector``, ``reported`` (see
    :class:`BriefingJob`).
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
    reports = dataset.reports
    sent = set(reports.loc[reports["period"].astype(str).isin(per.sub_periods),
                           "unit_id"].astype(str))

    def union_facts(unit_id: str) -> dict[str, str]:
        reported = "yes" if unit_id in sent else "no"
        if unit_id not in where.index:
            return {"level": "cdcs", "reported": reported}
        parent, sector = (str(v) for v in where.loc[unit_id])
        return {"level": "cdcs", "upper_id": parent, "upper_name": str(upper_names.get(parent, "")),
                "sector": sector, "reported": reported}

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
    period = resolve_period(str(job.parameters.get("period", job.period)), dataset)
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


Status = Literal["ok", "failed", "unchanged"]
"""A job's outcome: rendered now, failed, or skipped because its outputs are up to date."""


@dataclass
class JobResult:
    """Outcome of one job, the same whichever runner ran it.

    Attributes:
        job: the job (its :attr:`~BriefingJob.slug` identifies it: :attr:`id`).
        status: ``ok``, ``failed`` or ``unchanged`` (not run: its outputs are up to date).
        error: one line saying what went wrong (``failed`` only).
        outputs: format (``ipynb``, ``html``, ``pdf``) → file written (or kept); a failed job
            keeps its executed notebook when there is one.
        seconds: wall time of the job in its worker (0 when not run).

    """

    job: BriefingJob
    status: Status
    error: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def id(self) -> str:
        """The job's identifier: its slug."""
        return self.job.slug

    @property
    def ok(self) -> bool:
        """True unless the job failed (an unchanged job's files are good)."""
        return self.status != "failed"


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker of a run needs to know, the same for all of them.

    Attributes:
        out_dir: where outputs are written (``<out_dir>/<period>/<slug>.<format>``).
        formats: output formats (``html``, ``pdf``); the executed notebook is always kept.
        timeout: seconds allowed per briefing (reset and execution; rendering excluded).
        warmup: code run once in each new kernel (None: the imports of
            :func:`congdoan.engine.forkserver.briefing_warmup`).
        cwd: working directory of the kernels (relative data paths are read from there).
        fork_server: address of the batch's :class:`~congdoan.engine.forkserver.KernelForkServer`
            (local runs), or None: each kernel is a new process.

    """

    out_dir: Path
    formats: tuple[str, ...] = ("html", "pdf")
    timeout: float = 600.0
    warmup: str | None = None
    cwd: Path | None = None
    fork_server: str | None = None


@dataclass
class RunStats:
    """Figures about a run: worker processes started, replaced, and the peak memory seen."""

    workers: int = 0
    worker_starts: int = 0
    peak_rss_mb: float = 0.0
    replaced_workers: int = 0


ResultHook = Callable[[JobResult], None]
"""Called in the batch process as each job finishes (progress lines, the manifest)."""


class Runner(Protocol):
    """Runs checked jobs; :func:`~congdoan.engine.batch.build_briefings` does the rest.

    Attributes:
        warm_here: True when the runner's workers are processes of this machine started from
            this one: the batch then starts the kernels' fork server and warms this process
            (imports, renderer) for the workers to inherit before calling :meth:`run`.
        stats: figures of the last run.

    """

    warm_here: bool
    stats: RunStats

    def run(self, jobs: Sequence[BriefingJob], spec: WorkerSpec, *,
            on_result: ResultHook | None = None,
            prepare: Callable[[], None] | None = None) -> list[JobResult]:
        """Run ``jobs``; one result per job, in the order of ``jobs``.

        A briefing that fails is a ``failed`` result, never an exception. ``on_result`` is
        called in this process as each job finishes. ``prepare()`` runs once before the first
        job (the pool: while its workers warm up); if it raises, no job runs.

        Raises:
            RenderError: the runner itself cannot run (no worker starts, no cluster).

        """
        ...


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
