"""Bar charts drawn on the server as SVG: nothing to fetch from a CDN (hospital networks are closed),
nothing to run in the browser. Each chart is decorative for screen readers: the page gives the
same numbers in a table right below it.
"""

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

#: Colour-blind-safe palette (Okabe-Ito), one colour per series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | float, ...]


def bar_chart(
    labels: list[str],
    series: list[Series],
    *,
    title: str,
    colon: str = ":",
    width: int = 720,
    height: int = 260,
    stacked: bool = True,
) -> Markup:
    """Vertical bars, one group per label, the series stacked (or side by side), with a legend;
    *colon* as the page's language writes it, between a bar's name and its value."""
    left, right, top, bottom = 40, 10, 24, 56
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [
        sum(s.values[i] for s in series) if stacked else max((s.values[i] for s in series), default=0)
        for i in range(len(labels))
    ]
    highest = max(totals, default=0) or 1
    step = plot_width / max(len(labels), 1)
    bar_width = step * 0.7 / (1 if stacked else max(len(series), 1))
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
            f'role="img" aria-hidden="true" focusable="false" class="chart">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = top + plot_height * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_number(highest * fraction)}</text>"
        )
    every = max(1, len(labels) // 12)  # at most a dozen labels under the axis
    for index, label in enumerate(labels):
        x = left + step * index + step * 0.15
        base = top + plot_height
        for number, one in enumerate(series):
            value = one.values[index]
            bar = plot_height * value / highest
            colour = PALETTE[number % len(PALETTE)]
            if value:
                bar_x = x if stacked else x + bar_width * number
                parts.append(
                    f'<rect x="{bar_x:.1f}" y="{base - bar:.1f}" width="{bar_width:.1f}" '
                    f'height="{bar:.1f}" fill="{colour}"><title>{escape(one.name)} — {escape(label)}{colon} '
                    f"{_number(value)}</title></rect>"
                )
            if stacked:
                base -= bar
        if index % every == 0:
            parts.append(
                f'<text x="{left + step * index + step / 2:.1f}" y="{top + plot_height + 16}" '
                f'text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    # The legend wraps onto as many lines as it needs below the axis labels.
    legend_x, legend_y = left, height - 18
    for number, one in enumerate(series if len(series) > 1 else []):
        span = 24 + 7 * len(one.name)
        if legend_x + span > width - right and legend_x > left:
            legend_x, legend_y = left, legend_y + 16
        parts.append(
            f'<rect x="{legend_x}" y="{legend_y}" width="10" height="10" fill="{PALETTE[number % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{legend_x + 14}" y="{legend_y + 9}" font-size="11">{escape(one.name)}</text>')
        legend_x += span
    # Grow the drawing to hold the legend's extra lines.
    parts[0] = parts[0].replace(f"0 0 {width} {height}", f"0 0 {width} {legend_y + 18}")
    parts.append("</svg>")
    # On a phone the drawing is wider than the screen and scrolls in its box; the box reads
    # right to left so that it opens on its latest weeks (site.css), without a script.
    # Focusable, so that a keyboard scrolls it too.
    box = f'<div class="chart-scroll" tabindex="0" role="region" aria-label="{escape(title)}">'
    return Markup(box + "".join(parts) + "</div>")


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
