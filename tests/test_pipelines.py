"""Pipelines: thin wrappers that count what they change and drop nothing silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from qptd_spider.pipelines import (
    SignaturePipeline,
    TextNormalizationPipeline,
    ValidationPipeline,
    rejects_path_for,
)
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
    pipeline = ValidationPipeline(stats, tmp_path / "rejects.jsonl")
    good = dict(page_expected(ARTICLE_FIXTURES[0]))
    assert pipeline.process_item(good) is good
    bad = dict(good, title="")
    with pytest.raises(DropItem, match="title"):
        pipeline.process_item(bad)
    pipeline.close_spider()
    lines = (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["url"] == good["url"]
    assert record["item"] == bad
    assert record["reasons"] and record["reasons"][0].startswith("title")
    assert stats.get_value("qptd/validation/rejected") == 1
    assert stats.get_value("qptd/validation/valid") == 1


def test_no_rejects_file_when_nothing_is_rejected(tmp_path: Path) -> None:
    pipeline = ValidationPipeline(_stats(), tmp_path / "rejects.jsonl")
    pipeline.process_item(dict(page_expected(ARTICLE_FIXTURES[0])))
    pipeline.close_spider()
    assert not (tmp_path / "rejects.jsonl").exists()


@pytest.mark.parametrize(
    ("setting", "feeds", "expected"),
    [
        ("x/r.jsonl", {"out.parquet": {}}, "x/r.jsonl"),
        ("", {"exports/articles.parquet": {}}, "exports/articles.rejects.jsonl"),
        ("", {"file:///tmp/a.jsonl": {}}, "/tmp/a.rejects.jsonl"),
        ("", {"s3://bucket/a.parquet": {}}, "exports/rejects.jsonl"),
        ("", {}, "exports/rejects.jsonl"),
    ],
)
def test_rejects_file_sits_beside_the_export(
    setting: str, feeds: dict[str, Any], expected: str
) -> None:
    assert rejects_path_for(setting, feeds) == Path(expected)


def test_oversized_items_are_rejected_with_a_reason(tmp_path: Path) -> None:
    pipeline = ValidationPipeline(_stats(), tmp_path / "rejects.jsonl")
    item = dict(page_expected(ARTICLE_FIXTURES[0]), body="x" * 1_000_001)
    with pytest.raises(DropItem, match="body"):
        pipeline.process_item(item)
    pipeline.close_spider()
