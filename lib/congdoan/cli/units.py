"""``congdoan units``: the list of CĐCS, upper unions and communes, with its history.

``units template`` writes the Excel list to fill (prefilled with the registry as it stands);
``units import FILE`` applies a filled list (all or nothing, dated events), or a list in the
officer's own layout (then writes it back in the template's, with the codes given; ``--dry-run``
shows what would change); ``units list --at
DATE`` shows the registry as it stood on a day (``--uppers``: its upper unions, each with the one
above it); ``units history [CODE]`` lists the events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from congdoan.cli.common import add_list_import_arguments, near, print_problems
from congdoan.core.registry import registry_at, uppers_at
from congdoan.core.registry_store import registry_events, registry_state
from congdoan.core.workspace import Workspace
from congdoan.exceptions import Location, ParameterError

LIST_COLUMNS: dict[str, tuple[str, str]] = {
    "unit_id": ("Mã CĐCS", "CĐCS code"),
    "name": ("Tên CĐCS", "CĐCS name"),
    "sector": ("Khu vực", "Sector"),
    "commune_id": ("Mã xã/phường", "Commune code"),
    "commune_name": ("Xã/phường", "Commune"),
    "upper_id": ("Mã cấp trên", "Upper union code"),
    "upper_name": ("Công đoàn cấp trên", "Upper union"),
    "founded": ("Ngày thành lập", "Founded"),
    "since": ("Trực thuộc từ", "Under it since"),
}
"""Headers of ``units list`` (Vietnamese, English)."""

UPPER_LIST_COLUMNS: dict[str, tuple[str, str]] = {
    "upper_id": ("Mã cấp trên", "Upper union code"),
    "name": ("Tên công đoàn cấp trên", "Upper union name"),
    "kind": ("Loại", "Kind"),
    "parent_id": ("Mã cấp trên của nó", "Code of the union above"),
    "parent_name": ("Trực thuộc", "Under"),
    "since": ("Trực thuộc từ", "Under it since"),
}
"""Headers of ``units list --uppers`` (Vietnamese, English); an empty 'Trực thuộc' is directly
under the organisation."""

HISTORY_COLUMNS: dict[str, tuple[str, str]] = {
    "on_date": ("Ngày", "Date"),
    "entity": ("Loại", "Kind"),
    "entity_id": ("Mã", "Code"),
    "event": ("Sự kiện", "Event"),
    "field": ("Trường", "Field"),
    "old_value": ("Trước", "Before"),
    "new_value": ("Sau", "After"),
    "original_name": ("Tệp", "File"),
}
"""Headers of ``units history`` (Vietnamese, English)."""


def parse_day(text: str | None, option: str = "--at") -> dt.date:
    """The day an option gives (dd/mm/yyyy or YYYY-MM-DD; none: today); else ParameterError."""
    if text is None:
        return dt.date.today()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ParameterError("Ngày không đúng dạng.", "Malformed date.",
                         location=Location(field=option), value=text,
                         expected="dd/mm/yyyy hoặc YYYY-MM-DD")


def start_day(text: str | None) -> dt.date | None:
    """The organisation's start that ``--start`` gives, if any.

    Raises:
        ParameterError: the day is malformed, or after today.

    """
    start = parse_day(text, "--start") if text else None
    if start is not None and start > dt.date.today():
        raise ParameterError("Ngày bắt đầu của tổ chức sau hôm nay.",
                             "The organisation's start is after today.",
                             location=Location(field="--start"), value=text,
                             expected=f"≤ {dt.date.today():%d/%m/%Y}")
    return start


def _write_template(workspace: Workspace, out: Path | None) -> tuple[Path, int]:
    """The units list in the template, prefilled with the registry: its path and CĐCS count."""
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.units_template import units_workbook

    out = out or workspace.output_dir / "DanhSachCDCS.xlsx"
    state = registry_state(workspace.database_url)
    save_workbook(units_workbook(state, workspace.organisation), out)
    return out, len(state.units)


def _template_command(args: argparse.Namespace) -> int:
    out, n = _write_template(args.ws, Path(args.out) if args.out else None)
    print(f"Đã tạo danh sách CĐCS ({n} CĐCS có sẵn) / units list written → {out}",
          file=sys.stderr)
    return 0


def _shown(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _event_lines(events: pd.DataFrame, lang: str) -> list[str]:
    """One line per registry event: what, which, when, and the value before and after."""
    from congdoan.intake.unit_import import ENTITY_WORDS, EVENT_WORDS

    which = 0 if lang == "vi" else 1
    width = max((len(str(c)) for c in events["entity_id"]), default=0)
    lines = []
    for e in events.to_dict("records"):
        day = "" if pd.isna(e["on_date"]) else f"{pd.Timestamp(e['on_date']):%d/%m/%Y}"
        old, new, name = _shown(e["old_value"]), _shown(e["new_value"]), _shown(e["field"])
        change = (f"{name}: " if name and (old or new) else "") + (f"{old} → " if old else "") + new
        lines.append(f"   {EVENT_WORDS[str(e['event'])][which]:<18} "
                     f"{ENTITY_WORDS[str(e['entity'])][which]:<12} {e['entity_id']!s:<{width}} "
                     f"{day:<10} {change}".rstrip())
    return lines


NEXT_TIME = (
    "Danh sách theo mẫu, có mã đã cấp → {out} (lần sau: sửa tệp này rồi nhập lại)",
    "The list in the template, with the codes given → {out} (next time: edit it, import it)")
"""Said after a list in the officer's own layout is imported (Vietnamese, English)."""

NEXT_PLAN = ("Tiếp theo: congdoan plan read VĂN_BẢN_KẾ_HOẠCH.docx",
             "Next: congdoan plan read YOUR_PLAN.docx")
"""Said after a list is imported while the plan is still the template's."""


def _import_command(args: argparse.Namespace) -> int:
    from congdoan.core.plan import load_register
    from congdoan.intake.own_headers import parse_columns
    from congdoan.intake.own_layout import OwnLayout
    from congdoan.intake.problems import has_errors
    from congdoan.intake.unit_import import import_units

    lang = args.units_lang or args.lang
    workspace: Workspace = args.ws
    start = start_day(args.start)
    own = OwnLayout(organisation=workspace.organisation, columns=parse_columns(args.column),
                    sheet=args.sheet, start=start)
    result = import_units(Path(args.file), workspace.database_url,
                          Path(args.store) if args.store else None, submitted_by=args.by,
                          lang=lang, own=own, dry_run=args.dry_run,
                          on_mapping=lambda mapping: print("\n".join(mapping.describe(lang))))
    print(result.summary(lang, workspace.organisation.id,
                         report=len(result.problems) > args.show or has_errors(result.problems)))
    if result.dry_run and len(result.events):
        print("\n".join(_event_lines(result.events, lang)))
    print_problems(result.problems, args.show, lang)
    if result.status == "accepted" and not result.dry_run:
        if result.mapping is not None:
            out, _ = _write_template(workspace, None)
            print(NEXT_TIME[lang != "vi"].format(out=near(out)))
        if load_register(workspace.params_dir).plan.is_template and not getattr(args, "step",
                                                                                 False):
            print(NEXT_PLAN[lang != "vi"])
    return 1 if result.status == "rejected" else 0


def _table(frame: pd.DataFrame, headers: dict[str, tuple[str, str]], lang: str) -> pd.DataFrame:
    from congdoan.core.registry import FOUNDED_UNKNOWN

    out = frame[list(headers)].copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            unknown = out[col] == pd.Timestamp(FOUNDED_UNKNOWN)
            out[col] = out[col].dt.strftime("%d/%m/%Y").fillna("").mask(
                unknown, "không rõ" if lang == "vi" else "unknown")
    return out.fillna("").rename(columns={k: v[0 if lang == "vi" else 1]
                                          for k, v in headers.items()})


def _write(table: pd.DataFrame, out: Path | None) -> None:
    if out is None:
        print(table.to_string(index=False) if len(table) else "(không có / none)")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\n")
    print(f"{len(table)} dòng / rows → {out}", file=sys.stderr)


def _list_command(args: argparse.Namespace) -> int:
    day = parse_day(args.at)
    state = registry_state(args.ws.database_url)
    if args.uppers:
        uppers = uppers_at(state, day)
        print(f"Công đoàn cấp trên ngày {day:%d/%m/%Y}: {len(uppers)} / upper unions on "
              f"{day:%Y-%m-%d}", file=sys.stderr)
        _write(_table(uppers, UPPER_LIST_COLUMNS, args.lang), args.out)
        return 0
    frame = registry_at(state, day)
    print(f"Danh mục CĐCS ngày {day:%d/%m/%Y}: {len(frame)} CĐCS / registry on {day:%Y-%m-%d}",
          file=sys.stderr)
    _write(_table(frame, LIST_COLUMNS, args.lang), args.out)
    return 0


def _history_command(args: argparse.Namespace) -> int:
    from congdoan.intake.unit_import import ENTITY_WORDS, EVENT_WORDS
    from congdoan.intake.units import COMMUNE_COLUMNS, UNIT_COLUMNS, UPPER_COLUMNS

    which = 0 if args.lang == "vi" else 1
    labels = {(entity, c.key): (c.label_vi, c.label_en)[which]
              for entity, columns in (("cdcs", UNIT_COLUMNS), ("upper", UPPER_COLUMNS),
                                      ("commune", COMMUNE_COLUMNS)) for c in columns}
    frame = registry_events(args.ws.database_url, args.code)
    # the field as the list's column names it ("Mã công đoàn cấp trên trực tiếp", not upper_id)
    frame["field"] = [labels.get((entity, field), field) if isinstance(field, str) else field
                      for entity, field in zip(frame["entity"], frame["field"], strict=True)]
    frame["event"] = frame["event"].map(lambda e: EVENT_WORDS[e][which])
    frame["entity"] = frame["entity"].map(lambda e: ENTITY_WORDS[e][which])
    _write(_table(frame, HISTORY_COLUMNS, args.lang), args.out)
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``congdoan units`` and its sub-commands."""
    units = sub.add_parser(
        "units", help="danh sách CĐCS: mẫu, nhập, tra cứu / the list of CĐCS",
        description="Danh sách CĐCS, công đoàn cấp trên và xã, phường của không gian làm việc, "
                    "với lịch sử (thành lập, giải thể, chuyển cấp trên, đổi tên). 'units import' "
                    "nhận cả danh sách Excel/CSV của chính anh/chị (không cần chép sang mẫu). "
                    "Xem docs/units.md.")
    actions = units.add_subparsers(dest="units_command", required=True, metavar="ACTION")
    template = actions.add_parser(
        "template", help="tạo danh sách Excel để điền / write the Excel list to fill")
    template.add_argument("--out", default=None, metavar="FILE",
                          help="tệp .xlsx (mặc định output/DanhSachCDCS.xlsx)")
    template.set_defaults(func=_template_command)
    imp = actions.add_parser(
        "import", help="nhập danh sách CĐCS: theo mẫu, hoặc danh sách Excel/CSV của chính anh/chị "
                       "/ import a list: the template, or your own Excel/CSV list",
        description="Nhập danh sách CĐCS (.xlsx hoặc .csv): tệp theo mẫu (congdoan units "
                    "template), hoặc\ndanh sách của chính anh/chị, miễn có một dòng tiêu đề "
                    "(STT, Tên CĐCS, Khu vực hoặc\nLoại hình, Xã/phường, Công đoàn cấp trên, "
                    "Ngày thành lập, Mã số thuế, Số CNVCLĐ, Số đoàn viên …;\nkhông cần mã; khu "
                    "vực bằng chữ, xã và cấp trên bằng tên). Lệnh in cách đọc từng cột trước\n"
                    "khi nhập; sau khi nhập, ghi danh sách theo mẫu (có mã đã cấp) vào "
                    "output/DanhSachCDCS.xlsx.\nTệp có lỗi bị từ chối cả tệp, CSDL không đổi. "
                    "Xem docs/units.md.\n\nImport a list of CĐCS: the template, or your own "
                    "list with a header row (no codes\nneeded); the column mapping is printed "
                    "first, the list is written back in the template.",
        epilog="Ví dụ / examples:\n"
               "  congdoan units import DanhSachCDCS.xlsx --start dd/mm/yyyy --dry-run\n"
               "  congdoan units import DanhSachCDCS.xlsx --start dd/mm/yyyy\n"
               "  congdoan units import ds.xlsx --column \"Tên doanh nghiệp=name\" "
               "--column \"Ghi chú=-\"",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("file", help="tệp .xlsx hoặc .csv (UTF-8): theo mẫu, hoặc danh sách riêng")
    imp.add_argument("--start", default=None, metavar="DATE",
                     help="ngày bắt đầu hoạt động của tổ chức (dd/mm/yyyy), cần ở lần nhập danh "
                          "sách riêng đầu tiên / the organisation's start, needed by a first "
                          "own-layout list")
    imp.add_argument("--column", action="append", default=[], metavar="\"TIÊU ĐỀ=trường\"",
                     help="đọc cột có tiêu đề này thành trường (code, name, sector, commune, "
                          "upper, founded, dissolved, since, tax_code, workers, members; '-' bỏ "
                          "qua); lặp lại được / read the column with this header as a field")
    imp.add_argument("--sheet", default=None, metavar="TÊN",
                     help="trang chứa danh sách (mặc định: trang đầu tiên có dòng tiêu đề)")
    imp.add_argument("--dry-run", action="store_true",
                     help="chạy thử: in cách đọc và những gì sẽ thay đổi, không ghi gì / show "
                          "what would change, write nothing")
    add_list_import_arguments(imp, "units_lang")
    imp.set_defaults(func=_import_command)
    listing = actions.add_parser(
        "list", help="danh mục CĐCS tại một ngày / the registry as it stood on a day")
    listing.add_argument("--at", default=None, metavar="DATE",
                         help="ngày dd/mm/yyyy hoặc YYYY-MM-DD (mặc định hôm nay)")
    listing.add_argument("--out", type=Path, default=None, help="tệp CSV (mặc định: màn hình)")
    listing.add_argument("--uppers", action="store_true",
                         help="liệt kê công đoàn cấp trên và cấp trên của chúng / list the upper "
                              "unions and the union above each")
    listing.set_defaults(func=_list_command)
    history = actions.add_parser(
        "history", help="các sự kiện của danh mục / the registry's events")
    history.add_argument("code", nargs="?", default=None, help="mã CĐCS, cấp trên hoặc xã")
    history.add_argument("--out", type=Path, default=None, help="tệp CSV (mặc định: màn hình)")
    history.set_defaults(func=_history_command)
