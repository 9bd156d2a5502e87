"""Item pipelines: thin wrappers over the pure normalizers, one job each, counted in stats.

Nothing is dropped silently: an item that fails the schema is written whole, with its
reasons, to the rejects file (JSON Lines) and counted; only then is it dropped.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from .feeds import beside_feed
from .items import item_record
from .normalize import article
from .schema import validation_errors


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


class SignaturePipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.normalize_signature)
    name = "signature"


class ContentHashPipeline(_NormalizerPipeline):
    normalizer = staticmethod(article.set_content_hash)
    name = "content_hash"


def rejects_path_for(setting: str | None, feeds: dict[str, Any]) -> Path:
    """Where rejected items go: the setting, else beside the first local feed, else exports/."""
    return beside_feed(setting, feeds, "rejects.jsonl") or Path("exports") / "rejects.jsonl"


class ValidationPipeline:
    """Drops items that fail ``schemas/article.schema.json``, after writing them to rejects."""

    def __init__(self, stats: StatsCollector, rejects_path: Path):
        self.stats = stats
        self.rejects_path = rejects_path
        self._file: IO[str] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        path = rejects_path_for(
            crawler.settings.get("QPTD_REJECTS_FILE"), crawler.settings.getdict("FEEDS")
        )
        return cls(crawler.stats, path)

    def process_item(self, item: Any) -> Any:
        record = item_record(item)
        reasons = validation_errors(record)
        if not reasons:
            self.stats.inc_value("qptd/validation/valid")
            return item
        self._write_reject(record, reasons)
        self.stats.inc_value("qptd/validation/rejected")
        raise DropItem(f"schema validation failed: {'; '.join(reasons)}")

    def _write_reject(self, record: dict[str, Any], reasons: list[str]) -> None:
        with self._lock:
            if self._file is None:
                self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.rejects_path.open("a", encoding="utf-8")
            line = {"url": record.get("url"), "reasons": reasons, "item": record}
            self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._file.flush()

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()
            self.stats.set_value("qptd/validation/rejects_file", str(self.rejects_path))


class JournalPipeline:
    """Appends every valid item to this run's journal (JSON Lines), flushed item by item.

    The journal is what survives a hard kill: a Parquet feed is unreadable until its footer
    is written, a flushed JSON line is not. Journaled articles are marked in the crawl state,
    so a restarted crawl does not fetch them again, and ``qptd merge`` merges the journals.
    """

    def __init__(self, stats: StatsCollector, directory: Path | None, run_id: str):
        self.stats = stats
        self.path = directory / f"{run_id}.jsonl" if directory else None
        self._file: IO[str] | None = None
        self._crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from .dataset.store import check_run_id, new_run_id

        assert crawler.stats is not None
        directory = crawler.settings.get("QPTD_JOURNAL_DIR")
        run_id = check_run_id(crawler.settings.get("QPTD_RUN_ID") or new_run_id())
        pipeline = cls(crawler.stats, Path(directory) if directory else None, run_id)
        pipeline._crawler = crawler
        return pipeline

    def process_item(self, item: Any) -> Any:
        if self.path is None:
            return item
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            self.stats.set_value("qptd/journal/file", str(self.path))
        record = item_record(item)
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        self.stats.inc_value("qptd/journal/items")
        spider = self._crawler.spider if self._crawler is not None else None
        state = getattr(spider, "crawl_state", None)
        if state is not None:
            state.mark_journaled(record["url"])
        return item

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()
