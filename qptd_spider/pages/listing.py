"""Category list pages and the home page's menu: links, list dates, pagination state.

The list layout of QPTĐ was never observed, so the parser accepts every layout of the
portal CMS that docs/PORTAL.md names (``h2/h3/h4.entry-title a``, ``div.news-title a``,
``time.post-date[datetime]``, ``span.time-news``), always scoped to the list section:
sidebars hold links too, and taking them as list items would break pagination checks.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree

from ..normalize.text import clean_whitespace
from ..urls import absolute_links
from .common import parse_html, says_not_found, selector_of
from .compiled_css import compiled_xpath, first_string, select, strings, text_of

_SCRIPT_NUMBER = {
    key: re.compile(rf"\b{key}\s*:\s*(\d+)") for key in ("totalItems", "pageNo", "itemsPerPage")
}
_DECODE64 = re.compile(r"decode64\(\s*['\"]([A-Za-z0-9+/=]+)['\"]\s*\)")


@dataclass(frozen=True)
class ListingEntry:
    """One article as a list page shows it."""

    url: str
    title: str
    published_at_raw: str | None = None
    article_id: str | None = None


@dataclass(frozen=True)
class Pagination:
    """Pagination state from the inline script, plus any rendered page links."""

    page_no: int | None = None
    total_items: int | None = None
    items_per_page: int | None = None
    page_links: tuple[str, ...] = field(default_factory=tuple)

    @property
    def last_page(self) -> int | None:
        """ceil(totalItems / itemsPerPage), when the script gives both."""
        if self.total_items is None or not self.items_per_page:
            return None
        return max(1, math.ceil(self.total_items / self.items_per_page))


class ListingPage:
    """Extracts list entries and pagination from a category (or home) page."""

    SECTION = (
        "//section[contains(concat(' ', normalize-space(@class), ' '), ' section-list ')]"
        "[not(ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' col-right ')])]"
        "[not(ancestor::*[contains(@class, 'frame-involve')])]"
    )
    ENTRY = "article, .item-block"
    ENTRY_LINKS = (
        ".entry-title a",
        ".news-title a",
        ".title a",
        "h2 a",
        "h3 a",
        "h4 a",
        "a[href$='.html']",
    )
    ENTRY_DATE_ATTR = "time[datetime]::attr(datetime)"
    ENTRY_DATE_TEXT = ("time", "span.time-news", ".post-date", ".time")
    PAGINATION_LINKS = "div.default-pagination a::attr(href)"
    MENU_LINKS = "nav.main-menu li a::attr(href)"

    def __init__(self, html: str, url: str):
        self.url = url
        self.document: etree._Element = parse_html(html)
        self.selector = selector_of(self.document)
        self.sections: list[etree._Element] = compiled_xpath(self.SECTION)(self.document)

    def is_soft_404(self) -> bool:
        """A "page not found" answer instead of a list (no list section at all)."""
        return not self.sections and says_not_found(self.selector)

    def entries(self) -> list[ListingEntry]:
        """List items in page order, one per article URL."""
        found: dict[str, ListingEntry] = {}
        for section in self.sections:
            for node in select(section, self.ENTRY):
                entry = self._entry(node)
                if entry and entry.url not in found:
                    found[entry.url] = entry
        return list(found.values())

    def pagination(self) -> Pagination:
        scripts = " ".join(strings(self.document, "script::text"))
        numbers: dict[str, int] = {}
        for key, pattern in _SCRIPT_NUMBER.items():
            match = pattern.search(scripts)
            if match:
                numbers[key] = int(match.group(1))
        for encoded in _DECODE64.findall(scripts):
            for key, value in _decoded_config(encoded).items():
                numbers.setdefault(key, value)
        links = tuple(
            urljoin(self.url, href) for href in strings(self.document, self.PAGINATION_LINKS)
        )
        return Pagination(
            page_no=numbers.get("pageNo"),
            total_items=numbers.get("totalItems"),
            items_per_page=numbers.get("itemsPerPage"),
            page_links=tuple(dict.fromkeys(links)),
        )

    def menu_urls(self) -> list[str]:
        """Category links of the main menu, submenus included, in menu order."""
        hrefs = strings(self.document, self.MENU_LINKS)
        return absolute_links(self.url, hrefs)

    def _entry(self, node: etree._Element) -> ListingEntry | None:
        for css in self.ENTRY_LINKS:
            links = select(node, css)
            href = links[0].get("href") if links else None
            if href and href.strip() and not href.startswith(("#", "javascript:")):
                title = text_of(links[:1]) or clean_whitespace(links[0].get("title", ""))
                return ListingEntry(
                    url=urljoin(self.url, href.strip()),
                    title=title,
                    published_at_raw=self._entry_date(node),
                    article_id=node.get("data-id") or None,
                )
        return None

    def _entry_date(self, node: etree._Element) -> str | None:
        value = first_string(node, self.ENTRY_DATE_ATTR)
        if value:
            return value.strip()
        for css in self.ENTRY_DATE_TEXT:
            text = text_of(select(node, css))
            if text:
                return text
        return None


def _decoded_config(encoded: str) -> dict[str, int]:
    """Numbers from the base64 JSON module config (``decode64('eyJ...')``)."""
    try:
        config = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(config, dict):
        return {}
    return {k: int(v) for k, v in config.items() if k in _SCRIPT_NUMBER and isinstance(v, int)}
