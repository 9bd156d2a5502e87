"""Parquet feed exporter: schema, types, row groups, empty feeds."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq

from qptd_spider.exporters import ParquetItemExporter
from qptd_spider.items import ArticleItem
from qptd_spider.schema import arrow_schema
from tests.conftest import ARTICLE_FIXTURES, page_expected


def _export(items: list[Any], **kwargs: Any) -> pq.ParquetFile:
    buffer = io.BytesIO()
    exporter = ParquetItemExporter(buffer, **kwargs)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return pq.ParquetFile(io.BytesIO(buffer.getvalue()))


def test_values_and_types_survive_a_round_trip() -> None:
    items = [page_expected(n) for n in ARTICLE_FIXTURES]
    table = _export(items).read()
    assert table.schema.equals(arrow_schema(), check_metadata=False)
    rows = table.to_pylist()
    for row, item in zip(rows, items, strict=True):
        for key in ("url", "title", "body", "authors", "images", "keywords", "category"):
            assert row[key] == item[key], key
        published = row["published_at"]
        if item["published_at"] is None:
            assert published is None
        else:
            assert published == datetime.fromisoformat(str(item["published_at"]))
            assert published.utcoffset() == timedelta(hours=7)
        assert row["crawled_at"].utcoffset() == timedelta(0)


def test_dataclass_items_are_accepted() -> None:
    item = ArticleItem(
        url="https://quocphongthudo.vn/a/b.html",
        title="Tiêu đề",
        crawled_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        content_hash="0" * 64,
    )
    rows = _export([item]).read().to_pylist()
    assert rows[0]["title"] == "Tiêu đề"
    assert rows[0]["authors"] == []


def test_rows_are_written_in_row_groups_as_they_come() -> None:
    item = page_expected(ARTICLE_FIXTURES[0])
    parquet = _export([item] * 25, row_group_size=10)
    assert parquet.metadata.num_rows == 25
    assert [parquet.metadata.row_group(i).num_rows for i in range(3)] == [10, 10, 5]
    assert parquet.metadata.row_group(0).column(0).compression == "ZSTD"


def test_an_empty_feed_is_a_valid_empty_file_with_the_schema() -> None:
    parquet = _export([])
    assert parquet.metadata.num_rows == 0
    assert parquet.schema_arrow.names == arrow_schema().names
