"""The baseline: a bare Scrapy spider that follows the same links as `qptd` (menu, category
lists with ?page=N up to the last page, articles, related links) and extracts nothing.

    scrapy runspider benchmarks/bare_spider.py -a base_url=http://127.0.0.1:PORT [-a lean=1]

Two flavours: by default it yields a request for every link it sees and lets Scrapy's
duplicate filter drop the repeats (the idiomatic spider); ``lean=1`` skips a seen URL before
building its request, the cheapest way Scrapy can fetch these pages (the strict baseline).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

_TOTAL = re.compile(r"totalItems:\s*(\d+)")
_PER_PAGE = re.compile(r"itemsPerPage:\s*(\d+)")
LINKS = (
    "nav.main-menu a::attr(href), ol.breadcrumb a::attr(href), "
    "section.section-list a[href*='.html']::attr(href), .frame-involve a::attr(href)"
)


class BareSpider(scrapy.Spider):
    name = "bare"
    # Bare: none of the project's pipelines, middlewares, extensions or scheduler.
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": {},
        "DOWNLOADER_MIDDLEWARES": {},
        "SPIDER_MIDDLEWARES": {},
        "EXTENSIONS": {},
        "SCHEDULER": "scrapy.core.scheduler.Scheduler",
        "ROBOTSTXT_OBEY": False,
    }

    def __init__(self, base_url: str, lean: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        # Links repeat on every page (menus, related panels): Scrapy's duplicate filter
        # fingerprints tens of thousands of repeats, which the lean flavour never builds.
        self.lean = lean not in ("", "0")
        self.seen: set[str] = set()

    def closed(self, reason: str) -> None:
        """The crawl's stats as JSON (``-s QPTD_STATS_FILE=...``), for the benchmark."""
        path = self.settings.get("QPTD_STATS_FILE")
        if path and self.crawler.stats is not None:
            stats = {
                k: v
                for k, v in self.crawler.stats.get_stats().items()
                if isinstance(v, int | float | str)
            }
            Path(path).write_text(json.dumps(stats), encoding="utf-8")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.base_url + "/", callback=self.parse_page)
        # The CMS's HTML tree of every category, as qptd reads it.
        yield scrapy.Request(self.base_url + "/page/sitemap", callback=self.parse_page)

    def parse_page(self, response: Response) -> Iterator[scrapy.Request]:
        if response.url.endswith(".html"):
            self.crawler.stats.inc_value("bare/articles")
        for href in response.css(LINKS).getall():
            # Every host alias is the replica: only the path matters, and no request may
            # leave this machine.
            path = re.sub(r"/{2,}", "/", urlsplit(href).path)
            if path and path != "/":
                yield from self._request(self.base_url + path)
        total, per_page = _TOTAL.search(response.text), _PER_PAGE.search(response.text)
        if total and per_page and not response.url.endswith(".html"):
            last = -(-int(total.group(1)) // int(per_page.group(1)))
            base = response.url.split("?")[0]
            for page in range(2, last + 1):
                yield from self._request(f"{base}?page={page}")

    def _request(self, url: str) -> Iterator[scrapy.Request]:
        if self.lean:
            if url in self.seen:
                return
            self.seen.add(url)
        yield scrapy.Request(url, callback=self.parse_page)
