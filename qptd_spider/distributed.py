"""Distributed crawls on scrapy-redis: one setting, ``QPTD_REDIS_URL``, and any number of
``scrapy crawl qptd`` processes, on any machines, share one frontier and one duplicate filter.

All workers of one crawl must use the same ``QPTD_REDIS_CRAWL_ID`` (default ``default``):
the queue and the filter live under ``qptd:<crawl id>:*`` and are kept after the crawl
(a worker that finishes first must not wipe what the others still use); delete them, or
use a new crawl id, for the next crawl.
"""

from __future__ import annotations

import time
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings


class RedisAddon:
    """Switches scheduler and duplicate filter to Redis when ``QPTD_REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("QPTD_REDIS_URL")
        if not url:
            return
        crawl_id = settings.get("QPTD_REDIS_CRAWL_ID") or "default"
        settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        settings.set("REDIS_URL", url, "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"qptd:{crawl_id}:requests", "addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"qptd:{crawl_id}:dupefilter", "addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", "addon")


class RedisIdleExtension:
    """Keeps a worker alive while the shared frontier is empty, for ``QPTD_REDIS_IDLE_SECONDS``:
    another worker may be parsing a page that will add requests. Without this, a worker that
    finds the queue empty for a moment would stop and leave all the work to the others."""

    def __init__(self, crawler: Crawler, idle_seconds: float):
        self.crawler = crawler
        self.idle_seconds = idle_seconds
        self._idle_since: float | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("QPTD_REDIS_URL"):
            raise NotConfigured("not a distributed crawl")
        ext = cls(crawler, crawler.settings.getfloat("QPTD_REDIS_IDLE_SECONDS", 15))
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        return ext

    def request_scheduled(self, request: Any, spider: Spider) -> None:
        self._idle_since = None

    def spider_idle(self, spider: Spider) -> None:
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
