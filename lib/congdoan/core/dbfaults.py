"""Database faults as messages an officer can act on, not tracebacks.

A damaged SQLite file, a full disk, a read-only folder, a lock held too long by another
process or a server that cannot be reached is the fault of the database, never of the file
being ingested: :func:`database_faults` turns the driver's error into a :class:`DatabaseFault`
that says what happened and what to do, in Vietnamese and English. Constraint violations
(:class:`sqlalchemy.exc.IntegrityError`) are the data's, and pass through unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa

from congdoan.exceptions import CongdoanError, Location

F = TypeVar("F", bound=Callable[..., Any])


class StorageError(CongdoanError):
    """The database cannot be opened, or it lacks what an operation needs."""


class DatabaseFault(StorageError):
    """The database failed (damaged, full, read-only, locked, unreachable); nothing was written."""


FAULTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("malformed", "not a database", "file is encrypted"),
     "Cơ sở dữ liệu bị hỏng. Không ghi gì thêm; hãy khôi phục từ bản sao lưu (hoặc tạo lại "
     "bằng 'congdoan ingest --registry' rồi nhận lại các tệp trong kho) rồi chạy lại.",
     "The database is damaged. Nothing more was written; restore it from a backup (or make it "
     "again with 'congdoan ingest --registry' and re-ingest the stored files), then run again."),
    (("disk is full", "no space left", "disk full", "could not extend file"),
     "Ổ đĩa đầy: không ghi được vào cơ sở dữ liệu; giao dịch đã được hủy, không ghi gì. Hãy "
     "giải phóng dung lượng rồi chạy lại.",
     "The disk is full: the database could not be written; the transaction was undone, nothing "
     "was written. Free some space and run again."),
    (("readonly", "read-only", "read only", "permission denied"),
     "Cơ sở dữ liệu (hoặc thư mục của nó) chỉ cho phép đọc; không ghi được. Hãy cấp quyền ghi "
     "cho người chạy lệnh rồi chạy lại.",
     "The database (or its folder) is read-only; nothing could be written. Give the user "
     "running the command write access, then run again."),
    (("unable to open database file",),
     "Không mở được tệp cơ sở dữ liệu: thư mục không tồn tại hoặc không có quyền ghi.",
     "Cannot open the database file: its folder is missing or not writable."),
    (("database is locked", "database table is locked", "lock timeout", "deadlock"),
     "Cơ sở dữ liệu đang bị một tiến trình khác khóa quá lâu; không ghi gì. Hãy chạy lại sau "
     "khi tiến trình kia (một lần nhận hoặc tạo báo cáo khác) kết thúc.",
     "The database has been locked by another process for too long; nothing was written. Run "
     "again once the other process (another ingest or batch) has finished."),
    (("could not connect", "connection refused", "could not translate host",
      "connection failed", "server closed the connection", "timeout expired"),
     "Không kết nối được máy chủ cơ sở dữ liệu. Kiểm tra địa chỉ (mục database trong "
     "congdoan.yaml) và máy chủ rồi chạy lại.",
     "Cannot reach the database server. Check the address (database in congdoan.yaml) and the "
     "server, then run again."),
)
"""(driver message fragments, Vietnamese message, English message), most specific first."""


def _shown(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return None


def fault(exc: BaseException, url: str | None) -> DatabaseFault:
    """The :class:`DatabaseFault` that explains ``exc`` (a driver or file-system error)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    lowered = str(original).lower()
    for fragments, vi, en in FAULTS:
        if any(f in lowered for f in fragments):
            return DatabaseFault(vi, en, location=Location(file=_shown(url)), value=text)
    return DatabaseFault(
        "Lỗi cơ sở dữ liệu; không ghi gì. Hãy kiểm tra cơ sở dữ liệu rồi chạy lại.",
        "Database error; nothing was written. Check the database, then run again.",
        location=Location(file=_shown(url)), value=text)


@contextmanager
def database_faults(url: str | None) -> Iterator[None]:
    """Turn database and file-system errors inside the block into :class:`DatabaseFault`."""
    try:
        yield
    except (sa.exc.IntegrityError, CongdoanError):
        raise
    except (sa.exc.SQLAlchemyError, OSError) as exc:
        raise fault(exc, url) from exc


def faults_as_messages(function: F) -> F:
    """Decorate a function taking ``url``: its database errors become :class:`DatabaseFault`."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        url = signature.bind_partial(*args, **kwargs).arguments.get("url")
        with database_faults(url):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = ["FAULTS", "DatabaseFault", "StorageError", "database_faults", "fault",
           "faults_as_messages"]
