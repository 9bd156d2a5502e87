"""One stored page → the item a crawl would export (``qptd extract`` and fixture refresh)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from parsel import Selector

from .items import item_record
from .normalize.article import normalize_item
from .pages import ArticlePage
from .urls import PortalUrls, canonicalize_item_urls, origin_of


def canonical_url_of(html: str) -> str | None:
    """The page's own ``<link rel=canonical>``, if it has one."""
    href = Selector(text=html, type="html").css("link[rel=canonical]::attr(href)").get()
    return href.strip() if href and href.strip().startswith(("http://", "https://")) else None


# One mapper for the portal's pages: its caches of canonical URLs then serve them all.
_LIVE = PortalUrls()


@lru_cache(maxsize=64)
def _urls_for(origin: str) -> PortalUrls:
    return PortalUrls(origin)


def urls_of_page(url: str) -> PortalUrls:
    """The portal's URL mapper for a page of the portal (any of its hosts); for a page of
    another site (a sister site on the same CMS, a mirror), that site's own: its URLs keep
    their host."""
    if _LIVE.is_portal(url) or not origin_of(url):
        return _LIVE
    return _urls_for(origin_of(url))


def read_article(html: str, url: str, crawled_at: str) -> tuple[ArticlePage, dict[str, Any] | None]:
    """The page as read (its ``rules`` name what read each field) and its normalized
    item, None when it is not an article."""
    page = ArticlePage(html, url)
    if not page.is_article():
        return page, None
    item = page.to_item(crawled_at=crawled_at)
    canonicalize_item_urls(item, urls_of_page(url))
    return page, dict(normalize_item(item_record(item)))


def extract_item(html: str, url: str, crawled_at: str) -> dict[str, Any] | None:
    """The normalized item of one article page, or None when it is not an article."""
    return read_article(html, url, crawled_at)[1]
