"""The plan register (``params/plan.yaml``) and data elements (``params/data_elements.yaml``).

Both are validated on load: an unknown key, a misspelled population, a numerator that is not a
data element or a missing clause is a :class:`~congdoan.exceptions.ConfigError` naming the file
and field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pydantic
import yaml

from congdoan.core import paths
from congdoan.core.yamlio import load_model
from congdoan.exceptions import ConfigError, Location

Aggregation = Literal["stock", "flow", "ytd", "any", "last"]
ElementKind = Literal["int", "bool", "vnd", "category"]
Population = Literal[
    "all", "HCSN", "DNNN", "NNN", "state", "enterprise",
    "district_federation", "upper_direct", "enterprises_25", "nonunion_enterprises",
]
Level = Literal["cdcs", "upper_union", "organisation"]
Measure = Literal["share", "count", "per_unit"]


SECTORS = ("HCSN", "DNNN", "NNN")
"""Sectors of a CĐCS: public administration/service units, state-owned and non-state enterprises."""

POPULATION_SECTORS: dict[str, tuple[str, ...]] = {
    "all": SECTORS,
    "HCSN": ("HCSN",),
    "DNNN": ("DNNN",),
    "NNN": ("NNN",),
    "state": ("HCSN", "DNNN"),
    "enterprise": ("DNNN", "NNN"),
}
"""Which CĐCS sectors each report-based population takes."""

RATINGS_GOOD = ("xuat_sac", "tot")
"""Ratings that count as 'hoàn thành tốt nhiệm vụ trở lên'."""

CHANGE_ELEMENTS: dict[str, str] = {"member_change": "members", "unit_change": "units"}
"""Changes over a period (element → the stock that changes): the stock at the period's end minus
the stock at its start, over the units of each body then, split into parts (admitted, left,
gained with CĐCS founded or moved in, lost with CĐCS dissolved or moved out, other)."""

DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "units": (), "new_unit": (), "rating_eligible": (), "unit_change": (),
    "net_members": ("members_admitted", "members_left"),
    "member_change": ("members", "members_admitted", "members_left"),
    "rated_good": ("rating",),
    "cba_b_or_better": ("cba_signed", "cba_grade"),
}
"""Elements computed by the engine from reports and the registry (not reported directly), each
with the report elements it is computed from (``congdoan.core.indicators``)."""

DERIVED_ELEMENTS = tuple(DERIVED_FROM)
"""Elements computed by the engine from reports and the registry, not reported directly."""

def elements_read(*names: str | None) -> set[str]:
    """The elements a line with these numerator and denominator reads.

    With those the engine derives them from (``member_change`` reads ``members``,
    ``members_admitted`` …). One rule for the forms, the validation and the plan import.
    """
    read = {str(n) for n in names if n is not None}
    return read | {source for name in read for source in DERIVED_FROM.get(name, ())}


ENGINE_INPUTS = tuple(sorted({name for sources in DERIVED_FROM.values() for name in sources}))
"""Report elements the engine reads to derive its own: every register has them, whatever its
clauses (a plan that drops its rating target still has the question the engine reads)."""

REGISTRY_ELEMENTS = ("unionised", "workers", "audited", "nonunion_workers_reached", "rated_good")
"""Elements available for registry-based populations (enterprises, upper unions)."""


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class DataElement(_Strict):
    """One field of the periodic CĐCS report.

    ``carry_forward``: a stock kept at its last reported value when a CĐCS misses a report
    (marked as carried forward in the indicator table).
    """

    name: str
    kind: ElementKind
    aggregation: Aggregation
    unit: str
    clause: str
    label_vi: str
    label_en: str
    values: tuple[str, ...] | None = None
    year_only: bool = False
    carry_forward: bool = False

    @pydantic.model_validator(mode="after")
    def _carry_only_stocks(self) -> DataElement:
        if self.carry_forward and self.aggregation != "stock":
            raise ValueError("only a stock can be carried forward")
        return self


class AtMost(_Strict):
    """A report rule: ``field`` must not exceed ``limit`` (both elements of the same report)."""

    field: str
    limit: str


class UpperElement(_Strict):
    """One field of an upper union's own yearly record."""

    name: str
    kind: ElementKind
    clause: str
    label_vi: str
    label_en: str
    values: tuple[str, ...] | None = None


class Activity(_Strict):
    """A programme of section III tracked as activity figures, without a target."""

    name: str
    clause: str
    label_vi: str
    label_en: str


class DataElements(_Strict):
    """Validated content of ``data_elements.yaml``."""

    elements: tuple[DataElement, ...]
    upper_elements: tuple[UpperElement, ...]
    activities: tuple[Activity, ...]
    rules: tuple[AtMost, ...] = ()

    @pydantic.model_validator(mode="after")
    def _rules_name_elements(self) -> DataElements:
        names = {e.name for e in self.elements}
        for rule in self.rules:
            for name in (rule.field, rule.limit):
                if name not in names:
                    raise ValueError(f"rule names an unknown element {name!r}")
        return self

    def by_name(self) -> dict[str, DataElement]:
        """Map element name → element."""
        return {e.name: e for e in self.elements}


class _Tolerant(_Strict):
    """A target value that may be "about" (khoảng): reached within a relative tolerance."""

    strict: bool = False
    about: bool = False
    tolerance: float | None = pydantic.Field(default=None, ge=0, lt=1)

    @pydantic.model_validator(mode="after")
    def _tolerance_only_when_about(self) -> _Tolerant:
        if self.tolerance is not None and not self.about:
            raise ValueError("only an 'about' (khoảng) target has a tolerance")
        return self

    def tolerance_or(self, default: float) -> float:
        """Relative tolerance: the one written here, else ``default`` for an "about" target, else 0."""
        if self.tolerance is not None:
            return self.tolerance
        return default if self.about else 0.0


class Target(_Tolerant):
    """An annual target: met when the value is ≥ ``min`` (> with ``strict``); ``max`` ends a range."""

    min: float
    max: float | None = None


class Milestone(_Tolerant):
    """A milestone value at a year, with the clause that sets it."""

    value: float
    clause: str


class Indicator(_Strict):
    """One target line of the plan."""

    id: str = pydantic.Field(pattern=r"^[a-z][a-z0-9_]*$")
    clause: str
    clauses: tuple[str, ...] | None = None
    kind: Literal["annual", "milestone"]
    wording_vi: str
    name_vi: str
    name_en: str
    numerator: str
    denominator: str | None
    measure: Measure
    population: Population
    level: Level
    direction: Literal["increase"] = "increase"
    target: Target | None = None
    milestones: dict[int, Milestone] | None = None
    prorate: bool = False
    year_only: bool = False
    reading: Literal["gross", "net"] | None = None
    interpretation: str | None = None
    keywords: tuple[str, ...] | None = None
    """How the line is recognised in the text of a plan (``congdoan plan read``): each entry a
    phrase, or phrases joined by `` + `` that must all appear; ``@phrase`` must follow the
    number (a count's unit). Compared without accents and case."""

    @pydantic.field_validator("level", mode="before")
    @classmethod
    def _level_renamed(cls, value: object) -> object:
        # registers written before the top level was called 'organisation' (see old_level_lines)
        return "organisation" if value == "district" else value

    @pydantic.model_validator(mode="after")
    def _targets_match_kind(self) -> Indicator:
        if self.kind == "annual" and (self.target is None or self.milestones):
            raise ValueError("an annual indicator needs `target` and no `milestones`")
        if self.kind == "milestone" and (not self.milestones or self.target is not None):
            raise ValueError("a milestone indicator needs `milestones` and no `target`")
        if self.measure == "count" and self.denominator is not None:
            raise ValueError("a count has no denominator")
        if self.measure != "count" and self.denominator is None:
            raise ValueError(f"measure {self.measure!r} needs a denominator")
        if (self.reading is None) == (self.numerator in CHANGE_ELEMENTS):
            raise ValueError("`reading` (gross or net) is required for a change numerator "
                             f"({', '.join(CHANGE_ELEMENTS)}) and only there")
        return self

    @property
    def all_clauses(self) -> tuple[str, ...]:
        """Every clause this line serves."""
        return self.clauses or (self.clause,)

    def milestone_for(self, year: int) -> tuple[int, Milestone] | None:
        """The first milestone at or after ``year`` (else the last one), or None if annual."""
        if not self.milestones:
            return None
        years = sorted(self.milestones)
        ahead = [y for y in years if y >= year]
        chosen = ahead[0] if ahead else years[-1]
        return chosen, self.milestones[chosen]


class Method(_Strict):
    """How the register's targets are judged (the ``method`` section of ``plan.yaml``).

    See ``docs/method.md`` for the formulas.
    """

    count_pace: Literal["linear", "compound"] = "linear"
    """Pace of count milestones: linear (units per year) or compound (growth rate per year, as
    Open SDG); shares always use the linear pace."""
    on_track: float = pydantic.Field(default=0.95, gt=0)
    """Pace ratio (actual ÷ required) from which a milestone ahead is on track."""
    acceleration_needed: float = pydantic.Field(default=0.60, ge=0)
    """Pace ratio from which progress is made but acceleration is needed (below: limited)."""
    min_annual_points: int = pydantic.Field(default=2, ge=2)
    """Annual values (the baseline included) needed before a pace or a projection is shown."""
    about_tolerance: float = pydantic.Field(default=0.01, ge=0, lt=1)
    """Relative tolerance of an "about" (khoảng) target that states none itself."""
    coverage_threshold: float = pydantic.Field(default=0.9, ge=0, le=1)
    """Below this share of expected reports received, a figure is provisional (tạm tính)."""

    @pydantic.model_validator(mode="after")
    def _thresholds_ordered(self) -> Method:
        if self.acceleration_needed >= self.on_track:
            raise ValueError("acceleration_needed must be below on_track")
        return self


LAST_YEAR = 2100
"""No plan year can be later."""


class PlanIdentity(_Strict):
    """Which plan the register is: every form, briefing and label names the plan from here."""

    number: str | None = pydantic.Field(description="số hiệu, vd. '12/KH-CĐX' (null: mẫu)")
    date: dt.date | None = pydantic.Field(description="ngày ban hành (null: mẫu)")
    issued_by: str | None = pydantic.Field(description="cơ quan ban hành (null: mẫu)")
    title: str = pydantic.Field(description="trích yếu")
    implements: str = pydantic.Field(description="văn bản được thực hiện, vd. 'Nghị quyết 02-NQ/TW'")
    baseline_year: int = pydantic.Field(description="năm gốc để đo tiến độ các mốc")
    projection_years: tuple[int, ...] = pydantic.Field(
        description="các năm có dự báo cho chỉ tiêu mốc (cột projection_YYYY)")
    milestone_years: tuple[int, ...] = pydantic.Field(
        default=(), description="các năm mốc của kế hoạch (cột năm mốc của tệp Excel), ngoài các "
        "năm mà chỉ tiêu đã có mốc; mỗi năm sau năm gốc, đến 2100")
    clauses: tuple[str, ...] = pydantic.Field(
        description="mọi điều khoản chỉ tiêu của kế hoạch; mỗi điều phải có ít nhất một chỉ tiêu")
    untracked: tuple[str, ...] = pydantic.Field(
        default=(), description="chỉ tiêu của kế hoạch chưa theo dõi được (chưa có câu hỏi báo "
        "cáo), mỗi mục 'điều khoản: nội dung'; các báo cáo tóm tắt nêu chúng dưới bảng chỉ tiêu")

    @pydantic.model_validator(mode="after")
    def _milestone_years_after_baseline(self) -> PlanIdentity:
        late = [y for y in self.milestone_years if not self.baseline_year < y <= LAST_YEAR]
        if late:
            raise ValueError(f"năm mốc {late} phải sau năm gốc {self.baseline_year} và không "
                             f"quá {LAST_YEAR} / milestone_years {late} must be after the "
                             f"baseline year {self.baseline_year} and at most {LAST_YEAR}")
        return self

    @property
    def is_template(self) -> bool:
        """True while the number, date or issuing body is not filled in (the packaged template)."""
        return self.number is None or self.date is None or self.issued_by is None

    @property
    def short(self) -> str:
        """``Kế hoạch số 12/KH-CĐX`` — how a briefing names the plan."""
        return TEMPLATE_NAME[0] if self.is_template else f"Kế hoạch số {self.number}"

    def citation(self, lang: str = "vi") -> str:
        """The plan cited in full: number, date and issuing body."""
        if self.number is None or self.date is None or self.issued_by is None:
            return TEMPLATE_NAME[lang == "en"]
        day = self.date.strftime("%d/%m/%Y")
        if lang == "en":
            return f"plan {self.number} of {day} by {self.issued_by}"
        return f"Kế hoạch số {self.number} ngày {day} của {self.issued_by}"


TEMPLATE_NAME = ("kế hoạch mẫu (chưa điền số hiệu trong params/plan.yaml)",
                 "the template plan (number not filled in params/plan.yaml)")
"""How a plan register still holding the template's identity is named (Vietnamese, English)."""

TEMPLATE_WARNING = (
    "Lưu ý: chưa nhập kế hoạch của tổ chức, các chỉ tiêu vẫn là của kế hoạch mẫu: congdoan plan "
    "read VĂN_BẢN_KẾ_HOẠCH.docx",
    "Note: your organisation's plan is not in yet; the targets are the template's: congdoan plan "
    "read YOUR_PLAN.docx")
"""Said by every command while the workspace's plan is the template."""


def set_plan_identity(path: Path, identity: dict[str, object]) -> None:
    """Write ``identity`` (fields of :class:`PlanIdentity`) into the ``plan`` block of ``path``.

    Only the lines of the fields given change; the file's comments and layout stay. A field the
    block does not write yet (an optional one, such as ``milestone_years``) is added as a line
    before the block's ``clauses``.
    """
    text = path.read_text(encoding="utf-8")
    for key, value in identity.items():
        shown = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                               width=10_000).strip().removesuffix("...").strip()
        line = re.compile(rf"(?m)^(  {re.escape(key)}:) .*$")
        found = line.search(text)
        if found is None and key in PlanIdentity.model_fields:
            found = re.compile(r"(?m)^  clauses:").search(text)
            if found is not None:  # a missing optional field: a line of its own, before it
                text = text[:found.start()] + f"  {key}: {shown}\n" + text[found.start():]
                continue
        n = 0 if found is None else 1
        if found is not None:
            text = text[:found.start()] + f"{found.group(1)} {shown}" + text[found.end():]
        if n != 1:
            raise ConfigError("Không tìm thấy trường của khối 'plan'.",
                              "Field of the 'plan' block not found.",
                              location=Location(file=str(path), field=f"plan.{key}"))
    path.write_text(text, encoding="utf-8")


class PlanRegister(_Strict):
    """Validated content of ``plan.yaml``."""

    plan: PlanIdentity
    indicators: tuple[Indicator, ...]
    method: Method = Method()

    @property
    def milestone_years(self) -> tuple[int, ...]:
        """Every year for which a milestone indicator has a value, in order."""
        return tuple(sorted({y for ind in self.indicators for y in (ind.milestones or {})}))

    def get(self, indicator_id: str) -> Indicator:
        """Return the indicator with ``indicator_id`` or raise a ConfigError."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise ConfigError(
            "Không có chỉ tiêu này trong sổ chỉ tiêu.", "No such indicator in the plan register.",
            value=indicator_id, expected=", ".join(i.id for i in self.indicators),
        )


def report_rules(register: PlanRegister, elements: DataElements) -> tuple[AtMost, ...]:
    """Every "at most" rule a CĐCS report must satisfy, each once.

    The rules written in ``data_elements.yaml`` (women members ≤ members ≤ workers …), then one
    per share of people, cases or units in the register whose numerator and denominator are
    both reported: the numerator may not exceed its denominator (people informed ≤ workers,
    committee established ≤ eligible …). Money is not limited (collected may exceed budget).
    """
    by_name = elements.by_name()
    rules = list(elements.rules)
    for ind in register.indicators:
        num, den = by_name.get(ind.numerator), by_name.get(ind.denominator or "")
        if (ind.measure == "share" and ind.population in POPULATION_SECTORS
                and num is not None and den is not None and "vnd" not in (num.kind, den.kind)):
            rules.append(AtMost(field=num.name, limit=den.name))
    return tuple(dict.fromkeys(rules))


def sectors_asked(register: PlanRegister, elements: DataElements) -> dict[str, set[str]]:
    """Each question's CĐCS sectors whose form asks it: those some line reading it counts.

    A question no line of CĐCS reads (the workers, the wage fund) is asked of every sector, and
    so is one another asked question is checked against (members ≤ workers); a conference of
    officials read by a line of administrative units only is not asked of an enterprise.
    """
    readers: dict[str, set[str]] = {}
    for ind in register.indicators:
        if ind.population not in POPULATION_SECTORS:
            continue
        for name in elements_read(ind.numerator, ind.denominator):
            readers.setdefault(name, set()).update(POPULATION_SECTORS[ind.population])
    everyone = set(POPULATION_SECTORS["all"])
    rules = report_rules(register, elements)

    def asked(name: str, seen: frozenset[str]) -> set[str]:
        if name not in readers:
            return everyone
        out = set(readers[name])
        for rule in rules:
            if rule.limit == name and rule.field not in seen:
                out |= asked(rule.field, seen | {name})
        return out

    return {e.name: asked(e.name, frozenset()) for e in elements.elements}


def load_sectors_asked(params_dir: Path | None = None) -> dict[str, set[str]]:
    """:func:`sectors_asked` of the register in force (default), computed once per version."""
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    return _sectors_asked(folder, register_version(folder))


@lru_cache(maxsize=8)
def _sectors_asked(params_dir: Path, _version: str) -> dict[str, set[str]]:
    return sectors_asked(load_register(params_dir), load_elements(params_dir))


def check_register(register: PlanRegister, elements: DataElements, path: Path) -> None:
    """Cross-check the register against the data elements and the plan's clauses."""
    names = set(elements.by_name()) | set(DERIVED_ELEMENTS) | set(REGISTRY_ELEMENTS)
    lacking = [n for n in ENGINE_INPUTS if n not in elements.by_name()]
    if lacking:
        raise ConfigError(
            "data_elements.yaml thiếu câu hỏi mà chương trình cần để tính chỉ tiêu (tăng đoàn "
            "viên, xếp loại, TƯLĐTT); hãy khôi phục chúng từ bản mặc định.",
            "data_elements.yaml lacks report questions the engine needs to compute indicators "
            "(member growth, ratings, agreements); restore them from the defaults.",
            location=Location(file=str(path.with_name("data_elements.yaml"))), value=lacking,
            expected=", ".join(ENGINE_INPUTS))
    seen: set[str] = set()
    for i, ind in enumerate(register.indicators):
        where = Location(file=str(path), field=f"indicators.{i}")
        if ind.id in seen:
            raise ConfigError("Mã chỉ tiêu bị trùng.", "Duplicate indicator id.",
                              location=where, value=ind.id)
        seen.add(ind.id)
        for field in ("numerator", "denominator"):
            value = getattr(ind, field)
            if value is not None and value not in names:
                raise ConfigError(
                    f"'{field}' không phải là chỉ số dữ liệu đã khai báo.",
                    f"'{field}' is not a declared data element.",
                    location=Location(file=str(path), field=f"indicators.{i}.{field}"),
                    value=value, expected="một tên trong data_elements.yaml",
                )
        if ind.clauses and ind.clause not in ("–".join((ind.clauses[0], ind.clauses[-1])),):
            raise ConfigError(
                "'clause' phải ghi khoảng của 'clauses' (vd. '2.1–2.4').",
                "'clause' must span 'clauses' (e.g. '2.1–2.4').",
                location=where, value=ind.clause,
            )
    served = {c for ind in register.indicators for c in ind.all_clauses}
    missing = [c for c in register.plan.clauses if c not in served]
    if missing:
        raise ConfigError(
            "Sổ chỉ tiêu thiếu điều khoản của kế hoạch.", "The register misses plan clauses.",
            location=Location(file=str(path)), value=missing,
        )


def load_elements(params_dir: Path | None = None) -> DataElements:
    """Load and validate ``data_elements.yaml`` (default: the parameters folder in force).

    Read again whenever the file changes (cached per :func:`register_version`).
    """
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    return _load_elements(folder, register_version(folder))


@lru_cache(maxsize=8)
def _load_elements(params_dir: Path, _version: str) -> DataElements:
    return load_model(params_dir / "data_elements.yaml", DataElements)


def load_register(params_dir: Path | None = None) -> PlanRegister:
    """Load, validate and cross-check ``plan.yaml`` (default: the parameters folder in force).

    Read again whenever ``plan.yaml`` or ``data_elements.yaml`` changes.
    """
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    return _load_register(folder, register_version(folder))


def old_level_lines(params_dir: Path | None = None) -> list[int]:
    """Lines of ``plan.yaml`` that still call the top level ``district`` (now ``organisation``).

    Such a register is read as if it said ``organisation``; the command line asks for the edit.
    """
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    try:
        text = (folder / "plan.yaml").read_text(encoding="utf-8")
    except OSError:
        return []
    return [n for n, line in enumerate(text.splitlines(), start=1)
            if re.match(r"\s*level:\s*district\s*(#.*)?$", line)]


REGISTER_FILES = ("plan.yaml", "data_elements.yaml")
"""The files whose content is the register's version."""


def register_version(params_dir: Path | None = None) -> str:
    """The register's version: a content hash of ``plan.yaml`` and ``data_elements.yaml``.

    Forms carry it and each accepted submission records it, so a report is always tied to the
    plan it was collected under; any change of either file gives a new version. A missing file
    hashes as empty (reading it then says which file is missing).
    """
    folder = Path(params_dir) if params_dir is not None else paths.params_dir()
    stamps = []
    for name in REGISTER_FILES:
        try:
            info = (folder / name).stat()
            stamps.append((info.st_mtime_ns, info.st_size))
        except FileNotFoundError:
            stamps.append((-1, -1))
    return _register_version(folder, *stamps)


@lru_cache(maxsize=32)
def _register_version(folder: Path, *_stamps: tuple[int, int]) -> str:
    digest = hashlib.sha256()
    for name in REGISTER_FILES:
        path = folder / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()[:12]


@lru_cache(maxsize=8)
def _load_register(params_dir: Path, _version: str) -> PlanRegister:
    path = params_dir / "plan.yaml"
    register = load_model(path, PlanRegister)
    check_register(register, load_elements(params_dir), path)
    return register
