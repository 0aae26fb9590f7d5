"""jsonschema: congdoan's own processes do without the IRI grammar.

The ``iri_grammar`` patch of :data:`congdoan._compat.PATCHES`. nbformat imports jsonschema, whose
format checkers import ``rfc3987_syntax`` when it is installed (it comes with jupyter-events),
and that module compiles a Lark grammar at import. Notebook validation never checks the ``iri``
formats, so for the processes congdoan starts itself (the command line and its batch workers;
never a user's kernel) the module is marked absent before anything imports it.
"""

from __future__ import annotations

import sys

from congdoan._compat import active


def skip_iri_grammar() -> bool:
    """Mark ``rfc3987_syntax`` absent in this process where ``iri_grammar`` is active.

    Returns True when it is marked absent now. A process that already imported it keeps it.
    """
    if not active("iri_grammar"):
        return False
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    return sys.modules["rfc3987_syntax"] is None


__all__ = ["skip_iri_grammar"]
