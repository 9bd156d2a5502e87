"""The crawl's archive: a downloader middleware next to the downloader, so it sees every
response as it came off the wire (before decompression, retries and redirects), and writes
it to the run's WARC files (``qptd_spider.warc``).

A 304 becomes a ``revisit`` record pointing at the archived copy it confirms; what the crawl
knew of a page beyond its bytes (the date its list page showed) goes into a ``metadata``
record beside it, so that a re-parse of the archive rebuilds the very same item. On by
default; ``-s QPTD_WARC=0`` turns it off.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from .. import __version__
from ..fileio import OutputWriteError
from ..warc import DEFAULT_MAX_BYTES, MAXSIZE_FIELD, WarcArchive, WarcRef, header_list
from .run import OutputStop, RunExtension

logger = logging.getLogger(__name__)

# What the spider and the provenance middleware read from a response's meta.
RECORD_META = "qptd_warc_record"  # the row's warc_record: file, offset, record id
REF_META = "qptd_warc_ref"  # the full reference, kept in the crawl state for revisits
FETCHED_AT_META = "qptd_fetched_at"  # the record's date: the item's crawled_at
REFERS_TO_META = "qptd_refers_to"  # set by the spider on a conditional request
# Hop-by-hop: the body kept is already de-chunked, so the header would lie about it.
_DROPPED_HEADERS = {"transfer-encoding"}


def warc_date(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.enabled = settings.getbool("QPTD_WARC", True) and not settings.getbool("QPTD_DRY_RUN")
        self.max_bytes = settings.getint("QPTD_WARC_MAX_BYTES", DEFAULT_MAX_BYTES)
        self.archive: WarcArchive | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _archive(self) -> WarcArchive:
        if self.archive is None:
            run = RunExtension.of(self.crawler)
            info = {
                "software": f"qptd/{__version__}",
                "format": "WARC File Format 1.1",
                "qptd-run-id": run.run_id,
                "qptd-target": run.target.describe(),
                "qptd-spider-args": dict(getattr(self.crawler.spider, "arguments", {})),
                "robots": "obey" if self.crawler.settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "http-header-user-agent": self.crawler.settings.get("USER_AGENT"),
                # A re-parse inflates bodies within the crawl's own limit.
                MAXSIZE_FIELD: self.crawler.settings.getint("DOWNLOAD_MAXSIZE"),
            }
            self.archive = WarcArchive(run.layout.warc, run.run_id, info, self.max_bytes)
        return self.archive

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.enabled or self.failed:
            return response
        try:
            self._record(request, response)
        except OutputWriteError as exc:
            self.failed = True
            OutputStop(self.crawler)(exc)
        return response

    def _record(self, request: Request, response: Response) -> None:
        archive = self._archive()
        date = warc_date()
        request_headers = header_list(request.headers)
        response_headers = [
            (k, v) for k, v in header_list(response.headers) if k.lower() not in _DROPPED_HEADERS
        ]
        protocol = getattr(response, "protocol", None) or "HTTP/1.1"
        refers_to = request.meta.get(REFERS_TO_META)
        if response.status == 304 and refers_to:
            ref = archive.write_revisit(
                response.url,
                request.method,
                request_headers,
                response.status,
                response_headers,
                date,
                WarcRef.from_dict(refers_to),
                protocol,
            )
        else:
            ref = archive.write_exchange(
                response.url,
                request.method,
                request_headers,
                response.status,
                response_headers,
                response.body,
                date,
                protocol,
            )
        hint = request.cb_kwargs.get("hint")
        known = hint.as_record() if hint is not None and hasattr(hint, "as_record") else None
        if known:
            archive.write_metadata(response.url, date, ref, {"listing_hint": known})
        request.meta[RECORD_META] = ref.as_row()
        request.meta[REF_META] = ref.as_dict()
        request.meta[FETCHED_AT_META] = date.replace("Z", "+00:00")
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("qptd/warc/bytes", archive.bytes_written)
        stats.set_value("qptd/warc/records", archive.records)
        stats.set_value("qptd/warc/files", archive.files)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.archive is not None:
            try:
                self.archive.close()
            except OutputWriteError as exc:
                OutputStop(self.crawler)(exc)


def refers_to(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The archived copy a conditional request would be confirmed by (for its revisit)."""
    return meta.get(REFERS_TO_META)
