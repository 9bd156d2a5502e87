"""Versions of the dataset: where they are, which one is current, how they are kept.

``dataset`` is a symlink to the current version, ``versions/<version id>/``: Parquet files
by publication year and a ``_manifest.json`` (what the version changed, which runs it
merged, where they came from). A version is never edited: a merge builds the next one
beside it and swaps the link in one rename. The link must point at a version of this
root, or be absent on a root that has no version yet; anything else (a link to a missing
version, to ``/etc``, a real folder in its place) is refused with a clear error, never
taken for "no dataset yet" (which would start the dataset over and, a few merges later,
prune the real data).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from ..clock import utc_now
from ..fileio import OutputWriteError, atomic_write_json, swap_symlink
from ..layout import ExportsLayout
from ..schema import arrow_schema

# Leading "_": Parquet readers skip it when reading the version folder as a dataset.
MANIFEST = "_manifest.json"
# What the version holds, per URL (``dataset/held.py``): written with the version.
INDEX = "_index.parquet"
UNKNOWN_YEAR = "unknown"
# Row groups of ~5,000 articles (tens of MB in memory): small enough for the Hugging Face
# viewer (it refuses row groups over ~300 MB) and for readers that page through the data.
ROW_GROUP_ROWS = 5000
COMPRESSION = "zstd"
KEEP_VERSIONS = 5
ENV_KEEP_VERSIONS = "QPTD_KEEP_VERSIONS"


class DatasetError(RuntimeError):
    """The dataset or a run file cannot be used as asked."""


class DatasetLockedError(DatasetError):
    """Another process holds the dataset's writer lock."""


def keep_versions_default() -> int:
    value = os.environ.get(ENV_KEEP_VERSIONS)
    if not value:
        return KEEP_VERSIONS
    try:
        keep = int(value)
    except ValueError:
        raise DatasetError(f"{ENV_KEEP_VERSIONS} must be a whole number, got {value!r}") from None
    if keep < 1:
        raise DatasetError(f"{ENV_KEEP_VERSIONS} must be at least 1, got {keep}")
    return keep


@contextmanager
def writer_lock(layout: ExportsLayout) -> Iterator[None]:
    """The dataset's writer lock (one merge, export or rollback at a time); raises
    DatasetLockedError at once when another process holds it."""
    try:
        layout.root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(layout.root, exc) from exc
    lock = FileLock(layout.lock, is_singleton=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DatasetLockedError(
            f"the dataset in {layout.root} is being written by another process; wait for it "
            f"to finish (the lock {layout.lock} is released when that process exits, so a "
            "stale lock cannot block you)"
        ) from None
    except OSError as exc:
        raise OutputWriteError(layout.lock, exc) from exc
    try:
        yield
    finally:
        lock.release()


def version_ids(layout: ExportsLayout) -> list[str]:
    """Ids of the versions on disk (complete ones: with a manifest). A version's id is the
    name of its folder, never what its manifest says: a manifest can be copied or edited,
    and the id is what pruning removes. Names that are not valid ids, and links, are not
    versions (never pruned)."""
    from ..runs import RunError, check_run_id

    if not layout.versions.is_dir():
        return []
    ids = []
    for path in layout.versions.iterdir():
        if path.name.startswith(".") or path.is_symlink() or not path.is_dir():
            continue
        try:
            check_run_id(path.name)
        except RunError:
            continue
        if (path / MANIFEST).is_file():
            ids.append(path.name)
    return sorted(ids)


def current_version(layout: ExportsLayout) -> Path | None:
    """The folder of the current version; None only on a root with no version at all."""
    link = layout.dataset
    if not link.is_symlink():
        if link.exists():
            raise DatasetError(
                f"{link} is a real folder, not qptd's link to a version: move it away, then "
                "`qptd rollback <version>` (versions: "
                f"{', '.join(version_ids(layout)[-3:]) or 'none'})"
            )
        existing = version_ids(layout)
        if existing:
            raise DatasetError(
                f"{link} is missing but {layout.versions} holds {len(existing)} version(s); "
                f"point it at one with `qptd rollback {existing[-1]}`"
            )
        return None
    target = Path(os.path.realpath(link))
    versions = Path(os.path.realpath(layout.versions)) if layout.versions.exists() else None
    if versions is None or target.parent != versions:
        raise DatasetError(
            f"{link} points at {link.readlink()}, which is not a version in {layout.versions}; "
            "fix the link with `qptd rollback <version>`"
        )
    if not (target / MANIFEST).is_file():
        raise DatasetError(
            f"{link} points at version {target.name}, which does not exist (or lacks its "
            f"manifest); `qptd versions` lists the ones that do, `qptd rollback` picks one"
        )
    return target


def version_files(version: Path) -> list[Path]:
    """The Parquet files of one version, sorted."""
    return sorted(version.glob("year=*/*.parquet"))


def empty_table(columns: list[str] | None = None) -> pa.Table:
    schema = arrow_schema()
    if columns is not None:
        schema = pa.schema([schema.field(c) for c in columns])
    return schema.empty_table()


def read_version(version: Path, columns: list[str] | None = None) -> pa.Table:
    """All rows of one version with the article schema (without the ``year`` key). Files
    of an older schema read with the new fields empty."""
    schema = arrow_schema()
    tables = [pq.read_table(f, columns=columns, schema=schema) for f in version_files(version)]
    return pa.concat_tables(tables) if tables else empty_table(columns)


def read_dataset(layout: ExportsLayout, columns: list[str] | None = None) -> pa.Table:
    """The current version's rows (empty table when there is no dataset yet)."""
    version = current_version(layout)
    return read_version(version, columns) if version is not None else empty_table(columns)


def load_manifest(version: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(
            f"the manifest of version {version.name} cannot be read: {exc}"
        ) from None
    if not isinstance(manifest, dict):
        raise DatasetError(
            f"the manifest of version {version.name} is not a JSON object "
            f"({type(manifest).__name__})"
        )
    return manifest


def version_problems(version: Path) -> list[str]:
    """What is wrong with a version, checked against its manifest: every Parquet file it
    lists present, readable and of the rows it says, no file it does not list, and its
    index (when the manifest has one). Empty: the version is intact."""
    manifest = load_manifest(version)
    files = manifest.get("files")
    if not isinstance(files, dict):
        return ["its manifest does not list its files"]
    problems = []
    folder = version.resolve()
    for relative, rows in sorted(files.items()):
        path = version / str(relative)
        if not path.resolve().is_relative_to(folder):
            problems.append(f"its manifest names {relative}, outside the version")
            continue
        if not path.is_file():
            problems.append(f"{relative} is missing ({rows} rows in the manifest)")
            continue
        try:
            found = pq.read_metadata(path).num_rows
        except (OSError, pa.ArrowException) as exc:
            problems.append(f"{relative} is not a readable Parquet file ({exc})")
            continue
        if found != rows:
            problems.append(f"{relative} holds {found} rows, its manifest says {rows}")
    for path in version_files(version):
        relative = str(path.relative_to(version))
        if relative not in files:
            problems.append(f"{relative} is not in its manifest")
    index = manifest.get("index")
    if isinstance(index, dict):
        try:
            found = pq.read_metadata(version / INDEX).num_rows
        except (OSError, pa.ArrowException):
            problems.append(f"its index {INDEX} is missing or unreadable")
        else:
            if found != index.get("rows"):
                problems.append(f"{INDEX} holds {found} rows, its manifest says {index['rows']}")
    return problems


def check_version(version: Path) -> None:
    """Raise a one-line DatasetError when ``version`` does not match its manifest."""
    problems = version_problems(version)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise DatasetError(f"version {version.name} is damaged: {'; '.join(problems[:3])}{more}")


def list_versions(layout: ExportsLayout) -> list[dict[str, Any]]:
    """The manifests of every kept version, oldest merge first."""
    manifests = []
    for version_id in version_ids(layout):
        try:
            manifest = load_manifest(layout.version(version_id))
        except DatasetError:
            continue
        manifest["version"] = version_id  # the folder's name, whatever the manifest says
        manifests.append(manifest)
    return sorted(manifests, key=lambda m: (merge_time(m), m["version"]))


# What a history line keeps of a manifest: what the version did, not its file lists.
_HISTORY_DROPS = ("files", "index", "examples", "run_files")


def record_history(layout: ExportsLayout, manifest: dict[str, Any]) -> None:
    """Append the summary of a version just made current to the dataset's history."""
    line = {k: v for k, v in manifest.items() if k not in _HISTORY_DROPS}
    data = (json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        with layout.history.open("ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise OutputWriteError(layout.history, exc) from exc


def read_history(layout: ExportsLayout) -> list[dict[str, Any]]:
    """Every version the dataset has had, oldest first: the history file, and any kept
    version it lacks (made by an older qptd); a torn last line is skipped."""
    found: dict[str, dict[str, Any]] = {}
    if layout.history.is_file():
        for line in layout.history.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by a crash: that version is still in versions/
            if isinstance(entry, dict) and isinstance(entry.get("version"), str):
                found[entry["version"]] = entry
    for manifest in list_versions(layout):
        found.setdefault(manifest["version"], manifest)
    return sorted(found.values(), key=lambda m: (merge_time(m), m["version"]))


def merge_time(manifest: dict[str, Any]) -> datetime:
    """When a version was made (its manifest's ``merged_at``; the oldest time if unreadable).
    Compared as times: manifests of older qptd are to the second, newer ones to the
    microsecond (two merges within a second keep their order)."""
    try:
        when = datetime.fromisoformat(str(manifest.get("merged_at")))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def version_time() -> str:
    """``merged_at`` of a new version: UTC to the microsecond (the order of versions)."""
    return utc_now().isoformat()


def dataset_target(layout: ExportsLayout) -> str | None:
    """The target the dataset's rows come from (``portal``, ``replica``...), if known."""
    version = current_version(layout)
    if version is None:
        return None
    target = load_manifest(version).get("target")
    return str(target) if target else None


def switch_current(layout: ExportsLayout, version: Path) -> None:
    swap_symlink(layout.dataset, version)


def prune(layout: ExportsLayout, keep: int) -> list[str]:
    """Remove old versions, keeping the newest ``keep`` by merge time (manifest), and never
    the current one or the one it was built from; returns what was removed."""
    current = current_version(layout)
    protected = set()
    if current is not None:
        protected.add(current.name)
        previous = load_manifest(current).get("previous_version")
        if previous:
            protected.add(str(previous))
    ordered = [m["version"] for m in list_versions(layout)]
    versions = layout.versions.resolve()
    removed = []
    for version_id in ordered[:-keep] if keep > 0 else []:
        if version_id in protected:
            continue
        folder = layout.version(version_id)
        # Ids are folder names checked by version_ids; never remove anything else.
        if folder.is_symlink() or folder.resolve().parent != versions:
            continue
        shutil.rmtree(folder)
        removed.append(version_id)
    for staging in layout.versions.glob(".*.staging*"):
        shutil.rmtree(staging, ignore_errors=True)
    return removed


def new_version_id(layout: ExportsLayout, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``-3``... when a version of that name exists already."""
    candidate, n = wanted, 2
    while layout.version(candidate).exists():
        candidate, n = f"{wanted}-{n}", n + 1
    return candidate


def rollback(layout: ExportsLayout, version_id: str, keep: int) -> dict[str, Any]:
    """Make a kept version current again, as a new version (its files hard-linked, its
    manifest saying what was rolled back to), so the history stays in order."""
    from ..clock import new_run_id
    from ..runs import check_run_id
    from .held import read_index, write_index

    check_run_id(version_id)
    with writer_lock(layout):
        source = layout.version(version_id)
        if not (source / MANIFEST).is_file():
            known = ", ".join(m["version"] for m in list_versions(layout)) or "none"
            raise DatasetError(f"no version {version_id!r} in {layout.versions} (kept: {known})")
        try:
            current: Path | None = current_version(layout)
        except DatasetError:
            current = None  # a broken link is what a rollback repairs
        problems = version_problems(source)
        if problems:
            stays = f"the dataset stays at {current.name}" if current else "nothing changed"
            raise DatasetError(
                f"version {version_id} is damaged ({'; '.join(problems[:2])}): refused, {stays}"
            )
        new_id = new_version_id(layout, f"{new_run_id()}-rollback")
        staging = layout.versions / f".{new_id}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        files: dict[str, int] = {}
        for path in version_files(source):
            relative = path.relative_to(source)
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
            files[str(relative)] = pq.read_metadata(target).num_rows
        # The index says what the dataset holds to the next crawl: the source's own (a
        # version of an older qptd has none: built from its files).
        index_rows = write_index(staging, read_index(source))
        source_manifest = load_manifest(source)
        manifest: dict[str, Any] = {
            "version": new_id,
            "kind": "rollback",
            "rolled_back_to": version_id,
            "merged_at": version_time(),
            "previous_version": current.name if current else None,
            "target": source_manifest.get("target"),
            "runs": [],
            "added": 0,
            "updated": 0,
            "unchanged": 0,
            "total": sum(files.values()),
            "files": files,
            "index": {"file": INDEX, "rows": index_rows},
        }
        # The dataset may have lost articles: what crawls knew of it before is stale.
        manifest["shrunk_at"] = manifest["merged_at"]
        atomic_write_json(staging / MANIFEST, manifest)
        staging.rename(layout.version(new_id))
        switch_current(layout, layout.version(new_id))
        record_history(layout, manifest)
        prune(layout, keep)
        return manifest
