"""Distributed crawls on scrapy-redis: one setting, ``QPTD_REDIS_URL``, and any number of
``scrapy crawl qptd`` processes, on any machines, share one frontier, one duplicate filter,
one run id (the crawl id) and one view of what the dataset already holds.

All workers of one crawl use the same ``QPTD_REDIS_CRAWL_ID``: the queue, the filter and
the known-article state live under ``qptd:<crawl id>:*`` and are kept after the crawl (a
worker that finishes first must not wipe what the others still use); delete them, or use a
new crawl id, for the next crawl.

scrapy-redis and redis are an extra: ``pip install 'qptd[distributed]'``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings

from .state import CrawlState, KnownArticle

logger = logging.getLogger(__name__)

EXTRA = "pip install 'qptd[distributed]'"
SCHEDULER = "qptd_spider.crawl.distributed.RedisScheduler"
# The crawl's finish reason when Redis went away (the run is recorded failed).
REDIS_LOST = "redis_lost"
REDIS_LOST_STAT = "qptd/redis/lost"


def _redis_errors() -> tuple[type[Exception], ...]:
    """What a Redis that went away raises (a connection refused, reset or timed out)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def redis_problem(url: str) -> str | None:
    """Why the Redis at ``url`` cannot be used, in one line (None: it answers)."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        client.ping()
        client.close()
    except (redis.exceptions.RedisError, ValueError) as exc:
        return f"cannot reach Redis at {url} (QPTD_REDIS_URL): {exc}"
    return None


def redis_lost(crawler: Crawler, exc: Exception) -> None:
    """Redis went away mid-crawl: say so once, in one line, and stop the crawl; the run is
    recorded failed (held back from merge), and the same command resumes it."""
    from .run import stop_crawl

    stats = crawler.stats
    assert stats is not None
    if stats.get_value(REDIS_LOST_STAT):
        return
    url = crawler.settings.get("QPTD_REDIS_URL")
    message = f"lost the connection to Redis at {url}: {exc}"
    stats.set_value(REDIS_LOST_STAT, message)
    logger.error(
        "%s; stopping this worker (the run is recorded failed; once Redis is back, the "
        "same command resumes the crawl)",
        message,
    )
    if crawler.engine is not None:
        stop_crawl(crawler, REDIS_LOST)


class DistributedSetupError(RuntimeError):
    """A distributed crawl was asked for but cannot run (missing extra, bad URL)."""


def _require_scrapy_redis() -> None:
    try:
        import redis  # noqa: F401
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise DistributedSetupError(
            f"QPTD_REDIS_URL is set but scrapy-redis is not installed: {EXTRA}"
        ) from None


class RedisAddon:
    """Switches scheduler and duplicate filter to Redis when ``QPTD_REDIS_URL`` is set, and
    keeps workers alive while the shared frontier is briefly empty."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("QPTD_REDIS_URL")
        if not url:
            return
        _require_scrapy_redis()
        crawl_id = settings.get("QPTD_REDIS_CRAWL_ID") or "default"
        # The project sets its own (JOBDIR-safe) scheduler: the shared one must win over it.
        for name, value in (
            ("SCHEDULER", SCHEDULER),
            ("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter"),
        ):
            settings.set(name, value, max(settings.getpriority(name) or 0, 15))
        settings.set("REDIS_URL", url, "addon")
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"qptd:{crawl_id}:requests", "addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"qptd:{crawl_id}:dupefilter", "addon")
        settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", RedisIdleExtension, 520)


def _scheduler_base() -> type[Any]:
    _require_scrapy_redis()
    from scrapy_redis.scheduler import Scheduler

    return Scheduler  # type: ignore[no-any-return]


try:
    _SchedulerBase: type[Any] = _scheduler_base()
except DistributedSetupError:  # without the extra, this module still imports
    _SchedulerBase = object


class RedisScheduler(_SchedulerBase):  # type: ignore[misc,valid-type]
    """scrapy-redis's scheduler, for a Redis that may go away: the first failed call stops
    the worker in one line (``redis_lost``) instead of a traceback every heartbeat."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance: Self = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance

    def _call(self, method: Any, default: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except _redis_errors() as exc:
            redis_lost(self.crawler, exc)
            return default

    def enqueue_request(self, request: Any) -> bool:
        # Not queued: the request is lost with this worker's run, which is failed and
        # whose pages the next crawl finds again (nothing of it is merged as complete).
        return bool(self._call(super().enqueue_request, False, request))

    def next_request(self) -> Any:
        return self._call(super().next_request, None)

    def has_pending_requests(self) -> bool:
        return bool(self._call(super().has_pending_requests, False))


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
            raise NotConfigured  # without a message: nothing to log on ordinary crawls
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


class RedisCrawlState(CrawlState):
    """The crawl state of a distributed crawl: what every worker reads lives in Redis (a hash
    ``qptd:<crawl id>:known``, URL → what is known), seeded once per crawl id from the
    exports root's state file (the articles fetched and their validators; what the dataset
    holds each worker reads from its current version). Writes go to Redis and to the
    worker's local state file."""

    SEED_BATCH = 5000

    def __init__(
        self,
        path: Path,
        client: Any,
        crawl_id: str,
        seed_timeout: float = 120,
        on_lost: Any = None,
    ):
        super().__init__(path)
        self.client = client
        self.key = f"qptd:{crawl_id}:known"
        # Called with the error when Redis goes away (the crawl stops); None: raise it.
        self.on_lost = on_lost
        self._seed(f"qptd:{crawl_id}:seeded", seed_timeout)

    @classmethod
    def from_settings(
        cls, settings: BaseSettings, seed_from: Path, crawler: Crawler | None = None
    ) -> Self:
        _require_scrapy_redis()
        import redis

        client = redis.Redis.from_url(
            settings.get("QPTD_REDIS_URL"), socket_connect_timeout=5, socket_timeout=30
        )
        on_lost = (lambda exc: redis_lost(crawler, exc)) if crawler is not None else None
        return cls(
            seed_from, client, settings.get("QPTD_REDIS_CRAWL_ID") or "default", on_lost=on_lost
        )

    def _lost(self, exc: Exception) -> None:
        if self.on_lost is None:
            raise exc
        self.on_lost(exc)

    def _seed(self, flag: str, timeout: float) -> None:
        """The first worker of a crawl copies the dataset's state into Redis; the others
        wait until it is done, so none of them starts with an empty view."""
        if self.client.set(flag, "seeding", nx=True):
            rows = self._db.execute(
                "SELECT url, published_at, etag, last_modified, warc_ref FROM articles"
            )
            seeded = 0
            while batch := rows.fetchmany(self.SEED_BATCH):
                pipe = self.client.pipeline(transaction=False)
                for url, published, etag, modified, warc_ref in batch:
                    value = {
                        "published_at": published,
                        "etag": etag,
                        "last_modified": modified,
                        "warc_ref": json.loads(warc_ref) if warc_ref else None,
                    }
                    pipe.hsetnx(self.key, url, json.dumps(value))
                pipe.execute()
                seeded += len(batch)
            self.client.set(flag, "done")
            logger.info("seeded the shared crawl state with %d known articles", seeded)
            return
        deadline = time.monotonic() + timeout
        while self.client.get(flag) != b"done":
            if time.monotonic() > deadline:
                raise DistributedSetupError(f"the shared crawl state was not seeded ({flag})")
            time.sleep(0.2)

    def get(self, url: str) -> KnownArticle | None:
        try:
            raw = self.client.hget(self.key, url)
        except _redis_errors() as exc:
            self._lost(exc)  # the crawl stops; meanwhile the article counts as new
            return None
        if raw is None:
            return None
        value = json.loads(raw)
        published = value.get("published_at")
        from datetime import datetime

        return KnownArticle(
            url,
            datetime.fromisoformat(published) if published else None,
            value.get("etag"),
            value.get("last_modified"),
            value.get("journaled_run"),
            value.get("warc_ref"),
        )

    def _update(self, url: str, **changes: Any) -> None:
        # The local state file is written first (by the caller): a lost Redis loses
        # nothing that `qptd merge` needs.
        try:
            raw = self.client.hget(self.key, url)
            value = json.loads(raw) if raw else {}
            value.update(
                {k: v for k, v in changes.items() if v is not None or k == "journaled_run"}
            )
            self.client.hset(self.key, url, json.dumps(value))
        except _redis_errors() as exc:
            self._lost(exc)

    def record_fetch(
        self,
        url: str,
        published_at: str | None,
        etag: str | None,
        last_modified: str | None,
        changed: bool = True,
        warc_ref: dict[str, Any] | None = None,
    ) -> None:
        super().record_fetch(url, published_at, etag, last_modified, changed, warc_ref)
        changes: dict[str, Any] = {
            "published_at": published_at,
            "etag": etag,
            "last_modified": last_modified,
            "warc_ref": warc_ref,
        }
        if changed:
            changes.update(journaled_run=None)
        self._update(url, **changes)

    def mark_journaled(self, url: str, run_id: str) -> None:
        super().mark_journaled(url, run_id)
        self._update(url, journaled_run=run_id)

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            super().close()
