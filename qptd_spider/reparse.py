"""``qptd reparse``: today's page parsers and normalizers over archived responses, offline.

A re-parse is a run like a crawl (``runs/<run id>/`` with a journal, failures, rejects, a
report and a record of kind ``reparse``), read from WARC files instead of the network:
``qptd merge`` of it then changes exactly the rows whose derived fields changed (a fixed
signature rule, a new field), their ``revision`` rising; every other row stays as it was,
byte for byte, because the re-parsed item carries the crawl's own time (the record's date)
and the same archived record.

What it reads: a response of an article URL with status 200 becomes an item (a ``revisit``
record, a 304, becomes the item of the copy it confirms); one that does not parse, is not
HTML, or belongs to another site goes to the failures file with kind ``reparse``; list
pages, robots.txt and sitemaps are skipped. A file that is not a WARC at all is named in one
line and the others are read.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock

from . import __version__
from .clock import new_run_id, utc_now_iso
from .fileio import JsonLinesWriter, atomic_write_json
from .items import item_record
from .layout import ExportsLayout, project_root
from .normalize.article import normalize_item
from .pages import ArticlePage, ListingHint
from .parser_version import parser_version
from .runs import RECORD_FORMAT, RunError, check_run_id, git_revision, list_runs
from .schema import validation_errors
from .urls import PortalUrls, canonicalize_item_urls, is_article_url
from .warc import (
    REFERS_TO_FILE,
    REFERS_TO_OFFSET,
    ReadStats,
    WarcReadError,
    WarcRef,
    iter_archive,
    read_record_at,
    warc_files,
)

logger = logging.getLogger(__name__)


@dataclass
class ReparseResult:
    run_id: str
    files: list[str] = field(default_factory=list)
    items: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    torn_records: int = 0
    unreadable_files: list[str] = field(default_factory=list)
    failures_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return (self.items + self.rejected + self.failed) / self.seconds if self.seconds else 0.0


def resolve_sources(layout: ExportsLayout, sources: Iterable[str], everything: bool) -> list[Path]:
    """WARC files named, the files of run ids named, or (``everything``) every kept file."""
    if everything:
        kept = warc_files(layout.warc)
        if not kept:
            raise RunError(f"no WARC files in {layout.warc}: crawl with the archive on first")
        return kept
    files: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.suffix == ".gz" or path.exists():
            if not path.is_file():
                raise RunError(f"no such WARC file: {path}")
            files.append(path)
            continue
        check_run_id(source)
        of_run = warc_files(layout.warc, source)
        if not of_run:
            known = ", ".join(r.run_id for r in list_runs(layout)[-5:]) or "none"
            raise RunError(
                f"{source!r} is neither a WARC file nor a run with an archive in {layout.warc} "
                f"(latest runs: {known})"
            )
        files += of_run
    if not files:
        raise RunError("name WARC files or run ids to re-parse, or --all")
    return files


def _target_of(fields: dict[str, Any]) -> PortalUrls | None:
    """The crawl target a file's warcinfo record names."""
    target = fields.get("qptd-target")
    if isinstance(target, str):
        target = json.loads(target)
    if not isinstance(target, dict) or not target.get("base_url"):
        return None
    return PortalUrls(target["base_url"], target.get("canonical_base"))


def _warcinfo_fields(payload: bytes) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for line in payload.decode("utf-8", errors="replace").splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


@dataclass
class _Pending:
    """A response waiting for the metadata record that may follow it."""

    offset: int
    record: Any
    file: str
    metadata: dict[str, Any] | None = None


class Reparser:
    """Writes one re-parse run into an exports root."""

    def __init__(self, layout: ExportsLayout, run_id: str | None = None):
        self.layout = layout
        self.run_id = check_run_id(run_id or new_run_id())
        self.files = layout.run(self.run_id)
        self.journal = JsonLinesWriter(self.files.journal, truncate=True)
        self.failures = JsonLinesWriter(self.files.failures, truncate=True)
        self.rejects = JsonLinesWriter(self.files.rejects, truncate=True)
        self.result = ReparseResult(self.run_id)
        self.targets: Counter[str] = Counter()
        self._target_info: dict[str, Any] = {}
        self._reasons: Counter[str] = Counter()

    def run(self, sources: list[Path]) -> ReparseResult:
        started = time.monotonic()
        self.files.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.files.lock, is_singleton=False)
        lock.acquire(timeout=0)
        record = self._record(sources)
        atomic_write_json(self.files.record, record)
        try:
            for path in sources:
                self._read_file(path)
        finally:
            for writer in (self.journal, self.failures, self.rejects):
                writer.close()
            self.result.seconds = round(time.monotonic() - started, 2)
            self.result.failures_by_reason = dict(self._reasons)
            record.update(
                status="finished",
                finished_at=utc_now_iso(),
                finish_reason="finished",
                target=self._target_info or record["target"],
                health={"ok": True, "failed_checks": []},
                counts={
                    "exported": self.result.items,
                    "journaled": self.result.items,
                    "failed": self.result.failed,
                    "rejected": self.result.rejected,
                    "requests": 0,
                },
            )
            atomic_write_json(self.files.report, self._report())
            atomic_write_json(self.files.record, record)
            lock.release()
        return self.result

    def _record(self, sources: list[Path]) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "run_id": self.run_id,
            "worker": "",
            "kind": "reparse",
            "status": "running",
            "started_at": utc_now_iso(),
            "finished_at": None,
            "finish_reason": None,
            "target": {},
            "qptd_version": __version__,
            "git_revision": git_revision(project_root()),
            "parser_version": parser_version(),
            "spider_args": {},
            "settings": {},
            "feeds": [],
            "sources": [str(p) for p in sources],
            "files": {
                "journal": self.files.journal.name,
                "failures": self.files.failures.name,
                "rejects": self.files.rejects.name,
                "report": self.files.report.name,
            },
            "health": None,
            "counts": {},
            "politeness": {},
            "merged_into": None,
        }

    def _report(self) -> dict[str, Any]:
        r = self.result
        return {
            "run_id": r.run_id,
            "kind": "reparse",
            "files": r.files,
            "unreadable_files": r.unreadable_files,
            "articles": {"exported": r.items, "rejected": r.rejected, "failed": r.failed},
            "skipped_records": r.skipped,
            "torn_records": r.torn_records,
            "failures_by_reason": r.failures_by_reason,
            "duration_seconds": r.seconds,
            "pages_per_second": round(r.pages_per_second, 1),
            "ok": not r.unreadable_files,
        }

    # -- reading -------------------------------------------------------------------------------

    def _read_file(self, path: Path) -> None:
        stats = ReadStats()
        target: PortalUrls | None = None
        pending: _Pending | None = None
        try:
            for offset, record in iter_archive(path, stats):
                kind = record.rec_type
                if kind == "warcinfo":
                    target = _target_of(_warcinfo_fields(record.qptd_payload)) or target
                    if target is not None:
                        self.targets[target.target_id] += 1
                        self._target_info = target.describe()
                    continue
                if kind == "metadata":
                    if pending is not None and record.rec_headers.get_header(
                        "WARC-Concurrent-To"
                    ) == pending.record.rec_headers.get_header("WARC-Record-ID"):
                        pending.metadata = json.loads(record.qptd_payload or b"{}")
                    continue
                if kind in ("response", "revisit"):
                    if pending is not None:
                        self._parse(pending, target, path)
                    pending = _Pending(offset, record, path.name)
            if pending is not None:
                self._parse(pending, target, path)
        except WarcReadError as exc:
            logger.error("%s", exc)
            self.result.unreadable_files.append(f"{path}: {exc}")
            return
        self.result.files.append(str(path))
        self.result.torn_records += stats.torn
        if stats.torn:
            logger.warning("%s ends with a torn record (a killed crawl): skipped", path)

    def _parse(self, pending: _Pending, target: PortalUrls | None, path: Path) -> None:
        record = pending.record
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if not is_article_url(url):
            self.result.skipped += 1  # list pages, robots.txt, sitemaps
            return
        status = int(record.http_headers.get_statuscode()) if record.http_headers else 0
        if record.rec_type == "revisit":
            resolved = self._resolve_revisit(record, path)
            if resolved is None:
                self._fail(url, "the archived copy a 304 refers to is missing", pending)
                return
            pending = resolved
            record = resolved.record
            status = int(record.http_headers.get_statuscode())
        if status != 200:
            self.result.skipped += 1  # redirects, errors: the crawl recorded those
            return
        if target is None or not target.may_fetch(url):
            self._fail(url, "not a page of the run's target", pending)
            return
        content_type = record.http_headers.get_header("Content-Type") or ""
        if "html" not in content_type.lower():
            self._fail(url, f"not HTML ({content_type or 'no Content-Type'})", pending)
            return
        html = _text(record.qptd_payload)
        hint = ListingHint(**((pending.metadata or {}).get("listing_hint") or {}))
        page = ArticlePage(html, url, hint)
        problem = page.problem()
        if problem is not None:
            self._fail(url, problem, pending)
            return
        date = record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
        item = page.to_item(crawled_at=date)
        canonicalize_item_urls(item, target)
        item.warc_record = WarcRef(
            pending.file, pending.offset, record.rec_headers.get_header("WARC-Record-ID")
        ).as_row()
        row = dict(normalize_item(item_record(item)))
        reasons = validation_errors(row)
        if reasons:
            self.result.rejected += 1
            self.rejects.write({"url": row["url"], "reasons": reasons, "item": row})
            return
        self.journal.write(row)
        self.result.items += 1

    def _resolve_revisit(self, record: Any, path: Path) -> _Pending | None:
        file = record.rec_headers.get_header(REFERS_TO_FILE)
        offset = record.rec_headers.get_header(REFERS_TO_OFFSET)
        if not file or offset is None:
            return None
        try:
            original = read_record_at(path.parent, file, int(offset))
        except (OSError, WarcReadError, ValueError):
            return None
        return _Pending(int(offset), original, file, original.qptd_metadata)

    def _fail(self, url: str, reason: str, pending: _Pending) -> None:
        self.result.failed += 1
        self._reasons[reason] += 1
        self.failures.write(
            {
                "url": url,
                "kind": "reparse",
                "error": f"{reason} (record {pending.file} at {pending.offset})",
                "attempts": 1,
                "page": "article",
                "failed_at": utc_now_iso(),
            }
        )


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace")


def reparse(
    layout: ExportsLayout, sources: Iterable[str] = (), everything: bool = False
) -> ReparseResult:
    """Re-parse archived responses into a new run of ``layout``."""
    files = resolve_sources(layout, sources, everything)
    return Reparser(layout).run(files)
