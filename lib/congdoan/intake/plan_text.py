"""Reading a union's own plan document (``congdoan plan read``): its targets into the plan workbook.

An officer has the plan as a document (Word ``.docx`` or text), not as a register. This module
reads it and fills the workbook of :mod:`congdoan.intake.plan_template` with what it found, for
the officer to check and import (``congdoan plan import``) as if typed by hand:

1. :func:`document_text`: the paragraphs of a ``.docx`` (tables included) or a text file.
2. :func:`read_plan_text`: the plan's identity (number, date, issuing body, title, the resolution
   it implements) from its heading, and its **targets**: each number of the targets section that
   is a share (``95%``, ``trên 85%``, ``60 - 70%``) or a count followed by its unit (``600 - 700
   đoàn viên``, ``13 - 15 công đoàn cơ sở``), with the clause it is written under (``1.4.``),
   its milestone year (a heading ``Đến năm 2030:``, or ``80% (2025)``) or none (annual), "trên"
   (strictly above) and "khoảng" (about). Each target keeps the words around it.
3. :func:`match_targets`: each target to a line of the register through the lines' ``keywords``
   (the longest match wins; a count's unit must follow its number), then to the line of its
   kind (annual or milestone) and of its CĐCS (the sector words after the number: "doanh
   nghiệp nhà nước", "ngoài khu vực nhà nước", "cơ quan, đơn vị" …). Where the register has no
   such line, a new line like it (a row "(dòng mới)" of the workbook). Lines the document
   does not mention are dropped; lines it names without a number keep their values.

Everything found, and everything not understood, is listed (:class:`Reading`); nothing is
applied until the officer imports the workbook.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from congdoan.core.plan import POPULATION_SECTORS, Activity, Indicator, PlanRegister
from congdoan.core.text import cut_at_word, first_upper
from congdoan.exceptions import DataError, Location
from congdoan.intake.own_headers import fold

_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_DOCUMENT_MB = 20
"""A plan document larger than this is refused (a plan is a few pages)."""


def document_text(path: Path) -> str:
    """The text of a plan document: a Word ``.docx`` (paragraphs, tables' too) or a text file.

    Raises DataError (located at the file) for another format or an unreadable file.
    """
    path = Path(path)
    where = Location(file=str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError("Không đọc được tệp kế hoạch.", "Cannot read the plan document.",
                          location=where, value=str(exc)) from exc
    if size > MAX_DOCUMENT_MB * 2**20:
        raise DataError("Tệp kế hoạch quá lớn.", "The plan document is too large.",
                          location=where, value=f"{size / 2**20:.1f} MB",
                          expected=f"≤ {MAX_DOCUMENT_MB} MB")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        try:
            with zipfile.ZipFile(path) as archive:
                root = ElementTree.fromstring(archive.read("word/document.xml"))
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
            raise DataError("Không đọc được tệp Word (.docx).", "Cannot read the Word file.",
                              location=where, value=str(exc)) from exc
        paragraphs = []
        for para in root.iter(f"{_WORD}p"):
            parts = [node.text or "" if node.tag == f"{_WORD}t" else " "
                     for node in para.iter() if node.tag in (f"{_WORD}t", f"{_WORD}tab")]
            paragraphs.append("".join(parts))
        return unicodedata.normalize("NFC", "\n".join(paragraphs))
    if suffix in (".txt", ".md", ""):
        try:
            return unicodedata.normalize("NFC", path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError("Không đọc được tệp văn bản (cần UTF-8).",
                              "Cannot read the text file (UTF-8 expected).", location=where,
                              value=str(exc)) from exc
    raise DataError("Định dạng tệp kế hoạch không đọc được; lưu kế hoạch thành .docx hoặc "
                      ".txt (Word: Lưu thành… / Save as).", "Unreadable plan format; save the "
                      "plan as .docx or .txt.", location=where, value=path.suffix,
                      expected=".docx, .txt")


# ----------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Target:
    """A number of the plan's targets section, with what surrounds it."""

    line: int
    """Line of the document (from 1)."""
    clause: str | None
    text: str
    """The part of the sentence the number is in, as written."""
    before: str
    """Folded words before the number, from the start of its part (shared by its numbers)."""
    after: str
    """Folded words after the number, to the next number of the part."""
    phrase: str
    """The words after the number, to the next number, as written."""
    rest: str
    """Folded words after the number, to the end of its part (a predicate shared by numbers:
    "100% doanh nghiệp nhà nước và 70% … tổ chức đối thoại")."""
    share: bool
    low: float
    high: float | None
    year: int | None
    """The milestone year, or None for an annual target."""
    strict: bool = False
    about: bool = False
    every_year: bool = False
    """The words say "mỗi năm" / "hằng năm": annual, whatever the section."""

    def shown(self) -> str:
        """The value as the plan writes it (``trên 85 %``, ``600–700``)."""
        def one(v: float) -> str:
            return f"{v * 100:g} %" if self.share else f"{v:g}"
        value = one(self.low) + (f"–{one(self.high)}" if self.high is not None else "")
        return ("trên " if self.strict else "khoảng " if self.about else "") + value


@dataclass
class PlanText:
    """What :func:`read_plan_text` found: the identity, the targets, lines named without numbers."""

    identity: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    text: str = ""
    """The whole text read."""
    mentions: list[tuple[int, str | None, str]] = field(default_factory=list)
    """(line, clause, words) of each part of the targets section without a number."""


_NUMBER = re.compile(
    r"(?<![\d/.,])(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)"
    r"(?:\s*(?:-|–|đến)\s*(\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?))?\s*(%)?(?![\d/])")
_CLAUSE = re.compile(r"^\s*(\d+(?:\.\d+)+)\.?\s+")
_YEAR = re.compile(r"\b(?:den|moc|nam)\b\D{0,12}\b(20\d\d)\b")
_UNITS = ("doan vien", "cong doan co so", "cdcs", "cong doan")
"""Units a count must be followed by to be a target (else a number of the text: 25 workers)."""
_PARTS = re.compile(r";|,?\s*\btrong đó\b", re.IGNORECASE)


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def _strip(line: str) -> str:
    """A line without Markdown or list marks (``## **II. …**``, ``- …``, ``• …``)."""
    line = re.sub(r"^[#>\s]*", "", line).replace("**", "").replace("__", "")
    return re.sub(r"^[-•+*–]\s+", "", line).strip()


def _identity(lines: list[str]) -> dict[str, Any]:
    import datetime as dt

    found: dict[str, Any] = {}
    head = lines[:40]
    for line in head:
        m = re.search(r"\bSố\s*:?\s*([0-9][0-9A-Za-zĐđ]*\s*/\s*[A-Za-zĐđ0-9\-–/]+)", line)
        if m and "number" not in found:
            found["number"] = re.sub(r"\s+", "", m.group(1))
        m = re.search(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", line)
        if m and "date" not in found:
            try:
                found["date"] = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                pass
    for i, line in enumerate(head):
        if re.search(r"\bSố\s*:", line):
            bodies = [part.strip() for prev in head[:i] for part in re.split(r"\s{2,}|\t", prev)
                      if part.strip().isupper() and len(part.strip()) > 6
                      and not fold(part).startswith(("cong hoa", "doc lap"))]
            if bodies:
                found["issued_by"] = bodies[-1]
            break
    for i, line in enumerate(head):
        if fold(line) == "ke hoach":
            words: list[str] = []
            for follow in head[i + 1:i + 4]:
                if not follow.strip():
                    if words:
                        break
                    continue
                words.append(follow.strip())
            if words:
                title = " ".join(words)
                found["title"] = "Kế hoạch " + title[0].lower() + title[1:]
            break
    text = "\n".join(lines)
    m = re.search(r"Nghị quyết\s+(?:số\s+)?(\d+\s*-\s*NQ/TW)", text)
    if m:
        found["implements"] = "Nghị quyết " + re.sub(r"\s", "", m.group(1))
    return found


def _section(lines: list[str]) -> range:
    """Lines of the targets section: from a heading with "chỉ tiêu" to the next part (III …)."""
    start = next((i for i, line in enumerate(lines) if "chi tieu" in fold(line)
                  and len(line) < 80 and not _CLAUSE.match(line)), None)
    if start is None:
        return range(len(lines))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(r"^(I{1,3}V?|IV|V|VI)\.\s", lines[i])
                and "chi tieu" not in fold(lines[i])), len(lines))
    return range(start, end)


def read_plan_text(text: str) -> PlanText:
    """The identity and the targets of a plan's text (see the module docstring)."""
    lines = [_strip(line) for line in text.splitlines()]
    plan = PlanText(identity=_identity(lines), text=text)
    clause: str | None = None
    year: int | None = None
    for i in _section(lines):
        line = lines[i]
        if not line:
            continue
        folded = fold(line)
        numbered = _CLAUSE.match(line)
        heading = len(line) < 70 or line.endswith(":")
        if numbered:
            clause = numbered.group(1)
        seen = _YEAR.search(folded)
        if heading and seen:
            year = int(seen.group(1))
            if numbered:
                clause = numbered.group(1)
            elif not numbered:
                clause = None
            rest = line.split(":", 1)[1] if ":" in line else ""
            if not _NUMBER.search(rest):
                continue
            line = rest
        elif heading and "hang nam" in folded:
            year = None
        body = line[numbered.end():] if numbered else line
        line_year = year
        if numbered and seen and not heading:
            line_year = int(seen.group(1))
        for part in _PARTS.split(body):
            _read_part(plan, i + 1, clause,
                       part.strip(" .,:"), line_year)
    return plan


def _read_part(plan: PlanText, line: int, clause: str | None, part: str,
               year: int | None) -> None:
    found = []
    for m in _NUMBER.finditer(part):
        share = m.group(3) is not None
        tail = fold(part[m.end():])
        if not share and not tail.startswith(_UNITS):
            continue
        lead = part[max(0, m.start() - 12):m.start()]
        if re.search(r"\d/\s*$|năm\s*$", lead):
            continue  # a date or a year
        found.append((m, share))
    if not found:
        if part and not re.fullmatch(r"[\W\d]*", part):
            plan.mentions.append((line, clause, part))
        return
    opening = fold(part[:found[0][0].start()])
    for n, (m, share) in enumerate(found):
        lead = part[found[n - 1][0].end():m.start()] if n else ""
        end = found[n + 1][0].start() if n + 1 < len(found) else len(part)
        after = part[m.end():end]
        own_year = re.match(r"\s*\((20\d\d)\)", after)
        near = fold(part[max(0, m.start() - 12):m.start()]).split()
        low = _number(m.group(1))
        high = _number(m.group(2)) if m.group(2) else None
        if share:
            low, high = low / 100, (high / 100 if high is not None else None)
        before = f"{opening} {fold(lead)}".strip()
        plan.targets.append(Target(
            line=line, clause=clause, text=part, before=before, after=fold(after),
            phrase=after.strip(" ,.;:"), rest=fold(part[m.end():]), share=share, low=low, high=high,
            year=int(own_year.group(1)) if own_year else year,
            strict=bool(near) and near[-1] == "tren", about="khoang" in near[-2:],
            every_year=any(w in f"{opening if not n else fold(lead)} {fold(after.split(',')[0])}"
                           for w in ("moi nam", "hang nam"))))


# ----------------------------------------------------------------------------- matching
POPULATION_WORDS_READ: tuple[tuple[str, str], ...] = (
    ("ngoai khu vuc nha nuoc", "NNN"),
    ("ngoai nha nuoc", "NNN"),
    ("hanh chinh su nghiep va doanh nghiep nha nuoc", "state"),
    ("khu vuc nha nuoc", "state"),
    ("doanh nghiep nha nuoc", "DNNN"),
    ("dnnn", "DNNN"),
    ("hanh chinh su nghiep", "HCSN"),
    ("co quan don vi", "HCSN"),
    ("hcsn", "HCSN"),
    ("doanh nghiep", "enterprise"),
    ("cong doan co so", "all"),
    ("cdcs", "all"),
)
"""Words that say which CĐCS a target counts (folded), the more precise first."""


def _population(words: str) -> str | None:
    for phrase, population in POPULATION_WORDS_READ:
        if re.search(rf"\b{phrase}\b", words):
            return population
    return None


def _score(keywords: tuple[str, ...], target: Target, shared: bool = False) -> int:
    """How well ``keywords`` name ``target``: the length of the longest alternative found.

    Searched in the words before the number and after it to the next number, or with
    ``shared`` to the end of its part.
    """
    text = f"{target.before} {target.rest if shared else target.after}"
    best = 0
    for alternative in keywords:
        parts = [p.strip() for p in alternative.split(" + ")]
        size = 0
        for part in parts:
            unit = part.startswith("@")
            words = fold(part.removeprefix("@"))
            if unit and not target.after.startswith(words):
                break
            if not unit and not re.search(rf"\b{re.escape(words)}\b", text):
                break
            size += len(words)
        else:
            best = max(best, size)
    return best


@dataclass
class Found:
    """Where a target goes: an existing line (``line``) or a new line like ``base``."""

    target: Target
    line: Indicator | None = None
    base: Indicator | None = None
    population: str | None = None
    problem: str | None = None
    """Why the target could not be set (said to the officer; the line keeps its value)."""


@dataclass
class Reading:
    """A plan document read against a register: what goes where, and what was not understood."""

    plan: PlanText
    found: list[Found] = field(default_factory=list)
    unknown: list[Target] = field(default_factory=list)
    named: list[Indicator] = field(default_factory=list)
    """Lines the document names without a number (kept as they are)."""
    dropped: list[Indicator] = field(default_factory=list)

    @property
    def years(self) -> tuple[int, ...]:
        """The milestone years of the document's targets."""
        return tuple(sorted({f.target.year for f in self.found
                             if f.target.year is not None and f.problem is None}))


def _keywords(register: PlanRegister, template: PlanRegister | None) -> dict[str, tuple[str, ...]]:
    """Each line's keywords: its own, else the template line's.

    The template line of the same id, or of the line a new line was made like
    (``cba_coverage_2`` → ``cba_coverage``).
    """
    spare = {i.id: i.keywords for i in template.indicators} if template else {}
    return {i.id: i.keywords or spare.get(i.id) or spare.get(re.sub(r"_\d+$", "", i.id)) or ()
            for i in register.indicators}


def match_targets(plan: PlanText, register: PlanRegister,
                  template: PlanRegister | None = None) -> Reading:
    """Where each target of ``plan`` goes in ``register`` (see the module docstring)."""
    words = _keywords(register, template)
    reading = Reading(plan=plan)
    taken: set[tuple[str, int | None]] = set()

    def fitting(target: Target) -> tuple[list[tuple[int, Indicator]], list[tuple[int, Indicator]]]:
        scored = [(_score(words[i.id], target), i) for i in register.indicators]
        fits = [(s, i) for s, i in scored if s and (i.measure == "share") == target.share]
        if not fits:  # a predicate after the next number: "100% DNNN và 70% NNN tổ chức …"
            scored = [(_score(words[i.id], target, shared=True), i)
                      for i in register.indicators]
            fits = [(s, i) for s, i in scored if s and (i.measure == "share") == target.share]
        return scored, fits

    # a target under a heading without a number ("Mốc đến năm 2030:") takes the clause the
    # document gives the same measure elsewhere, else its year
    fitted = [fitting(target) for target in plan.targets]
    clause_of: dict[str, str] = {}
    for target, (_, fits) in zip(plan.targets, fitted, strict=True):
        if target.clause and fits:
            clause_of.setdefault(max(fits, key=lambda si: si[0])[1].numerator, target.clause)
    for target, (scored, fits) in zip(plan.targets, fitted, strict=True):
        if target.clause is None:
            own = clause_of.get(max(fits, key=lambda si: si[0])[1].numerator) if fits else None
            target = replace(target, clause=own or (str(target.year) if target.year else None))
        if not fits:
            other = max(scored, key=lambda si: si[0])
            if other[0]:
                reading.found.append(Found(target, line=other[1], problem=(
                    f"văn bản ghi tỷ lệ, dòng này đếm số lượng: SỐ = {target.shown().strip()} × "
                    f"số được giao (vd. giao 100 → {target.low * 100:g})" if target.share else
                    f"văn bản ghi số lượng ({target.shown().strip()}), dòng này là tỷ lệ: SỐ = "
                    "tỷ lệ (%)")))
            else:
                reading.unknown.append(target)
            continue
        best = max(s for s, _ in fits)
        chosen = next(i for s, i in fits if s == best)
        same = [i for s, i in fits if i.numerator == chosen.numerator]
        kind = "annual" if target.year is None or target.every_year else "milestone"
        year = None if kind == "annual" else target.year
        cut = re.search(r"\b(?:to chuc|dat|ky|duoc|tham gia|thuc hien)\b", target.after)
        population = _population(target.after[:cut.start()] if cut else target.after)
        counted = [i for i in same if i.population in POPULATION_SECTORS]
        if not counted:
            population = None
        elif population is None:
            population = next((i.population for i in same if i.kind == kind), None)
        # a line over several clauses ("2.1–2.4") keeps its clauses: a target of another
        # clause is a line of its own
        exact = [i for i in same if i.kind == kind and (population is None
                 or i.population == population) and (i.id, year) not in taken
                 and not (i.clauses and target.clause and target.clause not in i.clauses)]
        if exact:
            taken.add((exact[0].id, year))
            reading.found.append(Found(target, line=exact[0]))
            continue
        base = next((i for i in same if i.kind == kind), same[0])
        reading.found.append(Found(target, base=base, population=population))
    matched = {f.line.id for f in reading.found if f.line is not None}
    for line_no, clause, text in plan.mentions:
        del line_no, clause
        probe = Target(line=0, clause=None, text=text, before=fold(text), after="", phrase="",
                       rest="",
                       share=True, low=0, high=None, year=None)
        for ind in register.indicators:
            if ind.id not in matched and not any(u.startswith("@") for alt in words[ind.id]
                                                  for u in alt.split(" + ")) \
                    and _score(words[ind.id], probe) and ind not in reading.named:
                reading.named.append(ind)
    kept = matched | {i.id for i in reading.named}
    reading.dropped = [i for i in register.indicators if i.id not in kept]
    return reading


# ----------------------------------------------------------------------------- the workbook
@dataclass
class SheetValues:
    """What to type in the plan workbook for a :class:`Reading` (keys of its columns)."""

    identity: dict[str, Any] = field(default_factory=dict)
    lines: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(indicator id, field key) → value, as the cell holds it (a share as a fraction)."""
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    """Rows "(dòng mới)": field key → text, as an officer types it."""
    programmes: dict[str, bool] = field(default_factory=dict)
    """Programme code → kept (sheet ChuongTrinh)."""


def line_name(target: Target) -> str:
    """A short name for a new line from the plan's words after its number."""
    words = re.sub(r"^\s*(?:trở lên|trở lên,)\s*", "", target.phrase)
    words = re.sub(r"\s*\(20\d\d\)\s*", " ", words).strip() or target.text
    return first_upper(cut_at_word(words, 90))


def _reading_of(target: Target) -> str | None:
    """How the plan's words read a change, or None (as the line has it).

    "phát triển", "kết nạp", "thành lập mới" count who joined (gross); "tăng thêm" the end less
    the start (net).
    """
    words = f"{target.before} {target.after}"
    if re.search(r"\b(phat trien|ket nap|thanh lap moi)\b", words):
        return "gross"
    if re.search(r"\btang them\b", words):
        return "net"
    return None


def _typed(target: Target) -> tuple[str, str | None]:
    def one(v: float) -> str:
        return f"{v * 100:g}%" if target.share else f"{v:g}"
    return one(target.low), (one(target.high) if target.high is not None else None)


def _name_for_reading(cells: dict[tuple[str, str], Any], ind: Indicator,
                      reading: str | None) -> None:
    """A count read gross ("phát triển", "kết nạp") is not named a growth ("Tăng …").

    The template names its change lines by their net reading ("Tăng đoàn viên trong năm"); read
    gross, the line counts who came in, and its name says so ("Phát triển đoàn viên trong
    năm"), so that a briefing showing 8 admitted beside a net +5 does not call the 8 a growth.
    """
    if reading == "gross" and ind.name_vi.startswith("Tăng "):
        cells[(ind.id, "name_vi")] = "Phát triển " + ind.name_vi.removeprefix("Tăng ").replace(
            " (thuần)", "")


def sheet_values(reading: Reading, register: PlanRegister, organisation_name: str,
                 activities: tuple[Activity, ...] = ()) -> SheetValues:
    """The cells to fill for ``reading``: identity, the lines found, new rows, dropped lines.

    The baseline year is the plan's year; the milestone years are those of the document; a
    projection year not after the baseline gives way to the document's milestone years. The
    programmes (``activities``) stay unless the document names none of them: then all go.
    """
    from congdoan.intake.plan_sheet import POPULATION_WORDS, READING_WORDS

    values = SheetValues()
    ident = reading.plan.identity
    for key in ("number", "date", "title", "implements"):
        if ident.get(key) is not None:
            values.identity[key] = ident[key]
    body = ident.get("issued_by")
    values.identity["issued_by"] = (organisation_name if body is None
                                    or fold(body) == fold(organisation_name) else body)
    baseline = ident["date"].year if ident.get("date") else register.plan.baseline_year
    values.identity["baseline_year"] = baseline
    years = tuple(y for y in reading.years if y > baseline)
    values.identity["milestone_years"] = ", ".join(map(str, years))
    projection = register.plan.projection_years
    if any(y <= baseline for y in projection):
        projection = years or tuple(y for y in projection if y > baseline)
    values.identity["projection_years"] = ", ".join(map(str, projection))
    # targets no report question measures: named in the register, and in every briefing
    values.identity["untracked"] = "\n".join(
        f"{t.clause}: {t.text}" if t.clause else t.text for t in reading.unknown)
    set_years: dict[str, set[int]] = {}
    rows: dict[tuple[str, str | None, str | None, bool], dict[str, Any]] = {}
    for found in reading.found:
        target = found.target
        low, high = target.low, target.high
        if found.line is not None and found.problem is not None:
            # the number is the officer's to write; the clause and the words are the plan's
            ind = found.line
            values.lines[(ind.id, "wording_vi")] = target.text
            if target.clause and not ind.clauses:
                values.lines[(ind.id, "clause")] = target.clause
            if ind.reading is not None and _reading_of(target):
                values.lines[(ind.id, "reading")] = _reading_of(target)
                _name_for_reading(values.lines, ind, _reading_of(target))
            if ind.kind == "annual":  # left blank: the import refuses it, at its cell, until
                values.lines[(ind.id, "min")] = None  # filled (never the template's number)
                values.lines[(ind.id, "max")] = None
            continue
        if found.line is not None:
            ind = found.line
            cells = values.lines
            first = (ind.id, "wording_vi") not in cells
            if first:
                cells[(ind.id, "wording_vi")] = target.text
                if target.clause and not ind.clauses:
                    cells[(ind.id, "clause")] = target.clause
                cells[(ind.id, "strict")] = target.strict
                cells[(ind.id, "about")] = target.about
                if ind.reading is not None and _reading_of(target):
                    cells[(ind.id, "reading")] = _reading_of(target)
                    _name_for_reading(cells, ind, _reading_of(target))
            if ind.kind == "annual":
                cells[(ind.id, "min")], cells[(ind.id, "max")] = low, high
            elif target.year is not None:
                cells[(ind.id, f"milestone_{target.year}")] = low
                set_years.setdefault(ind.id, set()).add(target.year)
                cells[(ind.id, "strict")] = bool(cells[(ind.id, "strict")]) or target.strict
            continue
        assert found.base is not None
        kind_annual = target.year is None or target.every_year
        group = (found.base.id, found.population, target.clause, kind_annual)
        row = rows.get(group) if not kind_annual else None
        if row is None:
            row = {"based_on": found.base.id,
                   "clause": target.clause or found.base.clause,
                   "name_vi": line_name(target), "wording_vi": target.text,
                   "strict": "Có" if target.strict else None,
                   "about": "Có" if target.about else None}
            if found.population and found.population != found.base.population:
                row["population"] = POPULATION_WORDS[found.population]
            read_as = _reading_of(target) if found.base.reading is not None else None
            if read_as and read_as != found.base.reading:
                row["reading"] = READING_WORDS[read_as]
            values.new_rows.append(row)
            rows[group] = row
        low_text, high_text = _typed(target)
        if kind_annual:
            row["min"], row["max"] = low_text, high_text
        else:
            row[f"milestone_{target.year}"] = low_text
    for ind in register.indicators:
        if ind.id in set_years:
            for year in ind.milestones or {}:
                if year not in set_years[ind.id]:
                    values.lines[(ind.id, f"milestone_{year}")] = None
    for ind in reading.dropped:
        values.lines[(ind.id, "keep")] = False
    text = fold(reading.plan.text)
    named = any(fold(a.label_vi) in text for a in activities)
    values.programmes = {a.name: named for a in activities}
    return values
