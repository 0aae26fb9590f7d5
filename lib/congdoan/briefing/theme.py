"""The briefings' look: the one module that owns the theme, the status palette and the fonts.

The status palette keeps the hues of the Okabe–Ito colour-blind-safe set, darkened so that each
colour reaches WCAG AA contrast (at least 4.5:1 on white, :func:`contrast_ratio`) as text; every
status also has a marker shape and a text symbol, so a status never depends on colour alone.
The briefing charts (:mod:`congdoan.briefing.charts`), their HTML (:mod:`congdoan.briefing.display`)
and the explorer's SVG charts all draw with these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import seaborn as sns

FONT_FAMILY = ["DejaVu Sans", "Noto Sans", "sans-serif"]
"""Fonts that cover Vietnamese (DejaVu Sans ships with matplotlib)."""

PNG_DPI = 150
"""Resolution of the embedded chart images (sharp on A4 at full text width)."""

INK = "#222222"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class StatusStyle:
    """How a status is drawn: colour (Okabe–Ito), marker shape and text symbol."""

    colour: str
    marker: str
    symbol: str


GREEN, BLUE, AMBER, VERMILLION, PURPLE = "#007A5A", "#0072B2", "#935F00", "#B84A00", "#A8437F"
"""Okabe–Ito's bluish green, blue, orange, vermillion and reddish purple, darkened to AA."""

STATUS_STYLES: dict[str, StatusStyle] = {
    "met": StatusStyle(GREEN, "o", "✔"),
    "achieved": StatusStyle(GREEN, "o", "✔"),
    "on_track": StatusStyle(BLUE, "^", "▲"),
    "acceleration_needed": StatusStyle(AMBER, "D", "◆"),
    "limited_progress": StatusStyle(VERMILLION, "v", "▼"),
    "not_met": StatusStyle(VERMILLION, "X", "✘"),
    "moving_away": StatusStyle(PURPLE, "X", "✘"),
    "not_achieved": StatusStyle(VERMILLION, "X", "✘"),
    "insufficient_history": StatusStyle("#666666", "s", "…"),
    "no_data": StatusStyle("#666666", "s", "○"),  # not "?", which reads as a missing glyph
    "not_applicable": StatusStyle("#737373", "_", "–"),
    "on_time": StatusStyle(GREEN, "o", "✔"),
    "late": StatusStyle(AMBER, "D", "◆"),
    "missing": StatusStyle(VERMILLION, "X", "✘"),
}
"""Colour, marker and symbol of every status (each colour ≥ 4.5:1 on white)."""

SERIES_STYLES: dict[str, tuple[str, str]] = {
    "unit": (BLUE, "o"),
    "sector": (AMBER, "s"),
    "upper_union": (GREEN, "D"),
    "organisation": ("#555555", "^"),
}
"""Colour and marker of the comparison series (this union, its sector, its upper union …)."""

SERIES_SYMBOLS: dict[str, str] = {"unit": "●", "sector": "■", "upper_union": "◆", "organisation": "▲"}
"""Text symbol of each comparison series (the shape of its marker), for HTML charts."""

AA_CONTRAST = 4.5
"""WCAG 2 level AA: the least contrast of normal-size text with its background."""


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    Each colour's relative luminance is computed from its linearised sRGB channels
    (0.2126 R + 0.7152 G + 0.0722 B); the ratio is (lighter + 0.05) / (darker + 0.05).
    """
    def luminance(hex_colour: str) -> float:
        code = hex_colour.lstrip("#")
        channels = [int(code[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    first, second = luminance(colour), luminance(background)
    return (max(first, second) + 0.05) / (min(first, second) + 0.05)


def status_style(status: Any) -> StatusStyle:
    """Style of ``status`` (unknown → the no-data style)."""
    return STATUS_STYLES.get(str(status), STATUS_STYLES["no_data"])


def apply_theme() -> None:
    """Set the seaborn/matplotlib theme used by every chart (idempotent)."""
    sns.set_theme(context="paper", style="whitegrid", font=FONT_FAMILY[0], rc={
        "font.family": "sans-serif",
        # DejaVu Sans alone: it covers Vietnamese and the status symbols, and a fallback list
        # makes matplotlib lay out every text with several fonts
        "font.sans-serif": FONT_FAMILY[:1],
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "axes.titlesize": 9,
        "axes.titleweight": "bold",
        "axes.labelsize": 8,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "legend.fontsize": 7.5,
        "grid.color": GRID,
        "figure.dpi": 100,
        "savefig.dpi": PNG_DPI,
    })
