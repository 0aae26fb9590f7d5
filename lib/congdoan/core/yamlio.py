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


def load_model(path: Path, model: type[M]) -> M:
    """Read ``path`` and validate it as ``model``; the first problem is reported with its field."""
    raw = read_yaml(path)
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"Cấu hình không hợp lệ: {first['msg']}",
            f"Invalid configuration: {first['msg']}",
            location=Location(file=str(path), field=field),
            value=first.get("input"),
        ) from exc
