"""HTML fragments shown by the briefing notebooks; every text from data is escaped here.

Each function takes what :mod:`congdoan.briefing.content` computed and returns an
:class:`IPython.display.HTML` object. Names, ids and free text are passed through
:func:`html.escape`, so a union called ``<script>…`` is shown as text, never run.

Every table cell carries its column heading (``data-label``), so that on a phone the briefing
style shows each row as a card of "heading: value" lines instead of a table wider than the
screen; in print and on wide screens the tables are unchanged.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import HTML

from congdoan.briefing import SCREEN_ONLY, fmt
from congdoan.briefing.charts import comparison_alt, comparison_png, share_limits
from congdoan.briefing.content import Identity
from congdoan.briefing.theme import SERIES_STYLES, SERIES_SYMBOLS, status_style
from congdoan.core.activities import MEASURE_WORDS, MEASURES
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_elements, load_register
from congdoan.core.registry import SECTOR_NAMES

WORDS: dict[str, dict[str, str]] = {
    "union_title": {"vi": "BÁO CÁO TÓM TẮT CÔNG ĐOÀN CƠ SỞ", "en": "GRASSROOTS UNION BRIEFING"},
    "upper_title": {"vi": "BÁO CÁO TÓM TẮT CÔNG ĐOÀN CẤP TRÊN",
                    "en": "UPPER UNION BRIEFING"},
    "organisation_title": {"vi": "BÁO CÁO TÓM TẮT TOÀN ĐỊA BÀN", "en": "DISTRICT BRIEFING"},
    "plan": {"vi": "Thực hiện {plan_short} ({implements})",
             "en": "Implementation of plan {plan_number} ({implements})"},
    "sector": {"vi": "Khu vực", "en": "Sector"},
    "commune": {"vi": "Xã, phường", "en": "Commune or ward"},
    "upper": {"vi": "Công đoàn cấp trên", "en": "Upper union"},
    "period": {"vi": "Kỳ báo cáo", "en": "Period"},
    "cut_off": {"vi": "Số liệu tính đến", "en": "Data as of"},
    "units": {"vi": "Số CĐCS", "en": "Grassroots unions"},
    "stocks": {"vi": "Đoàn viên / CNVCLĐ", "en": "Members / workers"},
    "code": {"vi": "Mã", "en": "Code"},
    "clause": {"vi": "Điều", "en": "Clause"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "value": {"vi": "Thực hiện", "en": "Value"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "status": {"vi": "Đánh giá", "en": "Status"},
    "note": {"vi": "Ghi chú", "en": "Note"},
    "baseline": {"vi": "Gốc {baseline_year}", "en": "Baseline {baseline_year}"},
    "milestone": {"vi": "Mốc", "en": "Milestone"},
    "required_pace": {"vi": "Tốc độ cần/năm", "en": "Required pace/yr"},
    "actual_pace": {"vi": "Tốc độ thực/năm", "en": "Actual pace/yr"},
    "projection": {"vi": "Dự báo {year}", "en": "Projection {year}"},
    "sub_period": {"vi": "Kỳ", "en": "Period"},
    "expected": {"vi": "Phải nộp", "en": "Expected"},
    "received": {"vi": "Đã nhận", "en": "Received"},
    "on_time": {"vi": "Đúng hạn", "en": "On time"},
    "late": {"vi": "Muộn", "en": "Late"},
    "missing": {"vi": "Chưa nộp", "en": "Missing"},
    "completeness": {"vi": "Đầy đủ", "en": "Completeness"},
    "timeliness": {"vi": "Đúng hạn (%)", "en": "Timeliness"},
    "total": {"vi": "Cả kỳ", "en": "Whole period"},
    "year_report": {"vi": "Báo cáo năm ({period})", "en": "Year report ({period})"},
    "half_report": {"vi": "Báo cáo 6 tháng ({period})", "en": "Six-month report ({period})"},
    "name": {"vi": "Tên CĐCS", "en": "Union"},
    "below": {"vi": "Số chỉ tiêu cần cải thiện", "en": "Targets needing action"},
    "programme": {"vi": "Chương trình", "en": "Programme"},
    "units_held": {"vi": "Số CĐCS tổ chức", "en": "Unions that held it"},
    "all_programmes": {"vi": "Cộng các chương trình", "en": "All programmes"},
    "not_held": {"vi": "Chưa tổ chức trong kỳ", "en": "Not held in the period"},
    "untracked": {"vi": "Chỉ tiêu của kế hoạch chưa được theo dõi (mẫu báo cáo chưa hỏi)",
                  "en": "Targets of the plan not followed (the report forms do not ask)"},
    "compared_few": {"vi": "Số của khu vực, công đoàn cấp trên cho một chỉ tiêu chỉ hiện khi ít "
                           "nhất 3 CĐCS khác đã báo cáo chỉ tiêu ấy (không để lộ số liệu của CĐCS "
                           "khác).",
                     "en": "A sector's or upper union's figure for an indicator shows only when "
                           "at least 3 other CĐCS have reported it (so no other CĐCS's figures "
                           "can be read)."},
    "provisional_mark": {"vi": "* tạm tính: nhóm đã nộp chưa đủ số báo cáo phải nộp để kết "
                         "luận (dưới ngưỡng của kế hoạch).",
                         "en": "* provisional: the group has sent too few of its expected "
                               "reports to conclude (below the plan's threshold)."},
    "no_programmes": {"vi": "Kế hoạch không có chương trình nào được theo dõi bằng báo cáo.",
                      "en": "The plan has no programme followed through the reports."},
    "none": {"vi": "Không có.", "en": "None."},
}
"""Captions and column headings in both languages; ``{…}`` names a fact of the plan register in
force (:func:`plan_facts`), so no plan's number or years are written here."""

_ACTIVITIES = {"vi": "Hoạt động theo các chương trình (mục III của kế hoạch)",
               "en": "Activities of the plan's programmes (section III)"}

SECTIONS: dict[str, dict[str, str]] = {
    "scorecard": {"vi": "Kết quả thực hiện chỉ tiêu", "en": "Scorecard"},
    "trend": {"vi": "Diễn biến qua các kỳ", "en": "Trend over the periods"},
    "comparison": {"vi": "So sánh với khu vực và công đoàn cấp trên (số tổng hợp)",
                   "en": "Comparison with sector and upper union (aggregates)"},
    "pace": {"vi": "Tiến độ các mốc {projection_span}", "en": "Milestone pace {projection_span}"},
    "missing": {"vi": "Số liệu còn thiếu", "en": "Missing data"},
    "activities": _ACTIVITIES,
    "conclusions": {"vi": "Nhận xét và việc cần làm", "en": "Conclusions and next steps"},
    "upper_scorecard": {"vi": "Chỉ tiêu năm và mốc kế hoạch", "en": "Annual targets and milestones"},
    "trajectory": {"vi": "Quỹ đạo các mốc và dự báo {projection_list}",
                   "en": "Milestone trajectory and projections to {projection_list}"},
    "by_sector": {"vi": "Theo khu vực", "en": "By sector"},
    "by_commune": {"vi": "Theo địa bàn (xã, phường)", "en": "By commune or ward"},
    "distribution": {"vi": "Phân bố CĐCS theo mức đạt chỉ tiêu", "en": "Grassroots unions by status"},
    "below": {"vi": "CĐCS có nhiều chỉ tiêu cần cải thiện",
              "en": "Unions with the most targets needing action"},
    "reporting": {"vi": "Tình hình nộp báo cáo", "en": "Reporting completeness and timeliness"},
    "upper_activities": _ACTIVITIES,
    "upper_conclusions": {"vi": "Nhận xét", "en": "Conclusions"},
}
"""Section headings of both briefings, unnumbered (``{…}``: facts of the plan, :func:`plan_facts`)."""

SECTION_ORDER: dict[str, tuple[str, ...]] = {
    "union": ("scorecard", "trend", "comparison", "pace", "missing", "activities", "conclusions"),
    "upper": ("upper_scorecard", "trajectory", "by_sector", "by_commune", "distribution", "below",
              "reporting", "upper_activities", "upper_conclusions"),
}
"""The sections of each briefing in the order it shows them; a heading's number is its place
among those shown (:func:`shown_sections`), so a section added, moved or left out renumbers the
others."""

PROGRAMME_SECTIONS = ("activities", "upper_activities")
"""The sections of the plan's programmes (section III), shown only when it follows some."""


def shown_sections(kind: str, programmes: bool) -> tuple[str, ...]:
    """The sections briefing ``kind`` shows, in order (:data:`SECTION_ORDER`).

    Without :data:`PROGRAMME_SECTIONS` when the plan follows no programme (``programmes``
    False): a heading over "no programme" says nothing.
    """
    order = SECTION_ORDER[kind]
    return order if programmes else tuple(s for s in order if s not in PROGRAMME_SECTIONS)


def section_number(section: str) -> int:
    """The number of ``section`` in its briefing: its place among those shown."""
    kind = next(k for k, order in SECTION_ORDER.items() if section in order)
    return shown_sections(kind, bool(load_elements().activities)).index(section) + 1


def plan_facts() -> dict[str, Any]:
    """The plan register's facts that captions may name (number, baseline year …)."""
    plan = load_register().plan
    years = [str(y) for y in plan.projection_years]
    return {"plan_short": plan.short, "plan_number": plan.number,
            "implements": plan.implements, "baseline_year": plan.baseline_year,
            "projection_span": "–".join(dict.fromkeys([years[0], years[-1]])) if years else "",
            "projection_list": ", ".join(years)}


def word(key: str, lang: str, **facts: Any) -> str:
    """Caption ``key`` in ``lang``, with the plan's facts (and ``facts``) filled in."""
    return WORDS[key][fmt.check_lang(lang)].format(**plan_facts(), **facts)


def esc(value: Any) -> str:
    """Escaped text of any value (missing → em dash)."""
    return html.escape(fmt.MISSING if fmt.is_missing(value) else str(value), quote=True)


def heading(section: str, lang: str = "vi") -> HTML:
    """A section heading, numbered by its place in its briefing: ``2. Diễn biến qua các kỳ``."""
    title = SECTIONS[section][fmt.check_lang(lang)].format(**plan_facts())
    text = f"{section_number(section)}. {title}"
    return HTML(f'<h2 class="cd-h2">{esc(text)}</h2>')


def status_badge(status: Any, lang: str = "vi", provisional: Any = False) -> str:
    """A colour-blind-safe traffic light: symbol, colour and word.

    A provisional status (coverage below the register's threshold) keeps its symbol and word,
    followed by "(tạm tính)", in the grey of "no data": too few reports to colour it green or red.
    """
    style = status_style(status)
    label = fmt.status_label(status, lang)
    colour = style.colour
    if fmt.is_set(provisional) and status not in ("no_data", "not_applicable"):
        label += f" ({fmt.PROVISIONAL[lang]})"
        colour = status_style("no_data").colour
    return (f'<span class="cd-status" style="color:{colour}">'
            f'<span class="cd-sym" aria-hidden="true">{esc(style.symbol)}</span> '
            f'{esc(label)}</span>')


def _stocks(who: Identity, lang: str) -> str:
    """Members / workers ("63 / 85"; an upper union's with how many CĐCS they come from).

    Empty when neither is known.
    """
    if who.members is None and who.workers is None:
        return ""
    text = " / ".join(fmt.MISSING if v is None else fmt.number(v, lang)
                      for v in (who.members, who.workers))
    if who.level != "cdcs" and who.stock_units < who.units:
        text += (f" (theo báo cáo của {who.stock_units}/{who.units} CĐCS)" if lang == "vi" else
                 f" (as reported by {who.stock_units} of {who.units} grassroots unions)")
    return text


def title_block(who: Identity, lang: str = "vi") -> HTML:
    """The title block: kind of briefing, name, sector, commune, upper union, period, cut-off.

    An upper union under another names the one above it (:attr:`Identity.upper_name`).
    """
    kind = {"cdcs": "union_title", "upper_union": "upper_title"}.get(who.level, "organisation_title")
    facts: list[tuple[str, str]] = [(word("code", lang), who.unit_id)]
    if who.level == "cdcs":
        facts += [(word("sector", lang), who.sector_name or ""),
                  (word("commune", lang), who.commune_name or ""),
                  (word("upper", lang), who.upper_name or "")]
    else:
        if who.upper_name:  # an upper union under another (a nested one)
            facts.append((word("upper", lang), who.upper_name))
        facts.append((word("units", lang), fmt.number(who.units, lang)))
    stocks = _stocks(who, lang)
    if stocks:
        facts.append((word("stocks", lang), stocks))
    facts += [(word("period", lang), who.period_label),
              (word("cut_off", lang), fmt.date(who.cut_off, lang))]
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    return HTML(
        f'<div class="cd-title"><div class="cd-kicker">{esc(word(kind, lang))}</div>'
        f'<h1 class="cd-h1">{esc(who.name)}</h1>'
        f'<div class="cd-sub">{esc(word("plan", lang))}</div>'
        f'<table class="cd-facts">{rows}</table></div>'
    )


def _table(head: Sequence[str], body: Iterable[Sequence[Any]], css: str = "",
           raw_columns: Sequence[int] = ()) -> HTML:
    """A table; cells are escaped except the columns in ``raw_columns`` (already HTML).

    Each cell names its column (``data-label``), which the phone layout shows beside it.
    """
    th = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    labels = [esc(h) for h in head]
    rows = []
    for cells in body:
        tds = "".join(f'<td data-label="{labels[i]}">{c if i in raw_columns else esc(c)}</td>'
                      for i, c in enumerate(cells))
        rows.append(f"<tr>{tds}</tr>")
    return HTML(f'<table class="cd-table {css}"><thead><tr>{th}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')


def scorecard(card: pd.DataFrame, lang: str = "vi") -> HTML:
    """The scorecard: clause, indicator, value, target and the status traffic light.

    Below it, once, what changed at each break of a series (``card.attrs["series_breaks"]``,
    set by :func:`congdoan.briefing.content.scorecard`).
    """
    head = [word(k, lang) for k in ("clause", "indicator", "value", "target", "status", "note")]
    body = []
    for _, r in card.iterrows():
        body.append([r["clause"], r["label"], _value_cell(r, lang), _target_cell(r, lang),
                     status_badge(r["status"], lang, r.get("provisional")), r["note"] or ""])
    table = _table(head, body, "cd-score", raw_columns=(4,)).data
    breaks = card.attrs.get("series_breaks") or []
    if breaks:  # said once here, not in each line whose series breaks (those give the dates)
        words = "Chuỗi số liệu thay đổi" if lang == "vi" else "The series change"
        table += f'<p class="cd-note">{esc(words)}: {esc("; ".join(breaks))}.</p>'
    untracked = load_register().plan.untracked
    if untracked:  # the plan's targets no report measures: not forgotten, said
        table += f'<p class="cd-note">{esc(word("untracked", lang))}: {esc("; ".join(untracked))}.</p>'
    return HTML(table)


def _value_cell(row: pd.Series, lang: str) -> str:
    """A value shown against its target (never rounded onto it).

    A provisional value is said so once, in its status (:func:`status_badge`) beside it, and
    its coverage in the note: not a third time here.
    """
    answer = row.get("answer")
    return (str(answer) if isinstance(answer, str) and answer
            else fmt.value(str(row["measure"]), row["value"], lang, row["target"]))


def _target_cell(row: pd.Series, lang: str) -> str:
    """The target as the plan reads it, with the milestone year and an "about" tolerance."""
    measure = str(row["measure"])
    tolerance = row.get("tolerance")
    about = fmt.tolerance(measure, row["target"], tolerance, lang)
    text = (f"{'khoảng' if lang == 'vi' else 'about'} {fmt.value(measure, row['target'], lang)}"
            if about else
            fmt.target(measure, row["target"], row["target_max"], bool(row["strict"]), lang))
    notes = []
    if row["kind"] == "milestone" and not fmt.is_missing(row["milestone_year"]):
        notes.append(f"{word('milestone', lang).lower()} {int(row['milestone_year'])}")
    if about:
        notes.append(about)
    return text + (f" ({'; '.join(notes)})" if notes else "")


def pace(rows: pd.DataFrame, lang: str = "vi") -> HTML:
    """Milestone pace: baseline, value, milestone, required and actual pace, projections."""
    if rows.empty:
        return bullets([], lang)
    years = load_register().plan.projection_years
    head = [word(k, lang) for k in ("indicator", "baseline", "value", "milestone",
                                    "required_pace", "actual_pace")]
    head += [word("projection", lang, year=y) for y in years] + [word("status", lang)]
    body = []
    for _, r in rows.iterrows():
        m = str(r["measure"])
        base = _baseline_cell(r, lang)
        if not fmt.is_missing(r.get("baseline_year")) and int(r["baseline_year"]) != int(
                load_register().plan.baseline_year):
            base += f" ({int(r['baseline_year'])})"  # a body founded after the plan's baseline
        body.append([
            r["label"], base, _value_cell(r, lang), _target_cell(r, lang),
            _pace_cell(r["required_pace"], r, lang), _pace_cell(r["actual_pace"], r, lang),
            *[fmt.value(m, r[f"projection_{y}"], lang) for y in years],
            status_badge(r["status"], lang, r.get("provisional")),
        ])
    return _table(head, body, "cd-pace", raw_columns=(len(head) - 1,))


def _baseline_cell(row: pd.Series, lang: str) -> str:
    """The baseline in the value's own terms.

    Beside a CĐCS's own answer ("Có"), its baseline is "Có" or "Không", not 100 % or 0 %.
    """
    answer, base = row.get("answer"), row["baseline_value"]
    if isinstance(answer, str) and answer and not fmt.is_missing(base) and base in (0, 1):
        return {("vi", 1): "Có", ("vi", 0): "Không", ("en", 1): "Yes", ("en", 0): "No"}[
            (fmt.check_lang(lang), int(base))]
    return fmt.value(str(row["measure"]), base, lang)


def _pace_cell(pace_value: Any, row: pd.Series, lang: str) -> str:
    """A pace a year (a growth rate for the compound method).

    'Chưa đủ dữ liệu' where the history is too short to give one.
    """
    if bool(row.get("due")):  # the milestone's year has come: judged reached or not, no pace
        return fmt.MISSING
    if fmt.is_missing(pace_value) and row["status"] == "insufficient_history":
        return fmt.status_label("insufficient_history", lang)
    if row.get("pace_method") == "compound" and not fmt.is_missing(pace_value):
        return fmt.percent(pace_value, lang)
    return fmt.signed(pace_value, str(row["measure"]), lang)


def _scale(values: Any) -> tuple[float, float]:
    """Ends of a share scale holding every value: 0–100 %, widened by quarters (e.g. to 125 %)."""
    low, high = share_limits(values, pad=0.0)
    return float(np.floor(low * 4) / 4), float(np.ceil(high * 4) / 4)


def comparison(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """The comparison of this union with its sector, upper union and organisation: screen and print.

    On screen, an HTML dot plot (:func:`dot_plot`) that reads at any width; in print, the
    same figures as a chart image (:func:`congdoan.briefing.charts.comparison`, with its text
    alternative). Print has no use for a layout that reflows, and an image costs the PDF
    far less than the plot's hundreds of boxes and lines of text: the plot is marked
    :data:`congdoan.briefing.SCREEN_ONLY`, the PDF is made without it, and the style sheet
    shows each where it belongs in a browser.
    """
    if table.empty:
        return bullets([], lang)
    data = base64.b64encode(comparison_png(table, lang=lang, legend=False)).decode()
    start, end = SCREEN_ONLY
    aggregates = [c for c in table.attrs.get("series_names", {}) if c != "unit" and c in table]
    held = bool(aggregates) and bool(table[aggregates].isna().to_numpy().any())
    note = f'<p class="cd-note">{esc(word("compared_few", lang))}</p>' if held else ""
    return HTML(f'{start}<div class="cd-screen">{dot_plot(table, lang)._repr_html_()}</div>{end}'
                f'<div class="cd-print cd-dots">{_dot_legend(table, lang)}'
                f'<img src="data:image/png;base64,{data}" '
                f'alt="{esc(comparison_alt(table, lang))}"></div>{note}')


def _dot_legend(table: pd.DataFrame, lang: str) -> str:
    """The key of a comparison's symbols as text: each series drawn (symbol and name), the target.

    A series without any value (an aggregate held back: too few other CĐCS) has no key.
    """
    names: dict[str, str] = table.attrs.get("series_names", {})
    keys = "".join(f'<span class="cd-dot-key"><b style="color:{SERIES_STYLES[name][0]}">'
                   f"{SERIES_SYMBOLS[name]}</b> {esc(names.get(name, name))}</span>"
                   for name in SERIES_STYLES
                   if name in table.columns and table[name].notna().any())
    keys += (f'<span class="cd-dot-key"><i class="cd-dot-tick"></i> '
             f'{esc(word("target", lang))}</span>')
    return f'<div class="cd-dot-legend" aria-hidden="true">{keys}</div>'


def dot_plot(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """The comparison as an HTML dot plot: this union, its sector, upper union and organisation.

    One row per indicator (``table`` as :func:`congdoan.briefing.content.comparison_table`
    makes it): its name with every value written out (symbol and percentage), and a scale on
    which each series is a coloured symbol and the target a black tick; the scale is described
    in words for screen readers. The scale follows the data (a value of 105,6 % widens it to
    125 %). Texts stay texts, so the chart reads at any width: side by side on a wide screen,
    name above scale on a phone. Few boxes per row: the grid lines are the scale's background.
    """
    if table.empty:
        return bullets([], lang)
    names: dict[str, str] = table.attrs.get("series_names", {})
    series = [name for name in SERIES_STYLES if name in table.columns]
    low, high = _scale(table[[*series, "target"]].to_numpy(dtype=float))

    def at(value: float) -> str:
        return f"{100 * (value - low) / (high - low):.2f}%"

    def mark(name: str) -> str:
        return f'<b style="color:{SERIES_STYLES[name][0]}">{SERIES_SYMBOLS[name]}</b>'

    target_word = word("target", lang)
    grid = f'background-size:{100 * 0.25 / (high - low):.3f}% 100%'
    rows = []
    for _, row in table.iterrows():
        shown = {name: fmt.percent(row[name], lang) for name in series}
        target = fmt.percent(row["target"], lang)
        values = " ".join(f"{mark(name)}\u00a0{esc(text)}" for name, text in shown.items())
        spoken = ", ".join(f"{names.get(name, name)} {text}" for name, text in shown.items())
        dots = "".join(
            f'<i class="cd-dot" style="left:{at(float(row[name]))};top:'
            f'{12 + 76 * (i + 0.5) / len(series):.1f}%;color:{SERIES_STYLES[name][0]}">'
            f"{SERIES_SYMBOLS[name]}</i>"
            for i, name in enumerate(series) if not fmt.is_missing(row[name]))
        tick = ("" if fmt.is_missing(row["target"]) else
                f'<i class="cd-dot-target" style="left:{at(float(row["target"]))}"></i>')
        rows.append(
            f'<div class="cd-dot-row"><div class="cd-dot-label">{esc(row["label"])}'
            f'<div class="cd-dot-values" aria-hidden="true">{values} · {esc(target_word)}'
            f"\u00a0{esc(target)}</div></div>"
            f'<div class="cd-dot-track" role="img" style="{grid}" aria-label="'
            f'{esc(row["label"])}: {esc(spoken)}; {esc(target_word.lower())} {esc(target)}">'
            f"{tick}{dots}</div></div>")
    axis = "".join(f'<span style="left:{at(t)}">{esc(fmt.percent(t, lang, decimals=0))}</span>'
                   for t in np.arange(low, high + 1e-9, 0.25))
    return HTML(
        f'<div class="cd-dots">{_dot_legend(table, lang)}{"".join(rows)}'
        f'<div class="cd-dot-row cd-dot-axis-row" aria-hidden="true"><div></div>'
        f'<div class="cd-dot-axis">{axis}</div></div></div>')


def bullets(lines: Iterable[str], lang: str = "vi", css: str = "") -> HTML:
    """An escaped bullet list ('None.' when empty)."""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines) or f"<li>{esc(word('none', lang))}</li>"
    return HTML(f'<ul class="cd-list {css}">{items}</ul>')


def narrative(lines: Sequence[str]) -> HTML:
    """The conclusions box; the text before the first colon of each line is bold."""
    items = []
    for line in lines:
        head, sep, rest = line.partition(": ")
        items.append(f"<li><strong>{esc(head)}{esc(sep)}</strong>{esc(rest)}</li>" if sep
                     else f"<li>{esc(line)}</li>")
    return HTML(f'<div class="cd-box"><ul class="cd-list">{"".join(items)}</ul></div>')


def breakdown(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """Indicators × groups (sector or commune): value with its status symbol; target column.

    A provisional cell (the group's coverage below the threshold: ``provisional``, as
    :func:`congdoan.briefing.content.breakdown` gives it) is marked "*" and greyed, and a note
    under the table says what the mark means.
    """
    if table.empty:
        return bullets([], lang)
    groups = list(dict.fromkeys(table.sort_values("group_name")["group_name"]))
    head = [word("indicator", lang), word("target", lang), *groups]
    body = []
    marked = False
    for _ind, part in table.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        m = str(first["measure"])
        cells = {}
        for _, r in part.iterrows():
            style = status_style(r["status"])
            star = fmt.is_set(r.get("provisional")) and r["status"] != "no_data"
            marked |= star
            colour = status_style("no_data").colour if star else style.colour
            cells[str(r["group_name"])] = (
                f'{esc(fmt.value(m, r["value"], lang, r["target"]))}{"*" if star else ""} '
                f'<span style="color:{colour}">{esc(style.symbol)}</span>')
        body.append([first["label"], esc(fmt.target(m, first["target"], None, False, lang)),
                     *[cells.get(g, esc(fmt.MISSING)) for g in groups]])
    html_table = _table(head, body, "cd-breakdown", raw_columns=tuple(range(1, len(head)))).data
    if marked:
        html_table += f'<p class="cd-note">{esc(word("provisional_mark", lang))}</p>'
    return HTML(html_table)


def breakdown_summary(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """One row per group (e.g. commune): indicators met out of judged, and those not met."""
    if table.empty:
        return bullets([], lang)
    head = [word("commune", lang), word("status", lang), fmt.status_label("not_met", lang)]
    body = []
    for name, part in table.sort_values("group_name").groupby("group_name", sort=False):
        judged = part[part["status"] != "no_data"]
        met = int((judged["status"] == "met").sum())
        missed = int((judged["status"] == "not_met").sum())
        things = "chỉ tiêu" if lang == "vi" else "indicators"
        rough = (f" ({fmt.PROVISIONAL[lang]})" if "provisional" in judged
                 and judged["provisional"].astype(bool).any() else "")
        body.append([str(name), f"{met}/{len(judged)} {things} "
                     f"{fmt.status_label('met', lang).lower()}{rough}" if len(judged)
                     else fmt.status_label("no_data", lang),
                     fmt.number(missed, lang) if len(judged) else fmt.MISSING])
    return _table(head, body, "cd-summary")


def units_below(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """The CĐCS with the most indicators needing action (upper briefing only)."""
    if table.empty:
        return bullets([], lang)
    head = [word("code", lang), word("name", lang), word("sector", lang), word("commune", lang),
            word("below", lang)]
    body = [[r["unit_id"], r["unit_name"], sector_name(r["sector"], lang), r["commune"],
             f"{r['below']}/{r['judged']}"] for _, r in table.iterrows()]
    return _table(head, body, "cd-below")


def programmes(table: pd.DataFrame, lang: str = "vi", upper: bool = False) -> HTML:
    """The programmes' section: its heading and :func:`activities`.

    Nothing when the plan follows no programme (nor is the section numbered:
    :func:`shown_sections`).
    """
    if not load_elements().activities:
        return HTML("")
    section = "upper_activities" if upper else "activities"
    return HTML(str(heading(section, lang).data) + str(activities(table, lang, upper).data))


def activities(table: pd.DataFrame, lang: str = "vi", upper: bool = False) -> HTML:
    """Section III: per programme held, activities, participations and support (đồng).

    ``table`` as :func:`congdoan.briefing.content.unit_activities` makes it. ``upper``: an
    upper union's or the area's totals, with how many CĐCS held each programme and a total row;
    a CĐCS's briefing lists the programmes it held and names the others in one line.
    """
    if table.empty:  # the plan follows no programme (the forms ask about none)
        return bullets([word("no_programmes", lang)], lang)
    held = table[table["events"] > 0]
    if held.empty:
        return bullets([f"{word('not_held', lang)}: "
                        f"{fmt.word_list(table['label'], lang)}."], lang)
    keys = ["programme", "clause", *(["units_held"] if upper else [])]
    head = [word(k, lang) for k in keys] + [MEASURE_WORDS[m][fmt.check_lang(lang)]
                                            for m in MEASURES]
    shown = table if upper else held
    body = [[r["label"], r["clause"], *([fmt.number(r["units"], lang)] if upper else []),
             *[fmt.number(r[m], lang) for m in MEASURES]] for _, r in shown.iterrows()]
    if upper:
        body.append([word("all_programmes", lang), "", "",  # a CĐCS may hold several
                     *[fmt.number(table[m].sum(), lang) for m in MEASURES]])
    out = _table(head, body, "cd-activities")._repr_html_()
    missing = table.loc[table["events"] == 0, "label"]
    if not upper and len(missing):
        out += bullets([f"{word('not_held', lang)}: {fmt.word_list(missing, lang)}."],
                       lang)._repr_html_()
    return HTML(out)


def sector_name(sector: Any, lang: str = "vi") -> str:
    """The name of a sector code (``NNN`` → Doanh nghiệp ngoài nhà nước); other text as it is."""
    return SECTOR_NAMES.get(str(sector), {}).get(lang, str(sector))


def status_distribution(counts: pd.DataFrame, lang: str = "vi") -> HTML:
    """Per indicator, how many CĐCS are in each status, as HTML stacked bars.

    ``counts`` as :func:`congdoan.briefing.content.status_counts` makes it (index = indicator
    name, columns = statuses). Bars share one scale (the longest is the indicator judged for
    the most CĐCS); each part is coloured and carries its count, and below the name every
    status is written out with its symbol, so the figures read without the colours and at
    any width.
    """
    if counts.empty:
        return bullets([], lang)
    total = float(counts.to_numpy().sum(axis=1).max()) or 1.0
    rows = []
    for name, row in counts.iterrows():
        shown = [(str(status), int(n)) for status, n in row.items() if n]
        parts = "".join(
            f'<span class="cd-bar-part cd-bar-{esc(status)}" style="width:{100 * n / total:.2f}%;'
            f'background:{status_style(status).colour}">{n if n / total >= 0.06 else ""}</span>'
            for status, n in shown)
        words = " ".join(
            f'<b style="color:{status_style(status).colour}">{esc(status_style(status).symbol)}'
            f"</b>\u00a0{esc(fmt.status_label(status, lang))}\u00a0{esc(fmt.number(n, lang))}"
            for status, n in shown)
        rows.append(
            f'<div class="cd-dot-row"><div class="cd-dot-label">{esc(name)}'
            f'<div class="cd-dot-values">{words}</div></div>'
            f'<div class="cd-bar" aria-hidden="true">{parts}</div></div>')
    note = (f"Số CĐCS ở mỗi mức đánh giá; thanh dài nhất: {fmt.number(total, lang)} CĐCS."
            if lang == "vi" else
            f"Grassroots unions in each status; the longest bar: {fmt.number(total, lang)}.")
    return HTML(f'<div class="cd-dots cd-bars"><p class="cd-note">{esc(note)}</p>'
                f'{"".join(rows)}</div>')


def reporting(summary: pd.DataFrame, lang: str = "vi") -> HTML:
    """Reports expected, received, on time, late, missing, per report and in total.

    Each row is named for its report ("Báo cáo năm (2025-H2)"); the total row only when there
    is more than one report to add up.
    """
    keys = ("sub_period", "expected", "received", "on_time", "late", "missing", "completeness",
            "timeliness")
    if (summary["sub_period"].astype(str) != "total").sum() == 1:
        summary = summary[summary["sub_period"].astype(str) != "total"]
    body = []
    for _, r in summary.iterrows():
        sub = str(r["sub_period"])
        name = word("total", lang) if sub == "total" else word(
            "year_report" if parse_period(sub).half == 2 else "half_report", lang, period=sub)
        body.append([name, *[fmt.number(r[k], lang) for k in keys[1:6]],
                     fmt.percent(r["completeness"], lang), fmt.percent(r["timeliness"], lang)])
    return _table([word(k, lang) for k in keys], body, "cd-reporting")


def footer(lang: str = "vi", upper: bool = False) -> HTML:
    """Closing note on sources and on who may read the briefing."""
    vi = lang == "vi"
    plan = load_register().plan
    text = (f"Nguồn: báo cáo định kỳ của CĐCS và sổ đăng ký; chỉ tiêu theo {plan.citation('vi')}. "
            if vi else
            f"Source: periodic CĐCS reports and the registry; targets from {plan.citation('en')}. ")
    if upper:
        text += ("Tài liệu nội bộ của công đoàn cấp trên: có nêu tên CĐCS." if vi else
                 "Internal document of the upper union: names grassroots unions.")
    else:
        text += ("Số so sánh là số tổng hợp, không nêu số liệu của CĐCS khác." if vi else
                 "Comparisons use aggregates only, never another union's figures.")
    return HTML(f'<p class="cd-foot">{esc(text)}</p>')
