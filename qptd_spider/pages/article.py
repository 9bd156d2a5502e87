"""Article page parser: HTML + URL in, raw article fields out. No I/O, no Scrapy.

Every selector is scoped to the article root (``article.news-detail-layout-type-2``):
sidebars and related-article panels sit outside it and must never leak into a field.
Structured data (microdata, meta) is read before the visible DOM.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from lxml import etree
from parsel import Selector

from ..items import ArticleItem
from ..normalize.dates import PublishedDate, first_plausible_date
from ..normalize.signature import split_signature
from ..normalize.text import clean_whitespace, split_dateline
from ..parser_version import parser_version
from ..urls import absolute_links, category_path_of, join_url, origin_of
from .common import drop_tree, parse_html, says_not_found, selector_of
from .compiled_css import (
    attribute_values,
    first_string,
    first_with,
    select,
    strings,
    text_of,
    texts,
    with_tag_or_class,
    xpath,
)

_ARTICLE_ID = re.compile(r"(?:printArticle|readArticle)\(\s*['\"]([0-9a-f]{24})['\"]")
# Where the id is (the print and read buttons' handlers, docs/PORTAL.md): searching those
# few strings, not the whole serialized article, is ~20x faster.
_ARTICLE_ID_CARRIERS = frozenset({"onclick", "href"})
# Uploads sit in a folder per day: /upload/{site}/{YYYYMMDD}/{name}.jpg.
_UPLOAD_DAY = re.compile(r"/upload/\d+/(\d{8})/")
_PLACEHOLDER_IMAGE = re.compile(r"(?:blank\.gif|no-image|/i/|/images/icons?/)", re.I)
# Blocks of the body that hold text or images; divs are only leaves (wrappers are entered).
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "figure", "table"})
_WRAPPER_TAGS = frozenset({"div", "ul", "ol", "section"})
# A wrapper is entered when it holds any of these (else it is one block).
_NESTED_BLOCK_TAGS = _BLOCK_TAGS | {"div", "ul", "ol"}
_FIGURES = xpath(".//figure | .//table")
_TEXT_OUTSIDE_FIGURES = xpath(".//text()[not(ancestor::figure) and not(ancestor::table)]")
_CAPTION_MAX_CHARS = 400


@dataclass
class ListingHint:
    """What a list page said about an article before it was fetched (weaker evidence)."""

    published_at_raw: str | None = None
    article_id: str | None = None

    def as_record(self) -> dict[str, str] | None:
        """The hint as JSON-able data (None when it says nothing)."""
        record = {
            k: v
            for k, v in (
                ("published_at_raw", self.published_at_raw),
                ("article_id", self.article_id),
            )
            if v
        }
        return record or None


@dataclass(slots=True)
class _BodyBlock:
    text: str
    element: Any
    images: list[str] = field(default_factory=list)
    caption_text: str | None = None  # text that sits with the image in the same block

    def is_caption_like(self) -> bool:
        """A short text block styled as a caption (asked only of a block after an image)."""
        return (
            bool(self.text)
            and not self.images
            and len(self.text) <= _CAPTION_MAX_CHARS
            and _looks_like_caption(self.element, self.text)
        )


class ArticlePage:
    """Extracts the fields of one article page."""

    ROOT = "article.news-detail-layout-type-2"
    TITLE = "h1.title-detail[itemprop=headline]"
    TITLE_FALLBACKS = ("h1.title-detail", "h1[itemprop=headline]")
    OG_TITLE = "meta[property='og:title']::attr(content)"
    LEAD = "div.brief"
    BODY = ("itemprop", "articleBody")  # [itemprop=articleBody]
    DATE_META = "meta[itemprop=datePublished]::attr(content)"
    DATE_HEADER = "header span.post-date"
    DATE_OG_META = "meta[property='article:published_time']::attr(content)"
    BREADCRUMB = "ol.breadcrumb li a"
    MENU = "nav.main-menu li a"
    KEYWORDS = "meta[name=keywords]::attr(content)"
    AUTHOR_BOX = "div.author"
    RATING = "div.rating"
    RELATED_LINKS = xpath(
        "//div[contains(@class,'panel')]"
        "[.//*[contains(@class,'panel-title')][normalize-space()='Tin liên quan' "
        "or normalize-space()='Bài viết khác' or normalize-space()='Tin khác']]//a/@href"
    )
    # Inside the body, what no reader reads: code, the read-aloud player (div#audio17),
    # sharing and rating widgets. CSS: style, script, noscript, audio, [id^=audio], .rating...
    NOISE_TAGS = frozenset({"style", "script", "noscript", "audio"})
    NOISE_CLASSES = frozenset({"social-connect", "block_share", "rating", "network-share"})
    NOISE_ID_PREFIXES = ("audio",)

    def __init__(self, html: str, url: str, hint: ListingHint | None = None):
        self.url = url
        self.html = html
        self.document: etree._Element = parse_html(html)
        self.hint = hint or ListingHint()
        roots = select(self.document, self.ROOT)
        # The article root, or None on pages that are not articles.
        self.root: etree._Element | None = roots[0] if roots else None

    @cached_property
    def selector(self) -> Selector:
        """The page as a parsel selector (what ``scrapy shell`` gives), built on demand."""
        return selector_of(self.document)

    @cached_property
    def _origin(self) -> str:
        return origin_of(self.url)

    # -- page kind -------------------------------------------------------------------------

    def is_article(self) -> bool:
        """True when the page has an article root with a headline."""
        return self.root is not None and self.title() is not None

    def is_complete(self) -> bool:
        """False for a page cut short in transit: no closing rating block and no ``</html>``.

        Every article page ends with the rating block (docs/PORTAL.md); a page without it that
        does not even reach ``</html>`` lost its end, and its body would be partial.
        """
        if select(self.root, self.RATING):
            return True
        return self.html.rstrip().lower().endswith("</html>")

    def problem(self) -> str | None:
        """Why the page gives no article: ``soft_404`` (a "not found" page), ``not_article``
        (no article root or headline), ``truncated`` (cut short in transit); None when whole."""
        if not self.is_article():
            return "soft_404" if self.is_soft_404() else "not_article"
        return None if self.is_complete() else "truncated"

    def is_soft_404(self) -> bool:
        """A small 200 page that says the page does not exist."""
        return self.root is None and says_not_found(self.selector)

    # -- fields ----------------------------------------------------------------------------

    def title(self) -> str | None:
        return self._title

    @cached_property
    def _title(self) -> str | None:
        # Read once: ``is_article`` asks for it, and then ``to_item``.
        for css in (self.TITLE, *self.TITLE_FALLBACKS):
            text = text_of(select(self.root, css))
            if text:
                return text
        og = first_string(self.document, self.OG_TITLE)
        if og and clean_whitespace(og):
            return clean_whitespace(og)
        return text_of(select(self.document, "head title")) or None

    def lead_raw(self) -> str | None:
        # The lead div sometimes carries .content-detail too; never take the body by mistake.
        for node in select(self.root, self.LEAD):
            if node.get(self.BODY[0]) == self.BODY[1]:
                continue
            text = text_of([node])
            if text:
                return text
        return None

    def dateline_and_lead(self) -> tuple[str | None, str | None]:
        raw = self.lead_raw()
        if raw is None:
            return None, None
        dateline, lead = split_dateline(raw)
        return dateline, (lead.strip() or None)

    def date_candidates(self) -> Iterator[tuple[str, str | None]]:
        """(source, text) of every date the page offers, best evidence first: microdata, the
        visible header, the Open Graph meta, the list page, then the day folder of the first
        body image upload (weakest: the day it was uploaded). Lazy: the weaker sources are
        read only when the stronger ones fail."""
        yield (
            "microdata",
            (
                first_string(self.root, self.DATE_META)
                or first_string(self.document, self.DATE_META)
            ),
        )
        yield "header", text_of(select(self.root, self.DATE_HEADER)) or None
        yield "meta", first_string(self.document, self.DATE_OG_META)
        yield "listing", self.hint.published_at_raw
        yield "upload_folder", self._upload_day()

    def published(self, not_after: datetime | None = None) -> PublishedDate | None:
        """The publication date, decided once: the first candidate that parses to a time no
        later than ``not_after`` (the crawl time). A time after the crawl is a misreading (a
        day and month swapped, a clock off), so the next piece of evidence is tried."""
        return first_plausible_date(self.date_candidates(), not_after)

    def _upload_day(self) -> str | None:
        body = first_with(self.root, *self.BODY)
        for img in body.iter("img") if body is not None else ():
            for name, src in img.items():
                if name in ("data-original", "src") and (match := _UPLOAD_DAY.search(src)):
                    return match.group(1)
        return None

    def category(self) -> list[str]:
        names = [text_of([a]) for a in select(self.document, self.BREADCRUMB)]
        names = [n for n in names if n and n.lower() != "trang chủ"]
        return names

    def category_path(self) -> str:
        return category_path_of(self.url)

    def keywords(self) -> list[str]:
        raw = first_string(self.document, self.KEYWORDS) or ""
        seen: dict[str, None] = {}
        for word in raw.split(","):
            word = clean_whitespace(word)
            if word:
                seen.setdefault(word, None)
        return list(seen)

    def article_id(self) -> str | None:
        if self.root is None:
            return self.hint.article_id
        for carrier in attribute_values(self.root, _ARTICLE_ID_CARRIERS):
            if match := _ARTICLE_ID.search(carrier):
                return match.group(1)
        return self.hint.article_id

    def body_paragraphs_and_images(self) -> tuple[list[str], list[dict[str, str | None]]]:
        """Body text paragraphs (signature still in) and images with captions."""
        blocks = self._body_blocks()
        paragraphs: list[str] = []
        images: list[dict[str, str | None]] = []
        skip_next = False
        for i, block in enumerate(blocks):
            if skip_next:
                skip_next = False
                continue
            if block.images:
                caption = block.caption_text
                following = blocks[i + 1] if i + 1 < len(blocks) else None
                if caption is None and following and following.is_caption_like():
                    caption, skip_next = following.text, True
                images.extend({"url": src, "caption": caption} for src in block.images)
                if block.text:
                    paragraphs.append(block.text)
                continue
            if block.text:
                paragraphs.append(block.text)
        return paragraphs, images

    def author_box(self) -> list[str]:
        """Lines of a ``div.author`` byline, where the template has one."""
        box = select(self.root, self.AUTHOR_BOX)
        if not box:
            return []
        lines = [clean_whitespace(t) for t in texts(box)]
        return [line for line in lines if line]

    def category_urls(self) -> list[str]:
        """Category links of the breadcrumb and the main menu (subcategories included)."""
        hrefs = strings(self.document, f"{self.BREADCRUMB}::attr(href), {self.MENU}::attr(href)")
        return absolute_links(self.url, hrefs)

    def related_urls(self) -> list[str]:
        hrefs = [str(h) for h in self.RELATED_LINKS(self.document)]
        return absolute_links(self.url, hrefs)

    # -- the whole item --------------------------------------------------------------------

    def to_item(self, crawled_at: str = "") -> ArticleItem:
        """All fields as found (whitespace cleaned); normalization happens in pipelines."""
        paragraphs, images = self.body_paragraphs_and_images()
        body, signature_lines = split_signature(paragraphs)
        box = self.author_box()
        if box:
            signature_lines = box
        dateline, lead = self.dateline_and_lead()
        published = self.published(datetime.fromisoformat(crawled_at) if crawled_at else None)
        return ArticleItem(
            url=self.url,
            article_id=self.article_id(),
            title=self.title() or "",
            lead=lead,
            dateline=dateline,
            body="\n\n".join(body),
            published_at=published.isoformat() if published else None,
            published_at_precision=published.precision if published else None,
            published_at_raw=published.text if published else None,
            published_at_source=published.source if published else None,
            category=self.category(),
            category_path=self.category_path(),
            images=[dict(img) for img in images],
            keywords=self.keywords(),
            signature_raw="\n".join(signature_lines) or None,
            crawled_at=crawled_at,
            parser_version=parser_version(),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _body_blocks(self) -> list[_BodyBlock]:
        body = first_with(self.root, *self.BODY)
        if body is None:
            return []
        for noise in with_tag_or_class(
            body, self.NOISE_TAGS, self.NOISE_CLASSES, self.NOISE_ID_PREFIXES
        ):
            # drop_tree keeps the text that follows the dropped element.
            drop_tree(noise)
        blocks: list[_BodyBlock] = []
        self._collect_blocks(body, blocks)
        return blocks

    def _collect_blocks(self, element: Any, out: list[_BodyBlock]) -> None:
        """Blocks in document order; wrappers are entered. A loop with its own stack, not
        recursion: a hostile page nests divs thousands deep (Python's limit is ~1,000)."""
        stack = [iter(element.iterchildren())]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in _WRAPPER_TAGS and any(
                c.tag in _NESTED_BLOCK_TAGS for c in child.iterchildren()
            ):
                stack.append(iter(child.iterchildren()))
            elif tag == "img":
                out.append(self._block_of(child, direct_image=True))
            elif tag:
                out.append(self._block_of(child))

    def _block_of(self, element: Any, direct_image: bool = False) -> _BodyBlock:
        srcs = []
        for img in [element] if direct_image else element.iter("img"):
            src = img.get("data-original") or img.get("data-src") or ""
            if not src or _PLACEHOLDER_IMAGE.search(src):
                src = img.get("src", "")
            if src and not _PLACEHOLDER_IMAGE.search(src):
                srcs.append(join_url(self._origin, self.url, src.strip()))
        text = text_of([element])
        if not srcs:
            return _BodyBlock(text=text, element=element)
        tag = getattr(element, "tag", "")
        nested = _FIGURES(element)
        if tag in ("figure", "table") or not nested:
            # A caption inside the image's own block: figcaption, the table's other cell,
            # or a line beside the image in the same paragraph.
            caption = text_of(select(element, "figcaption")) or text
            return _BodyBlock(text="", element=element, images=srcs, caption_text=caption or None)
        # A paragraph left open around a figure (HTML without </p>, which the parser
        # nests): the paragraph's own text is body text, the figure's is its caption.
        own = clean_whitespace(" ".join(_TEXT_OUTSIDE_FIGURES(element)))
        figcaptions = [c for n in nested for c in select(n, "figcaption")]
        caption = text_of(figcaptions) or text_of(nested)
        return _BodyBlock(text=own, element=element, images=srcs, caption_text=caption or None)


def _looks_like_caption(element: Any, text: str) -> bool:
    """A short block styled as a caption: all in italics, a caption class, or centred and
    not bold (bold centred lines are subheadings)."""
    if "caption" in (element.get("class") or "").lower():
        return True
    centred = "text-align:center" in (element.get("style") or "").replace(" ", "").lower()
    if centred and next(element.iter("strong", "b"), None) is None:
        return True
    emphasis = texts(element.iter("em", "i"))
    return bool(emphasis) and text == clean_whitespace(" ".join(emphasis))
