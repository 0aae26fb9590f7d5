"""congdoan.core.dbfaults: which driver message gives which officer's message.

The faults themselves (a damaged file, a full disk, a read-only database, a lock, an unreachable
server) are made for real in ``tests/test_hostile.py``; here is the table that maps them.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from congdoan.core.dbfaults import (
    FAULTS,
    DatabaseFault,
    StorageError,
    database_faults,
    fault,
    faults_as_messages,
)
from congdoan.exceptions import DataError

DAMAGED, FULL, READ_ONLY, CANNOT_OPEN, LOCKED, UNREACHABLE = range(6)

# what SQLite, PostgreSQL (psycopg) and the file system say
DRIVER_MESSAGES = [
    ("database disk image is malformed", DAMAGED),
    ("file is not a database", DAMAGED),
    ("file is encrypted or is not a database", DAMAGED),
    ("database or disk is full", FULL),
    ("[Errno 28] No space left on device: '/srv/congdoan/store/a.xlsx'", FULL),
    ('could not extend file "base/16384/2619": No space left on device', FULL),
    ("attempt to write a readonly database", READ_ONLY),
    ("[Errno 13] Permission denied: '/srv/congdoan/store'", READ_ONLY),
    ("cannot execute INSERT in a read-only transaction", READ_ONLY),
    ("unable to open database file", CANNOT_OPEN),
    ("database is locked", LOCKED),
    ("database table is locked: reports", LOCKED),
    ("canceling statement due to lock timeout", LOCKED),
    ("deadlock detected\nDETAIL:  Process 4242 waits for ShareLock", LOCKED),
    ('connection failed: connection to server at "127.0.0.1", port 9 failed: Connection '
     "refused", UNREACHABLE),
    ('could not translate host name "db.example" to address', UNREACHABLE),
    ("server closed the connection unexpectedly", UNREACHABLE),
    ("timeout expired", UNREACHABLE),
]


@pytest.mark.parametrize(("message", "entry"), DRIVER_MESSAGES)
def test_a_driver_message_gets_its_entry_of_the_table(message: str, entry: int) -> None:
    got = fault(sqlite3.OperationalError(message), "sqlite:////srv/congdoan/congdoan.sqlite")
    _, vi, en = FAULTS[entry]
    assert (got.message_vi, got.message_en) == (vi, en)
    assert got.value == message.splitlines()[0]  # the driver's own words, first line
    assert got.location.file == "sqlite:////srv/congdoan/congdoan.sqlite"


def test_every_fragment_of_the_table_is_reached_by_its_own_entry() -> None:
    # no fragment is shadowed by an entry above it, so each entry can be reached
    assert len(FAULTS) == 6
    for i, (fragments, vi, en) in enumerate(FAULTS):
        for fragment in fragments:
            got = fault(OSError(fragment.upper()), None)  # matching ignores case
            assert (got.message_vi, got.message_en) == (vi, en), (i, fragment)


def test_each_message_says_what_to_do_in_both_languages() -> None:
    for _fragments, vi, en in FAULTS:
        assert vi != en and en.isascii() and not vi.isascii()
    # every entry but "cannot open" (its folder must be made first) ends with the way out
    assert all("chạy lại" in vi and "run again" in en.lower()
               for i, (_f, vi, en) in enumerate(FAULTS) if i != CANNOT_OPEN)


def test_an_unknown_fault_is_a_database_error_that_wrote_nothing() -> None:
    got = fault(sqlite3.OperationalError("no such table: reports"), None)
    assert isinstance(got, DatabaseFault) and isinstance(got, StorageError)
    assert got.message_en == "Database error; nothing was written. Check the database, then run again."
    assert got.value == "no such table: reports" and got.location.file is None
    # an error without words is named by its type
    assert fault(OSError(), None).value == "OSError"


def test_the_url_is_shown_without_its_password() -> None:
    got = fault(OSError("timeout expired"), "postgresql+psycopg://officer:s3cret@db:5432/cd")
    assert got.location.file == "postgresql+psycopg://officer:***@db:5432/cd"
    assert "s3cret" not in got.render("en")
    assert fault(OSError("x"), "not a url").location.file is None


def test_sqlalchemy_errors_are_read_from_the_driver_error_they_wrap() -> None:
    wrapped = sa.exc.OperationalError("INSERT INTO reports …", {},
                                      sqlite3.OperationalError("database is locked"))
    got = fault(wrapped, None)
    assert got.message_en == FAULTS[LOCKED][2] and got.value == "database is locked"


def test_database_faults_turns_driver_and_file_errors_into_a_fault() -> None:
    url = "sqlite:////srv/cd.sqlite"
    with pytest.raises(DatabaseFault) as raised, database_faults(url):
        raise sa.exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("disk is full"))
    assert raised.value.message_en == FAULTS[FULL][2]
    assert isinstance(raised.value.__cause__, sa.exc.OperationalError)
    with pytest.raises(DatabaseFault), database_faults(url):
        raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize("error", [
    sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
    DataError("Thiếu cột.", "A column is missing."),
    ValueError("not ours"),
])
def test_the_data_s_own_errors_pass_through(error: Exception) -> None:
    # a constraint violation is the data's, a CongdoanError says it already, anything else is
    # a bug to see
    with pytest.raises(type(error)) as raised, database_faults(None):
        raise error
    assert raised.value is error


@pytest.mark.parametrize("call", [
    lambda f: f("sqlite:////srv/cd.sqlite", 1),
    lambda f: f(rows=1, url="sqlite:////srv/cd.sqlite"),
])
def test_a_decorated_function_names_the_url_it_was_given(call: object) -> None:
    @faults_as_messages
    def write(url: str, rows: int) -> int:
        raise sa.exc.OperationalError(
            "INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database"))

    with pytest.raises(DatabaseFault) as raised:
        call(write)  # type: ignore[operator]
    assert raised.value.location.file == "sqlite:////srv/cd.sqlite"
    assert raised.value.message_en == FAULTS[READ_ONLY][2]
    assert write.__name__ == "write"


def test_a_decorated_function_returns_its_result() -> None:
    @faults_as_messages
    def count(url: str | None = None) -> int:
        return 3

    assert count() == 3
