"""The visit statistics chart: page views (bars) and visitors (line) per day, as inline SVG.

Drawn on the server, so the report needs no script and nothing from a CDN. The SVG is built
with :mod:`xml.etree.ElementTree`, which escapes every text and attribute, and is well-formed
XML. Colours come from Wagtail's admin theme (CSS custom properties in ``static/css/admin.css``,
light and dark); the presentation attributes are the fallback.

Accessibility: the ``<svg>`` is one image (``role="img"``) named by its ``<title>`` and
described by its ``<desc>`` (the period, the totals and the busiest day). The report shows the
same numbers per day in a table below the chart. Each day's column has a ``<title>`` too, which
the browser shows as a tooltip on hover.
"""

import math
import xml.etree.ElementTree as ET

from django.utils.dateformat import format as date_format
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

SVG_NS = "http://www.w3.org/2000/svg"

WIDTH = 960
HEIGHT = 300
LEFT = 56  # room for the value ticks
RIGHT = 16
TOP = 16
BOTTOM = 40  # room for the date labels
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM

MAX_DATE_LABELS = 7
MAX_DAYS_WITH_POINTS = 62  # beyond about two months the dots would touch

# Fallback colours (Wagtail's secondary-100 and grey-600/-400/-100); admin.css overrides them
# with the theme's custom properties.
BAR_COLOUR = "#80b1b3"
LINE_COLOUR = "#262626"
TEXT_COLOUR = "#5c5c5c"
GRID_COLOUR = "#e0e0e0"


def number(value):
    """``1234`` → ``"1.234"`` in Danish."""
    return number_format(value, force_grouping=True)


def nice_ticks(maximum, count=4):
    """Round values from 0 up to at least ``maximum``, about ``count`` steps: 0, 5, 10, 15,
    20 or 0, 250, 500, 750 (whole numbers: these are counts)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = None
    for multiple in (1, 2, 2.5, 5, 10):
        candidate = multiple * magnitude
        if candidate >= raw and candidate == int(candidate):
            step = int(candidate)
            break
    step = max(step or int(10 * magnitude), 1)
    top = step * math.ceil(maximum / step)
    return list(range(0, top + 1, step))


def date_label_format(days):
    return "j. b Y" if days[0].day.year != days[-1].day.year else "j. b"


def label_indices(count):
    """Which days get a date under the axis: the first, then evenly spaced."""
    step = max(1, math.ceil(count / MAX_DATE_LABELS))
    return list(range(0, count, step))


def day_summary(day):
    """The tooltip of a day's column: "torsdag 26. november 2026: 120 sidevisninger, 45
    besøgende"."""
    page_views = ngettext("%(count)s page view", "%(count)s page views", day.page_views) % {
        "count": number(day.page_views)
    }
    visitors = ngettext("%(count)s visitor", "%(count)s visitors", day.visitors) % {
        "count": number(day.visitors)
    }
    return f"{date_format(day.day, 'l j. F Y')}: {page_views}, {visitors}"


def description(days):
    total_views = sum(day.page_views for day in days)
    total_visitors = sum(day.visitors for day in days)
    text = gettext(
        "Page views per day as bars and visitors per day as a line, from %(start)s to "
        "%(end)s: %(page_views)s page views and %(visitors)s visitors in all."
    ) % {
        "start": date_format(days[0].day, "j. F Y"),
        "end": date_format(days[-1].day, "j. F Y"),
        "page_views": number(total_views),
        "visitors": number(total_visitors),
    }
    busiest = max(days, key=lambda day: (day.page_views, day.day))
    if busiest.page_views:
        text += " " + gettext("The most page views were on %(day)s: %(page_views)s.") % {
            "day": date_format(busiest.day, "j. F Y"),
            "page_views": number(busiest.page_views),
        }
    return text + " " + gettext("The table below the chart lists every day.")


def _fmt(value):
    """Coordinates with at most two decimals, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def sub(parent, tag, text=None, **attrs):
    element = ET.SubElement(
        parent, tag, {key.rstrip("_").replace("_", "-"): str(v) for key, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def visits_chart(days, chart_id="visit-chart"):
    """The chart of ``days`` (objects with ``day``, ``page_views`` and ``visitors``, one per
    calendar day, zeros included) as safe HTML."""
    if not days:
        return ""
    count = len(days)
    ticks = nice_ticks(max(max(d.page_views for d in days), max(d.visitors for d in days)))
    top_value = ticks[-1]
    band = PLOT_WIDTH / count
    bar_width = min(band * 0.7, 36)
    baseline = TOP + PLOT_HEIGHT

    def x_centre(index):
        return LEFT + band * (index + 0.5)

    def y(value):
        return baseline - PLOT_HEIGHT * value / top_value

    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": "100%",
            "class": "visit-chart",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "font-size": "13",
        },
    )
    sub(svg, "title", gettext("Page views and visitors per day"), id=f"{chart_id}-title")
    sub(svg, "desc", description(days), id=f"{chart_id}-desc")

    grid = sub(svg, "g", class_="visit-chart__grid")
    for tick in ticks:
        tick_y = _fmt(y(tick))
        sub(
            grid,
            "line",
            x1=LEFT,
            x2=WIDTH - RIGHT,
            y1=tick_y,
            y2=tick_y,
            stroke=GRID_COLOUR,
            class_="visit-chart__gridline",
        )
        sub(
            grid,
            "text",
            number(tick),
            x=LEFT - 8,
            y=_fmt(y(tick) + 4),
            text_anchor="end",
            fill=TEXT_COLOUR,
            class_="visit-chart__tick",
        )

    bars = sub(svg, "g", class_="visit-chart__bars")
    for index, day in enumerate(days):
        height = PLOT_HEIGHT * day.page_views / top_value
        sub(
            bars,
            "rect",
            x=_fmt(x_centre(index) - bar_width / 2),
            y=_fmt(baseline - height),
            width=_fmt(bar_width),
            height=_fmt(height),
            fill=BAR_COLOUR,
            class_="visit-chart__bar",
        )

    points = " ".join(
        f"{_fmt(x_centre(index))},{_fmt(y(day.visitors))}" for index, day in enumerate(days)
    )
    sub(
        svg,
        "polyline",
        points=points,
        fill="none",
        stroke=LINE_COLOUR,
        stroke_width=2,
        stroke_linejoin="round",
        class_="visit-chart__line",
    )
    if count <= MAX_DAYS_WITH_POINTS:
        dots = sub(svg, "g", class_="visit-chart__points")
        for index, day in enumerate(days):
            sub(
                dots,
                "circle",
                cx=_fmt(x_centre(index)),
                cy=_fmt(y(day.visitors)),
                r=3.5,
                fill=LINE_COLOUR,
                class_="visit-chart__point",
            )

    axis = sub(svg, "g", class_="visit-chart__axis")
    sub(
        axis,
        "line",
        x1=LEFT,
        x2=WIDTH - RIGHT,
        y1=baseline,
        y2=baseline,
        stroke=TEXT_COLOUR,
        class_="visit-chart__baseline",
    )
    label_format = date_label_format(days)
    for index in label_indices(count):
        label_x = _fmt(x_centre(index))
        sub(
            axis,
            "line",
            x1=label_x,
            x2=label_x,
            y1=baseline,
            y2=baseline + 5,
            stroke=TEXT_COLOUR,
            class_="visit-chart__baseline",
        )
        sub(
            axis,
            "text",
            date_format(days[index].day, label_format),
            x=label_x,
            y=baseline + 22,
            text_anchor="middle",
            fill=TEXT_COLOUR,
            class_="visit-chart__tick",
        )

    # On top: one invisible column per day, whose title the browser shows on hover.
    columns = sub(svg, "g", class_="visit-chart__days")
    for index, day in enumerate(days):
        column = sub(
            columns,
            "rect",
            x=_fmt(LEFT + band * index),
            y=TOP,
            width=_fmt(band),
            height=PLOT_HEIGHT,
            fill="transparent",
            class_="visit-chart__day",
            data_day=day.day.isoformat(),
            data_page_views=day.page_views,
            data_visitors=day.visitors,
        )
        sub(column, "title", day_summary(day))

    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308 - escaped by ElementTree
