"""The dataset on disk: Parquet partitioned by publication year, versioned, merged per run.

Layout under the exports folder::

    dataset -> versions/<run_id>        symlink to the current version (swapped atomically)
    versions/<run_id>/year=2025/part-0.parquet
    versions/<run_id>/_manifest.json    what the run added, updated, left unchanged
    runs/<run_id>.parquet               what one crawl fetched (the feed output)
    .lock                               held by the one process that writes

A merge never edits a file in place: it builds the next version beside the current one
(hard-linking year files it does not touch), writes each file under a temporary name then
renames it, and only then points ``dataset`` at the new version. A crash at any moment
leaves the previous version whole and readable. Old versions are kept (a few) so a named
version can be reloaded.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..exporters import rows_to_table
from ..schema import arrow_schema
from ..state import STATE_FILE, CrawlState

DATASET_LINK = "dataset"
VERSIONS_DIR = "versions"
RUNS_DIR = "runs"
JOURNAL_DIR = "journal"
LOCK_FILE = ".lock"
# Leading "_": Parquet readers skip it when reading the version folder as a dataset.
MANIFEST = "_manifest.json"
UNKNOWN_YEAR = "unknown"
# Row groups of ~5,000 articles (tens of MB in memory): small enough for the Hugging Face
# viewer (it refuses row groups over ~300 MB) and for readers that page through the data.
ROW_GROUP_ROWS = 5000
COMPRESSION = "zstd"
KEEP_VERSIONS = 5


class DatasetLockedError(RuntimeError):
    """Another process holds the dataset's writer lock."""


class DatasetError(RuntimeError):
    """The dataset or a run file cannot be used as asked."""


@dataclass
class MergeResult:
    """What one merge did; also written as the version's manifest."""

    run_id: str
    merged_at: str
    run_files: list[str]
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_run: int = 0
    torn_journal_lines: int = 0
    total: int = 0
    previous_version: str | None = None
    files: dict[str, int] = field(default_factory=dict)  # file → rows

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Run ids name folders and files: letters, digits, dot, dash and underscore only, so a run
# id from the command line can never point outside the exports folder.
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id) or ".." in run_id:
        raise DatasetError(
            f"run id {run_id!r} must be 1-100 letters, digits, '.', '-' or '_' (no path)"
        )
    return run_id


def new_run_id(now: datetime | None = None) -> str:
    """A sortable run id: UTC time to the microsecond, e.g. ``20261125T181500123456Z``."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Exclusive, non-blocking lock on ``root/.lock``; raises DatasetLockedError if it is held."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_FILE
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = path.read_text(encoding="utf-8").strip() or "unknown"
            raise DatasetLockedError(
                f"the dataset in {root} is being written by another process ({holder}); "
                f"wait for it to finish. The lock is {path}; it is released when that process "
                "exits, so a stale lock cannot block you."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {datetime.now(UTC).isoformat()}".encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


def current_version(root: Path) -> Path | None:
    """The folder of the current version, or None when no merge has happened yet."""
    link = root / DATASET_LINK
    if not link.is_symlink():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def version_files(version: Path) -> list[Path]:
    """The Parquet files of one version, sorted."""
    return sorted(version.glob("year=*/*.parquet"))


def read_version(version: Path, columns: list[str] | None = None) -> pa.Table:
    """All rows of one version with the article schema (without the ``year`` key)."""
    schema = arrow_schema()
    tables = [pq.read_table(f, columns=columns, schema=schema) for f in version_files(version)]
    if not tables:
        empty = schema if columns is None else pa.schema([schema.field(c) for c in columns])
        return empty.empty_table()
    return pa.concat_tables(tables)


def read_dataset(root: Path, columns: list[str] | None = None) -> pa.Table:
    """The current version's rows (empty table when there is no dataset yet)."""
    version = current_version(root)
    if version is None:
        schema = arrow_schema()
        return (
            schema if columns is None else pa.schema([schema.field(c) for c in columns])
        ).empty_table()
    return read_version(version, columns)


def _year_of(published_at: Any) -> str:
    return str(published_at.year) if published_at is not None else UNKNOWN_YEAR


def pending_journals(root: Path) -> list[Path]:
    """Journals of crawls not merged yet (``journal/*.jsonl``), oldest first."""
    return sorted((root / JOURNAL_DIR).glob("*.jsonl"))


# -- reading a run ---------------------------------------------------------------------------

# A run is read and spilled in chunks of this many articles, so the merge never holds a
# whole run, only one publication year of it (plus a small key index of the run). Larger
# chunks are no faster and hold more parsed JSON (5,000 long articles: +140 MB).
RUN_CHUNK_ROWS = 1000
_SEQ = "_seq"  # position of a row in the run: which copy of a URL is the last crawled


def _journal_chunks(path: Path, counts: MergeResult) -> Iterator[pa.Table]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rows.append(json.loads(line))
            except ValueError:
                # Only the last line of a killed writer's journal can be cut short.
                counts.torn_journal_lines += 1
                continue
            if len(rows) >= RUN_CHUNK_ROWS:
                yield _journal_table(path, rows)
                rows = []
    if rows:
        yield _journal_table(path, rows)


def _journal_table(path: Path, rows: list[dict[str, Any]]) -> pa.Table:
    try:
        return rows_to_table(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, ValueError) as exc:
        raise DatasetError(f"journal {path} holds rows that are not articles: {exc}") from exc


def _parquet_chunks(path: Path) -> Iterator[pa.Table]:
    try:
        source = ds.dataset(path, schema=arrow_schema(), format="parquet")
        for batch in source.to_batches(batch_size=RUN_CHUNK_ROWS):
            yield pa.Table.from_batches([batch], schema=arrow_schema())
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(
            f"run file {path} is not a readable article Parquet file: {exc}"
        ) from exc


def _run_chunks(path: Path, counts: MergeResult) -> Iterator[pa.Table]:
    """The articles of one run file (Parquet feed or JSON Lines journal), chunk by chunk."""
    if not path.is_file():
        raise DatasetError(f"run file {path} does not exist")
    if path.suffix == ".jsonl":
        return _journal_chunks(path, counts)
    return _parquet_chunks(path)


class _SpilledRun:
    """A run's rows spilled to Arrow files per publication year, with the last crawled copy
    of each URL (the winner) known, so that years can then be merged one at a time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.schema = arrow_schema().append(pa.field(_SEQ, pa.int64()))
        self.winners: dict[str, tuple[datetime, int]] = {}  # url -> (crawled_at, seq)
        self.rows = 0
        self._writers: dict[str, pa.ipc.RecordBatchFileWriter] = {}
        self._winning_seqs: pa.Array | None = None

    @property
    def years(self) -> set[str]:
        return set(self._writers)

    def add(self, chunk: pa.Table) -> None:
        seqs = range(self.rows, self.rows + chunk.num_rows)
        self.rows += chunk.num_rows
        years = [_year_of(p) for p in chunk["published_at"].to_pylist()]
        for url, crawled, seq in zip(
            chunk["url"].to_pylist(), chunk["crawled_at"].to_pylist(), seqs, strict=True
        ):
            previous = self.winners.get(url)
            if previous is None or crawled >= previous[0]:
                self.winners[url] = (crawled, seq)
        chunk = chunk.append_column(_SEQ, pa.array(seqs, type=pa.int64()))
        year_column = pa.array(years, type=pa.string())
        for year in sorted(set(years)):
            self._writer(year).write_table(chunk.filter(pc.equal(year_column, year)))

    def _writer(self, year: str) -> pa.ipc.RecordBatchFileWriter:
        if year not in self._writers:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._writers[year] = pa.ipc.new_file(self.folder / f"{year}.arrow", self.schema)
        return self._writers[year]

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()

    def year_table(self, year: str) -> pa.Table:
        """The winning rows published in ``year``."""
        with pa.memory_map(str(self.folder / f"{year}.arrow")) as source:
            table = pa.ipc.open_file(source).read_all()
        return table.filter(pc.is_in(table[_SEQ], value_set=self._winning())).drop_columns([_SEQ])

    def _winning(self) -> pa.Array:
        if self._winning_seqs is None:
            self._winning_seqs = pa.array(
                sorted(seq for _, seq in self.winners.values()), type=pa.int64()
            )
        return self._winning_seqs


def _spill_run(files: list[Path], folder: Path, result: MergeResult) -> _SpilledRun:
    run = _SpilledRun(folder)
    try:
        for path in files:
            for chunk in _run_chunks(path, result):
                run.add(chunk)
    finally:
        run.close()
    result.duplicates_in_run = run.rows - len(run.winners)
    return run


def _write_parquet_atomically(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(path)


def _sorted(table: pa.Table) -> pa.Table:
    # Newest first, then by URL: a stable order, so an unchanged year writes the same bytes.
    return table.sort_by([("published_at", "descending"), ("url", "ascending")])


# -- merging ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What the previous version holds of one article."""

    content_hash: str
    first_seen: datetime | None
    revision: int | None
    year: str


def merge_run(
    root: Path,
    run_files: list[Path],
    run_id: str | None = None,
    keep_versions: int = KEEP_VERSIONS,
) -> MergeResult:
    """Merge crawl output into the dataset under ``root`` as a new version.

    Key: the canonical URL. A new URL is added (revision 1); a known URL with the same
    content_hash is unchanged (last_seen moves); a changed one is updated (revision + 1).
    first_seen never moves. Within the run, the last crawled copy of a URL wins.
    """
    run_id = check_run_id(run_id or new_run_id())
    with writer_lock(root):
        previous = current_version(root)
        version = root / VERSIONS_DIR / run_id
        if version.exists():
            raise DatasetError(f"version {run_id} exists already; run ids must be new")
        result = MergeResult(
            run_id=run_id,
            merged_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
            run_files=[str(p) for p in run_files],
            previous_version=previous.name if previous else None,
        )
        staging = version.with_name(f".{run_id}.staging")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            merged = _stage_version(staging, previous, run_files, result)
        except BaseException:
            # A bad run file or a full disk: nothing of this merge stays behind.
            shutil.rmtree(staging, ignore_errors=True)
            raise
        staging.rename(version)
        _switch_current(root, version)
        _prune(root, keep=keep_versions)
        _mark_merged_in_crawl_state(root, merged)
        _retire_journals(root, run_files)
        return result


def _stage_version(
    staging: Path, previous: Path | None, run_files: list[Path], result: MergeResult
) -> list[tuple[str, str | None]]:
    """Build the next version in ``staging``; returns (url, published_at) of the run."""
    spill_folder = staging / ".run"
    run = _spill_run(run_files, spill_folder, result)
    known = _known_articles(previous)
    # Years to rewrite: those the run publishes in, and those its known URLs leave.
    touched_years = run.years | {known[u].year for u in run.winners if u in known}
    merged = _build_version(staging, previous, run, known, touched_years, result)
    shutil.rmtree(spill_folder, ignore_errors=True)  # absent when the run was empty
    (staging / MANIFEST).write_text(
        json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return merged


def _retire_journals(root: Path, files: list[Path]) -> None:
    """Merged journals move to ``journal/merged/`` so the next merge does not see them."""
    journal_dir = (root / JOURNAL_DIR).resolve()
    for path in files:
        if path.suffix == ".jsonl" and path.resolve().parent == journal_dir:
            target = journal_dir / "merged" / path.name
            target.parent.mkdir(exist_ok=True)
            path.replace(target)


def _mark_merged_in_crawl_state(root: Path, merged: list[tuple[str, str | None]]) -> None:
    """Tell the crawl state (if this dataset has one) which articles the dataset now holds,
    so the next incremental crawl can skip them. Done after the switch: a crash in between
    only makes the next crawl fetch them again."""
    path = root / STATE_FILE
    if not path.exists():
        return
    state = CrawlState(path)
    try:
        state.mark_merged(merged)
    finally:
        state.close()


def _known_articles(version: Path | None) -> dict[str, _Known]:
    if version is None:
        return {}
    table = read_version(version, ["url", "content_hash", "first_seen", "revision", "published_at"])
    return {
        url: _Known(content_hash, first_seen, revision, _year_of(published))
        for url, content_hash, first_seen, revision, published in zip(
            *(table[name].to_pylist() for name in table.column_names), strict=True
        )
    }


def _with_history(
    fresh: pa.Table,
    known: dict[str, _Known],
    result: MergeResult,
    merged: list[tuple[str, str | None]],
) -> pa.Table:
    """``fresh`` rows with first_seen, last_seen and revision from what the dataset knew."""
    first_seen, revision = [], []
    urls = fresh["url"].to_pylist()
    crawled = fresh["crawled_at"].to_pylist()
    for url, crawled_at, content_hash in zip(
        urls, crawled, fresh["content_hash"].to_pylist(), strict=True
    ):
        seen = known.get(url)
        if seen is None:
            first_seen.append(crawled_at)
            revision.append(1)
            result.added += 1
            continue
        first_seen.append(seen.first_seen or crawled_at)
        changed = seen.content_hash != content_hash
        revision.append((seen.revision or 1) + (1 if changed else 0))
        if changed:
            result.updated += 1
        else:
            result.unchanged += 1
    merged.extend(
        (url, published.isoformat() if published else None)
        for url, published in zip(urls, fresh["published_at"].to_pylist(), strict=True)
    )
    history = {"first_seen": first_seen, "last_seen": crawled, "revision": revision}
    for name, values in history.items():
        index = fresh.schema.get_field_index(name)
        column = fresh.schema.field(index)
        fresh = fresh.set_column(index, column, pa.array(values, type=column.type))
    return fresh


def _build_version(
    staging: Path,
    previous: Path | None,
    run: _SpilledRun,
    known: dict[str, _Known],
    touched_years: set[str],
    result: MergeResult,
) -> list[tuple[str, str | None]]:
    """Write every year of the next version into ``staging``, one year in memory at a time;
    returns (url, published_at) of the run's articles."""
    run_urls = pa.array(list(run.winners), type=pa.string())
    old_years = (
        {p.parent.name.removeprefix("year="): p for p in version_files(previous)}
        if previous
        else {}
    )
    merged: list[tuple[str, str | None]] = []
    total = 0
    for year in sorted(set(old_years) | run.years):
        target = staging / f"year={year}" / "part-0.parquet"
        if year not in touched_years and year in old_years:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(old_years[year], target)  # unchanged year: same bytes, no copy
            rows = pq.read_metadata(target).num_rows
        else:
            parts = []
            if year in old_years:
                old = pq.read_table(old_years[year], schema=arrow_schema())
                parts.append(old.filter(pc.invert(pc.is_in(old["url"], value_set=run_urls))))
            if year in run.years:
                parts.append(_with_history(run.year_table(year), known, result, merged))
            table = _sorted(pa.concat_tables(parts)) if parts else arrow_schema().empty_table()
            if table.num_rows == 0:
                continue
            _write_parquet_atomically(table, target)
            rows = table.num_rows
        result.files[str(target.relative_to(staging))] = rows
        total += rows
    result.total = total
    return merged


def _switch_current(root: Path, version: Path) -> None:
    tmp = root / f".{DATASET_LINK}.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(version.relative_to(root))
    tmp.replace(root / DATASET_LINK)  # rename(2) is atomic: readers see old or new, never neither


def _prune(root: Path, keep: int) -> None:
    current = current_version(root)
    versions = sorted(
        p for p in (root / VERSIONS_DIR).iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    for old in versions[:-keep] if keep > 0 else []:
        if current is None or old.resolve() != current:
            shutil.rmtree(old)
    for staging in (root / VERSIONS_DIR).glob(".*.staging"):
        shutil.rmtree(staging, ignore_errors=True)


def load_manifest(version: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    return manifest


__all__ = [
    "DatasetError",
    "DatasetLockedError",
    "MergeResult",
    "current_version",
    "merge_run",
    "read_dataset",
    "writer_lock",
]
