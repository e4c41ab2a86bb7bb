"""A line chart as SVG text, laid out here and written by a Jinja2 template (chart.svg.j2).

The report's three plots are line charts with a few fixed layouts; drawing them with
matplotlib cost about 0.1 s each per submission (a third of a correct submission's
grading overhead), for what is a few polylines, ticks and words. The layout follows
matplotlib's defaults (sizes in points, 72 to the inch, 10 pt text, 5 % data margins,
"nice" ticks, decades on a log axis), so the pictures look as before. Output is
deterministic: coordinates rounded to 0.01 pt, no date, no random ids. Every text is
escaped by the template; the caller marks the result safe.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from jinja2 import Template

from grader.render.view_model import template_environment

PT_PER_INCH = 72.0
FONT_SIZE = 10.0
TITLE_SIZE = 12.0
CHAR_WIDTH = 0.56  # of the font size: about the average of DejaVu Sans, a little over Arial
TICK_LENGTH, TICK_PAD, LABEL_PAD, TITLE_PAD = 3.5, 3.5, 4.0, 6.0
NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
MAX_TICKS = 9
MARGIN = 0.05  # of the data range, on each side
# The legend, in font sizes: a handle 2 long, 0.8 before the text, rows 0.5 apart, 0.4
# inside the frame, 0.5 from the axes, columns 2 apart.
HANDLE, HANDLE_PAD, ROW_GAP, BORDER_PAD, AXES_PAD, COLUMN_GAP = 2.0, 0.8, 0.5, 0.4, 0.5, 2.0
ROW_HEIGHT = 1.0


@dataclass(frozen=True)
class Marker:
    shape: str  # "circle", "square" or "x"
    size: float  # across, in points
    filled: bool = True
    edge_width: float = 1.0


@dataclass(frozen=True)
class Line:
    """One curve in data coordinates; label None: not in the legend."""

    x: Sequence[float]
    y: Sequence[float]
    colour: str
    width: float  # 0: markers only (a scatter plot)
    opacity: float = 1.0
    dotted: bool = False
    dashed: bool = False
    marker: Marker | None = None
    label: str | None = None


@dataclass(frozen=True)
class Bar:
    """One bar of a histogram, from 0 up to `height`, between x = low and x = high."""

    low: float
    high: float
    height: float
    colour: str
    edge_colour: str = "#ffffff"


@dataclass(frozen=True)
class Chart:
    """What to draw. `box`: the axes' left, right, bottom and top as fractions of the
    canvas (matplotlib's subplots_adjust). `legend`: "lower right", "upper left" or
    "below" (centred under the x label, `legend_columns` columns filled column by column).
    A unit square gets the range [-0.02, 1.02] on both axes, drawn square."""

    width_in: float
    height_in: float
    box: tuple[float, float, float, float]
    title: str
    xlabel: str
    ylabel: str
    lines: tuple[Line, ...]
    unit_square: bool = False
    log_y: bool = False
    legend: str = "lower right"
    legend_columns: int = 1
    grid_colour: str | None = "#eaeef2"  # None: no grid
    bars: tuple[Bar, ...] = ()
    xlim: tuple[float, float] | None = None  # None: the data's range, with margins
    ylim: tuple[float, float] | None = None
    integer_y: bool = False  # whole-number ticks only (counts)


@dataclass(frozen=True)
class _Scale:
    low: float
    high: float
    start: float  # the canvas coordinate of low
    end: float  # ... and of high
    log: bool = False

    def __call__(self, value: float) -> float:
        if self.log:
            value, low, high = math.log10(value), math.log10(self.low), math.log10(self.high)
        else:
            low, high = self.low, self.high
        return self.start + (value - low) / (high - low) * (self.end - self.start)

    def many(self, values: Sequence[float]) -> list[float]:
        """[self(v) for v in values], the same floats: numpy's element-wise arithmetic in
        the same order is IEEE's, as Python's is; the logarithms are math.log10's."""
        if self.log:
            data = np.array([math.log10(v) for v in values], dtype=float)
            low, high = math.log10(self.low), math.log10(self.high)
        else:
            data, low, high = np.asarray(values, dtype=float), self.low, self.high
        return (self.start + (data - low) / (high - low) * (self.end - self.start)).tolist()


@dataclass
class _Tick:
    at: float  # canvas coordinate
    label: str
    exponent: str = ""  # a log axis' label: 10 to this power


@dataclass
class _Axis:
    ticks: list[_Tick] = field(default_factory=list)
    minor: list[float] = field(default_factory=list)


def render_chart(chart: Chart) -> str:
    """The chart as an SVG document (width and height in points)."""
    width, height = chart.width_in * PT_PER_INCH, chart.height_in * PT_PER_INCH
    left, right, bottom, top = chart.box
    x0, x1 = left * width, right * width
    y0, y1 = (1 - top) * height, (1 - bottom) * height  # canvas y grows downwards
    lines = [_finite(line, chart.log_y) for line in chart.lines]
    if chart.unit_square:
        xlow, xhigh = ylow, yhigh = -0.02, 1.02
        side = min(x1 - x0, y1 - y0)  # equal aspect: a square, centred in the box
        x0, x1 = (x0 + x1 - side) / 2, (x0 + x1 + side) / 2
        y0, y1 = (y0 + y1 - side) / 2, (y0 + y1 + side) / 2
    else:
        xs_data = [v for line in lines for v in line[0]]
        xs_data += [v for bar in chart.bars for v in (bar.low, bar.high)]
        xlow, xhigh = chart.xlim or _padded(xs_data, log=False)
        if chart.ylim:
            ylow, yhigh = chart.ylim
        elif chart.bars:  # bars stand on 0 (matplotlib's sticky edge): margin on top only
            ylow, yhigh = 0.0, max([bar.height for bar in chart.bars] + [1.0]) * (1 + MARGIN)
        else:
            ylow, yhigh = _padded([v for line in lines for v in line[1]], log=chart.log_y)
    xs = _Scale(xlow, xhigh, x0, x1)
    ys = _Scale(ylow, yhigh, y1, y0, log=chart.log_y)
    xaxis = _linear_axis(xlow, xhigh, xs)
    if chart.log_y:
        yaxis = _log_axis(ylow, yhigh, ys)
    else:
        yaxis = _linear_axis(ylow, yhigh, ys, integer=chart.integer_y)
    bars = [
        {
            "x": xs(bar.low),
            "y": ys(bar.height),
            "width": xs(bar.high) - xs(bar.low),
            "height": ys(0.0) - ys(bar.height),
            "bar": bar,
        }
        for bar in chart.bars
        if all(math.isfinite(v) for v in (bar.low, bar.high, bar.height))
    ]
    drawn = []
    for index, (line, (xv, yv)) in enumerate(zip(chart.lines, lines, strict=True), 1):
        cx, cy = xs.many(xv), ys.many(yv)
        drawn.append({"id": f"line2d_{index}", "line": line, "points": _points(cx, cy)})
        # Markers only where drawn (the template reads them for a line with a marker).
        markers = zip(cx, cy, strict=True) if line.marker else ()
        drawn[-1]["markers"] = [(round(a, 2), round(b, 2)) for a, b in markers]
    label_width = max((_text_width(t.label + t.exponent) for t in yaxis.ticks), default=0.0)
    xlabel_y = y1 + TICK_LENGTH + TICK_PAD + FONT_SIZE * 2 + LABEL_PAD
    ylabel_x = x0 - TICK_LENGTH - TICK_PAD - label_width - LABEL_PAD - FONT_SIZE * 0.3
    legend = _legend(chart, (x0, x1, y0, y1), xlabel_y)
    return _template().render(
        width=_n(width),
        height=_n(height),
        box={"x0": x0, "x1": x1, "y0": y0, "y1": y1},
        chart=chart,
        xaxis=xaxis,
        yaxis=yaxis,
        lines=drawn,
        bars=bars,
        legend=legend,
        xlabel_y=xlabel_y,
        ylabel_x=ylabel_x,
        ylabel_y=(y0 + y1) / 2,
        tick_length=TICK_LENGTH,
        tick_pad=TICK_PAD,
        font=FONT_SIZE,
        title_size=TITLE_SIZE,
        title_y=y0 - TITLE_PAD,
    )


@cache
def _template() -> Template:
    environment = template_environment(autoescape=True)
    # Coordinates as `(value) | n`: Jinja2 calls a filter directly, where a function of
    # the context (`n(value)`) goes through the context's call (about 900 a report).
    environment.filters["n"] = _n
    return environment.get_template("chart.svg.j2")


def _n(value: float) -> str:
    """A coordinate as short, stable text."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


#: What _n strips from "%.2f" text, on every number of a joined string at once: ".00",
#: the 0 of ".50", then a "-0" left alone.
_ZEROS = re.compile(r"\.00(?=[, ]|$)|(\.\d)0(?=[, ]|$)")
_MINUS_ZERO = re.compile(r"(?<![\d.])-0(?=[, ]|$)")


def _points(xs: list[float], ys: list[float]) -> str:
    """The "x,y x,y ..." text, each coordinate as _n writes it, formatted in one pass (a curve
    has up to 200 points, each number through _n cost 1 us)."""
    text = " ".join([f"{a:.2f},{b:.2f}" for a, b in zip(xs, ys, strict=True)])
    return _MINUS_ZERO.sub("0", _ZEROS.sub(r"\1", text))


def _finite(line: Line, log_y: bool) -> tuple[list[float], list[float]]:
    """The points that can be drawn (finite; above 0 on a log axis)."""
    kept = [
        (float(a), float(b))
        for a, b in zip(line.x, line.y, strict=False)
        if math.isfinite(a) and math.isfinite(b) and (b > 0 or not log_y)
    ]
    return [a for a, _ in kept], [b for _, b in kept]


def _padded(values: list[float], log: bool) -> tuple[float, float]:
    """The data range with matplotlib's 5 % margins (in decades on a log axis)."""
    if not values:
        return (0.1, 10.0) if log else (0.0, 1.0)
    low, high = min(values), max(values)
    if log:
        low, high = math.log10(low), math.log10(high)
    if high == low:
        spread = abs(low) * 0.05 or 0.05
        low, high = low - spread, high + spread
    margin = (high - low) * MARGIN
    low, high = low - margin, high + margin
    return (10**low, 10**high) if log else (low, high)


def _linear_axis(low: float, high: float, scale: _Scale, integer: bool = False) -> _Axis:
    raw = (high - low) / MAX_TICKS
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in NICE_STEPS if s * power >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.ceil(low / step - 1e-9)
    values = [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]
    decimals = next(
        (d for d in range(7) if all(abs(round(v, d) - v) < step * 1e-6 for v in values)), 6
    )
    ticks = [_Tick(scale(v), _number(v, decimals)) for v in values]
    return _Axis(ticks)


def _number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")  # a minus sign, as matplotlib writes it


def _log_axis(low: float, high: float, scale: _Scale) -> _Axis:
    axis = _Axis()
    for power in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        if low <= 10**power <= high:
            axis.ticks.append(_Tick(scale(10**power), "10", str(power).replace("-", "\u2212")))
        axis.minor += [scale(m * 10**power) for m in range(2, 10) if low <= m * 10**power <= high]
    return axis


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def _legend(chart: Chart, box: tuple[float, float, float, float], xlabel_y: float) -> dict:
    """Where the legend's frame and entries go (canvas coordinates)."""
    x0, x1, y0, y1 = box
    entries = [line for line in chart.lines if line.label]
    columns = max(1, chart.legend_columns)
    rows = math.ceil(len(entries) / columns)
    em = FONT_SIZE
    text_width = max((_text_width(line.label or "") for line in entries), default=0.0)
    column_width = (HANDLE + HANDLE_PAD) * em + text_width
    width = columns * column_width + (columns - 1) * COLUMN_GAP * em + 2 * BORDER_PAD * em
    pitch = (ROW_HEIGHT + ROW_GAP) * em
    height = rows * pitch - ROW_GAP * em + 2 * BORDER_PAD * em
    if chart.legend == "upper left":
        left, top = x0 + AXES_PAD * em, y0 + AXES_PAD * em
    elif chart.legend == "below":  # under the x label, outside every curve
        left, top = (x0 + x1 - width) / 2, xlabel_y + AXES_PAD * em
    else:  # lower right
        left, top = x1 - AXES_PAD * em - width, y1 - AXES_PAD * em - height
    placed = []
    for index, line in enumerate(entries):
        column, row = divmod(index, rows)
        x = left + BORDER_PAD * em + column * (column_width + COLUMN_GAP * em)
        y = top + BORDER_PAD * em + row * pitch + em / 2  # the row's middle
        placed.append(
            {
                "line": line,
                "x0": x,
                "x1": x + HANDLE * em,
                "y": y,
                "text_x": x + (HANDLE + HANDLE_PAD) * em,
            }
        )
    return {"left": left, "top": top, "width": width, "height": height, "entries": placed}


__all__ = ["Bar", "Chart", "Line", "Marker", "render_chart"]
