"""Charts return figures drawn with the colour-blind-safe palette (colour + marker + symbol),
axes that follow the data, numbers written the Vietnamese way and a text alternative."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest
from IPython.core.formatters import format_display_data
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.text import Text

from conftest import comparison_series, trend_histories
from congdoan._compat.weasyprint import png_rows
from congdoan.briefing import charts, images, theme

JUDGED = ["met", "not_met", "on_track", "acceleration_needed", "limited_progress",
          "moving_away", "no_data"]


def test_status_styles_differ_by_shape_and_symbol_not_only_colour() -> None:
    symbols = {theme.status_style(s).symbol for s in JUDGED}
    assert len(symbols) >= 6
    assert theme.status_style("met").marker != theme.status_style("not_met").marker
    assert [theme.status_style(s).symbol for s in ("met", "not_met", "on_track",
                                                     "acceleration_needed", "no_data")] == [
        "✔", "✘", "▲", "◆", "○"]
    coloured = {theme.status_style(s).colour.lower() for s in JUDGED if s != "no_data"}
    assert len(coloured) == 5  # green, blue, amber, vermillion, purple: five hues


def test_contrast_ratio_follows_wcag() -> None:
    assert theme.contrast_ratio("#000000") == pytest.approx(21.0)
    assert theme.contrast_ratio("#ffffff") == pytest.approx(1.0)
    assert theme.contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)  # either order
    # #777777: channel 119/255 = 0.4667 → ((0.4667 + 0.055) / 1.055) ** 2.4 = 0.1845
    # → (1.05) / (0.1845 + 0.05) = 4.478, just below AA (the known example of WCAG tools)
    assert theme.contrast_ratio("#777777") == pytest.approx(4.478, abs=0.002)
    # the Okabe–Ito colours the briefings used before fail on white
    assert theme.contrast_ratio("#E69F00") == pytest.approx(2.25, abs=0.01)
    assert theme.contrast_ratio("#009E73") < theme.AA_CONTRAST


def test_every_status_colour_reaches_aa_contrast_on_white() -> None:
    for status, style in theme.STATUS_STYLES.items():
        assert theme.contrast_ratio(style.colour) >= theme.AA_CONTRAST, status
    for series, (colour, _marker) in theme.SERIES_STYLES.items():
        assert theme.contrast_ratio(colour) >= theme.AA_CONTRAST, series


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
    expected = [theme.status_style(s).colour.lower() for s in ("not_met", "met")]
    assert colours == expected  # the NaN value draws no marker
    assert [list(m.get_ydata()) for m in markers if len(m.get_xdata())] == [[0.5], [0.8]]
    assert axis.get_yticklabels()[-1].get_text().endswith("%")
    assert images.png(figure)[:4] == b"\x89PNG"


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


def _comparison_table(labels: list[str]) -> pd.DataFrame:
    table = pd.DataFrame({"label": labels, "target": [0.7] * len(labels),
                          "unit": [0.5] * len(labels), "organisation": [0.8] * len(labels)})
    table.attrs["series_names"] = {"unit": "CĐCS này", "organisation": "Toàn huyện"}
    return table


def test_comparison_margins_are_measured_per_layout_and_reused() -> None:
    charts._MARGINS.clear()
    short = _comparison_table(["Đối thoại", "Hội nghị"])
    long = _comparison_table(["Tỷ lệ đoàn viên được học tập, quán triệt nghị quyết", "Hội nghị"])
    first = charts.comparison(short)
    assert len(charts._MARGINS) == 1
    wide = charts.comparison(long)
    assert len(charts._MARGINS) == 2  # other labels: measured again
    # the longer label needs a wider left margin
    assert wide.axes[0].get_position().x0 > first.axes[0].get_position().x0
    again = charts.comparison(short)
    assert len(charts._MARGINS) == 2  # same layout: the measure is reused ...
    assert images.png(again) == images.png(first)  # ... and gives the same picture
    charts._MARGINS.clear()
    assert images.png(charts.comparison(short)) == images.png(first)  # as when measured anew


def test_trend_titles_sit_on_the_axes_top_as_matplotlib_would_place_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    history = pd.DataFrame({
        "label": ["Tổng số đoàn viên"] * 3 + ["Đối thoại"] * 3,
        "period": ["2023", "2024", "2025"] * 2, "measure": ["count"] * 3 + ["share"] * 3,
        "value": [16000, 17000, 18400, 0.5, 0.6, 0.7], "target": [18000] * 3 + [0.7] * 3,
        "status": ["not_met"] * 6,
    })
    fixed = images.png(charts.trend(history))
    set_title = Axes.set_title

    def placed_by_matplotlib(axis: Axes, label: str, *args: object, y: object = None,
                             **kwargs: object) -> object:
        return set_title(axis, label, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Axes, "set_title", placed_by_matplotlib)  # its own (slower) search
    assert images.png(charts.trend(history)) == fixed


def _panel_pictures(shown: object) -> list[tuple[bytes, str]]:
    """The (PNG, alt) of each panel of :func:`images.panels`' HTML."""
    markup = shown._repr_html_()  # type: ignore[attr-defined]
    found = re.findall(r'src="data:image/png;base64,([^"]+)" alt="([^"]*)"', markup)
    return [(base64.b64decode(data), alt) for data, alt in found]


def test_trend_image_is_one_panel_per_indicator_as_trend_panel_draws_it() -> None:
    cases = trend_histories()
    for case in cases:  # each drawn on the panel the previous one left
        pictures = _panel_pictures(charts.trend_image(case))
        labels = list(dict.fromkeys(case["label"]))
        assert len(pictures) == len(labels)
        for (data, alt), label in zip(pictures, labels, strict=True):
            part = case[case["label"] == label]
            fresh = charts.trend_panel(part)
            assert data == images.png(fresh)
            assert alt == images.alt_text(fresh) == charts.trend_alt(part)
            assert alt.startswith(f"{label}. ")


@pytest.mark.accelerator("kept_figures")
def test_trend_panels_of_one_look_are_drawn_over_one_kept_background(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    full: list[object] = []
    draw = FigureCanvasAgg.draw

    def counting(canvas: FigureCanvasAgg) -> None:
        full.append(canvas)
        draw(canvas)

    monkeypatch.setattr(FigureCanvasAgg, "draw", counting)
    charts._TREND_BACKGROUNDS.clear()
    shares, counts = trend_histories()[0], trend_histories()[2]
    first = _panel_pictures(charts.trend_image(shares))
    # six share panels over five years: A–E on the 0–100 % scale, F (up to 105 %) on a wider one
    assert len(first) == 6 and len(full) == 2
    assert len({data for data, _ in first}) == 6  # each with its own values
    _panel_pictures(charts.trend_image(counts))
    drawn = len(full) - 2
    assert 1 <= drawn <= 6  # counts: a scale that follows the values, shared where it is equal
    again = _panel_pictures(charts.trend_image(shares))
    assert again == first and len(full) == 2 + drawn  # the shares' backgrounds were kept


def test_trend_alt_names_the_values_target_and_last_status() -> None:
    part = pd.DataFrame({"label": ["Tổng số đoàn viên"] * 2, "period": ["2024", "2025-H1"],
                         "measure": ["count"] * 2, "value": [16500, 18370],
                         "target": [18000, 18000], "status": ["not_met", "met"]})
    assert charts.trend_alt(part) == (
        "Tổng số đoàn viên. Năm 2024: 16.500; 6 tháng đầu năm 2025: 18.370. "
        "Mục tiêu: 18.000. Đạt.")


def test_count_axes_group_thousands_and_tick_whole_numbers() -> None:
    big = pd.DataFrame({"label": ["Tổng số đoàn viên"] * 3, "period": ["2023", "2024", "2025"],
                        "measure": ["count"] * 3, "value": [16000, 17000, 18400],
                        "target": [18000] * 3, "status": ["not_met"] * 3})
    figure = charts.trend_panel(big)
    images.png(figure)  # tick labels are made when drawn
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
    assert "18.000" in labels and not any("000" in t and "." not in t for t in labels)
    small = big.assign(value=[0, 1, 2], target=[1, 1, 1])
    figure = charts.trend_panel(small)
    images.png(figure)
    ticks = [v for v in figure.axes[0].get_yticks()
             if figure.axes[0].get_ylim()[0] <= v <= figure.axes[0].get_ylim()[1]]
    assert ticks and all(float(v).is_integer() for v in ticks)  # no 0,5 or 2,5 unions
    counts = pd.DataFrame({"met": [3], "not_met": [2]}, index=["A"])
    bars = charts.status_distribution(counts)
    images.png(bars)
    assert all(float(v).is_integer() for v in bars.axes[0].get_xticks())


def test_comparison_axis_holds_a_value_above_100_percent() -> None:
    table = pd.DataFrame({"label": ["Thu, nộp tài chính"], "target": [1.0], "unit": [1.056],
                          "organisation": [0.98]})
    axis = charts.comparison(table).axes[0]
    low, high = axis.get_xlim()
    assert low < 0 and high > 1.056  # the union's own dot stays inside
    assert charts.share_limits([0.2, 0.5]) == pytest.approx((-0.02, 1.04))
    assert charts.share_limits([1.5]) == pytest.approx((-0.03, 1.56))


def test_every_chart_has_a_text_alternative_that_reaches_the_image() -> None:
    counts = pd.DataFrame({"met": [30], "not_met": [10]}, index=["Đối thoại"])
    figure = charts.status_distribution(counts)
    assert images.alt_text(figure) == "Đối thoại (CĐCS): Đạt 30, Chưa đạt 10."
    _data, metadata = format_display_data(images.image(figure))  # what the notebook stores
    assert metadata == {"image/png": {"alt": images.alt_text(figure)}}
    assert format_display_data(images.image(figure, alt="khác"))[1]["image/png"]["alt"] == "khác"
    table = pd.DataFrame({"label": ["X"], "target": [0.7], "unit": [0.5]})
    table.attrs["series_names"] = {"unit": "CĐCS này"}
    assert images.alt_text(charts.comparison(table)) == "X: CĐCS này 50%; mục tiêu 70%."
    points = pd.DataFrame({"label": ["Y"] * 3, "measure": ["share"] * 3,
                           "year": [2021.0, 2024.5, 2030.0], "value": [0.5, 0.6, np.nan],
                           "milestone": [np.nan, np.nan, 0.9], "projection": [np.nan] * 3})
    assert images.alt_text(charts.trajectory(points)) == (
        "Y. Thực hiện: 2021 50%, 2025 (6T đầu) 60%; Mốc kế hoạch: 2030 90%.")
    assert images.alt_text(charts.empty_figure("Chưa có số liệu")) == "Chưa có số liệu"


@pytest.mark.accelerator("kept_figures")
def test_comparison_png_on_a_kept_figure_draws_what_a_fresh_comparison_draws() -> None:
    table = comparison_series
    three = {"unit": "CĐCS này", "sector": "Khu vực", "organisation": "Toàn huyện"}
    labels = ["Tỷ lệ đoàn viên được học tập, quán triệt nghị quyết", "Đối thoại", "Hội nghị"]
    cases = [
        (table(labels, three, 0.3), "vi"),
        (table(labels, three, 0.6), "vi"),  # the same texts: drawn without measuring them
        (table(labels[:2], {"unit": "This union", "organisation": "District"}, 0.2), "en"),
        (table([*labels, "Thêm một chỉ tiêu"], {"unit": "CĐCS này"}, 0.9), "vi"),
        (table(labels, {"unit": "CĐCS này", "upper_union": "Công đoàn cấp trên"}, 0.1), "vi"),
        (table(labels, three, 0.3), "vi"),  # back to the first: the same picture as then
    ]
    charts._COMPARISON_FIGURES.clear()
    pictures = []
    for case, lang in cases:  # each drawn on the figure the previous one of its size left
        kept = charts.comparison_png(case, lang=lang)
        assert kept == images.png(charts.comparison(case, lang=lang))
        pictures.append(kept)
    assert pictures[0] == pictures[-1] and pictures[0] != pictures[1]
    assert len(charts._COMPARISON_FIGURES) == 3  # one figure per number of rows
    assert all(len(f.legends) == 1 for f in charts._COMPARISON_FIGURES.values())
    # without its key (the page writes it as text): a figure of its own, shorter by the key
    case = cases[0][0]
    bare = charts.comparison(case, legend=False)
    assert bare.legends == []
    assert bare.get_size_inches()[1] == pytest.approx(
        charts.comparison(case).get_size_inches()[1] - 0.3)
    assert charts.comparison_png(case, legend=False) == images.png(bare)
    assert charts.comparison_png(case) == pictures[0]  # the figure with a key is still kept
    assert len(charts._COMPARISON_FIGURES) == 4


class Measures:
    """Counts the texts Agg measures (``RendererAgg.get_text_width_height_descent``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from matplotlib.backends.backend_agg import RendererAgg

        self.count = 0
        measure = RendererAgg.get_text_width_height_descent

        def counting(renderer: object, *args: object, **kwargs: object) -> object:
            self.count += 1
            return measure(renderer, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(RendererAgg, "get_text_width_height_descent", counting)


@pytest.mark.accelerator("kept_figures")
def test_comparison_png_measures_no_text_again_for_the_same_labels(
        monkeypatch: pytest.MonkeyPatch) -> None:
    labels = ["Chỉ tiêu một", "Chỉ tiêu hai", "Chỉ tiêu ba", "Chỉ tiêu bốn", "Chỉ tiêu năm"]
    first = _comparison_table(labels)
    second = first.assign(unit=[0.9, 0.1, 0.4, 0.3, 0.2])
    charts.comparison_png(first)
    measures = Measures(monkeypatch)
    assert charts.comparison_png(second) != charts.comparison_png(first)
    assert measures.count == 0
    images.png(charts.comparison(second))  # a fresh figure: its renderer measures every text
    assert measures.count > 0


def test_trend_panels_do_not_place_their_empty_axis_labels_and_look_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"label": label, "period": p, "measure": "share", "value": 0.3 + 0.1 * i,
             "target": 0.7, "status": "met" if i % 2 else "not_met"}
            for label in ["Đoàn viên", "B", "C", "D"] for i, p in enumerate(["2023", "2024", "2025"])]
    history = pd.DataFrame(rows)
    fixed = images.png(charts.trend(history))
    monkeypatch.setattr(Axis, "set_label_coords", lambda *args, **kwargs: None)
    placed = images.png(charts.trend(history))  # labels placed by matplotlib at each drawing
    assert placed == fixed


def test_png_keeps_the_canvas_so_a_redraw_measures_no_text_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.backend_bases import FigureCanvasBase

    table = pd.DataFrame({"label": ["Chỉ tiêu một", "Chỉ tiêu hai"], "target": [0.7, 0.8],
                          "unit": [0.5, 0.9], "organisation": [0.6, 0.7]})
    figure = charts.comparison(table)  # its margins were measured on an Agg canvas
    canvas = figure.canvas
    measures = Measures(monkeypatch)
    first = images.png(figure)
    assert figure.canvas is canvas  # the measuring canvas, and its renderer, drew it
    assert measures.count == 0  # no text measured again
    renderer = canvas.renderer
    assert images.png(figure) == first and canvas.renderer is renderer
    FigureCanvasBase(figure)  # as a figure that never met Agg: a new canvas, the same picture
    assert images.png(figure) == first


def _left_title(axis: Axes) -> Text:
    """The text artist of ``axis``'s left title."""
    title = axis.get_title(loc="left")
    return next(child for child in axis.get_children() if isinstance(child, Text)
                and child.get_text() == title and child.get_horizontalalignment() == "left")


def test_trajectory_panel_titles_stay_inside_the_figure() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    labels = ["Doanh nghiệp có công đoàn ký kết TƯLĐTT", "TƯLĐTT xếp loại B trở lên",
              "Vụ việc tư vấn, tranh tụng có đại diện công đoàn",
              "CĐCS khu vực nhà nước có Ban nữ công quần chúng",
              "Doanh nghiệp có tổ chức công đoàn ký kết thỏa ước lao động tập thể"]  # 3 lines
    rows = [{"label": label, "measure": "share", "year": year, "value": value,
             "milestone": 0.8 if year == 2025 else np.nan,
             "projection": 0.9 if year == 2030 else np.nan}
            for label in labels for year, value in ((2021, 0.4), (2023, 0.6), (2025, 0.7),
                                                     (2030, np.nan))]
    figure = charts.trajectory(pd.DataFrame(rows))
    figure.set_dpi(theme.PNG_DPI)  # as drawn for the briefing
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for axis in figure.axes:
        if axis.get_visible() and axis.get_title(loc="left"):
            box = _left_title(axis).get_window_extent(renderer)
            assert box.x1 <= figure.bbox.x1, axis.get_title(loc="left")
            assert box.y1 <= figure.bbox.y1, axis.get_title(loc="left")  # none above the top
    # the briefing draws each panel on its own, with fixed margins: two lines fit, a third not
    data = pd.DataFrame(rows)
    for label in labels:
        panel = charts._trend_panel_figure()
        charts._draw_trajectory(panel.axes[0], data[data["label"] == label], "vi")
        panel.set_dpi(theme.PNG_DPI)
        canvas = FigureCanvasAgg(panel)
        canvas.draw()
        box = _left_title(panel.axes[0]).get_window_extent(canvas.get_renderer())
        assert box.y1 <= panel.bbox.y1 and box.x1 <= panel.bbox.x1, label
    cut = [a.get_title(loc="left") for a in figure.axes if "thỏa ước" in a.get_title(loc="left")]
    assert cut == ["Doanh nghiệp có tổ chức công\nđoàn ký kết thỏa ước lao …"]


def test_png_holds_the_canvas_pixels_rgb_when_opaque_rgba_when_not() -> None:
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    def pixels(figure: Figure) -> np.ndarray:
        canvas = FigureCanvasAgg(figure)
        figure.set_dpi(theme.PNG_DPI)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    opaque = Figure(figsize=(2, 1))
    opaque.add_subplot().plot([0, 1], [1, 0], color="#c0392b")
    data = images.png(opaque)
    picture = Image.open(io.BytesIO(data))
    assert picture.mode == "RGB"
    assert np.array_equal(np.asarray(picture), pixels(opaque)[..., :3])
    assert [round(d) for d in picture.info["dpi"]] == [theme.PNG_DPI] * 2
    assert png_rows(data) is not None  # the PDF takes its rows as they are

    clear = Figure(figsize=(2, 1))
    clear.patch.set_alpha(0.0)
    clear.add_subplot().plot([0, 1], [0, 1])
    data = images.png(clear)
    picture = Image.open(io.BytesIO(data))
    assert picture.mode == "RGBA"
    assert np.array_equal(np.asarray(picture), pixels(clear))
    assert png_rows(data) is None  # an alpha channel goes WeasyPrint's own way


def test_half_year_period_labels_do_not_collide() -> None:
    """A half-year briefing's trend ends on '2026-H1': its label must not run into '2025',
    leave the figure or reach the titles of the row below."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    periods = ["2021", "2022", "2023", "2024", "2025", "2026-H1"]
    rows = [{"label": f"Chỉ tiêu số {j} có tên khá dài để xuống hai dòng", "period": p,
             "measure": "share", "value": 0.5, "target": 0.7, "status": "not_met"}
            for j in range(6) for p in periods]
    for lang, last in (("vi", "2026\n6T đầu"), ("en", "2026\nH1")):
        figure = charts.trend(pd.DataFrame(rows), lang=lang)
        figure.set_dpi(theme.PNG_DPI)  # as drawn for the briefing
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        titles = [_left_title(axis).get_window_extent(renderer) for axis in figure.axes]

        def line_spans(text: Text) -> list[tuple[float, float]]:
            """x extent of each line of a centred tick label, top line first."""
            box = text.get_window_extent(renderer)  # noqa: B023 - used within this loop pass
            middle = (box.x0 + box.x1) / 2
            widths = [renderer.get_text_width_height_descent(  # noqa: B023
                line, text.get_fontproperties(), ismath=False)[0]
                for line in text.get_text().split("\n")]
            return [(middle - w / 2, middle + w / 2) for w in widths]

        for axis in figure.axes:
            labels = axis.get_xticklabels()
            texts = [t.get_text() for t in labels]
            assert texts[-1] == last and texts[-2] == "2025"
            for left, right in zip(labels, labels[1:], strict=False):
                for a, b in zip(line_spans(left), line_spans(right), strict=False):
                    assert a[1] < b[0], (lang, left.get_text(), right.get_text())  # same line
            for box in (t.get_window_extent(renderer) for t in labels):
                assert box.y0 >= 0 and box.x1 <= figure.bbox.x1
                assert not any(box.overlaps(title) for title in titles)


def test_a_trend_of_one_period_is_a_sentence_not_panels_of_one_dot() -> None:
    one = pd.DataFrame([{"label": label, "period": "2025", "measure": "share", "value": value,
                         "target": 0.6, "status": "met"} for label, value in (("A", 1.0),
                                                                              ("B", np.nan))])
    said = charts.trend_image(one, lang="vi").data
    assert said == ('<p class="cd-note">Mới có số liệu của một kỳ (Năm 2025): diễn biến có từ '
                    'kỳ báo cáo sau; kết quả kỳ này ở bảng trên.</p>')
    two = pd.concat([one, one.assign(period="2024")])  # two periods: the panels
    assert 'class="cd-panels"' in charts.trend_image(two, lang="vi").data


def test_the_trajectory_key_names_only_what_is_drawn() -> None:
    rows = [{"label": "A", "measure": "share", "year": 2025, "value": 1.0, "milestone": np.nan,
             "projection": np.nan},
            {"label": "A", "measure": "share", "year": 2030, "value": np.nan, "milestone": 1.0,
             "projection": np.nan}]
    points = pd.DataFrame(rows)  # one year each: dots, no projection drawn
    assert charts.trajectory_key(points, "vi") == "Chấm tròn: thực hiện; ★: mốc kế hoạch."
    more = pd.concat([points, points.assign(year=[2023, 2030], value=[0.8, np.nan],
                                            milestone=np.nan, projection=[np.nan, 1.2])])
    assert charts.trajectory_key(more, "en") == (
        "Solid line: actual; dotted line: projection at the current pace; ★: plan milestone.")
