"""One stored page → the item a crawl would export (``qptd extract`` and fixture refresh)."""

from __future__ import annotations

from typing import Any

from w3lib.url import safe_url_string

from .items import ArticleItem, item_record
from .normalize.article import normalize_item
from .pages import ArticlePage
from .urls import PortalUrls


def canonicalize_item_urls(item: ArticleItem, urls: PortalUrls) -> None:
    """Article and portal image URLs on the canonical host; every URL percent-encoded."""
    item.url = urls.canonical(item.url)
    for image in item.images:
        src = safe_url_string(image["url"])
        image["url"] = urls.canonical(src) if urls.is_portal(src) else src


def extract_item(html: str, url: str, crawled_at: str) -> dict[str, Any] | None:
    """The normalized item of one article page, or None when it is not an article."""
    page = ArticlePage(html, url)
    if not page.is_article():
        return None
    item = page.to_item(crawled_at=crawled_at)
    canonicalize_item_urls(item, PortalUrls())
    return dict(normalize_item(item_record(item)))
