"""The text of elements as a browser lays it out: inline markup adds nothing, blocks and
line breaks separate.

Pages of the CMS are pasted from word processors: one sentence is often split over a dozen
nested ``<span>``s, and "thế giới </span><span>mắc phải" or "của họ</span><span>. Nghe"
must read "thế giới mắc phải" and "của họ. Nghe". Joining text nodes with a space (what
XPath ``//text()`` and a join do) puts a space before every full stop that follows a span.
Here a separator goes only where the layout has one: around block elements (``p``, ``div``,
``li``, table cells...) and at ``<br>``.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..normalize.text import clean_whitespace

# Elements that start on a line of their own (HTML's block and table-cell boxes).
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
# Elements whose content no reader sees.
HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "head"})
# U+2028 LINE SEPARATOR marks a break: Python counts it as white space, so text whose
# breaks are not wanted is cleaned in one pass.
_BREAK = "\u2028"


def _pieces(element: etree._Element) -> list[str]:
    """Text nodes of ``element`` in document order, with a break around blocks and at
    ``<br>``. A loop with its own stack: hostile pages nest thousands of elements."""
    out: list[str] = []
    if element.tag in BLOCK_TAGS:
        out.append(_BREAK)
    if element.text:
        out.append(element.text)
    stack = [(element, iter(element))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if parent.tag in BLOCK_TAGS:
                out.append(_BREAK)
            if stack and parent.tail:  # the outer element's tail is not its text
                out.append(parent.tail)
            continue
        tag = child.tag
        if not isinstance(tag, str) or tag in HIDDEN_TAGS:
            # Comments, processing instructions and hidden elements: only their tail shows.
            if child.tail:
                out.append(child.tail)
            continue
        if tag == "br":
            out.append(_BREAK)
            if child.tail:
                out.append(child.tail)
            continue
        if tag in BLOCK_TAGS:
            out.append(_BREAK)
        if child.text:
            out.append(child.text)
        stack.append((child, iter(child)))
    return out


def text_of(elements: Iterable[etree._Element]) -> str:
    """The visible text of ``elements`` on one line, white space cleaned."""
    return clean_whitespace(" ".join("".join(_pieces(element)) for element in elements))


def lines_of(element: etree._Element) -> list[str]:
    """The visible lines of ``element``: split where a block or a ``<br>`` breaks the text,
    each cleaned, empty ones left out."""
    lines = (clean_whitespace(line) for line in "".join(_pieces(element)).split(_BREAK))
    return [line for line in lines if line]


def raw_text(element: etree._Element) -> str:
    """Every character a reader could see in ``element``, hidden elements left out, with
    no separator added: what the "no text lost" checks count."""
    return "".join(_pieces(element)).replace(_BREAK, "")
