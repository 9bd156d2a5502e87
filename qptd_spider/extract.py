"""One stored page → the item a crawl would export (``qptd extract`` and fixture refresh)."""

from __future__ import annotations

from typing import Any

from parsel import Selector

from .items import item_record
from .normalize.article import normalize_item
from .pages import ArticlePage
from .urls import PortalUrls, canonicalize_item_urls


def canonical_url_of(html: str) -> str | None:
    """The page's own ``<link rel=canonical>``, if it has one."""
    href = Selector(text=html, type="html").css("link[rel=canonical]::attr(href)").get()
    return href.strip() if href and href.strip().startswith(("http://", "https://")) else None


# One mapper for every page: its caches of canonical URLs then serve them all.
_LIVE = PortalUrls()


def extract_item(html: str, url: str, crawled_at: str) -> dict[str, Any] | None:
    """The normalized item of one article page, or None when it is not an article."""
    page = ArticlePage(html, url)
    if not page.is_article():
        return None
    item = page.to_item(crawled_at=crawled_at)
    canonicalize_item_urls(item, _LIVE)
    return dict(normalize_item(item_record(item)))
