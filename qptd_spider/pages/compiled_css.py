"""CSS selectors compiled once into lxml XPath objects.

parsel's own translation (so ``::attr(name)`` and ``::text`` mean what they mean in parsel),
but evaluated straight on lxml elements: a parser that reads every page of a crawl would
otherwise build a parsel ``Selector`` object for every node it touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from ..normalize.text import clean_whitespace

_TRANSLATOR = HTMLTranslator()
# Plain strings: lxml's "smart" ones carry a link to their element, for nothing here.
_TEXT = etree.XPath(".//text()", smart_strings=False)


@cache
def compiled(css: str) -> etree.XPath:
    """``css`` as a reusable XPath object (``a, b`` selectors become a union)."""
    return etree.XPath(_TRANSLATOR.css_to_xpath(css))


@cache
def compiled_xpath(xpath: str) -> etree.XPath:
    """An XPath expression compiled once."""
    return etree.XPath(xpath)


def select(element: etree._Element | None, css: str) -> list[etree._Element]:
    """Elements matching ``css`` within ``element`` (nothing when there is no element)."""
    if element is None:
        return []
    return compiled(css)(element)  # type: ignore[no-any-return]


def strings(element: etree._Element | None, css: str) -> list[str]:
    """Attribute values or text nodes that a ``::attr()``/``::text`` selector matches.

    Copied to plain ``str``: lxml's string results keep their whole document alive.
    """
    if element is None:
        return []
    return [str(value) for value in compiled(css)(element)]


def first_string(element: etree._Element | None, css: str) -> str | None:
    values = strings(element, css)
    return values[0] if values else None


def texts(elements: Iterable[etree._Element]) -> list[str]:
    """Every text node inside ``elements``, in document order."""
    return [str(t) for element in elements for t in _TEXT(element)]


def text_of(elements: Iterable[etree._Element]) -> str:
    """The visible text of ``elements``, whitespace cleaned."""
    return clean_whitespace(" ".join(t for element in elements for t in _TEXT(element)))
