"""What every page of the portal's CMS shares, and how a page becomes a tree."""

from __future__ import annotations

import threading

from lxml import etree
from parsel import Selector

from ..normalize.text import clean_whitespace

# The CMS answers a missing page with a small 200 page saying so, not with a 404.
SOFT_404_MARKERS = ("trang không tồn tại", "không tìm thấy trang", "page not found")

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
