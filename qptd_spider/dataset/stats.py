"""Numbers of a dataset: counts, date range, categories, authors, fill rates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ..schema import field_names

# Fields whose fill rate researchers ask about first.
KEY_FIELDS = ("title", "published_at", "author", "position", "lead", "body", "images")


def _filled(value: Any) -> bool:
    return value not in (None, "", [])


@dataclass
class DatasetStats:
    """Everything ``qptd stats``, the dataset card and the report show."""

    articles: int = 0
    first_published: str | None = None
    last_published: str | None = None
    first_crawled: str | None = None
    last_crawled: str | None = None
    per_year: dict[str, int] = field(default_factory=dict)
    per_month: dict[str, int] = field(default_factory=dict)
    per_category: dict[str, int] = field(default_factory=dict)
    top_authors: list[tuple[str, int]] = field(default_factory=list)
    fill_rates: dict[str, float] = field(default_factory=dict)
    date_precision: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def compute_stats(table: pa.Table, top: int = 20) -> DatasetStats:
    """Stats of an article table (reads only the columns it needs)."""
    stats = DatasetStats(articles=table.num_rows)
    if table.num_rows == 0:
        return stats
    published = [v for v in table.column("published_at").to_pylist() if v is not None]
    crawled = [v for v in table.column("crawled_at").to_pylist() if v is not None]
    if published:
        stats.first_published = min(published).isoformat()
        stats.last_published = max(published).isoformat()
    if crawled:
        stats.first_crawled = min(crawled).isoformat()
        stats.last_crawled = max(crawled).isoformat()
    years = Counter(str(v.year) for v in published)
    years["unknown"] = table.num_rows - len(published)
    stats.per_year = {k: n for k, n in sorted(years.items()) if n}
    stats.per_month = dict(sorted(Counter(v.strftime("%Y-%m") for v in published).items()))
    categories = Counter((c[0] if c else "(none)") for c in table.column("category").to_pylist())
    stats.per_category = dict(categories.most_common())
    authors: Counter[str] = Counter()
    for people in table.column("authors").to_pylist():
        authors.update(p["name"] for p in people or [])
    stats.top_authors = authors.most_common(top)
    stats.fill_rates = {
        name: sum(map(_filled, table.column(name).to_pylist())) / table.num_rows
        for name in field_names()
        if name in table.column_names
    }
    stats.date_precision = dict(
        Counter(v or "none" for v in table.column("published_at_precision").to_pylist())
    )
    return stats


def format_stats(stats: DatasetStats) -> str:
    """Plain-text summary for ``qptd stats``."""
    lines = [
        f"articles:        {stats.articles}",
        f"published:       {stats.first_published} … {stats.last_published}",
        f"crawled:         {stats.first_crawled} … {stats.last_crawled}",
        "per year:        " + ", ".join(f"{y}: {n}" for y, n in stats.per_year.items()),
        "date precision:  " + ", ".join(f"{p}: {n}" for p, n in stats.date_precision.items()),
        "fill rates:      "
        + ", ".join(f"{k} {stats.fill_rates.get(k, 0):.1%}" for k in KEY_FIELDS),
        "per category:",
        *(f"  {n:>7}  {c}" for c, n in stats.per_category.items()),
        "top authors:",
        *(f"  {n:>7}  {a}" for a, n in stats.top_authors[:10]),
    ]
    return "\n".join(lines)
