"""Writing ``plan.yaml`` with its lines and comments kept: only changed fields are rewritten.

:func:`write_plan` edits the text of the file line by line (the ``plan`` block's fields through
:func:`~congdoan.core.plan.set_plan_identity`, each changed indicator field in place, a dropped
indicator's lines removed) and checks that the result reads back as the data wanted; where it
does not, the data is written whole. :func:`write_elements` removes, the same way, the data
elements of ``data_elements.yaml`` that only served a clause the plan no longer has
(:func:`unused_elements`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from congdoan.core.plan import ENGINE_INPUTS, elements_read, set_plan_identity
from congdoan.core.yamlio import read_yaml
from congdoan.exceptions import CongdoanError


def _flow(value: Any) -> str:
    """``value`` as one line of YAML (flow style)."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10**6,
                          sort_keys=False)
    return text.strip().removesuffix("...").strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _span(lines: list[str], start: int, limit: int, indent: int) -> int:
    """End of the entry starting at ``start``: the next non-blank line indented ≤ ``indent``."""
    end = start + 1
    while end < limit and (not lines[end].strip() or _indent(lines[end]) > indent):
        end += 1
    return end


def _edited_lines(text: str, raw: dict[str, Any], new: dict[str, Any]) -> str:
    """``text`` with each changed indicator field's lines rewritten, dropped lines removed."""
    lines = text.splitlines()
    old_by_id = {e["id"]: e for e in raw["indicators"]}
    new_by_id = {e["id"]: e for e in new["indicators"]}
    for ind_id, old in old_by_id.items():
        head = next((i for i, line in enumerate(lines) if re.fullmatch(
            rf"\s*- id: *['\"]?{re.escape(ind_id)}['\"]? *(#.*)?", line)), None)
        if head is None:
            raise ValueError(ind_id)
        dash = _indent(lines[head])
        end = _span(lines, head, len(lines), dash)
        if ind_id not in new_by_id:
            del lines[head:end]
            continue
        for key, value in new_by_id[ind_id].items():
            if old.get(key) == value:
                continue
            at = next(i for i in range(head + 1, end) if re.match(rf" {{{dash + 2}}}{key}:",
                                                                 lines[i]))
            stop = _span(lines, at, end, dash + 2)
            pad = " " * (dash + 2)
            if stop - at == 1 or not isinstance(value, dict):
                block = [f"{pad}{key}: {_flow(value)}"]
            else:
                block = [f"{pad}{key}:"] + [f"{pad}  {_flow(k)}: {_flow(v)}"
                                            for k, v in value.items()]
            lines[at:stop] = block
            end += len(block) - (stop - at)
    _insert_new(lines, old_by_id, new["indicators"])
    return "\n".join(lines) + "\n"


def _insert_new(lines: list[str], old_by_id: dict[str, Any], entries: list[dict[str, Any]]
                ) -> None:
    """Write each entry of ``entries`` not in ``old_by_id`` after the entry before it."""
    for at, entry in enumerate(entries):
        if entry["id"] in old_by_id:
            continue
        if at == 0:
            raise ValueError(entry["id"])  # nothing to follow: written whole
        before = entries[at - 1]["id"]
        head = next(i for i, line in enumerate(lines) if re.fullmatch(
            rf"\s*- id: *['\"]?{re.escape(before)}['\"]? *(#.*)?", line))
        dash = _indent(lines[head])
        end = _span(lines, head, len(lines), dash)
        while not lines[end - 1].strip():
            end -= 1
        pad = " " * (dash + 2)
        block = [f"{' ' * dash}- id: {_flow(entry['id'])}"]
        for key, value in list(entry.items())[1:]:
            if isinstance(value, dict) and value and all(isinstance(v, dict) for v in
                                                          value.values()):
                block += [f"{pad}{key}:"] + [f"{pad}  {_flow(k)}: {_flow(v)}"
                                             for k, v in value.items()]
            else:
                block.append(f"{pad}{key}: {_flow(value)}")
        lines[end:end] = block


def write_plan(path: Path, text: str, raw: dict[str, Any], new: dict[str, Any]) -> bool:
    """Write ``new`` (the data of ``plan.yaml``) to ``path``, keeping ``text``'s lines.

    ``text`` is the file that ``raw`` was read from. Only the lines of changed fields of the
    ``plan`` block and of indicators change, dropped indicators' lines go and added ones are
    written after the line before them; comments and the
    layout of the rest stay. Returns False when the file's layout does not allow that (a field
    the line edits cannot find, or a result that does not read back as ``new``): ``new`` is then
    written whole, in block style, and the comments are lost.
    """
    changed_identity = {k: v for k, v in new["plan"].items() if raw["plan"].get(k) != v}
    try:
        path.write_text(_edited_lines(text, raw, new), encoding="utf-8")
        set_plan_identity(path, changed_identity)
        if read_yaml(path) == new:
            return True
    except (ValueError, StopIteration, CongdoanError, KeyError):
        pass  # a layout the line edits cannot follow: written whole below
    path.write_text(yaml.safe_dump(new, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    return False


def unused_elements(elements: dict[str, Any], old: dict[str, Any], new: dict[str, Any]
                    ) -> list[str]:
    """Report questions that only served what ``new`` dropped: names, in file order.

    ``elements``, ``old`` and ``new`` are YAML data (``data_elements.yaml``; ``plan.yaml``
    before and after). An element goes when it served something ``new`` no longer has (its
    ``clause`` was one of ``old``'s clauses that ``new`` dropped, or a line of ``old`` that
    ``new`` dropped read it) and nothing still needs it: no indicator of ``new`` uses it
    (numerator or denominator, or an element the engine derives one from) and no report rule
    names it. The elements the engine itself reads (:data:`~congdoan.core.plan.ENGINE_INPUTS`)
    never go.
    """
    gone = set(old["plan"]["clauses"]) - set(new["plan"]["clauses"])
    kept_ids = {e["id"] for e in new["indicators"]}
    read_by_dropped = _read_by([e for e in old["indicators"] if e["id"] not in kept_ids])
    used = _read_by(new["indicators"])
    used |= set(ENGINE_INPUTS)  # read by the engine whatever the plan
    used |= {r[k] for r in elements.get("rules") or () for k in ("field", "limit")}
    return [e["name"] for e in elements["elements"]
            if (str(e["clause"]) in gone or e["name"] in read_by_dropped)
            and e["name"] not in used]


def _read_by(indicators: list[dict[str, Any]]) -> set[str]:
    """Elements the ``indicators`` (YAML data) read, with those the engine derives them from."""
    return {name for e in indicators
            for name in elements_read(e.get("numerator"), e.get("denominator"))}


def write_elements(path: Path, text: str, names: list[str]) -> bool:
    """Write ``text`` (``data_elements.yaml``) to ``path`` without the elements ``names``.

    Only each element's own lines go. Returns False when the layout does not allow that (an
    element not found as one ``- {name: …}`` entry of ``elements``, or a result that does not
    read back as the file less those elements): the data is then written whole, in block style.
    """
    raw = yaml.safe_load(text)
    wanted = {**raw, "elements": [e for e in raw["elements"] if e["name"] not in names]}
    lines = text.splitlines()
    try:
        for name in names:
            top = lines.index("elements:")
            limit = next((i for i in range(top + 1, len(lines))
                          if re.match(r"[A-Za-z_]", lines[i])), len(lines))
            head = next(i for i in range(top + 1, limit) if re.match(
                rf"\s*- *\{{ *name: *['\"]?{re.escape(name)}['\"]? *,", lines[i]))
            end = _span(lines, head, limit, _indent(lines[head]))
            while not lines[end - 1].strip():  # blank lines after the entry stay
                end -= 1
            del lines[head:end]
        edited = "\n".join(lines) + "\n"
        if yaml.safe_load(edited) == wanted:
            path.write_text(edited, encoding="utf-8")
            return True
    except (StopIteration, ValueError):
        pass  # a layout the line edits cannot follow: written whole below
    path.write_text(yaml.safe_dump(wanted, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    return False


def write_activities(path: Path, text: str, activities: list[dict[str, Any]]) -> bool:
    """Write ``text`` (``data_elements.yaml``) to ``path`` with ``activities`` as its programmes.

    The ``activities:`` block is rewritten one programme a line, the rest of the file kept.
    Returns False when the layout does not allow that (no such block, or a result that does not
    read back as wanted): the data is then written whole, in block style.
    """
    raw = yaml.safe_load(text)
    wanted = {**raw, "activities": activities}
    lines = text.splitlines()
    try:
        top = lines.index("activities:")
        limit = next((i for i in range(top + 1, len(lines))
                      if re.match(r"[A-Za-z_]", lines[i])), len(lines))
        end = limit
        while end > top + 1 and not lines[end - 1].strip():
            end -= 1
        lines[top + 1:end] = [f"  - {_flow(a)}" for a in activities]
        if not activities:
            lines[top] = "activities: []"
        edited = "\n".join(lines) + "\n"
        if yaml.safe_load(edited) == wanted:
            path.write_text(edited, encoding="utf-8")
            return True
    except ValueError:
        pass  # a layout the line edits cannot follow: written whole below
    path.write_text(yaml.safe_dump(wanted, allow_unicode=True, sort_keys=False, width=100),
                    encoding="utf-8")
    return False
