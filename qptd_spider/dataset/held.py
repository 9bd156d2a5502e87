"""What a version holds: a small index written with the version, read by incremental crawls.

The dataset is the only record of which articles it holds. Each version carries
``_index.parquet``: one row per URL an article is known by (its ``url`` and each of its
``other_urls``) with its ``published_at``, ``content_hash`` and the CMS's ``article_id``.
A crawl reads the index of the current version to decide what is "already in the dataset",
so a ``qptd rollback``
changes what the next crawl fetches again, without touching the crawl state (which keeps
only the crawler's own memory: validators, failures, frontier, categories).

Versions written by an older qptd have no index: it is read from their Parquet files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..fileio import OutputWriteError
from ..layout import ExportsLayout
from ..schema import arrow_schema
from .versions import COMPRESSION, INDEX, current_version, load_manifest, version_files

_ROW_COLUMNS = ["url", "published_at", "content_hash", "article_id", "other_urls"]
_INDEX_COLUMNS = ["url", "published_at", "content_hash", "article_id"]


def index_schema() -> pa.Schema:
    rows = arrow_schema()
    return pa.schema(
        [
            pa.field("url", pa.string(), nullable=False),
            rows.field("published_at"),
            rows.field("content_hash"),
            # A list item's id says it is a held article under a path not seen yet.
            rows.field("article_id"),
        ]
    )


def index_of(rows: pa.Table) -> pa.Table:
    """The index rows of some dataset rows: each row under its URL and under each alias."""
    schema = index_schema()
    if rows.num_rows == 0:
        return schema.empty_table()
    own = rows.select(_INDEX_COLUMNS).cast(schema)
    others = rows["other_urls"]
    # One alias row per URL in other_urls, with its article's date and hash.
    flat = pc.list_flatten(others)
    parents = pc.list_parent_indices(others)
    aliases = pa.table(
        {
            "url": flat,
            "published_at": pc.take(rows["published_at"], parents),
            "content_hash": pc.take(rows["content_hash"], parents),
            "article_id": pc.take(rows["article_id"], parents),
        }
    ).cast(schema)
    return pa.concat_tables([own, aliases])


def index_of_files(files: Iterable[Path]) -> pa.Table:
    """The index of Parquet files of the dataset (read a few columns, not the bodies)."""
    parts = [index_of(pq.read_table(f, columns=_ROW_COLUMNS, schema=arrow_schema())) for f in files]
    return pa.concat_tables(parts) if parts else index_schema().empty_table()


def write_index(folder: Path, index: pa.Table) -> int:
    """Write ``index`` as the index of the version being built in ``folder``; its rows."""
    path = folder / INDEX
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(index.sort_by("url"), tmp, compression=COMPRESSION)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())  # on disk before the version is switched to
        tmp.replace(path)
    except OSError as exc:  # Arrow's I/O errors carry no file name
        raise OutputWriteError(path, exc) from exc
    rows: int = index.num_rows
    return rows


def read_index(version: Path) -> pa.Table:
    """The index of one version (from its Parquet files when it has none, or when it
    cannot be read: the files are what the version holds)."""
    path = version / INDEX
    if path.is_file():
        try:
            return pq.read_table(path, schema=index_schema())
        except (OSError, pa.ArrowException):
            pass
    return index_of_files(version_files(version))


def shrunk_at(layout: ExportsLayout) -> datetime | None:
    """When the current version's history last lost articles (its latest rollback), or
    None. Merges only add: a crawl's "this category was read to its end" holds only if it
    was read after that."""
    version = current_version(layout)
    if version is None:
        return None
    value = load_manifest(version).get("shrunk_at")
    if not value:
        return None
    when = datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def held_articles(layout: ExportsLayout) -> dict[str, datetime | None]:
    """URL → publication time of every article the current version holds, under each of
    its URLs (empty when there is no dataset yet)."""
    version = current_version(layout)
    if version is None:
        return {}
    index = read_index(version)
    return dict(zip(index["url"].to_pylist(), index["published_at"].to_pylist(), strict=True))


def held_article_ids(layout: ExportsLayout) -> frozenset[str]:
    """The CMS's article ids the current version holds (empty when there is no dataset)."""
    version = current_version(layout)
    if version is None:
        return frozenset()
    ids = read_index(version)["article_id"].drop_null().to_pylist()
    return frozenset(str(i) for i in ids)
