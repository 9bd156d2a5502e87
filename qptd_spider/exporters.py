"""Parquet feed exporter: ``scrapy crawl qptd -O articles.parquet``.

Registered in ``FEED_EXPORTERS`` under ``parquet``. Rows are buffered and written as one row
group per ``QPTD_PARQUET_ROW_GROUP_SIZE`` items, so memory does not grow with the crawl.
The Arrow schema comes from ``schemas/``: timestamps carry their time zone, authors and
images are lists of structs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.exporters import BaseItemExporter

from .items import item_record
from .schema import arrow_schema, field_names, timestamp_fields

DEFAULT_ROW_GROUP_SIZE = 1000
DEFAULT_COMPRESSION = "zstd"


def to_arrow_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """One item as a row for ``pa.Table.from_pylist``: ISO strings become aware datetimes
    (rows read back from Parquet already hold datetimes and pass through)."""
    row = {name: item.get(name) for name in field_names()}
    for name in timestamp_fields():
        value = row.get(name)
        if isinstance(value, str) and value:
            row[name] = datetime.fromisoformat(value)
        elif not value:
            row[name] = None
    return row


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """Items (plain dicts) → an Arrow table with the article schema."""
    return pa.Table.from_pylist([to_arrow_row(r) for r in rows], schema=schema or arrow_schema())


class ParquetItemExporter(BaseItemExporter):
    """Streams items into a Parquet file, one row group per batch."""

    def __init__(self, file: IO[bytes], **kwargs: Any):
        self.row_group_size = int(kwargs.pop("row_group_size", DEFAULT_ROW_GROUP_SIZE))
        self.compression = str(kwargs.pop("compression", DEFAULT_COMPRESSION))
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.schema = arrow_schema()
        self._buffer: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self.rows_written = 0

    def start_exporting(self) -> None:
        self._writer = pq.ParquetWriter(
            self.file, self.schema, compression=self.compression, use_dictionary=True
        )

    def export_item(self, item: Any) -> None:
        self._buffer.append(item_record(item))
        if len(self._buffer) >= self.row_group_size:
            self._flush()

    def finish_exporting(self) -> None:
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._writer is None:
            self.start_exporting()
        assert self._writer is not None
        self._writer.write_table(rows_to_table(self._buffer, self.schema))
        self.rows_written += len(self._buffer)
        self._buffer.clear()
