"""CSS selectors compiled once into lxml XPath objects.

parsel's own translation (so ``::attr(name)`` and ``::text`` mean what they mean in parsel),
but evaluated straight on lxml elements: a parser that reads every page of a crawl would
otherwise build a parsel ``Selector`` object for every node it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from lxml import etree
from parsel.csstranslator import HTMLTranslator

_TRANSLATOR = HTMLTranslator()


def xpath(expression: str, smart_strings: bool = True) -> etree.XPath:
    """An XPath object without lxml's EXSLT regular-expression functions: no selector here
    uses them, and registering them costs every evaluation about half its fixed cost."""
    return etree.XPath(expression, regexp=False, smart_strings=smart_strings)


# Plain strings: lxml's "smart" ones carry a link to their element, for nothing here.
_TEXT = xpath(".//text()", smart_strings=False)


@cache
def compiled(css: str) -> etree.XPath:
    """``css`` as a reusable XPath object (``a, b`` selectors become a union)."""
    return xpath(_TRANSLATOR.css_to_xpath(css))


@cache
def compiled_xpath(expression: str) -> etree.XPath:
    """An XPath expression compiled once."""
    return xpath(expression)


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


# -- matching without XPath ------------------------------------------------------------------
# An XPath attribute test costs libxml2 about 0.4 µs for every element it visits, even one
# without the attribute; tag tests are cheap. The two matches below run on every page, over
# many elements, and test attributes of any tag: a walk with lxml's iterator is 2-3x cheaper.


def attribute_values(element: etree._Element, names: frozenset[str]) -> Iterator[str]:
    """Values of the attributes called one of ``names`` within ``element`` (itself included),
    in document order: XPath ``.//@a | .//@b``."""
    for candidate in element.iter(etree.Element):
        if any(candidate.get(name) is not None for name in names):
            for name, value in candidate.items():
                if name in names:
                    yield value


def first_with(element: etree._Element | None, attribute: str, value: str) -> etree._Element | None:
    """The first element within ``element`` (itself included) whose ``attribute`` is
    ``value``: CSS ``[attribute=value]``, first match in document order."""
    if element is None:
        return None
    for candidate in element.iter(etree.Element):
        if candidate.get(attribute) == value:
            return candidate
    return None


def with_tag_or_class(
    element: etree._Element,
    tags: frozenset[str],
    classes: frozenset[str],
    id_prefixes: tuple[str, ...] = (),
) -> list[etree._Element]:
    """Elements within ``element`` (itself included), in document order, that have one of
    ``tags``, one of ``classes`` among their class tokens, or an id starting with one of
    ``id_prefixes``: CSS ``tag, .class, [id^=prefix]``."""

    def matches(candidate: etree._Element) -> bool:
        if candidate.tag in tags:
            return True
        names = candidate.get("class")
        if names and not classes.isdisjoint(names.split()):
            return True
        return bool(id_prefixes) and (candidate.get("id") or "").startswith(id_prefixes)

    return [candidate for candidate in element.iter(etree.Element) if matches(candidate)]
