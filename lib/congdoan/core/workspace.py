"""Workspaces: one self-describing folder per organisation.

A workspace holds everything of one upper-level union (or federation): its configuration file
(:data:`CONFIG_NAME`: the organisation, the database, the output folder, the language), its own
``params/`` (the plan register and settings, copied from the packaged defaults by
:func:`init_workspace` and then edited), ``inbox/`` (report files to ingest) and ``output/``.

Commands find their workspace as git finds a repository (:func:`find_workspace`): an explicit
folder (``--workspace``), else the ``CONGDOAN_WORKSPACE`` environment variable, else the current
folder and its parents. There is no default workspace: outside one, a command that needs data
stops with a :class:`~congdoan.exceptions.WorkspaceError` saying how to make one.

:func:`activate` makes a workspace the one in force for this process and the processes it
starts (kernels, workers): its ``params/`` then serves every loader of the plan and settings.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pydantic
import yaml

from congdoan.core.paths import DEFAULT_PARAMS_DIR, set_params_dir
from congdoan.core.yamlio import load_model
from congdoan.exceptions import Location, WorkspaceError

CONFIG_NAME = "congdoan.yaml"
"""The file that marks a folder as a workspace."""

ENV_VAR = "CONGDOAN_WORKSPACE"
"""Environment variable naming the workspace in force (set by :func:`activate` for children)."""

OrganisationKind = Literal["upper_direct", "commune", "industry", "district", "city"]

KIND_NAMES: dict[str, tuple[str, str]] = {
    "upper_direct": ("Công đoàn cấp trên trực tiếp cơ sở", "upper union directly above CĐCS"),
    "commune": ("Công đoàn xã, phường, đặc khu", "commune or ward union"),
    "industry": ("Công đoàn ngành", "industry union"),
    "district": ("Liên đoàn Lao động quận, huyện", "district federation"),
    "city": ("Liên đoàn Lao động tỉnh, thành phố", "provincial or city federation"),
}
"""Kinds of organisation a workspace may belong to, with their Vietnamese and English names."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class Organisation(_Strict):
    """The organisation a workspace belongs to: the top of all its aggregates."""

    id: str = pydantic.Field(description="mã tổ chức (chữ, số, '-', '_')")
    name: str = pydantic.Field(description="tên đầy đủ tiếng Việt, vd. 'Công đoàn xã Bát Tràng'")
    kind: OrganisationKind
    short_name: str | None = pydantic.Field(default=None, description="tên ngắn trên biểu đồ")

    @pydantic.field_validator("id")
    @classmethod
    def _id_is_plain(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("chỉ chữ không dấu, số, '-' và '_' (tối đa 40 ký tự)")
        return value

    @pydantic.field_validator("name")
    @classmethod
    def _name_is_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("tên không được để trống")
        return value.strip()

    @property
    def label(self) -> str:
        """The name to print where space is short."""
        return self.short_name or self.name


class WorkspaceConfig(_Strict):
    """The workspace's configuration file (:data:`CONFIG_NAME`)."""

    organisation: Organisation
    database: str = pydantic.Field(
        default="sqlite:///congdoan.sqlite",
        description="URL CSDL; SQLite với đường dẫn tương đối tính từ thư mục làm việc")
    output: str = pydantic.Field(default="output", description="thư mục kết quả")
    lang: Literal["vi", "en"] = "vi"


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and its validated configuration."""

    root: Path
    config: WorkspaceConfig

    @property
    def organisation(self) -> Organisation:
        """The organisation at the top of every aggregate."""
        return self.config.organisation

    @property
    def params_dir(self) -> Path:
        """The workspace's own plan register and settings."""
        return self.root / "params"

    @property
    def inbox(self) -> Path:
        """Where report files wait to be ingested."""
        return self.root / "inbox"

    @property
    def output_dir(self) -> Path:
        """Generated files: briefings, forms, exports."""
        return (self.root / self.config.output).resolve()

    @property
    def briefings_dir(self) -> Path:
        """Default folder of ``congdoan briefings``."""
        return self.output_dir / "briefings"

    @property
    def forms_dir(self) -> Path:
        """Default folder of ``congdoan template``."""
        return self.output_dir / "forms"

    @property
    def database_url(self) -> str:
        """The database URL, a relative SQLite path taken from the workspace folder."""
        url = self.config.database
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            return prefix + str((self.root / url[len(prefix):]).resolve())
        return url

    @property
    def store_dir(self) -> Path:
        """Originals and quarantine of ingested files."""
        return self.root / "store"

    def describe(self) -> str:
        """One line naming the workspace, for the top of a command's output."""
        return (f"Không gian làm việc / workspace: {self.organisation.name} "
                f"({self.organisation.id}) — {self.root}")


def load_workspace(root: Path | str) -> Workspace:
    """Read and validate the workspace at ``root``.

    Raises:
        WorkspaceError: no configuration file there.
        ConfigError: the file does not validate (names the field).

    """
    folder = Path(root).expanduser().resolve()
    config = folder / CONFIG_NAME
    if not config.is_file():
        raise WorkspaceError(
            f"Thư mục này không phải là không gian làm việc (không có {CONFIG_NAME}).",
            f"This folder is not a workspace (no {CONFIG_NAME}).",
            location=Location(file=str(folder)),
            expected=f"congdoan init {folder} --id MÃ --name 'Tên tổ chức' --kind commune")
    return Workspace(folder, load_model(config, WorkspaceConfig))


def find_workspace(explicit: Path | str | None = None, start: Path | str | None = None) -> Workspace:
    """The workspace to use: ``explicit``, else ``$CONGDOAN_WORKSPACE``, else the nearest one.

    The nearest is the first folder, from ``start`` (default: the current folder) upwards, that
    holds :data:`CONFIG_NAME`.

    Raises:
        WorkspaceError: none found; the message says how to make one.

    """
    if explicit is not None:
        return load_workspace(explicit)
    named = os.environ.get(ENV_VAR)
    if named:
        return load_workspace(named)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_workspace(folder)
    raise WorkspaceError(
        f"Chưa có không gian làm việc: không thấy tệp {CONFIG_NAME} trong {here} hay các thư mục "
        "cha, mà lệnh này cần dữ liệu của một tổ chức. Tạo một không gian bằng 'congdoan init "
        "THƯ_MỤC' (hoặc 'congdoan demo THƯ_MỤC' cho dữ liệu mẫu), rồi chạy lệnh trong thư mục "
        "đó, hoặc thêm '--workspace THƯ_MỤC', hoặc đặt CONGDOAN_WORKSPACE.",
        f"No workspace: no {CONFIG_NAME} in {here} or its parents, and this command needs an "
        "organisation's data. Make one with 'congdoan init DIR' (or 'congdoan demo DIR' for the "
        "demo), then run the command inside it, or add '--workspace DIR', or set "
        "CONGDOAN_WORKSPACE.")


_active: Workspace | None = None


def activate(workspace: Workspace) -> Workspace:
    """Make ``workspace`` the one in force here and in the processes started from here."""
    global _active
    _active = workspace
    os.environ[ENV_VAR] = str(workspace.root)
    set_params_dir(workspace.params_dir)
    return workspace


def workspace_in_force() -> Workspace | None:
    """The workspace activated here, else the one ``$CONGDOAN_WORKSPACE`` names, else None.

    Kernels and workers started by a command inherit the variable, so they use the command's
    workspace. The current folder is not searched (see :func:`active_workspace`).
    """
    if _active is not None:
        return _active
    named = os.environ.get(ENV_VAR)
    return activate(load_workspace(named)) if named else None


def active_workspace() -> Workspace:
    """The workspace in force (:func:`workspace_in_force`), else :func:`find_workspace`'s.

    Raises:
        WorkspaceError: there is none.

    """
    return workspace_in_force() or activate(find_workspace())


def deactivate() -> None:
    """Forget the workspace in force (tests; a process that changes organisation)."""
    global _active
    _active = None
    os.environ.pop(ENV_VAR, None)
    set_params_dir(None)


def init_workspace(root: Path | str, organisation: Organisation, *, database: str | None = None,
                   lang: Literal["vi", "en"] = "vi", params_from: Path | None = None) -> Workspace:
    """Make a workspace at ``root`` (created if missing) for ``organisation``.

    ``params/`` is copied from ``params_from`` (default: the packaged defaults, a template of a
    plan for Resolution 02 to edit); ``inbox/`` and ``output/`` are created.

    Raises:
        WorkspaceError: ``root`` is already a workspace, or holds other files.

    """
    folder = Path(root).expanduser().resolve()
    if (folder / CONFIG_NAME).exists():
        raise WorkspaceError("Thư mục này đã là một không gian làm việc.",
                             "This folder is already a workspace.",
                             location=Location(file=str(folder / CONFIG_NAME)),
                             expected="một thư mục mới hoặc trống / a new or empty folder")
    if folder.exists() and any(folder.iterdir()):
        raise WorkspaceError("Thư mục đã có tệp khác; hãy chọn một thư mục mới hoặc trống.",
                             "The folder already holds other files; choose a new or empty one.",
                             location=Location(file=str(folder)),
                             expected="một thư mục mới hoặc trống / a new or empty folder")
    config = WorkspaceConfig(organisation=organisation, lang=lang,
                             **({"database": database} if database else {}))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(params_from or DEFAULT_PARAMS_DIR, folder / "params")
    for name in ("inbox", "output"):
        (folder / name).mkdir()
    text = yaml.safe_dump(config.model_dump(exclude_none=True), allow_unicode=True,
                          sort_keys=False)
    (folder / CONFIG_NAME).write_text(_CONFIG_HEADER + text, encoding="utf-8")
    return load_workspace(folder)


_CONFIG_HEADER = """\
# Cấu hình không gian làm việc congdoan / congdoan workspace configuration.
#   organisation.id    mã tổ chức (đỉnh của mọi bảng tổng hợp)
#   organisation.name  tên đầy đủ; organisation.kind: upper_direct | commune | industry |
#                      district | city
#   database           URL CSDL (SQLite tương đối tính từ thư mục này, hoặc postgresql://…)
#   output             thư mục kết quả; lang: vi | en
# Kế hoạch và chỉ tiêu: params/plan.yaml (xem docs/getting-started.md).
"""
