"""``qptd report``: one self-contained HTML page with the dataset's charts (no network)."""

from __future__ import annotations

from html import escape

from .stats import KEY_FIELDS, DatasetStats

_BAR = 18
_WIDTH = 560


def _bars(title: str, items: list[tuple[str, int]]) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return f"<h2>{escape(title)}</h2><p>No data.</p>"
    top = max(n for _, n in items) or 1
    label_w = 220
    height = _BAR * len(items) + 10
    rows = []
    for k, (label, n) in enumerate(items):
        y = 5 + k * _BAR
        w = max(1, int((_WIDTH - label_w - 60) * n / top))
        rows.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w}" height="{_BAR - 5}" fill="#2b6cb0">'
            f"<title>{escape(label)}: {n:,}</title></rect>"
            f'<text x="{label_w + w + 4}" y="{y + 13}">{n:,}</text>'
        )
    return (
        f"<h2>{escape(title)}</h2>"
        f'<svg role="img" aria-label="{escape(title)}" width="{_WIDTH}" height="{height}" '
        f'font-size="12" font-family="sans-serif">{"".join(rows)}</svg>'
    )


def render_report(stats: DatasetStats, version: str) -> str:
    fill = "".join(
        f"<tr><td><code>{k}</code></td><td>{stats.fill_rates.get(k, 0):.1%}</td></tr>"
        for k in (*KEY_FIELDS, "source")
    )
    months = list(stats.per_month.items())[-36:]
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>QPTĐ dataset report</title><style>body{font-family:sans-serif;max-width:"
        "760px;margin:2em auto;color:#222}td{padding:2px 12px}</style></head><body>"
        "<h1>Quốc phòng Thủ đô articles</h1>"
        f"<p>Version <code>{escape(version)}</code>: {stats.articles:,} articles, published "
        f"{escape((stats.first_published or '?')[:10])} to "
        f"{escape((stats.last_published or '?')[:10])}.</p>"
        f"<h2>Fill rates</h2><table>{fill}</table>"
        + _bars("Articles per month (last 36)", months)
        + _bars("Articles per category", list(stats.per_category.items()))
        + _bars("Top authors", stats.top_authors)
        + "</body></html>"
    )
