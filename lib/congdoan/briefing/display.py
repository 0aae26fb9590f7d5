"""HTML fragments shown by the briefing notebooks; every text from data is escaped here.

Each function takes what :mod:`congdoan.briefing.content` computed and returns an
:class:`IPython.display.HTML` object. Names, ids and free text are passed through
:func:`html.escape`, so a union called ``<script>…`` is shown as text, never run.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from IPython.display import HTML

from congdoan.briefing import fmt
from congdoan.briefing.charts import status_style
from congdoan.briefing.content import Identity
from congdoan.core.periods import parse_period
from congdoan.core.plan import load_register

WORDS: dict[str, dict[str, str]] = {
    "union_title": {"vi": "BÁO CÁO TÓM TẮT CÔNG ĐOÀN CƠ SỞ", "en": "GRASSROOTS UNION BRIEFING"},
    "upper_title": {"vi": "BÁO CÁO TÓM TẮT CÔNG ĐOÀN CẤP TRÊN",
                    "en": "UPPER UNION BRIEFING"},
    "district_title": {"vi": "BÁO CÁO TÓM TẮT TOÀN ĐỊA BÀN", "en": "DISTRICT BRIEFING"},
    "plan": {"vi": "Thực hiện {plan_short} ({implements})",
             "en": "Implementation of plan {plan_number} ({implements})"},
    "sector": {"vi": "Khu vực", "en": "Sector"},
    "commune": {"vi": "Xã, phường", "en": "Commune or ward"},
    "upper": {"vi": "Công đoàn cấp trên", "en": "Upper union"},
    "period": {"vi": "Kỳ báo cáo", "en": "Period"},
    "cut_off": {"vi": "Số liệu tính đến", "en": "Data as of"},
    "units": {"vi": "Số CĐCS", "en": "Grassroots unions"},
    "code": {"vi": "Mã", "en": "Code"},
    "clause": {"vi": "Điều", "en": "Clause"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "value": {"vi": "Thực hiện", "en": "Value"},
    "target": {"vi": "Chỉ tiêu", "en": "Target"},
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
    "name": {"vi": "Tên CĐCS", "en": "Union"},
    "below": {"vi": "Số chỉ tiêu cần cải thiện", "en": "Targets needing action"},
    "none": {"vi": "Không có.", "en": "None."},
}
"""Captions and column headings in both languages; ``{…}`` names a fact of the plan register in
force (:func:`plan_facts`), so no plan's number or years are written here."""

SECTIONS: dict[str, dict[str, str]] = {
    "scorecard": {"vi": "1. Kết quả thực hiện chỉ tiêu", "en": "1. Scorecard"},
    "trend": {"vi": "2. Diễn biến qua các kỳ", "en": "2. Trend over the periods"},
    "comparison": {"vi": "3. So sánh với khu vực và công đoàn cấp trên (số tổng hợp)",
                   "en": "3. Comparison with sector and upper union (aggregates)"},
    "pace": {"vi": "4. Tiến độ các mốc {projection_span}",
             "en": "4. Milestone pace {projection_span}"},
    "missing": {"vi": "5. Số liệu còn thiếu", "en": "5. Missing data"},
    "conclusions": {"vi": "6. Nhận xét và việc cần làm", "en": "6. Conclusions and next steps"},
    "upper_scorecard": {"vi": "1. Chỉ tiêu năm và mốc kế hoạch", "en": "1. Annual targets and milestones"},
    "trajectory": {"vi": "2. Quỹ đạo các mốc và dự báo {projection_list}",
                   "en": "2. Milestone trajectory and projections to {projection_list}"},
    "by_sector": {"vi": "3. Theo khu vực", "en": "3. By sector"},
    "by_commune": {"vi": "4. Theo xã, thị trấn", "en": "4. By commune"},
    "distribution": {"vi": "5. Phân bố CĐCS theo mức đạt chỉ tiêu",
                     "en": "5. Grassroots unions by status"},
    "below": {"vi": "6. CĐCS có nhiều chỉ tiêu cần cải thiện",
              "en": "6. Unions with the most targets needing action"},
    "reporting": {"vi": "7. Tình hình nộp báo cáo", "en": "7. Reporting completeness and timeliness"},
    "upper_conclusions": {"vi": "8. Nhận xét", "en": "8. Conclusions"},
}
"""Section headings of both briefings (``{…}``: facts of the plan, :func:`plan_facts`)."""


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
    """A section heading."""
    text = SECTIONS[section][fmt.check_lang(lang)].format(**plan_facts())
    return HTML(f'<h2 class="cd-h2">{esc(text)}</h2>')


def status_badge(status: Any, lang: str = "vi") -> str:
    """A colour-blind-safe traffic light: symbol, colour and word."""
    style = status_style(status)
    return (f'<span class="cd-status" style="color:{style.colour}">'
            f'<span class="cd-sym" aria-hidden="true">{esc(style.symbol)}</span> '
            f'{esc(fmt.status_label(status, lang))}</span>')


def title_block(who: Identity, lang: str = "vi") -> HTML:
    """The title block: kind of briefing, name, sector, commune, upper union, period, cut-off."""
    kind = {"cdcs": "union_title", "upper_union": "upper_title"}.get(who.level, "district_title")
    facts: list[tuple[str, str]] = [(word("code", lang), who.unit_id)]
    if who.level == "cdcs":
        facts += [(word("sector", lang), who.sector_name or ""),
                  (word("commune", lang), who.commune_name or ""),
                  (word("upper", lang), who.upper_name or "")]
    else:
        facts.append((word("units", lang), fmt.number(who.units, lang)))
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
    """A table; cells are escaped except the columns in ``raw_columns`` (already HTML)."""
    th = "".join(f"<th>{esc(h)}</th>" for h in head)
    rows = []
    for cells in body:
        tds = "".join(f"<td>{c if i in raw_columns else esc(c)}</td>"
                      for i, c in enumerate(cells))
        rows.append(f"<tr>{tds}</tr>")
    return HTML(f'<table class="cd-table {css}"><thead><tr>{th}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table>')


def scorecard(card: pd.DataFrame, lang: str = "vi") -> HTML:
    """The scorecard: clause, indicator, value, target and the status traffic light."""
    head = [word(k, lang) for k in ("clause", "indicator", "value", "target", "status", "note")]
    body = []
    for _, r in card.iterrows():
        body.append([r["clause"], r["label"], _value_cell(r, lang), _target_cell(r, lang),
                     status_badge(r["status"], lang), r["note"] or ""])
    return _table(head, body, "cd-score", raw_columns=(4,))


def _value_cell(row: pd.Series, lang: str) -> str:
    """A value shown against its target (never rounded onto it), marked when provisional."""
    text = fmt.value(str(row["measure"]), row["value"], lang, row["target"])
    if row.get("provisional") is not None and row["provisional"] is not pd.NA and bool(
            row["provisional"]) and text != fmt.MISSING:
        text += f" ({fmt.PROVISIONAL[lang]})"
    return text


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
        base = fmt.value(m, r["baseline_value"], lang)
        if not fmt.is_missing(r.get("baseline_year")) and int(r["baseline_year"]) != int(
                load_register().plan.baseline_year):
            base += f" ({int(r['baseline_year'])})"  # a body founded after the plan's baseline
        body.append([
            r["label"], base, _value_cell(r, lang), _target_cell(r, lang),
            _pace_cell(r["required_pace"], r, lang), _pace_cell(r["actual_pace"], r, lang),
            *[fmt.value(m, r[f"projection_{y}"], lang) for y in years],
            status_badge(r["status"], lang),
        ])
    return _table(head, body, "cd-pace", raw_columns=(len(head) - 1,))


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
    """Indicators × groups (sector or commune): value with its status symbol; target column."""
    if table.empty:
        return bullets([], lang)
    groups = list(dict.fromkeys(table.sort_values("group_name")["group_name"]))
    head = [word("indicator", lang), word("target", lang), *groups]
    body = []
    for _ind, part in table.groupby("indicator_id", sort=False):
        first = part.iloc[0]
        m = str(first["measure"])
        cells = {str(r["group_name"]): (f'{esc(fmt.value(m, r["value"], lang, r["target"]))} '
                                        f'<span style="color:{status_style(r["status"]).colour}">'
                                        f'{esc(status_style(r["status"]).symbol)}</span>')
                 for _, r in part.iterrows()}
        body.append([first["label"], esc(fmt.target(m, first["target"], None, False, lang)),
                     *[cells.get(g, esc(fmt.MISSING)) for g in groups]])
    return _table(head, body, "cd-breakdown", raw_columns=tuple(range(1, len(head))))


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
        body.append([str(name), f"{met}/{len(judged)} {fmt.status_label('met', lang).lower()}",
                     fmt.number(missed, lang)])
    return _table(head, body, "cd-summary")


def units_below(table: pd.DataFrame, lang: str = "vi") -> HTML:
    """The CĐCS with the most indicators needing action (upper briefing only)."""
    if table.empty:
        return bullets([], lang)
    head = [word("code", lang), word("name", lang), word("sector", lang), word("commune", lang),
            word("below", lang)]
    body = [[r["unit_id"], r["unit_name"], r["sector"], r["commune"],
             f"{r['below']}/{r['judged']}"] for _, r in table.iterrows()]
    return _table(head, body, "cd-below")


def reporting(summary: pd.DataFrame, lang: str = "vi") -> HTML:
    """Reports expected, received, on time, late, missing, per sub-period and in total."""
    keys = ("sub_period", "expected", "received", "on_time", "late", "missing", "completeness",
            "timeliness")
    body = []
    for _, r in summary.iterrows():
        sub = str(r["sub_period"])
        name = word("total", lang) if sub == "total" else parse_period(sub).label(lang)
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
