"""Politeness on record: robots.txt's ``Crawl-delay`` is obeyed, and what was obeyed is kept.

Scrapy's robots.txt parser reads ``Crawl-delay`` but Scrapy does not apply it. Here it is a
floor under the download delay of the site's slot, kept there even when AutoThrottle lowers
the delay. The robots.txt the crawl obeyed (its text and SHA-256) and the delay go to the
crawl's stats, from which the run record takes them.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response

logger = logging.getLogger(__name__)

ROBOTS_TEXT_MAX = 10_000  # characters of robots.txt kept in the record


class PolitenessExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self.floors: dict[str, float] = {}  # download slot → seconds between requests

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        # After AutoThrottle's own handler (it adjusts the delay on each response).
        crawler.signals.connect(ext.keep_floor, signal=signals.response_downloaded)
        crawler.signals.connect(ext.keep_floor, signal=signals.request_reached_downloader)
        return ext

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        if not request.url.endswith("/robots.txt") or response.status != 200:
            return
        stats = self.crawler.stats
        assert stats is not None
        text = response.body.decode("utf-8", errors="replace")
        stats.set_value("qptd/robots/sha256", hashlib.sha256(response.body).hexdigest())
        stats.set_value("qptd/robots/text", text[:ROBOTS_TEXT_MAX])

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if not delay:
            return
        assert self.crawler.engine is not None and self.crawler.stats is not None
        key = self.crawler.engine.downloader.get_slot_key(request)
        self.floors[key] = float(delay)
        self.crawler.stats.set_value("qptd/robots/crawl_delay", float(delay))
        logger.info("robots.txt asks for %s s between requests to %s: obeyed", delay, key)
        self._apply(key)

    def keep_floor(self, request: Request, **kwargs: Any) -> None:
        if self.floors and self.crawler.engine is not None:
            self._apply(self.crawler.engine.downloader.get_slot_key(request))

    def _apply(self, key: str) -> None:
        floor = self.floors.get(key)
        assert self.crawler.engine is not None
        slot = self.crawler.engine.downloader.slots.get(key)
        if floor is not None and slot is not None and slot.delay < floor:
            slot.delay = floor
