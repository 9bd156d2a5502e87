"""What every page of the portal's CMS shares, and how a page becomes a tree."""

from __future__ import annotations

import re
import threading

from lxml import etree
from parsel import Selector

from ..normalize.text import clean_whitespace
from .compiled_css import xpath

# The CMS answers a missing page with a small 200 page saying so, not with a 404; on the
# real sites that page is /page/404 ("Page not found!", "Liên kết không tồn tại").
SOFT_404_MARKERS = (
    "trang không tồn tại",
    "không tìm thấy trang",
    "page not found",
    "liên kết không tồn tại",
)
SOFT_404_PATHS = ("/page/404",)
# Titles of the panels that link an article to others (inside or beside its page).
RELATED_PANEL_TITLES = (
    "Tin liên quan",
    "Bài viết liên quan",
    "Bài tin liên quan",
    "Bài liên quan",
    "Bài viết khác",
    "Tin khác",
    "Các tin khác",
    "Tin cùng chuyên mục",
)
# Menus of every type the CMS renders: ``nav.main-menu``, ``nav.navigation-menu-default-typeN``
# with ``ul.nav.navbar-nav`` and dropdowns, the mobile ``ul.list-menu``, the ``fluid-nav``
# overflow lists; a class with "menu" in it is a menu on every template seen.
_MENU_LINKS = xpath(
    "//nav//a/@href"
    " | //*[contains(@class, 'menu') or contains(@class, 'navbar-nav')"
    " or contains(@class, 'fluid-nav')][not(self::body)]//a/@href"
)
_CATEGORY_TREE_LINKS = xpath(
    "//ol[contains(@class, 'breadcrumb')]//a/@href"
    " | //*[starts-with(@id, 'categories') or contains(@class, 'sitemap')"
    " or starts-with(@id, 'siteMap')]//a/@href"
)
# Depth past which libxml2 stops reading a document (even with huge_tree): the rest of the
# page would be lost without a word.
_TOO_DEEP = "Excessive depth"
# Inline formatting that pasted text nests without closing (``<font>`` thousands deep):
# dropping the tags keeps every character and the layout's blocks.
_INLINE_TAGS = re.compile(
    r"</?(?:font|span|b|strong|i|em|u|s|strike|small|big|sup|sub|mark|ins|del)(?:\s[^>]*)?>",
    re.I,
)

# One parser per thread (lxml parsers keep state while they parse). A plain etree parser,
# not parsel's lxml.html one: lxml.html looks up a Python element class for every element
# the page parsers touch, and parsel builds a new parser for every page. Same libxml2 parse,
# without the table of id attributes (nothing here looks elements up by id).
_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    parser: etree.HTMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser(
            recover=True, encoding="utf-8", huge_tree=True, collect_ids=False
        )
    return parser


def parse_html(html: str) -> etree._Element:
    """The document tree of ``html``, read as parsel reads it (NUL characters dropped; an
    empty or unreadable page is an empty ``<html>``), so selectors mean what they mean in
    ``scrapy shell``."""
    body = html.strip().replace("\x00", "").encode("utf-8") or b"<html/>"
    root = etree.fromstring(body, parser=_parser())
    if root is None:  # a page of comments or white space only
        root = etree.fromstring(b"<html/>", parser=_parser())
    return root


def parse_page(html: str) -> tuple[etree._Element, bool]:
    """(tree, read whole): the tree of ``html``, and False when it nests deeper than the
    parser reads even after inline formatting tags are dropped (part of it is missing)."""
    parser = _parser()
    root = parse_html(html)
    if not any(_TOO_DEEP in entry.message for entry in parser.error_log):
        return root, True
    flattened = _INLINE_TAGS.sub("", html)
    root = parse_html(flattened)
    return root, not any(_TOO_DEEP in entry.message for entry in parser.error_log)


def menu_link_hrefs(document: etree._Element) -> list[str]:
    """Every link of the page's menus, in page order."""
    return [str(href) for href in _MENU_LINKS(document)]


def category_link_hrefs(document: etree._Element) -> list[str]:
    """Links that name categories: the menus, the breadcrumb, the category trees of list
    pages' sidebars (``#categoriesN``) and of the HTML sitemap (``/page/sitemap``)."""
    return [
        *menu_link_hrefs(document),
        *(str(h) for h in _CATEGORY_TREE_LINKS(document)),
    ]


def selector_of(document: etree._Element) -> Selector:
    """A parsel selector over an already parsed page (for ``::text``-style queries)."""
    return Selector(root=document, type="html")


def drop_tree(element: etree._Element) -> None:
    """Remove ``element`` and what it holds, keeping the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def says_not_found(selector: Selector) -> bool:
    """True when the page's text says the page does not exist."""
    text = clean_whitespace(" ".join(selector.css("body ::text").getall())).lower()
    return any(marker in text for marker in SOFT_404_MARKERS)
