"""Numbers of a dataset: counts, date range, categories, authors, fill rates."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..normalize import vocabulary as vocab
from ..schema import field_names
from .versions import version_files


def position_head(position: str) -> str:
    """What a position is, without its unit: "Chính ủy Sư đoàn 301" → "Chính ủy"; a unit
    alone (no post named) → "(a unit)"."""
    head = vocab.POSITION_HEAD_SET.prefix(position)
    if head is not None:
        return head[:1].upper() + head[1:]
    return "(a unit)" if vocab.UNIT_HEAD_SET.prefix(position) else "(other)"


NO_RANK = "(no rank given)"
# Fields whose fill rate researchers ask about first.
KEY_FIELDS = ("title", "published_at", "author", "position", "lead", "body", "images")


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
    byline_kinds: dict[str, int] = field(default_factory=dict)
    signature_status: dict[str, int] = field(default_factory=dict)
    parser_versions: dict[str, int] = field(default_factory=dict)
    # Who writes: the ranks of the people who signed, and the posts they held (head words).
    ranks: dict[str, int] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    # How coverage changed: per publication year, the share of articles with each key field.
    fill_rates_per_year: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


class StatsAccumulator:
    """Builds ``DatasetStats`` batch by batch: a dataset of any size is summed up with one
    batch of rows in memory (fill rates are counted by Arrow, never as Python objects)."""

    def __init__(self) -> None:
        self.articles = 0
        self.published: list[Any] = []  # min and max so far
        self.crawled: list[Any] = []
        self.years: Counter[str] = Counter()
        self.months: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self.authors: Counter[str] = Counter()
        self.filled: Counter[str] = Counter()
        self.precision: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.parsers: Counter[str] = Counter()
        self.ranks: Counter[str] = Counter()
        self.positions: Counter[str] = Counter()
        self.year_filled: dict[str, Counter[str]] = {}

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        self.articles += batch.num_rows
        published = [v for v in batch.column("published_at").to_pylist() if v is not None]
        self.published = _extremes(self.published + published)
        crawled = [v for v in batch.column("crawled_at").to_pylist() if v is not None]
        self.crawled = _extremes(self.crawled + crawled)
        self.years.update(str(v.year) for v in published)
        self.years["unknown"] += batch.num_rows - len(published)
        self.months.update(v.strftime("%Y-%m") for v in published)
        self.categories.update(
            (c[0] if c else "(none)") for c in batch.column("category").to_pylist()
        )
        for people in batch.column("authors").to_pylist():
            for p in people or []:
                self.authors[p["name"]] += 1
                self.ranks[p.get("rank") or NO_RANK] += 1
                if p.get("position"):
                    self.positions[position_head(p["position"])] += 1
        self._add_year_fill(batch, published_all=batch.column("published_at").to_pylist())
        for name in field_names():
            if name in batch.schema.names:
                self.filled[name] += _filled_count(batch.column(name))
        self.precision.update(
            v or "none" for v in batch.column("published_at_precision").to_pylist()
        )
        # Columns an older version's files may not have (read as "unknown").
        for counter, name in (
            (self.kinds, "byline_kind"),
            (self.statuses, "signature_status"),
            (self.parsers, "parser_version"),
        ):
            if name in batch.schema.names:
                counter.update(v or "none" for v in batch.column(name).to_pylist())
            else:
                counter["unknown"] += batch.num_rows

    def result(self, top: int = 20) -> DatasetStats:
        stats = DatasetStats(articles=self.articles)
        if not self.articles:
            return stats
        if self.published:
            stats.first_published = self.published[0].isoformat()
            stats.last_published = self.published[-1].isoformat()
        if self.crawled:
            stats.first_crawled = self.crawled[0].isoformat()
            stats.last_crawled = self.crawled[-1].isoformat()
        stats.per_year = {k: n for k, n in sorted(self.years.items()) if n}
        stats.per_month = dict(sorted(self.months.items()))
        stats.per_category = dict(self.categories.most_common())
        stats.top_authors = self.authors.most_common(top)
        stats.fill_rates = {
            name: self.filled[name] / self.articles for name in field_names() if name in self.filled
        }
        stats.date_precision = dict(self.precision)
        stats.byline_kinds = dict(self.kinds.most_common())
        stats.signature_status = dict(self.statuses.most_common())
        stats.parser_versions = dict(self.parsers.most_common())
        stats.ranks = dict(self.ranks.most_common())
        stats.positions = dict(self.positions.most_common(top))
        stats.fill_rates_per_year = {
            year: {k: filled[k] / filled["_articles"] for k in KEY_FIELDS}
            for year, filled in sorted(self.year_filled.items())
        }
        return stats

    def _add_year_fill(self, batch: pa.RecordBatch | pa.Table, published_all: list[Any]) -> None:
        columns = {k: batch.column(k).to_pylist() for k in KEY_FIELDS if k in batch.schema.names}
        for i, published in enumerate(published_all):
            year = str(published.year) if published is not None else "unknown"
            filled = self.year_filled.setdefault(year, Counter())
            filled["_articles"] += 1
            for name, values in columns.items():
                if values[i] not in (None, "", []):
                    filled[name] += 1


def _extremes(values: list[Any]) -> list[Any]:
    return [min(values), max(values)] if values else []


def _filled_count(column: pa.Array | pa.ChunkedArray) -> int:
    """Values that are neither null nor empty (empty text, empty list)."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        lengths = pc.utf8_length(column)
    elif pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        lengths = pc.list_value_length(column)
    else:
        return int(len(column) - column.null_count)
    # Null lengths (null values) are skipped by the sum.
    return int(pc.sum(pc.greater(lengths, 0).cast(pa.int64())).as_py() or 0)


def version_stats(version: Path | None, top: int = 20, batch_rows: int = 5000) -> DatasetStats:
    """Stats of a dataset version, read file by file in batches (None: no dataset yet)."""
    accumulator = StatsAccumulator()
    for path in version_files(version) if version is not None else []:
        source = pq.ParquetFile(path)
        for batch in source.iter_batches(batch_size=batch_rows):
            accumulator.add(batch)
    return accumulator.result(top)


def format_stats(stats: DatasetStats) -> str:
    """Plain-text summary for ``qptd stats``."""
    lines = [
        f"articles:        {stats.articles}",
        f"published:       {stats.first_published} … {stats.last_published}",
        f"crawled:         {stats.first_crawled} … {stats.last_crawled}",
        "per year:        " + ", ".join(f"{y}: {n}" for y, n in stats.per_year.items()),
        "date precision:  " + ", ".join(f"{p}: {n}" for p, n in stats.date_precision.items()),
        "byline kinds:    " + ", ".join(f"{k}: {n}" for k, n in stats.byline_kinds.items()),
        "signatures:      " + ", ".join(f"{k}: {n}" for k, n in stats.signature_status.items()),
        "parser versions: " + ", ".join(f"{k}: {n}" for k, n in stats.parser_versions.items()),
        "fill rates:      "
        + ", ".join(f"{k} {stats.fill_rates.get(k, 0):.1%}" for k in KEY_FIELDS),
        "per category:",
        *(f"  {n:>7}  {c}" for c, n in stats.per_category.items()),
        "top authors:",
        *(f"  {n:>7}  {a}" for a, n in stats.top_authors[:10]),
    ]
    return "\n".join(lines)
