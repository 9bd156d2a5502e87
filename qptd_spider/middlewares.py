"""Downloader middlewares."""

from __future__ import annotations

import asyncio
import random
from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings


def backoff_delay(
    retry_times: int, base: float, cap: float, retry_after: str | None, rng: random.Random
) -> float:
    """Seconds to wait before retry number ``retry_times`` (1-based).

    The server's Retry-After (seconds) wins when it gives one within the cap; otherwise
    exponential backoff with "full jitter", so many failing requests do not return together.
    """
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), cap)
    return rng.uniform(0, min(cap, base * 2 ** (retry_times - 1)))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: waits before each retry instead of retrying at once."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.base = settings.getfloat("QPTD_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("QPTD_RETRY_BACKOFF_MAX", 60.0)
        self._rng = random.Random()

    async def _wait(self, request: Request, response: Response | None) -> None:
        retry_after = None
        if response is not None:
            value = response.headers.get(b"Retry-After")
            retry_after = value.decode("latin-1") if value else None
        attempt = request.meta.get("retry_times", 0) + 1
        delay = backoff_delay(attempt, self.base, self.cap, retry_after, self._rng)
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        await self._wait(request, response)
        return super().process_response(request, response)

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        if request.meta.get("dont_retry", False) or not isinstance(
            exception, self.exceptions_to_retry
        ):
            return None
        await self._wait(request, None)
        return super().process_exception(request, exception)


class PortalOnlyMiddleware:
    """Drops any request that leaves the portal, redirects included (whatever dont_filter
    says): only the portal's hosts, or the crawl target, are ever fetched."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        urls = getattr(self.crawler.spider, "urls", None)
        if urls is not None and not urls.is_portal(request.url):
            raise IgnoreRequest(f"offsite: {request.url} is not the portal")
