"""Spider middlewares: a page a parser chokes on becomes a failure record (never a lost
page), and every item carries the archived response it came from."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Response

from ..fileio import OutputWriteError
from ..items import ArticleItem
from .run import OutputStop

logger = logging.getLogger(__name__)


class ParseErrorMiddleware:
    """A callback that raises (a hostile page nested 10,000 deep, a parser bug) loses no page
    in silence: the page goes to the failures file with kind ``parse_error``."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any]:
        if isinstance(exception, OutputWriteError):
            OutputStop(self.crawler)(exception)  # the disk, not the page: stop the crawl
            return []
        spider = self.crawler.spider
        logger.error(
            "could not parse %s: %s: %s", response.url, type(exception).__name__, exception
        )
        record = getattr(spider, "record_parse_error", None)
        if record is not None:
            record(response, f"{type(exception).__name__}: {exception}"[:500])
        return []


class ProvenanceMiddleware:
    """Puts on each item the WARC record of the response it was parsed from (set in the
    response's meta by the archive middleware), so a row can be traced to its bytes."""

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        record = response.meta.get("qptd_warc_record")
        async for output in result:
            if record is not None and isinstance(output, ArticleItem):
                output.warc_record = dict(record)
            yield output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        record = response.meta.get("qptd_warc_record")
        for output in result:
            if record is not None and isinstance(output, ArticleItem):
                output.warc_record = dict(record)
            yield output
