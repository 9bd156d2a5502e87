"""Feed exporters: Parquet (``scrapy crawl qptd -O articles.parquet``), and CSV with nested
fields as JSON.

Registered in ``FEED_EXPORTERS`` under ``parquet``. Rows are buffered and written as one row
group per ``row_group_size`` items, so memory does not grow with the crawl. The Arrow schema
comes from ``schemas/``: timestamps carry their time zone, authors and images are lists of
structs. The file's metadata names the run that wrote it (``qptd_run_id``), so that merging
the feed also retires that run's journal.
"""

from __future__ import annotations

import json
from typing import IO, Any, Self

import pyarrow as pa
import pyarrow.parquet as pq
from scrapy.crawler import Crawler
from scrapy.exporters import BaseItemExporter, CsvItemExporter

from .items import item_record
from .schema import arrow_schema, field_names, rows_to_table

DEFAULT_ROW_GROUP_SIZE = 1000
DEFAULT_COMPRESSION = "zstd"
RUN_ID_METADATA = b"qptd_run_id"


class ParquetAppendError(OSError):
    """A Parquet file cannot be appended to (``-o`` on an existing file)."""


class ParquetItemExporter(BaseItemExporter):
    """Streams items into a Parquet file, one row group per batch."""

    def __init__(self, file: IO[bytes], run_id: str | None = None, **kwargs: Any):
        self.row_group_size = int(kwargs.pop("row_group_size", DEFAULT_ROW_GROUP_SIZE))
        self.compression = str(kwargs.pop("compression", DEFAULT_COMPRESSION))
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        metadata = {RUN_ID_METADATA: run_id.encode()} if run_id else {}
        self.schema: pa.Schema = arrow_schema().with_metadata(
            {**(arrow_schema().metadata or {}), **metadata}
        )
        self._buffer: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self.rows_written = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: IO[bytes], **kwargs: Any) -> Self:
        from .crawl.run import RunExtension

        ext = crawler.get_extension(RunExtension)
        return cls(file, run_id=ext.run.run_id if ext is not None else None, **kwargs)

    def start_exporting(self) -> None:
        if self._writer is not None:
            return
        position = self.file.tell() if self.file.seekable() else 0
        if position > 0:
            raise ParquetAppendError(
                "cannot append to a Parquet file (-o): it is written whole; use -O to replace it"
            )
        self._writer = pq.ParquetWriter(
            self.file, self.schema, compression=self.compression, use_dictionary=True
        )

    def export_item(self, item: Any) -> None:
        self._buffer.append(item_record(item))
        if len(self._buffer) >= self.row_group_size:
            self._flush()

    def finish_exporting(self) -> None:
        self._flush()
        if self._writer is None:
            self.start_exporting()  # an empty run still gives a readable (empty) file
        assert self._writer is not None
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


class JsonFieldsCsvItemExporter(CsvItemExporter):
    """CSV whose nested fields (``authors``, ``images``, ``category``, ``keywords``,
    ``warc_record``) are JSON, which every tool can read back, instead of Python's repr
    (``[{'name': ..., 'rank': None}]``); columns in the schema's order."""

    def __init__(self, file: Any, **kwargs: Any):
        kwargs.setdefault("fields_to_export", field_names())
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        return super().serialize_field(field, name, value)
