"""Category list pages and the home page: list modules, their entries and pagination, and
the links that lead to categories and articles.

A page of the CMS holds several list modules, each configured by its own inline
``VHV.using(...)`` call (a base64 JSON config, the module's id, and the list's
``totalItems``, ``pageNo``, ``itemsPerPage``, the last sometimes a string). A category page's
*main* module is the one in the main column; sidebars ("Tin nổi bật") reuse the same item
classes, and related panels are lists too: taking their items as the category's would break
the paging checks. The entry parser accepts every list layout the CMS is known to use
(``h2/h3/h4/h5 ... a``, ``div.news-title a``, ``time.post-date``, ``span.time-news``,
``article[itemscope][data-id]``), always scoped to the list.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from ..normalize.text import clean_whitespace
from ..urls import absolute_links
from .common import category_link_hrefs, parse_html, says_not_found, selector_of
from .compiled_css import compiled_xpath, first_string, select, strings, xpath
from .rendered_text import text_of

_LIST_KEYS = ("totalItems", "pageNo", "itemsPerPage")
# ``totalItems: 12``, ``itemsPerPage: "10"``, ``"pageNo":1``: numbers, quoted or not.
_SCRIPT_NUMBER = {
    key: re.compile(rf"[\"']?\b{key}[\"']?\s*:\s*[\"']?(\d+)[\"']?") for key in _LIST_KEYS
}
_DECODE64 = re.compile(r"decode64\(\s*['\"]([A-Za-z0-9+/=]+)['\"]\s*\)")
_MODULE_JSON = re.compile(r"\{\s*\"module\"\s*:[^{}]*\}")
_USING = re.compile(r"VHV\.using\s*\(")
# What sits beside or under the main list, never in it: the right column, related panels,
# sliders and tickers, menus and the footer.
_ASIDE = xpath(
    "ancestor-or-self::*[contains(concat(' ', normalize-space(@class), ' '), ' col-right ')"
    " or contains(@class, 'frame-involve') or contains(@class, 'panel-related')"
    " or contains(@class, 'section-slider') or self::marquee or self::nav or self::footer"
    " or contains(@class, 'menu') or @id = 'page-footer' or contains(@class, 'region-bottom')]"
)
_LINKS_OUTSIDE_NAVIGATION = xpath(
    "//body//a[@href][not(ancestor::nav) and not(ancestor::footer)"
    " and not(ancestor::*[contains(@class, 'menu') or @id = 'page-footer'"
    " or contains(@class, 'region-bottom')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' col-right ')])]/@href"
)


@dataclass(frozen=True)
class ListingEntry:
    """One article as a list page shows it."""

    url: str
    title: str
    published_at_raw: str | None = None
    article_id: str | None = None


@dataclass(frozen=True)
class Pagination:
    """Pagination state of a list module, plus any rendered page links."""

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


@dataclass(frozen=True)
class ListModule:
    """One list module of a page, as its ``VHV.using(...)`` call configures it."""

    module_id: str | None
    layout: str | None
    total_items: int | None
    page_no: int | None
    items_per_page: int | None
    category_id: str | None = None
    kind: str | None = None  # "Content.Listing" for article lists

    @property
    def is_list(self) -> bool:
        return self.total_items is not None and self.kind in (None, "Content.Listing")


def list_modules(scripts: str) -> list[ListModule]:
    """Every module configured by a ``VHV.using(...)`` call in ``scripts``, in page order."""
    modules = []
    for chunk in _USING.split(scripts)[1:]:
        config: dict[str, Any] = {}
        if m := _DECODE64.search(chunk):
            config = _decoded_config(m.group(1))
        module: dict[str, Any] = {}
        if m := _MODULE_JSON.search(chunk):
            try:
                module = json.loads(m.group(0))
            except ValueError:
                module = {}
        # The call's last argument holds the list's current state; the config its defaults.
        numbers = {key: _int(config.get(key)) for key in _LIST_KEYS}
        for key, pattern in _SCRIPT_NUMBER.items():
            found = pattern.findall(chunk)
            if found:
                numbers[key] = int(found[-1])
        modules.append(
            ListModule(
                module_id=str(module["id"]) if module.get("id") is not None else None,
                layout=str(config["layout"]) if config.get("layout") else None,
                total_items=numbers["totalItems"],
                page_no=numbers["pageNo"],
                items_per_page=numbers["itemsPerPage"],
                category_id=str(config["categoryId"]) if config.get("categoryId") else None,
                kind=str(module["module"]) if module.get("module") else None,
            )
        )
    return modules


class ListingPage:
    """Extracts list entries and pagination from a category (or home) page."""

    SECTIONS = "section.section-list"
    ENTRY = "article, .item-block"
    ENTRY_LINKS = (
        ".entry-title a",
        ".news-title a",
        ".title a",
        "h2 a",
        "h3 a",
        "h4 a",
        "h5 a",
        "a[href$='.html']",
    )
    ENTRY_DATE_ATTR = "time[datetime]::attr(datetime)"
    ENTRY_DATE_TEXT = ("time", "span.time-news", ".post-date", ".time")
    PAGINATION_LINKS = "div.default-pagination a::attr(href)"
    SCRIPTS = "script::text"

    def __init__(self, html: str, url: str):
        self.url = url
        self.document: etree._Element = parse_html(html)
        self.selector = selector_of(self.document)
        self.modules = list_modules(" ".join(strings(self.document, self.SCRIPTS)))
        self.rules: dict[str, str] = {}
        self.main_module, self.containers = self._list_containers()

    def is_soft_404(self) -> bool:
        """A "page not found" answer instead of a list (no list at all)."""
        return not self.containers and says_not_found(self.selector)

    def _list_containers(self) -> tuple[ListModule | None, list[etree._Element]]:
        """The main list module and the elements holding its items: the first list module
        whose ``#moduleN`` wrapper is in the main column, else every list section there."""
        for module in self.modules:
            if not module.is_list or module.module_id is None:
                continue
            wrappers = compiled_xpath(f"//*[@id='module{module.module_id}']")(self.document)
            if wrappers and not _ASIDE(wrappers[0]) and select(wrappers[0], self.ENTRY):
                self.rules["list"] = f"module {module.module_id} ({module.layout or 'layout?'})"
                return module, wrappers[:1]
        sections = [s for s in select(self.document, self.SECTIONS) if not _ASIDE(s)]
        if sections:
            self.rules["list"] = "section.section-list"
        return None, sections

    def entries(self) -> list[ListingEntry]:
        """List items of the main list in page order, one per article URL."""
        found: dict[str, ListingEntry] = {}
        for container in self.containers:
            for node in select(container, self.ENTRY):
                entry = self._entry(node)
                if entry and entry.url not in found:
                    found[entry.url] = entry
        return list(found.values())

    def pagination(self) -> Pagination:
        """The main list's state: its own module's numbers, else the first list module's."""
        module = self.main_module or next((m for m in self.modules if m.is_list), None)
        numbers: dict[str, int | None] = {}
        if module is not None:
            numbers = {
                "pageNo": module.page_no,
                "totalItems": module.total_items,
                "itemsPerPage": module.items_per_page,
            }
        scope = self.containers[0] if self.containers else self.document
        hrefs = strings(scope, self.PAGINATION_LINKS) or strings(
            self.document, self.PAGINATION_LINKS
        )
        links = tuple(urljoin(self.url, href) for href in hrefs)
        return Pagination(
            page_no=numbers.get("pageNo"),
            total_items=numbers.get("totalItems"),
            items_per_page=numbers.get("itemsPerPage"),
            page_links=tuple(dict.fromkeys(links)),
        )

    def menu_urls(self) -> list[str]:
        """Category links of the menus, breadcrumb and category trees, in page order."""
        return absolute_links(self.url, category_link_hrefs(self.document))

    def content_links(self) -> list[str]:
        """Every link of the page outside its menus, footer and right-hand sidebar (the
        home page links articles and categories straight from its modules)."""
        return absolute_links(self.url, [str(h) for h in _LINKS_OUTSIDE_NAVIGATION(self.document)])

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
                    article_id=_data_id(node),
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


_HEX24 = re.compile(r"^[0-9a-f]{24}$")


def _data_id(node: etree._Element) -> str | None:
    """The CMS's article id of a list item (a 24-hex ``data-id``; menu entries carry
    numeric ones, which are category ids)."""
    for candidate in (node, *node.iterancestors()):
        value = (candidate.get("data-id") or "").strip()
        if value:
            return value if _HEX24.match(value) else None
        if candidate.tag in ("section", "body"):
            break
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _decoded_config(encoded: str) -> dict[str, Any]:
    """The base64 JSON module config (``decode64('eyJ...')``), or {} when unreadable."""
    try:
        config = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    return config if isinstance(config, dict) else {}
