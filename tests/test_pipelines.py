"""Pipelines: thin wrappers that count what they change and drop nothing silently."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from qptd_spider.crawl.pipelines import (
    JournalPipeline,
    SignaturePipeline,
    TextNormalizationPipeline,
    ValidationPipeline,
)
from qptd_spider.crawl.state import CrawlState
from qptd_spider.fileio import JsonLinesWriter, OutputWriteError
from tests.conftest import ARTICLE_FIXTURES, page_expected


def _stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def test_normalizer_pipeline_counts_changed_fields() -> None:
    stats = _stats()
    item: dict[str, Any] = dict(page_expected(ARTICLE_FIXTURES[0]))
    item["title"] = "  Thành uỷ  Hà Nội "
    TextNormalizationPipeline(stats).process_item(item)
    assert item["title"] == "Thành ủy Hà Nội"
    assert stats.get_value("qptd/text/items_changed") == 1
    assert stats.get_value("qptd/text/changed/title") == 1
    TextNormalizationPipeline(stats).process_item(item)  # already clean: nothing counted
    assert stats.get_value("qptd/text/items_changed") == 1


def test_signature_pipeline_fills_authors() -> None:
    stats = _stats()
    item: dict[str, Any] = dict(page_expected(ARTICLE_FIXTURES[0]))
    item.update(signature_raw="Bài, ảnh: MINH HIẾU", authors=[], author=None, position=None)
    SignaturePipeline(stats).process_item(item)
    assert item["author"] == "Minh Hiếu"
    assert item["authors"][0]["role"] == "Bài, ảnh"


def test_invalid_items_are_written_whole_to_rejects_then_dropped(tmp_path: Path) -> None:
    stats = _stats()
    rejects = JsonLinesWriter(tmp_path / "rejects.jsonl")
    pipeline = ValidationPipeline(stats, SimpleNamespace(rejects=rejects))  # type: ignore[arg-type]
    good = dict(page_expected(ARTICLE_FIXTURES[0]))
    assert pipeline.process_item(good) is good
    bad = dict(good, title="")
    with pytest.raises(DropItem, match="title"):
        pipeline.process_item(bad)
    rejects.close()
    lines = (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["url"] == good["url"]
    assert record["item"] == bad
    assert record["reasons"] and record["reasons"][0].startswith("title")
    assert stats.get_value("qptd/validation/rejected") == 1
    assert stats.get_value("qptd/validation/valid") == 1


def test_no_rejects_file_when_nothing_is_rejected(tmp_path: Path) -> None:
    rejects = JsonLinesWriter(tmp_path / "rejects.jsonl")
    pipeline = ValidationPipeline(_stats(), SimpleNamespace(rejects=rejects))  # type: ignore[arg-type]
    pipeline.process_item(dict(page_expected(ARTICLE_FIXTURES[0])))
    rejects.close()
    assert not (tmp_path / "rejects.jsonl").exists()


def test_oversized_items_are_rejected_with_a_reason(tmp_path: Path) -> None:
    rejects = JsonLinesWriter(tmp_path / "rejects.jsonl")
    pipeline = ValidationPipeline(_stats(), SimpleNamespace(rejects=rejects))  # type: ignore[arg-type]
    item = dict(page_expected(ARTICLE_FIXTURES[0]), body="x" * 1_000_001)
    with pytest.raises(DropItem, match="body"):
        pipeline.process_item(item)
    rejects.close()


def _run(tmp_path: Path, journal: JsonLinesWriter | None) -> SimpleNamespace:
    state = CrawlState(tmp_path / "state.sqlite")
    return SimpleNamespace(journal=journal, state=state, run_id="run-1")


def test_the_journal_keeps_every_item_and_marks_it_in_the_state(tmp_path: Path) -> None:
    stats = _stats()
    run = _run(tmp_path, JsonLinesWriter(tmp_path / "journal.jsonl"))
    pipeline = JournalPipeline(stats, run)  # type: ignore[arg-type]
    item = dict(page_expected(ARTICLE_FIXTURES[0]))
    assert pipeline.process_item(item) is item
    run.journal.close()
    run.state.close()
    [line] = (tmp_path / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == item
    state = CrawlState(tmp_path / "state.sqlite")
    assert state.get(item["url"]).journaled_run == "run-1"  # type: ignore[union-attr]
    state.close()
    assert stats.get_value("qptd/journal/items") == 1


class _FullDisk(JsonLinesWriter):
    def write(self, record: dict[str, Any]) -> None:
        raise OutputWriteError(self.path, OSError(28, "No space left on device"))


def test_an_item_that_cannot_be_journaled_stops_the_crawl_and_is_not_exported(
    tmp_path: Path,
) -> None:
    stops: list[OutputWriteError] = []
    stats = _stats()
    run = _run(tmp_path, _FullDisk(tmp_path / "journal.jsonl"))
    pipeline = JournalPipeline(stats, run, stops.append)  # type: ignore[arg-type]
    item = dict(page_expected(ARTICLE_FIXTURES[0]))
    with pytest.raises(DropItem, match="No space left"):
        pipeline.process_item(item)
    assert len(stops) == 1 and stops[0].disk_full
    assert run.state.get(item["url"]) is None  # not marked: the next crawl fetches it
    run.state.close()
    assert stats.get_value("qptd/journal/items") is None
