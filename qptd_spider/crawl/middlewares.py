"""Downloader middlewares: retries with backoff and a time budget per page, requests kept on
the crawl target, and a cap on the requests of one crawl."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from ..urls import PortalUrls
from .politeness import PolitenessExtension
from .run import stop_crawl

logger = logging.getLogger(__name__)

FIRST_ATTEMPT = "qptd_first_attempt"  # request.meta: monotonic time of the first try


def backoff_delay(
    retry_times: int, base: float, cap: float, retry_after: str | None, rng: random.Random
) -> float:
    """Seconds to wait before retry number ``retry_times`` (1-based).

    The server's Retry-After (seconds) is honoured up to the cap; otherwise exponential
    backoff with "full jitter", so many failing requests do not return together.
    """
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), cap)
    return rng.uniform(0, min(cap, base * 2 ** (retry_times - 1)))


def time_spent(request: Request, now: float | None = None) -> float:
    """Seconds since the first attempt at this page (0 before it)."""
    first = request.meta.get(FIRST_ATTEMPT)
    return 0.0 if first is None else (now if now is not None else time.monotonic()) - first


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out, within a time budget per page.

    A page may take at most ``QPTD_URL_TIME_BUDGET`` seconds over all its attempts and
    waits: one slow or throttled page (a Retry-After of days, a server that trickles bytes)
    must not hold a whole crawl. Past the budget the page fails (and goes to the failures
    file, for the next crawl).
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.base = settings.getfloat("QPTD_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("QPTD_RETRY_BACKOFF_MAX", 60.0)
        self.budget = settings.getfloat("QPTD_URL_TIME_BUDGET", 300.0)
        self._rng = random.Random()

    def process_request(self, request: Request) -> None:
        request.meta.setdefault(FIRST_ATTEMPT, time.monotonic())

    def _delay(self, request: Request, response: Response | None) -> float | None:
        """Seconds to wait before retrying, or None when the budget forbids a retry."""
        retry_after = None
        if response is not None:
            value = response.headers.get(b"Retry-After")
            retry_after = value.decode("latin-1") if value else None
        attempt = request.meta.get("retry_times", 0) + 1
        delay = backoff_delay(attempt, self.base, self.cap, retry_after, self._rng)
        if self.budget and time_spent(request) + delay > self.budget:
            return None
        return delay

    async def _wait(self, delay: float) -> bool:
        """Wait before a retry; False when the crawl started closing meanwhile (the page
        then fails now, and is recorded, instead of holding the crawl's stop)."""
        if delay <= 0:
            return True
        politeness = PolitenessExtension.of(self.crawler)
        if politeness is None:
            await asyncio.sleep(delay)
            return True
        return await politeness.wait(delay)

    def _over_budget(self, request: Request) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("qptd/limits/url_time_budget")
        logger.warning(
            "giving up on %s: its time budget (%.0f s) is spent", request.url, self.budget
        )

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = self._delay(request, response)
        if delay is None:
            self._over_budget(request)
            return response  # the status stays: the page fails as http_NNN
        if not await self._wait(delay):
            return response
        return super().process_response(request, response)

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        delay = self._delay(request, None)
        if delay is None:
            self._over_budget(request)
            return None
        if not await self._wait(delay):
            return None
        return super().process_exception(request, exception)


class PortalOnlyMiddleware:
    """Drops any request that leaves the crawl target, redirects included (whatever
    dont_filter says). The target's hosts come from the settings: for the live portal its
    aliases; for a replica or a mirror, that host only (never the live portal)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.target = PortalUrls.from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.target.may_fetch(request.url):
            raise IgnoreRequest(f"offsite: {request.url} is not on the crawl target")


class RequestLimitMiddleware:
    """Stops a crawl after ``QPTD_MAX_REQUESTS`` requests (0: no limit): a site that makes
    up links without end must not keep a crawl running for ever."""

    def __init__(self, crawler: Crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.count = 0
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getint("QPTD_MAX_REQUESTS", 0))

    def process_request(self, request: Request) -> None:
        if not self.limit:
            return
        self.count += 1
        if self.count <= self.limit:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("qptd/limits/requests")
        if not self._closing:
            self._closing = True
            logger.error("request limit reached (QPTD_MAX_REQUESTS=%d): stopping", self.limit)
            stop_crawl(self.crawler, "limit_requests")
        raise IgnoreRequest(f"request limit {self.limit} reached")
