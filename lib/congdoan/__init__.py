"""congdoan — monitoring workbook for Resolution 02-NQ/TW in Vietnamese trade unions."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``congdoan.__version__``, read from the installed package's metadata when first asked.

    Not at import: importing this package does not import ``importlib.metadata``, so that
    ``congdoan briefings`` can start its kernels' fork server (the longest path of its
    start-up) right after importing it.
    """
    if name != "__version__":
        raise AttributeError(f"module 'congdoan' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("congdoan")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        found = "0.0.0"
    globals()["__version__"] = found
    return found
