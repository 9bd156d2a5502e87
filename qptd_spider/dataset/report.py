"""``qptd report``: one self-contained HTML page of the dataset's charts (inline SVG, no
script, no network): articles per year and per month, per category, fill rates per year
(how metadata coverage changed), who writes (ranks and posts of the people who signed),
and the top authors (people only: staff credits are never authors)."""

from __future__ import annotations

from html import escape

from .stats import KEY_FIELDS, NO_RANK, DatasetStats

_BAR = 18
_WIDTH = 720
_BLUE = "#2b6cb0"


def _bars(title: str, items: list[tuple[str, int]], unit: str, note: str = "") -> str:
    """A horizontal bar chart: one labelled bar per item, its value at its end."""
    head = f"<h2>{escape(title)}</h2>" + (f"<p>{escape(note)}</p>" if note else "")
    if not items:
        return head + "<p>No data.</p>"
    top = max(n for _, n in items) or 1
    label_w = 260
    height = _BAR * len(items) + 40
    span = _WIDTH - label_w - 70
    rows = []
    for k, (label, n) in enumerate(items):
        y = 5 + k * _BAR
        w = max(1, int(span * n / top))
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{_BAR - 5}" fill="{_BLUE}">'
            f"<title>{escape(label)}: {n:,} {escape(unit)}</title></rect>"
            f'<text x="{label_w + w + 4}" y="{y + 13}">{n:,}</text>'
        )
    axis_y = 5 + len(items) * _BAR + 4
    rows.append(
        f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + span}" y2="{axis_y}" stroke="#888"/>'
        f'<text x="{label_w}" y="{axis_y + 16}">0</text>'
        f'<text x="{label_w + span}" y="{axis_y + 16}" text-anchor="end">{top:,} {escape(unit)}'
        "</text>"
    )
    return (
        head + f'<svg role="img" aria-label="{escape(title)}" width="{_WIDTH}" height="{height}" '
        f'font-size="12" font-family="sans-serif">{"".join(rows)}</svg>'
    )


def _columns(title: str, items: list[tuple[str, int]], unit: str, x_label: str) -> str:
    """A vertical bar chart over time (years, months): labelled axes, values on hover."""
    head = f"<h2>{escape(title)}</h2>"
    if not items:
        return head + "<p>No data.</p>"
    top = max(n for _, n in items) or 1
    left, bottom, plot_h = 70, 50, 220
    step = max(6, min(48, (_WIDTH - left - 10) // len(items)))
    width = max(360, left + step * len(items) + 10)
    parts = [
        f'<line x1="{left}" y1="10" x2="{left}" y2="{10 + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{10 + plot_h}" x2="{width - 5}" y2="{10 + plot_h}" stroke="#888"/>',
        f'<text x="{left - 6}" y="16" text-anchor="end">{top:,}</text>',
        f'<text x="{left - 6}" y="{10 + plot_h}" text-anchor="end">0</text>',
        f'<text x="14" y="{10 + plot_h // 2}" transform="rotate(-90 14 {10 + plot_h // 2})" '
        f'text-anchor="middle">{escape(unit)}</text>',
        f'<text x="{(left + width) // 2}" y="{10 + plot_h + bottom - 4}" '
        f'text-anchor="middle">{escape(x_label)}</text>',
    ]
    every = max(1, len(items) // 12)  # at most a dozen labels on the axis
    for k, (label, n) in enumerate(items):
        h = max(1, int(plot_h * n / top))
        x = left + k * step + 1
        parts.append(
            f'<rect x="{x}" y="{10 + plot_h - h}" width="{step - 2}" height="{h}" '
            f'fill="{_BLUE}"><title>{escape(label)}: {n:,} {escape(unit)}</title></rect>'
        )
        if k % every == 0:
            parts.append(
                f'<text x="{x + step // 2}" y="{10 + plot_h + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    return (
        head + f'<svg role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{plot_h + bottom + 10}" font-size="11" font-family="sans-serif">'
        f"{''.join(parts)}</svg>"
    )


def _fill_table(stats: DatasetStats) -> str:
    """Fill rates per publication year, as a table shaded by value (a heat map)."""
    years = stats.fill_rates_per_year
    if not years:
        return "<h2>Fill rates per year</h2><p>No data.</p>"
    head = "".join(f"<th><code>{escape(k)}</code></th>" for k in KEY_FIELDS)
    rows = []
    for year, rates in years.items():
        cells = "".join(
            f'<td style="background:rgba(43,108,176,{rates[k]:.2f});'
            f'color:{"#fff" if rates[k] > 0.55 else "#222"}">{rates[k]:.0%}</td>'
            for k in KEY_FIELDS
        )
        rows.append(f"<tr><th>{escape(year)}</th>{cells}</tr>")
    return (
        "<h2>Fill rates per year</h2><p>Share of the articles published that year with a "
        "value in each field (darker is fuller).</p>"
        f'<table class="heat"><tr><th>year</th>{head}</tr>{"".join(rows)}</table>'
    )


def render_report(stats: DatasetStats, version: str) -> str:
    fill = "".join(
        f"<tr><td><code>{k}</code></td><td>{stats.fill_rates.get(k, 0):.1%}</td></tr>"
        for k in (*KEY_FIELDS, "source")
    )
    years = [(y, n) for y, n in stats.per_year.items() if y != "unknown"]
    undated = stats.per_year.get("unknown", 0)
    months = list(stats.per_month.items())[-36:]
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>QPTĐ dataset report</title><style>body{font-family:sans-serif;max-width:"
        "800px;margin:2em auto;color:#222}td,th{padding:2px 10px;text-align:right}"
        "table.heat th{text-align:center}</style></head><body>"
        "<h1>Quốc phòng Thủ đô articles</h1>"
        f"<p>Version <code>{escape(version)}</code>: {stats.articles:,} articles, published "
        f"{escape((stats.first_published or '?')[:10])} to "
        f"{escape((stats.last_published or '?')[:10])}"
        + (f"; {undated:,} without a date" if undated else "")
        + ".</p>"
        + _columns("Articles per year", years, "articles", "year of publication (Vietnam)")
        + _columns("Articles per month (the last 36)", months, "articles", "month of publication")
        + _bars("Articles per category", list(stats.per_category.items()), "articles")
        + f"<h2>Fill rates</h2><table>{fill}</table>"
        + _fill_table(stats)
        + _bars(
            "Who writes: ranks",
            [(r, n) for r, n in stats.ranks.items() if r != NO_RANK],
            "signatures",
            "Military rank of each person in a signature (one count per article signed); "
            f"{stats.ranks.get(NO_RANK, 0):,} signatures give no rank.",
        )
        + _bars(
            "Who writes: posts",
            list(stats.positions.items()),
            "signatures",
            "The post a signature gives, without its unit.",
        )
        + _bars(
            "Top authors",
            stats.top_authors,
            "articles",
            "People only: staff credits (PV, BBT), outlets and organizations are not authors.",
        )
        + "</body></html>"
    )
