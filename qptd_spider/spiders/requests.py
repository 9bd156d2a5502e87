"""The two kinds of request the spider makes: an article, and a page of a category list.

Their meta says what the page is (``qptd_page``), so that the failure policy can record a
failed page with its place (a list page's category and number)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import scrapy

from ..crawl.archive import REFERS_TO_META
from ..crawl.incremental import Decision
from ..pages import ListingHint

# Articles before more list pages: the frontier then holds a few pages of articles, not
# the whole site (memory stays flat however large the portal); list pages before wandering.
ARTICLE_PRIORITY = 2
LISTING_PRIORITY = 1
CARRIED_PRIORITY = 3  # pages an earlier crawl could not get come first
# request.meta: how many related links away from a list page an article was found.
DEPTH_META = "qptd_related_depth"


def article_request(
    url: str,
    hint: ListingHint,
    decision: Decision,
    callback: Callable[..., Any],
    errback: Callable[..., Any],
    priority: int = ARTICLE_PRIORITY,
    dedup_by_spider: bool = True,
    depth: int = 0,
) -> scrapy.Request:
    """``dedup_by_spider``: the spider de-duplicates itself (Scrapy's filter is skipped);
    ``depth``: related links followed from a list page to this article."""
    meta: dict[str, Any] = {"qptd_page": "article"}
    if depth:
        meta[DEPTH_META] = depth
    if decision.reason == "recheck":
        meta["handle_httpstatus_list"] = [304]  # unchanged since our copy: 304
        if decision.warc_ref:
            meta[REFERS_TO_META] = decision.warc_ref  # what the 304's revisit record confirms
    return scrapy.Request(
        url,
        callback=callback,
        errback=errback,
        cb_kwargs={"hint": hint},
        headers=decision.headers,
        meta=meta,
        dont_filter=dedup_by_spider,
        priority=priority,
    )


def listing_request(
    base_url: str,
    category_path: str,
    page: int,
    callback: Callable[..., Any],
    errback: Callable[..., Any],
    priority: int = LISTING_PRIORITY,
    dedup_by_spider: bool = True,
) -> scrapy.Request:
    url = f"{base_url}/{category_path}" + (f"?page={page}" if page > 1 else "")
    return scrapy.Request(
        url,
        callback=callback,
        errback=errback,
        meta={"qptd_page": "listing", "category_path": category_path, "listing_page": page},
        cb_kwargs={"category_path": category_path, "page": page},
        priority=priority,
        dont_filter=dedup_by_spider,
    )
