"""Imports congdoan's own processes skip."""

from __future__ import annotations

import sys


def skip_iri_grammar() -> None:
    """Keep jsonschema from building its RFC 3987 IRI parser in this process (~1.3 s).

    nbformat imports jsonschema, whose format checkers import ``rfc3987_syntax`` when it is
    installed (it comes with jupyter-events), and that module compiles a Lark grammar at
    import. Notebook validation never checks the ``iri`` formats, so for the processes congdoan
    starts itself (the command line and its batch workers; never a user's kernel) the module is
    marked absent before anything imports it. A process that already imported it keeps it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
