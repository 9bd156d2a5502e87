"""Item pipelines: thin wrappers over the pure normalizers, one job each, counted in stats.

Nothing is dropped silently: an item that fails the schema is written whole, with its
reasons, to the run's rejects file (JSON Lines) and counted; only then is it dropped. An
item that cannot be journaled (a full disk) stops the crawl: it is not exported either, and
the next crawl fetches it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from ..fileio import JsonLinesWriter, OutputWriteError
from ..items import article_identity, item_record
from ..normalize import article
from ..schema import validation_errors
from .monitoring import FILL_FIELDS
from .run import CrawlRun, OutputStop, RunExtension

logger = logging.getLogger(__name__)


class StatsPipeline:
    """A pipeline that needs only the crawl's stats collector."""

    def __init__(self, stats: StatsCollector):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)


class _NormalizerPipeline(StatsPipeline):
    """Runs one normalizer; counts items and fields it changed under ``qptd/<name>/``."""

    normalizer: article.Normalizer
    name: str

    def process_item(self, item: Any) -> Any:
        changed = type(self).normalizer(ItemAdapter(item))
        if changed:
            self.stats.inc_value(f"qptd/{self.name}/items_changed")
            for key in changed:
                self.stats.inc_value(f"qptd/{self.name}/changed/{key}")
        return item


class TextNormalizationPipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.normalize_text)
    name = "text"


class DateNormalizationPipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.normalize_date)
    name = "date"


class PublishedDatePipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.set_published_date)
    name = "published_date"


class SignaturePipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.normalize_signature)
    name = "signature"

    def process_item(self, item: Any) -> Any:
        item = super().process_item(item)
        # How sure the parser was, per article: the share of partial and unparsed signatures
        # is what to watch when the portal's writing changes.
        status = ItemAdapter(item).get("signature_status")
        if status is not None:
            self.stats.inc_value(f"qptd/signature/status/{status}")
        return item


class ContentHashPipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.set_content_hash)
    name = "content_hash"


def _raise(exc: OutputWriteError) -> None:
    raise exc


class _RunWriterPipeline:
    """A pipeline that writes into the crawl's run and stops the crawl when it cannot."""

    def __init__(
        self,
        stats: StatsCollector,
        run: CrawlRun,
        on_write_error: Callable[[OutputWriteError], None] = _raise,
    ):
        self.stats = stats
        self.run = run
        self.on_write_error = on_write_error

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, RunExtension.of(crawler), OutputStop(crawler))


class ValidationPipeline(_RunWriterPipeline):
    """Drops items that fail ``schemas/article.schema.json``, after writing them to rejects."""

    @property
    def rejects(self) -> JsonLinesWriter | None:
        return self.run.rejects

    def process_item(self, item: Any) -> Any:
        record = item_record(item)
        reasons = validation_errors(record)
        if not reasons:
            self.stats.inc_value("qptd/validation/valid")
            return item
        self.stats.inc_value("qptd/validation/rejected")
        if self.rejects is not None:  # None in a dry run (scrapy parse / check / shell)
            try:
                self.rejects.write({"url": record.get("url"), "reasons": reasons, "item": record})
            except OutputWriteError as exc:
                self.on_write_error(exc)
        raise DropItem(f"schema validation failed: {'; '.join(reasons)}")


class JournalPipeline(_RunWriterPipeline):
    """Appends every valid item to the run's journal (JSON Lines), flushed item by item.

    The journal is what survives a hard kill: a Parquet feed is unreadable until its footer
    is written, a flushed JSON line is not. Journaled articles are marked in the crawl state
    with the run's id, so a restarted crawl does not fetch them again while that run waits
    for ``qptd merge``. An item that cannot be journaled stops the crawl and is not exported
    either: the next crawl fetches it again.
    """

    def process_item(self, item: Any) -> Any:
        journal = self.run.journal
        if journal is None:  # a dry run (scrapy parse / check / shell)
            return item
        if self.stats.get_value("qptd/output/failed"):
            raise DropItem("the crawl is stopping: its output cannot be written")
        record = item_record(item)
        try:
            journal.write(record)
        except OutputWriteError as exc:
            self.on_write_error(exc)
            raise DropItem(f"not journaled: {exc}") from None
        self.stats.inc_value("qptd/journal/items")
        if self.run.state is not None:
            try:
                self.run.state.mark_journaled(record["url"], self.run.run_id)
            except OutputWriteError as exc:
                # Journaled but not marked: the next crawl fetches it again, no loss.
                self.on_write_error(exc)
        return item


class FillRatePipeline(StatsPipeline):
    """Counts exported items and, per key field, those with a value (for the report)."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self.stats.inc_value("qptd/fill/items")
        for name in FILL_FIELDS:
            if adapter.get(name) not in (None, "", []):
                self.stats.inc_value(f"qptd/fill/{name}")
        return item


class SameArticlePipeline(StatsPipeline):
    """One row per article in a crawl's feed: an article the portal serves under a second
    path (the same CMS id; the same text when the page gives no id) is journaled (``qptd
    merge`` keeps its URL among the row's ``other_urls``) but not exported twice."""

    def __init__(self, stats: StatsCollector):
        super().__init__(stats)
        self._first_url: dict[str, str] = {}
        self._exported: set[str] = set()

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = article_identity(adapter.get("article_id"), adapter.get("content_hash"))
        url = str(adapter.get("url"))
        if key is None:
            return item  # nothing says it is another row's article
        first = self._first_url.setdefault(key, url)
        if first == url and url not in self._exported:
            self._exported.add(url)
            return item
        if first == url:
            # The same page again, re-dated by a finer list date (``QptdSpider._redated``):
            # the journal keeps this last copy for the merge; the feed keeps one row.
            self.stats.inc_value("qptd/articles/redated_in_journal")
            raise DropItem(f"{url} re-dated: journaled for merge", log_level="INFO")
        self.stats.inc_value("qptd/articles/same_article_other_path")
        raise DropItem(
            f"{url} is the article already exported as {first} (journaled for merge)",
            log_level="INFO",
        )
