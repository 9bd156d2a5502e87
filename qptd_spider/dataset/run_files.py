"""Reading what a crawl wrote: its journal (JSON Lines) or a Parquet feed, chunk by chunk,
with errors that name the file and the line, and a torn last line skipped and counted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..fileio import JsonLinesError, JsonLinesStats, read_json_lines
from ..schema import arrow_schema, rows_to_table

# A run is read in chunks of this many articles, so a merge never holds a whole run.
# Larger chunks are no faster and hold more parsed JSON (5,000 long articles: +140 MB).
RUN_CHUNK_ROWS = 1000
RUN_ID_METADATA = b"qptd_run_id"
# Without these a row cannot be merged (the key, and which copy of it is the newest).
REQUIRED = ("url", "crawled_at")


class RunFileError(ValueError):
    """A run file that cannot be merged; the message names the file (and the line)."""


@dataclass
class ReadCounts:
    torn_journal_lines: int = 0


def parquet_run_id(path: Path) -> str | None:
    """The run id a qptd Parquet feed carries in its metadata (None for other files)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid):
        return None
    value = metadata.get(RUN_ID_METADATA)
    return value.decode() if value else None


def run_chunks(path: Path, counts: ReadCounts) -> Iterator[pa.Table]:
    """The articles of one run file (Parquet feed or JSON Lines journal), chunk by chunk."""
    if not path.is_file():
        raise RunFileError(f"run file {path} does not exist")
    if path.suffix == ".jsonl":
        return _journal_chunks(path, counts)
    return _parquet_chunks(path)


def _check_row(path: Path, number: int, row: dict[str, Any]) -> None:
    for name in REQUIRED:
        value = row.get(name)
        if not isinstance(value, str) or not value:
            raise RunFileError(f"{path}, line {number}: {name} is missing or not text")
    try:
        datetime.fromisoformat(row["crawled_at"])
    except ValueError:
        raise RunFileError(
            f"{path}, line {number}: crawled_at {row['crawled_at']!r} is not an ISO time"
        ) from None


def _journal_chunks(path: Path, counts: ReadCounts) -> Iterator[pa.Table]:
    stats = JsonLinesStats()
    rows: list[dict[str, Any]] = []
    first_line = 1
    try:
        for number, row in read_json_lines(path, stats):
            _check_row(path, number, row)
            if not rows:
                first_line = number
            rows.append(row)
            if len(rows) >= RUN_CHUNK_ROWS:
                yield _journal_table(path, first_line, rows)
                rows = []
    except JsonLinesError as exc:
        raise RunFileError(str(exc)) from None
    except OSError as exc:
        raise RunFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if rows:
        yield _journal_table(path, first_line, rows)
    counts.torn_journal_lines += stats.torn_last_line


def _journal_table(path: Path, first_line: int, rows: list[dict[str, Any]]) -> pa.Table:
    try:
        return rows_to_table(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, ValueError, TypeError) as exc:
        # Find the line to name: the first row that does not convert alone.
        for offset, row in enumerate(rows):
            try:
                rows_to_table([row])
            except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, ValueError, TypeError) as one:
                raise RunFileError(
                    f"{path}, line {first_line + offset}: not an article of this schema: {one}"
                ) from None
        raise RunFileError(f"{path}: rows that are not articles: {exc}") from None


def _parquet_chunks(path: Path) -> Iterator[pa.Table]:
    schema = arrow_schema()
    try:
        present = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise RunFileError(f"run file {path} is not a Parquet file: {exc}") from None
    missing = [name for name in REQUIRED if name not in present.names]
    unknown = [name for name in present.names if name not in schema.names]
    if missing or unknown:
        raise RunFileError(
            f"run file {path} is not a qptd article file: "
            + "; ".join(
                part
                for part in (
                    f"lacks {', '.join(missing)}" if missing else "",
                    f"has unknown columns {', '.join(unknown[:5])}" if unknown else "",
                )
                if part
            )
        )
    try:
        source = ds.dataset(path, schema=schema, format="parquet")
        for batch in source.to_batches(batch_size=RUN_CHUNK_ROWS):
            yield pa.Table.from_batches([batch], schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError) as exc:
        raise RunFileError(f"run file {path} does not fit the article schema: {exc}") from None
