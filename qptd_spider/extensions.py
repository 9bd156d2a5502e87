"""Crawl-level extensions."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class StatsFileExtension:
    """Writes the crawl stats as JSON to ``QPTD_STATS_FILE`` when the spider closes."""

    def __init__(self, crawler: Crawler, path: str):
        self.crawler = crawler
        self.path = Path(path) if path else None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler, crawler.settings.get("QPTD_STATS_FILE", ""))
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.path is None or self.crawler.stats is None:
            return
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        tmp.write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
        tmp.replace(self.path)
