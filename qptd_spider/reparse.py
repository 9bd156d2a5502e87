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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .items import item_record
from .layout import ExportsLayout
from .normalize.article import normalize_item
from .offline_run import OfflineResult, OfflineRun
from .pages import ArticlePage, ListingHint
from .runs import RunError, check_run_id, list_runs
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
class ReparseResult(OfflineResult):
    files: list[str] = field(default_factory=list)
    skipped: int = 0
    torn_records: int = 0
    unreadable_files: list[str] = field(default_factory=list)

    @property
    def pages_per_second(self) -> float:
        return self.per_second


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


class Reparser(OfflineRun):
    """Writes one re-parse run into an exports root."""

    kind = "reparse"

    def __init__(self, layout: ExportsLayout, run_id: str | None = None):
        super().__init__(layout, run_id)
        self.result = ReparseResult(self.run_id, self.kind)
        self.targets: Counter[str] = Counter()
        self.sources: list[Path] = []

    def run(self, sources: list[Path]) -> ReparseResult:
        self.sources = sources
        self.execute([str(p) for p in sources], self.result)
        return self.result

    def produce(self, result: OfflineResult) -> None:
        for path in self.sources:
            self._read_file(path)

    def report(self, result: OfflineResult) -> dict[str, Any]:
        r = self.result
        return super().report(result) | {
            "files": r.files,
            "unreadable_files": r.unreadable_files,
            "skipped_records": r.skipped,
            "torn_records": r.torn_records,
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
                        self.target = target.describe()
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
        self.write_item(dict(normalize_item(item_record(item))), self.result)

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
        self.fail(url, reason, f"record {pending.file} at {pending.offset}", self.result)


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
