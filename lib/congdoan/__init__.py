"""congdoan — monitoring workbook for Resolution 02-NQ/TW in Vietnamese trade unions."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("congdoan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["__version__"]
