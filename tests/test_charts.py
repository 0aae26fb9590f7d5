"""Charts return figures drawn with the colour-blind-safe palette (colour + marker + symbol)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from congdoan import charts

OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}


def test_status_styles_differ_by_shape_and_symbol_not_only_colour() -> None:
    judged = ["met", "not_met", "on_track", "acceleration_needed", "limited_progress",
              "moving_away", "no_data"]
    symbols = {charts.status_style(s).symbol for s in judged}
    assert len(symbols) >= 6
    assert charts.status_style("met").marker != charts.status_style("not_met").marker
    coloured = {charts.status_style(s).colour.lower() for s in judged if s != "no_data"}
    assert coloured <= OKABE_ITO


def test_trend_draws_values_targets_and_status_markers() -> None:
    history = pd.DataFrame({
        "label": ["A"] * 3, "period": ["2023", "2024", "2025"], "measure": ["share"] * 3,
        "value": [0.5, 0.8, np.nan], "target": [0.7, 0.7, 0.7],
        "status": ["not_met", "met", "no_data"],
    })
    figure = charts.trend(history, lang="vi")
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    line = axis.get_lines()[0]
    assert list(line.get_ydata()[:2]) == [0.5, 0.8]
    markers = [m for m in axis.get_lines() if m.get_linestyle() == "None"]  # one per status
    colours = [to_hex(m.get_color()) for m in markers if len(m.get_xdata())]
    assert colours == ["#d55e00", "#009e73"]  # the NaN value draws no marker
    assert [list(m.get_ydata()) for m in markers if len(m.get_xdata())] == [[0.5], [0.8]]
    assert axis.get_yticklabels()[-1].get_text().endswith("%")
    assert charts.png(figure)[:4] == b"\x89PNG"


def test_comparison_uses_given_axes_and_series_names() -> None:
    table = pd.DataFrame({"label": ["X", "Y"], "target": [0.7, 1.0], "unit": [0.5, 1.0],
                          "sector": [0.6, np.nan]})
    table.attrs["series_names"] = {"unit": "CĐCS này", "sector": "Khu vực"}
    host = Figure()
    ax = host.add_subplot()
    figure = charts.comparison(table, ax=ax)
    assert figure is host
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert texts[:2] == ["CĐCS này", "Khu vực"]


def test_status_distribution_writes_counts_in_bars() -> None:
    counts = pd.DataFrame({"met": [30, 5], "not_met": [10, 25]}, index=["A", "B"])
    figure = charts.status_distribution(counts, lang="vi")
    texts = {t.get_text() for t in figure.axes[0].texts}
    assert {"30", "10", "5", "25"} <= texts
