"""The item class and its plain-dict form (what validation, the journal and exporters see)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from itemadapter import ItemAdapter

from qptd_spider.extract import canonicalize_item_urls
from qptd_spider.items import ArticleItem, item_record
from qptd_spider.pages import ArticlePage
from qptd_spider.urls import PortalUrls
from tests.conftest import ARTICLE_FIXTURES, MANIFEST, page_html


def _parsed(name: str) -> ArticleItem:
    item = ArticlePage(page_html(name), MANIFEST[name]["url"]).to_item("2026-01-01T00:00:00+00:00")
    canonicalize_item_urls(item, PortalUrls())
    return item


@pytest.mark.parametrize("name", ARTICLE_FIXTURES)
def test_record_of_an_article_item_equals_itemadapter_asdict(name: str) -> None:
    item = _parsed(name)
    item.authors = [{"name": "Nguyễn Văn A", "rank": "Đại tá"}]
    assert item_record(item) == ItemAdapter(item).asdict()
    assert list(item_record(item)) == [f.name for f in dataclasses.fields(ArticleItem)]


def test_record_does_not_share_lists_or_dicts_with_the_item() -> None:
    item = ArticleItem(
        url="https://quocphongthudo.vn/a/b.html",
        category=["Quốc tế"],
        images=[{"url": "https://quocphongthudo.vn/i.jpg", "caption": None}],
        authors=[{"name": "Hà An"}],
    )
    record = item_record(item)
    item.category.append("Thời sự")
    item.images[0]["caption"] = "changed"
    item.authors[0]["name"] = "changed"
    assert record["category"] == ["Quốc tế"]
    assert record["images"] == [{"url": "https://quocphongthudo.vn/i.jpg", "caption": None}]
    assert record["authors"] == [{"name": "Hà An"}]


@pytest.mark.parametrize(
    "item",
    [
        {"url": "https://quocphongthudo.vn/a/b.html", "authors": [{"name": "Hà An"}]},
        dataclasses.make_dataclass("Other", [("url", str)])("https://quocphongthudo.vn/c.html"),
    ],
)
def test_other_items_go_through_itemadapter(item: Any) -> None:
    assert item_record(item) == ItemAdapter(item).asdict()
