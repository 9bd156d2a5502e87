"""When paging a category list stops: pure decisions over what the list pages showed."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from ..pages import ListingEntry, Pagination


@dataclass
class CategoryPaging:
    """The previous list page of one category (pages are fetched one after another).

    Only that page is kept: out-of-range pages repeat the last one, so comparing with the
    previous page finds the end, and memory does not grow with the category's length.
    """

    previous: frozenset[str] = frozenset()

    def new_keys(self, keys: list[str]) -> list[str]:
        """The keys not on the previous page; this page becomes the previous one."""
        fresh = [k for k in keys if k not in self.previous]
        self.previous = frozenset(keys)
        return fresh


def stop_reason(
    page: int,
    entries: list[ListingEntry],
    new_keys: list[str],
    pagination: Pagination,
    all_before_since: bool = False,
    limit_reached: bool = False,
    all_known_and_old: bool = False,
    max_pages: int = 0,
) -> str | None:
    """Why paging a category ends after ``page``; None to go on."""
    reason = _natural_end(page, entries, new_keys, pagination, all_before_since, limit_reached)
    if reason is None and all_known_and_old:
        return "known"  # incremental: all in the dataset and past re-checking
    if reason is None and max_pages and page >= max_pages:
        return "limit"
    return reason


def _natural_end(
    page: int,
    entries: list[ListingEntry],
    new_keys: list[str],
    pagination: Pagination,
    all_before_since: bool,
    limit_reached: bool,
) -> str | None:
    if not entries:
        return "empty"
    if page > 1 and pagination.page_no is not None and pagination.page_no != page:
        # The server ignored ?page=N and sent another page: paging does not work here.
        return "page_mismatch"
    if page > 1 and not new_keys:
        # Out-of-range pages repeat the last page.
        return "repeat"
    if all_before_since:
        return "since"
    if limit_reached:
        return "max_articles"
    last = pagination.last_page or last_linked_page(pagination)
    if last is not None and page >= last:
        return "last_page"
    return None


def last_linked_page(pagination: Pagination) -> int | None:
    """The highest ``?page=N`` among rendered pagination links, if any."""
    pages = [
        int(value)
        for link in pagination.page_links
        for value in parse_qs(urlsplit(link).query).get("page", [])
        if value.isdigit()
    ]
    return max(pages) if pages else None
