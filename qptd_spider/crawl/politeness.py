"""Politeness on record: robots.txt's ``Crawl-delay`` is obeyed, and what was obeyed is kept.

Scrapy's robots.txt parser reads ``Crawl-delay`` but Scrapy does not apply it. Here it is a
floor under the download delay of the site's slot, kept there even when AutoThrottle lowers
the delay. The robots.txt the crawl obeyed (its text and SHA-256) and the delay go to the
crawl's stats, from which the run record takes them.

A delay is never a reason to hold a crawl: a ``Crawl-delay`` over ``QPTD_MAX_CRAWL_DELAY``
is capped (and said), and once the crawl is closing (a signal, a limit) the requests waiting
for their turn in a slot are failed at once, as ``stopped`` (recorded, so the next crawl
fetches them first), and retries waiting out a backoff give up: Scrapy's graceful stop
would otherwise wait for each of them, for as long as the delays say.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

ROBOTS_TEXT_MAX = 10_000  # characters of robots.txt kept in the record
STOP_POLL_SECONDS = 0.5  # how often the extension looks whether the crawl is closing
STOPPED_MESSAGE = "the crawl is stopping: not fetched"  # failures.failure_kind: "stopped"


class PolitenessExtension:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.user_agent = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get(
            "USER_AGENT"
        )
        self.floors: dict[str, float] = {}  # download slot → seconds between requests
        self.max_delay = crawler.settings.getfloat("QPTD_MAX_CRAWL_DELAY", 60.0)
        # Set once the crawl is closing: waits (retry backoffs) end at once.
        self.stopping = asyncio.Event()
        self._watch: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        # After AutoThrottle's own handler (it adjusts the delay on each response).
        crawler.signals.connect(ext.keep_floor, signal=signals.response_downloaded)
        crawler.signals.connect(ext.keep_floor, signal=signals.request_reached_downloader)
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    @staticmethod
    def of(crawler: Crawler) -> PolitenessExtension | None:
        return crawler.get_extension(PolitenessExtension)

    async def wait(self, seconds: float) -> bool:
        """Sleep ``seconds``, unless the crawl starts closing: False then."""
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    # -- a closing crawl waits for nothing -------------------------------------------------

    def engine_started(self) -> None:
        self._watch = LoopingCall(self._look)
        self._watch.start(STOP_POLL_SECONDS, now=False)

    def engine_stopped(self) -> None:
        if self._watch is not None and self._watch.running:
            self._watch.stop()

    def _closing(self) -> bool:
        engine = self.crawler.engine
        if engine is None:
            return False
        # A signal stops the engine (running False); a limit closes the spider (the
        # engine's slot then has a closing Deferred). Scrapy has no signal for either.
        slot = getattr(engine, "_slot", None)
        return not engine.running or getattr(slot, "closing", None) is not None

    def _look(self) -> None:
        if not self._closing():
            return
        if not self.stopping.is_set():
            self.stopping.set()
            logger.info("the crawl is closing: requests waiting for their turn are not fetched")
        # Requests still waiting in a slot's queue (their turn is a delay away).
        assert self.crawler.engine is not None
        for slot in list(self.crawler.engine.downloader.slots.values()):
            while slot.queue:
                request, deferred = slot.queue.popleft()
                self._count("qptd/stopped/not_fetched")
                deferred.errback(IgnoreRequest(f"{STOPPED_MESSAGE} {request.url}"))

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

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
        asked = float(delay)
        self.crawler.stats.set_value("qptd/robots/crawl_delay_asked", asked)
        if self.max_delay and asked > self.max_delay:
            # A delay of hours would make one crawl last for months: capped, and said.
            logger.warning(
                "robots.txt of %s asks for a Crawl-delay of %g s; waiting %g s between "
                "requests instead (QPTD_MAX_CRAWL_DELAY)",
                key,
                asked,
                self.max_delay,
            )
            self.crawler.stats.inc_value("qptd/robots/crawl_delay_capped")
            delay = self.max_delay
        else:
            logger.info("robots.txt asks for %s s between requests to %s: obeyed", delay, key)
        self.floors[key] = float(delay)
        self.crawler.stats.set_value("qptd/robots/crawl_delay", float(delay))
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
