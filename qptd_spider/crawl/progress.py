"""Progress of a crawl, every ``QPTD_PROGRESS_INTERVAL`` seconds (30): articles found,
exported, skipped as known and failed, pages per minute, and an estimate of the time left
once the list pages have said how many articles there are to fetch. Scrapy's own line
(pages and items per minute, once a minute) says nothing of what the crawl is for."""

from __future__ import annotations

import logging
import time
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger(__name__)


def progress_line(stats: dict[str, Any], seconds: float) -> str:
    """One line of progress from the crawl's stats after ``seconds`` of crawling."""

    def n(key: str) -> int:
        return int(stats.get(key, 0) or 0)

    skipped = (
        n("qptd/incremental/skipped_known")
        + n("qptd/incremental/skipped_known_id")
        + n("qptd/incremental/skipped_journaled")
    )
    found = n("qptd/articles/scheduled") + skipped
    exported = n("qptd/fill/items")
    failed = n("qptd/failures/total")
    pages = n("downloader/response_count")
    per_minute = pages / seconds * 60 if seconds > 0 else 0.0
    line = (
        f"progress: {found:,} articles found, {exported:,} exported, {skipped:,} skipped as "
        f"known, {failed:,} failed; {per_minute:,.0f} pages/min"
    )
    left = found - exported - skipped - failed - n("qptd/incremental/not_modified")
    done = exported + failed + n("qptd/incremental/not_modified")
    if left > 0 and done and seconds > 0:
        # Only what the crawl has queued so far: lists not yet read will add more.
        minutes = left / (done / seconds) / 60
        pace = "under a minute" if minutes < 1 else f"about {minutes:,.0f} min"
        line += f"; {left:,} articles queued: {pace} at this pace"
    return line


class ProgressExtension:
    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.started = 0.0
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("QPTD_PROGRESS_INTERVAL", 30.0)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.log)
        self.loop.start(self.interval, now=False)

    def log(self) -> None:
        assert self.crawler.stats is not None
        logger.info(progress_line(self.crawler.stats.get_stats(), time.monotonic() - self.started))

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
