"""Scrapy's feed exports (``-O``/``-o``), made to fail loudly.

Scrapy logs a feed that cannot be written (a full disk) and goes on with exit status 0;
here any write error stops the crawl, marks the run failed and makes ``scrapy crawl`` exit
non-zero. A Parquet file cannot be appended to: ``-o x.parquet`` on an existing file is
refused before the crawl starts (``qptd_spider.commands.crawl``) and again here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.extensions.feedexport import FeedExporter, FeedSlot
from w3lib.url import file_uri_to_path

from .run import stop_crawl

logger = logging.getLogger(__name__)


def local_feed_path(uri: str) -> Path | None:
    """The file of a local feed URI (None for s3://, ftp://...)."""
    if uri.startswith("file:"):
        return Path(file_uri_to_path(uri))
    return None if "://" in uri else Path(uri)


def parquet_append_conflicts(feeds: dict[str, dict[str, Any]]) -> list[Path]:
    """Parquet feeds that would be appended to an existing file (``-o``): not possible."""
    out = []
    for uri, options in feeds.items():
        path = local_feed_path(uri)
        if (
            path is not None
            and options.get("format") == "parquet"
            and not options.get("overwrite")
            and path.exists()
            and path.stat().st_size > 0
        ):
            out.append(path)
    return out


class SafeFeedExporter(FeedExporter):
    """Scrapy's FeedExporter; a write error stops the crawl instead of being logged only."""

    def item_scraped(self, item: Any, spider: Spider) -> None:
        if self.crawler.stats.get_value("qptd/output/failed"):
            return
        try:
            super().item_scraped(item, spider)
        except OSError as exc:
            self._failed(spider, exc)

    async def _close_slot(self, slot: FeedSlot, spider: Spider) -> None:
        before = self._failed_count()
        try:
            await super()._close_slot(slot, spider)
        except OSError as exc:
            self._failed(spider, exc, closing=True)
            return
        if self._failed_count() > before:
            self._failed(spider, OSError(f"could not store the feed {slot.uri}"), closing=True)

    def _failed_count(self) -> int:
        stats = self.crawler.stats.get_stats()
        return sum(int(v) for k, v in stats.items() if k.startswith("feedexport/failed_count/"))

    def _failed(self, spider: Spider, exc: OSError, closing: bool = False) -> None:
        message = f"cannot write the feed: {exc}"
        logger.error("%s: stopping the crawl", message)
        stats = self.crawler.stats
        if not stats.get_value("qptd/output/failed"):
            stats.set_value("qptd/output/failed", message)
        if not closing:
            stop_crawl(self.crawler, "feed_write_failed")
