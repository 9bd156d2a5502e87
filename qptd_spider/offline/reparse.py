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

Reading the archive stays in the main process (it is one gzip stream); parsing, the bulk of
the work, goes to a pool of worker processes once a run is past its first pages, in
batches whose results are taken in order, so the journal is the same as a run without
workers.
"""

from __future__ import annotations

import inspect
import json
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings
from scrapy.signalmanager import SignalManager

from .. import settings as project_settings
from ..items import item_record
from ..layout import ExportsLayout
from ..normalize.article import normalize_item
from ..pages import ArticlePage, ListingHint
from ..runs import RunError, check_run_id, list_runs
from ..spiders.responses import page_text
from ..urls import PortalUrls, canonicalize_item_urls, is_article_url
from ..warc import (
    MAXSIZE_FIELD,
    REFERS_TO_FILE,
    REFERS_TO_OFFSET,
    ReadStats,
    WarcReadError,
    WarcRef,
    iter_archive,
    read_record_at,
    warc_files,
)
from .run import OfflineResult, OfflineRun

logger = logging.getLogger(__name__)


@dataclass
class ReparseResult(OfflineResult):
    files: list[str] = field(default_factory=list)
    skipped: int = 0
    torn_records: int = 0
    damaged_records: int = 0
    unreadable_files: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class ArchivedPage:
    """An archived article response, as a worker needs it (picklable, no open file):
    ``body`` as it came off the wire (Content-Encoding not undone), ``headers`` as the
    record keeps them, ``max_size`` the crawl's DOWNLOAD_MAXSIZE."""

    url: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    max_size: int
    hint: dict[str, Any]
    date: str
    warc_record: dict[str, Any]
    target: tuple[str, str | None]
    where: str


@dataclass(frozen=True)
class Unusable:
    """A record that cannot become an item, found while reading (kept in reading order)."""

    url: str
    reason: str
    where: str
    kind: str = "reparse"  # the failure's kind (``too_large``: past the crawl's size limit)


Work = ArchivedPage | Unusable
Outcome = tuple[dict[str, Any], None] | tuple[None, Unusable]


@lru_cache(maxsize=16)
def _portal(base_url: str, canonical_base: str | None) -> PortalUrls:
    return PortalUrls(base_url, canonical_base)


def parse_archived(work: Work) -> Outcome:
    """Today's page parser and normalizers over one archived page: a row, or why not."""
    if isinstance(work, Unusable):
        return None, work
    try:
        try:
            response = archived_response(work.url, work.headers, work.body, work.max_size)
        except IgnoreRequest:  # what the crawl's HttpCompressionMiddleware refuses
            return None, Unusable(
                _canonical(work), _too_large(work.max_size), work.where, "too_large"
            )
        if not isinstance(response, TextResponse):
            return None, Unusable(_canonical(work), "not text", work.where)
        page = ArticlePage(page_text(response), work.url, ListingHint(**work.hint))
        problem = page.problem()
        if problem is not None:
            return None, Unusable(_canonical(work), problem, work.where)
        item = page.to_item(crawled_at=work.date)
        canonicalize_item_urls(item, _portal(*work.target))
        item.warc_record = work.warc_record
        return dict(normalize_item(item_record(item))), None
    except Exception as exc:  # a parser bug on one page: that page fails, the run goes on
        logger.exception("re-parse of %s failed", work.url)
        reason = f"parser error: {type(exc).__name__}: {exc}"
        return None, Unusable(_canonical(work), reason, work.where)


def _canonical(work: ArchivedPage) -> str:
    return failure_url(work.url, _portal(*work.target))


def failure_url(url: str, target: PortalUrls | None) -> str:
    """The URL a failure is recorded under: a page of the target under its canonical URL,
    as the crawl's failures are (not the replica's or a mirror's host); another site's as
    it was."""
    return target.canonical(url) if target is not None and target.is_portal(url) else url


def parse_batch(batch: list[Work]) -> list[Outcome]:
    return [parse_archived(work) for work in batch]


BATCH_PAGES = 64
# A small re-parse (a test, one run of a few hundred pages) is done before a pool would start.
INLINE_PAGES = 1000


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class Reparser(OfflineRun):
    """Writes one re-parse run into an exports root."""

    kind = "reparse"

    def __init__(
        self,
        layout: ExportsLayout,
        run_id: str | None = None,
        jobs: int | None = None,
        inline_pages: int = INLINE_PAGES,
    ):
        super().__init__(layout, run_id)
        self.result = ReparseResult(self.run_id, self.kind)
        self.sources: list[Path] = []
        self.jobs = jobs if jobs is not None else default_jobs()
        self.inline_pages = inline_pages
        # What a worker runs on a batch (a module-level function: workers import it by name).
        self.batch_parser: Callable[[list[Work]], list[Outcome]] = parse_batch
        self.max_size = int(project_settings.DOWNLOAD_MAXSIZE)  # of the file being read

    def run(self, sources: list[Path]) -> ReparseResult:
        self.sources = sources
        self.execute([str(p) for p in sources], self.result)
        return self.result

    def produce(self, result: OfflineResult) -> None:
        work = (w for path in self.sources for w in self._read_file(path))
        for taken, unit in enumerate(work, start=1):
            self._take(parse_archived(unit))
            if self.jobs > 1 and taken >= self.inline_pages:
                self._parse_in_pool(work)
                break

    def _parse_in_pool(self, work: Iterator[Work]) -> None:
        """The rest of ``work`` in batches over ``self.jobs`` worker processes; at most two
        batches per worker in flight, so memory stays flat whatever the archive's size."""
        # forkserver: workers are not forks of a process that may run threads (a test's
        # replica server, a caller's own).
        context = multiprocessing.get_context("forkserver")
        # The parsers are imported once, in the fork server: workers start ready and share
        # those pages of memory.
        context.set_forkserver_preload([__name__])
        # An executor, not multiprocessing.Pool: a worker that dies (killed, out of memory)
        # breaks the run with an error instead of leaving it waiting for ever.
        try:
            self._parse_batches(work, ProcessPoolExecutor(self.jobs, mp_context=context))
        except BrokenProcessPool as exc:
            raise RunError(
                f"a re-parse worker process died ({exc}): run {self.run_id} is kept as failed; "
                "run the re-parse again (--jobs 1 parses in one process)"
            ) from None

    def _parse_batches(self, work: Iterator[Work], executor: ProcessPoolExecutor) -> None:
        with executor as pool:
            in_flight: deque[Future[list[Outcome]]] = deque()
            batch: list[Work] = []
            for unit in work:
                batch.append(unit)
                if len(batch) == BATCH_PAGES:
                    in_flight.append(pool.submit(self.batch_parser, batch))
                    batch = []
                    while len(in_flight) > 2 * self.jobs:
                        self._take_all(in_flight.popleft().result())
            if batch:
                in_flight.append(pool.submit(self.batch_parser, batch))
            while in_flight:
                self._take_all(in_flight.popleft().result())

    def _take_all(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self._take(outcome)

    def _take(self, outcome: Outcome) -> None:
        row, unusable = outcome
        if row is not None:
            self.write_item(row, self.result)
        elif unusable is not None:
            self.fail(unusable.url, unusable.reason, unusable.where, self.result, unusable.kind)

    def failed_reason(self, result: OfflineResult) -> str | None:
        """Files named and none of them read: the run did nothing it was asked to (the
        command exits 2), so it is failed, not a finished run for merge to take."""
        r = self.result
        if r.unreadable_files and not r.files:
            return "no WARC file could be read: " + "; ".join(r.unreadable_files)
        return None

    def report(self, result: OfflineResult) -> dict[str, Any]:
        r = self.result
        return super().report(result) | {
            "files": r.files,
            "unreadable_files": r.unreadable_files,
            "skipped_records": r.skipped,
            "torn_records": r.torn_records,
            "damaged_records": r.damaged_records,
            "ok": not r.unreadable_files,
        }

    # -- reading -------------------------------------------------------------------------------

    def _read_file(self, path: Path) -> Iterator[Work]:
        stats = ReadStats()
        target: PortalUrls | None = None
        pending: _Pending | None = None
        self.max_size = int(project_settings.DOWNLOAD_MAXSIZE)
        try:
            for offset, record in iter_archive(path, stats):
                kind = record.rec_type
                if kind == "warcinfo":
                    fields = _warcinfo_fields(record.qptd_payload)
                    target = _target_of(fields) or target
                    self.max_size = max_size_of(fields)
                    if target is not None:
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
                        yield from self._work_of(pending, target, path)
                    pending = _Pending(offset, record, path.name)
            if pending is not None:
                yield from self._work_of(pending, target, path)
        except WarcReadError as exc:
            logger.error("%s", exc)
            self.result.unreadable_files.append(f"{path}: {exc}")
            return
        self.result.files.append(str(path))
        self.result.torn_records += stats.torn
        self.result.damaged_records += stats.damaged
        if stats.torn:
            logger.warning("%s ends with a torn record (a killed crawl): skipped", path)
        if stats.damaged:
            logger.warning(
                "%s holds %d damaged record(s) (corrupt bytes): skipped, the rest read",
                path,
                stats.damaged,
            )

    def _work_of(self, pending: _Pending, target: PortalUrls | None, path: Path) -> Iterator[Work]:
        """What to parse of one response record (nothing: a page that is no article)."""
        record = pending.record
        # The list hint of the fetch that gave this row: a 304's own (the list that led to
        # the re-check), else the one of the copy it refers to.
        hint = (pending.metadata or {}).get("listing_hint") or {}
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        if not is_article_url(url):
            self.result.skipped += 1  # list pages, robots.txt, sitemaps
            return
        status = int(record.http_headers.get_statuscode()) if record.http_headers else 0
        if record.rec_type == "revisit":
            resolved = self._resolve_revisit(record, path, url, target)
            if isinstance(resolved, str):
                yield self._unusable(
                    url, f"the archived copy a 304 refers to is {resolved}", pending, target
                )
                return
            pending = resolved
            record = resolved.record
            status = int(record.http_headers.get_statuscode())
        if status != 200:
            self.result.skipped += 1  # redirects, errors: the crawl recorded those
            return
        if target is None or not target.may_fetch(url):
            yield self._unusable(url, "not a page of the run's target", pending, target)
            return
        content_type = record.http_headers.get_header("Content-Type") or ""
        if "html" not in content_type.lower():
            yield self._unusable(
                url, f"not HTML ({content_type or 'no Content-Type'})", pending, target
            )
            return
        yield ArchivedPage(
            url=url,
            body=record.qptd_payload,
            headers=tuple(record.http_headers.headers),
            max_size=self.max_size,
            hint=hint or (pending.metadata or {}).get("listing_hint") or {},
            date=record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00"),
            warc_record=WarcRef(
                pending.file, pending.offset, record.rec_headers.get_header("WARC-Record-ID")
            ).as_row(),
            target=(target.base_url, target.canonical_base),
            where=_where(pending),
        )

    def _resolve_revisit(
        self, record: Any, path: Path, url: str, target: PortalUrls | None
    ) -> _Pending | str:
        """The archived response a revisit (a 304) confirms, or why it cannot be used. Only
        a file of the same folder is read (the reference is a file name, as the crawl
        writes it: never ``../``, an absolute path, or a link out), and only a response of
        the same page and record id is taken: a revisit never brings another page's body."""
        file = record.rec_headers.get_header(REFERS_TO_FILE)
        offset = record.rec_headers.get_header(REFERS_TO_OFFSET)
        if not file or offset is None:
            return "missing"
        folder = path.parent
        referred = folder / file
        if (
            Path(file).name != file
            or file in (".", "..")
            or referred.resolve().parent != folder.resolve()
        ):
            return "outside the archive folder"
        try:
            original = read_record_at(folder, file, int(offset))
        except (OSError, WarcReadError, ValueError):
            return "missing"
        refers_to = record.rec_headers.get_header("WARC-Refers-To")
        if original.rec_type != "response" or (
            refers_to and refers_to != original.rec_headers.get_header("WARC-Record-ID")
        ):
            return "missing"
        if not _same_page(original.rec_headers.get_header("WARC-Target-URI") or "", url, target):
            return "of another page"
        return _Pending(int(offset), original, file, original.qptd_metadata)

    @staticmethod
    def _unusable(url: str, reason: str, pending: _Pending, target: PortalUrls | None) -> Unusable:
        return Unusable(failure_url(url, target), reason, _where(pending))


def _same_page(a: str, b: str, target: PortalUrls | None) -> bool:
    """The same page: the same URL, or (a replica on another port, another host name of the
    portal) the same canonical URL."""
    if a == b:
        return True
    if target is None or not (target.is_portal(a) and target.is_portal(b)):
        return False
    return target.canonical(a) == target.canonical(b)


def _where(pending: _Pending) -> str:
    return f"record {pending.file} at {pending.offset}"


def _too_large(max_size: int) -> str:
    return f"too_large: over DOWNLOAD_MAXSIZE ({max_size} B) once decompressed"


@dataclass
class _OfflineCrawler:
    """What HttpCompressionMiddleware reads of a crawler: its settings (the size limits),
    its stats (none here) and its signals."""

    settings: Settings
    stats: None = None
    signals: SignalManager = field(default_factory=SignalManager)


@lru_cache(maxsize=8)
def _decompression(max_size: int) -> HttpCompressionMiddleware:
    settings = Settings(
        {"DOWNLOAD_MAXSIZE": max_size, "DOWNLOAD_WARNSIZE": project_settings.DOWNLOAD_WARNSIZE}
    )
    return HttpCompressionMiddleware(crawler=cast(Crawler, _OfflineCrawler(settings)))


def _header_value(value: str) -> bytes:
    # ``warc.header_list`` made the wire's bytes text as latin-1: the same bytes back.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def archived_response(
    url: str, headers: Iterable[tuple[str, str]], body: bytes, max_size: int, status: int = 200
) -> Response:
    """The response the spider got for an archived one, made the crawl's way: the response
    class Scrapy's download handler picks (``responsetypes``), then the crawl's own
    HttpCompressionMiddleware (Content-Encoding undone within ``max_size``, ``IgnoreRequest``
    past it). Its text is then what ``page_text`` gave the crawl: the header's charset, a
    BOM, the page's meta, as Scrapy and w3lib read them."""
    values: dict[str, list[bytes]] = {}
    for name, value in headers:
        # Grouped by name as the download handler gets them (one Headers update: a third of
        # the cost of appending each value).
        values.setdefault(name.lower(), []).append(_header_value(value))
    scrapy_headers = Headers(values)
    cls = responsetypes.from_args(headers=scrapy_headers, url=url, body=body)
    response = cls(url=url, status=status, headers=scrapy_headers, body=body)
    if b"Content-Encoding" not in scrapy_headers:
        return response  # what the middleware returns then, without its Request to build
    # Scrapy 2.13 still takes the spider argument that later versions deprecate.
    decoded = _decompression(max_size).process_response(Request(url), response, *_SPIDER_ARG)
    assert isinstance(decoded, Response)  # the middleware only ever returns a response
    return decoded


_SPIDER_ARG: tuple[None, ...] = (
    ()
    if inspect.signature(HttpCompressionMiddleware.process_response).parameters["spider"].default
    is None
    else (None,)
)


def max_size_of(fields: dict[str, Any]) -> int:
    """The crawl's DOWNLOAD_MAXSIZE a file's warcinfo names; the project's for archives
    that do not say (or say 0, no limit: a re-parse never inflates without one)."""
    try:
        value = int(fields.get(MAXSIZE_FIELD) or 0)
    except ValueError:
        value = 0
    return value if value > 0 else int(project_settings.DOWNLOAD_MAXSIZE)


def reparse(
    layout: ExportsLayout,
    sources: Iterable[str] = (),
    everything: bool = False,
    jobs: int | None = None,
    inline_pages: int = INLINE_PAGES,
) -> ReparseResult:
    """Re-parse archived responses into a new run of ``layout`` (``jobs`` worker processes,
    default one per core, once ``inline_pages`` pages are done)."""
    files = resolve_sources(layout, sources, everything)
    return Reparser(layout, jobs=jobs, inline_pages=inline_pages).run(files)
