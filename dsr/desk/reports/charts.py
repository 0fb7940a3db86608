"""Horizontal bar charts drawn on the server as inline SVG: nothing to load, nothing to run.

Each row of a table is one bar (its series stacked) or one bar per series (grouped), under
the row's label. Every text that reaches the SVG goes through `format_html`, so a label is
always text, never markup. The chart is a picture of its table, which stands beside it for
screen readers and for exact figures; colours come from `static/reports/reports.css`.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dsr.desk.reports.tables import Table

WIDTH = 560
BAR_AREA = 440  # the longest bar; the rest of the width holds its value
LABEL_HEIGHT = 17
BAR_HEIGHT = 14
GROUPED_BAR_HEIGHT = 9
ROW_GAP = 8
LEGEND_HEIGHT = 22
NO_FIGURE = "\u2013"  # an en dash, as the tables show a figure that cannot be computed


def _number(value: float) -> str:
    return str(value)  # as the table beside the chart writes it


def _legend(table: Table) -> tuple[list[SafeString], int]:
    series = table.chart.series
    if len(series) < 2:
        return [], 0
    parts, x = [], 0
    for item in series:
        parts.append(
            format_html(
                '<rect class="swatch {}" x="{}" y="4" width="10" height="10"></rect>'
                '<text class="legend" x="{}" y="13">{}</text>',
                item.css,
                x,
                x + 14,
                item.label,
            )
        )
        x += 24 + 8 * len(item.label)
    return parts, LEGEND_HEIGHT


def bar_chart(table: Table) -> SafeString:
    """The table's chart as an `<svg>` element (empty string when it has none)."""
    chart = table.chart
    if chart is None:
        return mark_safe("")
    grouped = chart.mode == "grouped"
    values = [[series.value(row) for series in chart.series] for row in table.rows]
    longest = (
        max(
            (max((v or 0) for v in row) if grouped else sum((v or 0) for v in row))
            for row in values
        )
        if values
        else 0
    )
    scale = BAR_AREA / longest if longest else 0
    parts, y = _legend(table)
    bars_per_row = len(chart.series) if grouped else 1
    bar_height = GROUPED_BAR_HEIGHT if grouped else BAR_HEIGHT
    for row, row_values in zip(table.rows, values, strict=True):
        parts.append(
            format_html('<text class="label" x="0" y="{}">{}</text>', y + 13, row["label"])
        )
        y += LABEL_HEIGHT
        x = 0.0
        for index, (series, value) in enumerate(zip(chart.series, row_values, strict=True)):
            if grouped:
                x = 0.0
                top = y + index * (bar_height + 2)
            else:
                top = y
            width = round((value or 0) * scale, 2)
            if width > 0:
                parts.append(
                    format_html(
                        '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}">'
                        "<title>{}: {} {}</title></rect>",
                        series.css,
                        round(x, 2),
                        top,
                        width,
                        bar_height,
                        row["label"],
                        series.label,
                        _number(value),
                    )
                )
            if grouped:
                shown = NO_FIGURE if value is None else _number(value)
                parts.append(
                    format_html(
                        '<text class="value" x="{}" y="{}">{}</text>',
                        round(width + 4, 2),
                        top + bar_height - 1,
                        shown,
                    )
                )
            x += width
        if not grouped:
            total = sum((value or 0) for value in row_values)
            parts.append(
                format_html(
                    '<text class="value" x="{}" y="{}">{}</text>',
                    round(x + 4, 2),
                    y + bar_height - 2,
                    _number(total),
                )
            )
        y += bars_per_row * (bar_height + 2) + ROW_GAP
    if not longest:
        parts.append(
            format_html(
                '<text class="empty" x="0" y="{}">{}</text>', y + 12, _("Nothing in this period.")
            )
        )
        y += 20
    title = _("Chart: %(title)s. The figures are in the table beside it.") % {"title": table.title}
    return format_html(
        '<svg class="chart" id="chart-{}" role="img" aria-labelledby="chart-{}-title" '
        'viewBox="0 0 {} {}" width="{}" height="{}" xmlns="http://www.w3.org/2000/svg">'
        '<title id="chart-{}-title">{}</title>{}</svg>',
        table.slug,
        table.slug,
        WIDTH,
        y,
        WIDTH,
        y,
        table.slug,
        title,
        format_html_join("", "{}", ((part,) for part in parts)),
    )
