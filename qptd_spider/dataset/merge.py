"""Merging runs into the dataset: a new version, built beside the current one.

Key: the canonical URL of the article (one article under two URLs, by its CMS id or its
text, is one row: ``dataset/identity.py``; its other URLs are kept in ``other_urls``). Per
URL the newest crawl wins, whatever order runs are merged in:

- a URL the dataset lacks is added (revision 1);
- a copy crawled before the dataset's copy is stale and changes nothing;
- a copy whose derived fields all equal the dataset's (text through ``content_hash``,
  every metadata field) is unchanged: the row stays as it is, byte for byte, but for
  ``last_seen``, which moves forward (never back);
- any other copy updates the row: ``revision`` + 1, ``first_seen`` kept, and the manifest
  counts which fields changed.

A merge that adds and updates nothing makes no version. Memory stays flat: a run is spilled
to Arrow files per publication year, and years are rewritten one at a time (years the merge
does not touch are hard-linked, not copied).
"""

from __future__ import annotations

import os
import shutil
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..clock import new_run_id
from ..fileio import OutputWriteError, atomic_write_json
from ..layout import ExportsLayout
from ..runs import Run, check_run_id, find_run, load_run
from ..schema import arrow_schema, field_names
from .held import index_of, index_of_files, write_index
from .identity import ArticleKeys
from .run_files import ReadCounts, parquet_run_id, run_chunks
from .versions import (
    COMPRESSION,
    INDEX,
    MANIFEST,
    ROW_GROUP_ROWS,
    UNKNOWN_YEAR,
    DatasetError,
    check_version,
    current_version,
    load_manifest,
    new_version_id,
    prune,
    record_history,
    switch_current,
    version_files,
    version_time,
    writer_lock,
)

# Fields that do not make a row "changed": bookkeeping of when and how it was seen, and the
# body (compared through content_hash, which covers title, lead and body).
# ``other_urls`` is the union of every URL the article was met under: kept up to date
# like ``last_seen``, never a change of the article.
BOOKKEEPING = frozenset(
    {
        "body",
        "crawled_at",
        "first_seen",
        "last_seen",
        "revision",
        "parser_version",
        "warc_record",
        "other_urls",
    }
)
EXAMPLES_PER_FIELD = 3
_SEQ = "_seq"  # position of a row in the run: which copy of a URL is the last crawled


def compared_fields() -> tuple[str, ...]:
    return tuple(name for name in field_names() if name not in BOOKKEEPING)


@dataclass
class MergeResult:
    """What one merge did; also written as the version's manifest."""

    version: str | None
    merged_at: str
    target: str | None
    runs: list[dict[str, Any]] = field(default_factory=list)
    run_files: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    # Unchanged rows met under one more URL (their other_urls grew).
    more_urls: int = 0
    duplicates_in_run: int = 0
    torn_journal_lines: int = 0
    total: int = 0
    previous_version: str | None = None
    files: dict[str, int] = field(default_factory=dict)  # file → rows
    index: dict[str, Any] = field(default_factory=dict)  # the version's index: file, rows
    # When the history of this version last lost articles (a rollback): kept from version
    # to version, so crawls know which of their "read to the end" marks still hold.
    shrunk_at: str | None = None
    changes: dict[str, int] = field(default_factory=dict)  # field → rows changed
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    kind: str = "merge"

    @property
    def no_op(self) -> bool:
        return self.added == 0 and self.updated == 0 and self.more_urls == 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- what to merge ---------------------------------------------------------------------------


@dataclass
class MergeInput:
    """Files to read, and the runs they belong to (marked merged once the version exists)."""

    files: list[Path] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)


def inputs_from_runs(runs: Sequence[Run]) -> MergeInput:
    return MergeInput(files=[j for r in runs for j in r.journals], runs=list(runs))


def inputs_from_paths(layout: ExportsLayout, paths: Sequence[Path]) -> MergeInput:
    """Files named on the command line: a Parquet feed or a journal. A feed written by a
    run of this root retires that run's journal (the feed holds the same articles)."""
    chosen = MergeInput()
    for path in paths:
        if not path.is_file():
            raise DatasetError(f"run file {path} does not exist")
        run = _run_of_file(layout, path)
        if run is not None and run.status == "running":
            raise DatasetError(
                f"{path} is still being written by the running crawl {run.run_id}; merge it "
                "when that crawl has ended"
            )
        chosen.files.append(path)
        if run is not None and all(r.run_id != run.run_id for r in chosen.runs):
            chosen.runs.append(run)
    return chosen


def _run_of_file(layout: ExportsLayout, path: Path) -> Run | None:
    if path.suffix == ".jsonl":
        folder = path.resolve().parent
        if (folder / "run.json").exists() or any(folder.glob("run.*.json")):
            return load_run(folder)
        # A journal kept elsewhere (QPTD_JOURNAL_DIR): <dir>/<run id>[.worker].jsonl.
        run_id = path.name.split(".")[0]
    else:
        run_id = parquet_run_id(path) or ""
    if not run_id:
        return None
    try:
        return find_run(layout, run_id)
    except ValueError:
        return None


# -- the run, spilled per year ----------------------------------------------------------------


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _hashable(v)) for k, v in value.items())
    return value


def field_hashes(table: pa.Table, fields: tuple[str, ...]) -> list[bytes]:
    """One hash per compared field of each row, packed. Python's hash is enough: both sides
    of a comparison are hashed in the same process, and never stored."""
    columns = [table.column(name).to_pylist() for name in fields]
    return [
        array("q", (hash(_hashable(v)) for v in values)).tobytes()
        for values in zip(*columns, strict=True)
    ]


def changed_fields(fields: tuple[str, ...], old: bytes, new: bytes) -> list[str]:
    """The fields whose hashes differ between two rows packed by ``field_hashes``."""
    return [
        name for k, name in enumerate(fields) if old[8 * k : 8 * k + 8] != new[8 * k : 8 * k + 8]
    ]


def _year_of(published_at: Any) -> str:
    return str(published_at.year) if published_at is not None else UNKNOWN_YEAR


@dataclass
class _Fresh:
    crawled_at: datetime
    seq: int
    year: str
    hashes: bytes
    published_at: datetime | None


class _SpilledRun:
    """The runs' rows spilled to Arrow files per publication year, with the last crawled
    copy of each URL (the winner) known, so that years can then be merged one at a time."""

    def __init__(self, folder: Path, fields: tuple[str, ...]):
        self.folder = folder
        self.fields = fields
        self.schema = arrow_schema().append(pa.field(_SEQ, pa.int64()))
        self.winners: dict[str, _Fresh] = {}
        self.rows = 0
        self._writers: dict[str, pa.ipc.RecordBatchFileWriter] = {}

    @property
    def years(self) -> set[str]:
        return set(self._writers)

    def add(self, chunk: pa.Table) -> None:
        seqs = range(self.rows, self.rows + chunk.num_rows)
        self.rows += chunk.num_rows
        published = chunk["published_at"].to_pylist()
        years = [_year_of(p) for p in published]
        hashes = field_hashes(chunk, self.fields)
        for url, crawled, seq, year, digest, when in zip(
            chunk["url"].to_pylist(),
            chunk["crawled_at"].to_pylist(),
            seqs,
            years,
            hashes,
            published,
            strict=True,
        ):
            previous = self.winners.get(url)
            if previous is None or crawled >= previous.crawled_at:
                self.winners[url] = _Fresh(crawled, seq, year, digest, when)
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

    def year_table(self, year: str, seqs: pa.Array) -> pa.Table:
        """The rows of ``year`` whose position is in ``seqs``."""
        if year not in self._writers:
            return arrow_schema().empty_table()
        with pa.memory_map(str(self.folder / f"{year}.arrow")) as source:
            table = pa.ipc.open_file(source).read_all()
        return table.filter(pc.is_in(table[_SEQ], value_set=seqs)).drop_columns([_SEQ])


# -- what the dataset holds ------------------------------------------------------------------


@dataclass
class _Known:
    crawled_at: datetime
    first_seen: datetime | None
    last_seen: datetime | None
    revision: int | None
    year: str
    hashes: bytes
    other_urls: list[str]


def _known_articles(
    version: Path | None, fields: tuple[str, ...], keys: ArticleKeys
) -> dict[str, _Known]:
    """What the current version holds, per URL, without the bodies (read year by year);
    ``keys`` learns which URLs and ids its articles have."""
    if version is None:
        return {}
    known: dict[str, _Known] = {}
    columns = sorted(
        {
            "url",
            "crawled_at",
            "first_seen",
            "last_seen",
            "revision",
            "article_id",
            "content_hash",
            "other_urls",
            *fields,
        }
    )
    for path in version_files(version):
        year = path.parent.name.removeprefix("year=")
        table = pq.read_table(path, columns=columns, schema=arrow_schema())
        hashes = field_hashes(table, fields)
        for url, crawled, first, last, revision, digest, article_id, text, others in zip(
            table["url"].to_pylist(),
            table["crawled_at"].to_pylist(),
            table["first_seen"].to_pylist(),
            table["last_seen"].to_pylist(),
            table["revision"].to_pylist(),
            hashes,
            table["article_id"].to_pylist(),
            table["content_hash"].to_pylist(),
            table["other_urls"].to_pylist(),
            strict=True,
        ):
            known[url] = _Known(crawled, first, last, revision, year, digest, others or [])
            keys.know(url, article_id, text, others or ())
    return known


# -- deciding, then building ------------------------------------------------------------------


@dataclass
class _Plan:
    """What happens to each URL of the run."""

    fresh_seqs: dict[str, list[int]] = field(default_factory=dict)  # year → rows to write
    replaced: set[str] = field(default_factory=set)  # old rows to drop (changed URLs)
    last_seen: dict[str, datetime] = field(default_factory=dict)  # unchanged: new last_seen
    more_urls: set[str] = field(default_factory=set)  # unchanged, met under a new URL
    history: dict[str, tuple[datetime, datetime, int]] = field(default_factory=dict)
    changed_fields: dict[str, list[str]] = field(default_factory=dict)
    touched_years: set[str] = field(default_factory=set)


def _plan(
    run: _SpilledRun, known: dict[str, _Known], result: MergeResult, keys: ArticleKeys
) -> _Plan:
    plan = _Plan()
    fields = run.fields
    for url, fresh in run.winners.items():
        seen = known.get(url)
        if seen is None:
            result.added += 1
            plan.fresh_seqs.setdefault(fresh.year, []).append(fresh.seq)
            plan.history[url] = (fresh.crawled_at, fresh.crawled_at, 1)
            plan.touched_years.add(fresh.year)
            continue
        if fresh.crawled_at < seen.crawled_at:
            result.stale += 1  # an older crawl than the dataset's copy: it changes nothing
            continue
        last_seen = max(seen.last_seen or seen.crawled_at, fresh.crawled_at)
        if fresh.hashes == seen.hashes:
            result.unchanged += 1
            if last_seen != seen.last_seen:
                plan.last_seen[url] = last_seen
                plan.touched_years.add(seen.year)
            if keys.other_urls(url) != sorted(seen.other_urls):
                plan.more_urls.add(url)
                plan.touched_years.add(seen.year)
            continue
        result.updated += 1
        changed = changed_fields(fields, seen.hashes, fresh.hashes)
        plan.changed_fields[url] = changed
        plan.replaced.add(url)
        plan.fresh_seqs.setdefault(fresh.year, []).append(fresh.seq)
        plan.history[url] = (
            seen.first_seen or fresh.crawled_at,
            last_seen,
            (seen.revision or 1) + 1,
        )
        plan.touched_years.update({fresh.year, seen.year})
    counts = Counter(name for names in plan.changed_fields.values() for name in names)
    result.changes = dict(sorted(counts.items()))
    return plan


def _with_history(fresh: pa.Table, plan: _Plan) -> pa.Table:
    urls = fresh["url"].to_pylist()
    history = [plan.history[u] for u in urls]
    for k, name in enumerate(("first_seen", "last_seen", "revision")):
        index = fresh.schema.get_field_index(name)
        column = fresh.schema.field(index)
        fresh = fresh.set_column(index, column, pa.array([h[k] for h in history], type=column.type))
    return fresh


def _update_last_seen(old: pa.Table, plan: _Plan) -> pa.Table:
    if not plan.last_seen:
        return old
    urls = old["url"].to_pylist()
    if not any(u in plan.last_seen for u in urls):
        return old
    current = old["last_seen"].to_pylist()
    values = [plan.last_seen.get(u, v) for u, v in zip(urls, current, strict=True)]
    index = old.schema.get_field_index("last_seen")
    return old.set_column(
        index, old.schema.field(index), pa.array(values, type=old.schema.field(index).type)
    )


def _example_urls(plan: _Plan, result: MergeResult) -> dict[str, list[str]]:
    """A few changed URLs per changed field."""
    return {
        name: [u for u, names in plan.changed_fields.items() if name in names][:EXAMPLES_PER_FIELD]
        for name in result.changes
    }


def change_examples(
    wanted: dict[str, list[str]],
    old_rows: dict[str, dict[str, Any]],
    new_rows: dict[str, dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """Old and new value side by side, for the diff and the card's changelog."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, urls in wanted.items():
        for url in urls:
            if url in old_rows and url in new_rows:
                out.setdefault(name, []).append(
                    {
                        "url": url,
                        "old": _short(old_rows[url][name]),
                        "new": _short(new_rows[url][name]),
                    }
                )
    return out


def rows_for(table: pa.Table, urls: set[str]) -> list[dict[str, Any]]:
    if table.num_rows == 0:
        return []
    mask = pc.is_in(table["url"], value_set=pa.array(sorted(urls), type=pa.string()))
    rows: list[dict[str, Any]] = table.filter(mask).to_pylist()
    return rows


def _short(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 200 else text[:197] + "..."


def _sorted(table: pa.Table) -> pa.Table:
    # Newest first, then by URL: a stable order, so an unchanged year writes the same bytes.
    return table.sort_by([("published_at", "descending"), ("url", "ascending")])


def _write_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:  # Arrow's own I/O errors are OSErrors, without a file name
        raise OutputWriteError(path, exc) from exc


def _build(
    staging: Path,
    previous: Path | None,
    run: _SpilledRun,
    plan: _Plan,
    result: MergeResult,
    keys: ArticleKeys,
) -> None:
    """Write every year of the next version into ``staging``, one year in memory at a time."""
    old_years = (
        {p.parent.name.removeprefix("year="): p for p in version_files(previous)}
        if previous
        else {}
    )
    replaced = pa.array(sorted(plan.replaced), type=pa.string())
    wanted = _example_urls(plan, result)
    example_urls = {u for urls in wanted.values() for u in urls}
    old_rows: dict[str, dict[str, Any]] = {}
    new_rows: dict[str, dict[str, Any]] = {}
    index: list[pa.Table] = []  # what the version holds, per URL (its index)
    total = 0
    for year in sorted(set(old_years) | set(plan.fresh_seqs)):
        target = staging / f"year={year}" / "part-0.parquet"
        if year not in plan.touched_years and year in old_years:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(old_years[year], target)  # unchanged year: same bytes, no copy
            rows = pq.read_metadata(target).num_rows
            index.append(index_of_files([target]))
        else:
            parts = []
            old = (
                pq.read_table(old_years[year], schema=arrow_schema())
                if year in old_years
                else arrow_schema().empty_table()
            )
            fresh = (
                keys.with_other_urls(
                    _with_history(
                        run.year_table(
                            year, pa.array(sorted(plan.fresh_seqs[year]), type=pa.int64())
                        ),
                        plan,
                    )
                )
                if year in plan.fresh_seqs
                else arrow_schema().empty_table()
            )
            if example_urls:
                # A changed row's old copy may sit in another year than its new one.
                old_rows.update((r["url"], r) for r in rows_for(old, example_urls))
                new_rows.update((r["url"], r) for r in rows_for(fresh, example_urls))
            if old.num_rows:
                kept = old.filter(pc.invert(pc.is_in(old["url"], value_set=replaced)))
                kept = _update_last_seen(kept, plan)
                parts.append(keys.with_other_urls(kept) if plan.more_urls else kept)
            if fresh.num_rows:
                parts.append(fresh)
            table = _sorted(pa.concat_tables(parts)) if parts else arrow_schema().empty_table()
            if table.num_rows == 0:
                continue
            _write_parquet(table, target)
            rows = table.num_rows
            index.append(index_of(table))
        result.files[str(target.relative_to(staging))] = rows
        total += rows
    result.total = total
    result.examples = change_examples(wanted, old_rows, new_rows)
    empty = index_of(arrow_schema().empty_table())
    result.index = {
        "file": INDEX,
        "rows": write_index(staging, pa.concat_tables(index) if index else empty),
    }


def merge(
    layout: ExportsLayout,
    inputs: MergeInput,
    version_id: str | None = None,
    keep_versions: int = 5,
    allow_mixed_targets: bool = False,
) -> MergeResult:
    """Merge ``inputs`` into the dataset of ``layout`` as a new version (or none, when the
    merge adds and updates nothing). Runs merged are marked so. What the dataset holds is
    the version's own index: the next incremental crawl reads it there (the crawl state is
    not touched)."""
    _check_run_folders(layout, inputs.runs)
    with writer_lock(layout):
        previous = current_version(layout)
        if previous is not None:
            # Built on a version with a file missing, the next one would silently lack it.
            try:
                check_version(previous)
            except DatasetError as exc:
                raise DatasetError(
                    f"{exc}; nothing merged: `qptd rollback <version>` to an intact version "
                    "first (`qptd versions` lists them)"
                ) from None
        manifest = load_manifest(previous) if previous is not None else {}
        target = _check_targets(inputs.runs, manifest.get("target"), allow_mixed_targets)
        wanted = check_run_id(
            version_id or (max(r.run_id for r in inputs.runs) if inputs.runs else new_run_id())
        )
        new_id = new_version_id(layout, wanted)
        result = MergeResult(
            version=new_id,
            merged_at=version_time(),
            target=target,
            runs=[r.summary() for r in inputs.runs],
            run_files=[str(p) for p in inputs.files],
            previous_version=previous.name if previous else None,
            shrunk_at=manifest.get("shrunk_at"),
        )
        staging = layout.versions / f".{new_id}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            _stage(staging, previous, inputs.files, result)
            if not result.no_op:
                atomic_write_json(staging / MANIFEST, result.as_dict())
        except BaseException as exc:
            # A bad run file or a full disk: nothing of this merge stays behind.
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, OSError) and not isinstance(exc, OutputWriteError):
                raise OutputWriteError(staging, exc) from exc
            raise
        if result.no_op:
            shutil.rmtree(staging, ignore_errors=True)
            result.version = None
            result.total = _rows_in(previous)
        else:
            # Everything of the version is written (files, index, manifest) before the
            # switch. The runs are marked after it: a crash in between leaves them waiting,
            # and merging them again changes nothing (their rows are unchanged).
            staging.rename(layout.version(new_id))
            switch_current(layout, layout.version(new_id))
            record_history(layout, result.as_dict())
        done_in = result.version or (previous.name if previous else "")
        for run in inputs.runs:
            run.mark_merged(done_in or "(nothing new)")
        if not result.no_op:
            prune(layout, keep_versions)
        return result


def _check_run_folders(layout: ExportsLayout, runs: Iterable[Run]) -> None:
    """A run folder (or record) whose real path lies outside the exports root is refused:
    a link under runs/ must not make a merge mark and read another root's run."""
    root = layout.root.resolve()
    for run in runs:
        for path in (run.folder, *run.record_paths):
            real = path.resolve()
            if not real.is_relative_to(root):
                raise DatasetError(
                    f"run {run.run_id}: {path} is really {real}, outside the exports root "
                    f"{root}: refused, nothing merged (move the link away from {layout.runs})"
                )


def _rows_in(version: Path | None) -> int:
    return sum(pq.read_metadata(p).num_rows for p in version_files(version)) if version else 0


def _check_targets(
    runs: Iterable[Run], dataset_target: str | None, allow_mixed: bool
) -> str | None:
    """The dataset has one target: a run from another is refused, unless asked."""
    targets = {r.run_id: r.target_id for r in runs if r.target_id}
    distinct = set(targets.values())
    if allow_mixed:
        return dataset_target or (next(iter(distinct)) if len(distinct) == 1 else "mixed")
    if len(distinct) > 1:
        listing = ", ".join(f"{k} ({v})" for k, v in targets.items())
        raise DatasetError(f"these runs come from different targets: {listing}; merge them apart")
    run_target = next(iter(distinct), None)
    if dataset_target and run_target and run_target != dataset_target:
        raise DatasetError(
            f"the dataset holds articles from {dataset_target!r} but run(s) "
            f"{', '.join(k for k, v in targets.items() if v == run_target)} crawled "
            f"{run_target!r}: refused (nothing written); merge them into an exports root of "
            "their own, or pass --allow-mixed-targets"
        )
    return dataset_target or run_target


def _stage(staging: Path, previous: Path | None, files: list[Path], result: MergeResult) -> None:
    """Build the next version in ``staging`` (files and index; not its manifest)."""
    fields = compared_fields()
    run = _SpilledRun(staging / ".run", fields)
    counts = ReadCounts()
    keys = ArticleKeys()
    known = _known_articles(previous, fields, keys)
    try:
        for path in files:
            for chunk in run_chunks(path, counts):
                run.add(keys.rekey(chunk))
    finally:
        run.close()
    result.torn_journal_lines = counts.torn_journal_lines
    result.duplicates_in_run = run.rows - len(run.winners)
    plan = _plan(run, known, result, keys)
    result.more_urls = len(plan.more_urls)
    if not result.no_op:
        _build(staging, previous, run, plan, result, keys)
    shutil.rmtree(staging / ".run", ignore_errors=True)
