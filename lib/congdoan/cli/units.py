"""``congdoan units``: the list of CĐCS, upper unions and communes, with its history.

``units template`` writes the Excel list to fill (prefilled with the registry as it stands);
``units import FILE`` applies a filled list (all or nothing, dated events); ``units list --at
DATE`` shows the registry as it stood on a day (``--uppers``: its upper unions, each with the one
above it); ``units history [CODE]`` lists the events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from congdoan.cli.common import add_list_import_arguments, print_problems
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


def _day(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ParameterError("Ngày không đúng dạng.", "Malformed date.",
                         location=Location(field="--at"), value=text,
                         expected="dd/mm/yyyy hoặc YYYY-MM-DD")


def _template_command(args: argparse.Namespace) -> int:
    from congdoan.intake.forms import save_workbook
    from congdoan.intake.units_template import units_workbook

    workspace: Workspace = args.ws
    out = Path(args.out) if args.out else workspace.output_dir / "DanhSachCDCS.xlsx"
    state = registry_state(workspace.database_url)
    save_workbook(units_workbook(state, workspace.organisation), out)
    print(f"Đã tạo danh sách CĐCS ({len(state.units)} CĐCS có sẵn) / units list written → {out}",
          file=sys.stderr)
    return 0


def _import_command(args: argparse.Namespace) -> int:
    from congdoan.intake.unit_import import import_units

    lang = args.units_lang or args.lang
    workspace: Workspace = args.ws
    result = import_units(Path(args.file), workspace.database_url,
                          Path(args.store) if args.store else None, submitted_by=args.by,
                          lang=lang)
    print(result.summary(lang))
    print_problems(result.problems, args.show, lang)
    return 1 if result.status == "rejected" else 0


def _table(frame: pd.DataFrame, headers: dict[str, tuple[str, str]], lang: str) -> pd.DataFrame:
    out = frame[list(headers)].copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%d/%m/%Y").fillna("")
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
    day = _day(args.at)
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
                    "với lịch sử (thành lập, giải thể, chuyển cấp trên, đổi tên). Xem docs/units.md.")
    actions = units.add_subparsers(dest="units_command", required=True, metavar="ACTION")
    template = actions.add_parser(
        "template", help="tạo danh sách Excel để điền / write the Excel list to fill")
    template.add_argument("--out", default=None, metavar="FILE",
                          help="tệp .xlsx (mặc định output/DanhSachCDCS.xlsx)")
    template.set_defaults(func=_template_command)
    imp = actions.add_parser(
        "import", help="nhập danh sách đã điền (.xlsx hoặc .csv) / import a filled list")
    imp.add_argument("file", help="tệp .xlsx (từ mẫu) hoặc .csv (UTF-8)")
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
