"""Reading YAML configuration into validated pydantic models, with located errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from congdoan.exceptions import ConfigError, Location

M = TypeVar("M", bound=pydantic.BaseModel)

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (its wheels do), else the pure-Python one: the
same documents either way (the C one is much quicker, and every kernel parses the register)."""


def read_yaml(path: Path) -> Any:
    """Return the parsed content of ``path``; a missing or malformed file is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            "Không tìm thấy tệp cấu hình.", "Configuration file not found.",
            location=Location(file=str(path)),
        ) from exc
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ConfigError(
            f"Tệp YAML sai cú pháp: {exc}", f"Malformed YAML: {exc}",
            location=Location(file=str(path), row=row),
        ) from exc


MESSAGES_VI = {
    "missing": "thiếu trường bắt buộc (có thể gõ sai tên trường)",
    "extra_forbidden": "trường lạ, không có trong mẫu (có thể gõ sai tên)",
    "literal_error": "giá trị không thuộc các giá trị cho phép",
    "int_parsing": "cần một số nguyên",
    "float_parsing": "cần một số",
    "bool_parsing": "cần true hoặc false",
    "string_type": "cần một chuỗi chữ",
    "dict_type": "cần một khối các trường (tên: giá trị)",
    "list_type": "cần một danh sách",
    "greater_than": "giá trị quá nhỏ",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than": "giá trị quá lớn",
    "less_than_equal": "giá trị quá lớn",
    "string_pattern_mismatch": "sai dạng",
    "date_from_datetime_parsing": "cần một ngày (YYYY-MM-DD)",
    "date_parsing": "cần một ngày (YYYY-MM-DD)",
}
"""Vietnamese for pydantic's error types (other types keep pydantic's English message)."""


def field_path(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as an officer reads it: list items counted from 1, with id.

    ``('indicators', 1, 'target', 'min')`` becomes ``indicators[2] (id: dialogue_nnn).target.min``.
    """
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            ident = item.get("id") or item.get("name") if isinstance(item, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step + 1}]"
                          + (f" (id: {ident})" if ident else "")]
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def load_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; the first problem is reported with its field.

    The field is named by :func:`field_path`; the message is Vietnamese (:data:`MESSAGES_VI`)
    then English.
    """
    raw = read_yaml(path)
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = field_path(raw, tuple(first["loc"]))
        vi = MESSAGES_VI.get(first["type"], first["msg"])
        extra = f" (lỗi {len(exc.errors())} chỗ, đây là chỗ đầu)" if len(exc.errors()) > 1 else ""
        raise ConfigError(
            f"Cấu hình không hợp lệ: {vi}{extra}",
            f"Invalid configuration: {first['msg']}",
            location=Location(file=str(path), field=field),
            # a missing field's "input" is the whole block around it: nothing worth showing
            value=None if first["type"] == "missing" else _short(first.get("input")),
        ) from exc


def _short(value: Any, limit: int = 200) -> Any:
    """A value as a message shows it: a long one cut, with "…"."""
    text = repr(value) if not isinstance(value, str | int | float) else value
    return text if not isinstance(text, str) or len(text) <= limit else text[:limit] + "…"
