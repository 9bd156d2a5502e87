"""Article page parser: HTML + URL in, raw article fields out. No I/O, no Scrapy.

Every selector is scoped to the article root (``article.news-detail-layout-type-2``):
sidebars and related-article panels sit outside it and must never leak into a field.
Structured data (microdata, meta) is read before the visible DOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from parsel import Selector, SelectorList

from ..items import ArticleItem
from ..normalize.dates import parse_date
from ..normalize.signature import split_signature
from ..normalize.text import clean_whitespace, split_dateline
from ..urls import category_path_of
from .common import says_not_found

_ARTICLE_ID = re.compile(r"(?:printArticle|readArticle)\(\s*['\"]([0-9a-f]{24})['\"]")
# Uploads sit in a folder per day: /upload/{site}/{YYYYMMDD}/{name}.jpg.
_UPLOAD_DAY = re.compile(r"/upload/\d+/(\d{8})/")
_PLACEHOLDER_IMAGE = re.compile(r"(?:blank\.gif|no-image|/i/|/images/icons?/)", re.I)
# Blocks of the body that hold text or images; divs are only leaves (wrappers are entered).
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "figure", "table"})
_CAPTION_MAX_CHARS = 400


@dataclass
class ListingHint:
    """What a list page said about an article before it was fetched (weaker evidence)."""

    published_at_raw: str | None = None
    article_id: str | None = None


@dataclass
class _BodyBlock:
    text: str
    images: list[str] = field(default_factory=list)
    is_caption_like: bool = False
    caption_text: str | None = None  # text that sits with the image in the same block


class ArticlePage:
    """Extracts the fields of one article page."""

    ROOT = "article.news-detail-layout-type-2"
    TITLE = "h1.title-detail[itemprop=headline]"
    TITLE_FALLBACKS = ("h1.title-detail", "h1[itemprop=headline]")
    OG_TITLE = "meta[property='og:title']::attr(content)"
    LEAD = "div.brief"
    BODY = "[itemprop=articleBody]"
    DATE_META = "meta[itemprop=datePublished]::attr(content)"
    DATE_HEADER = "header span.post-date"
    DATE_OG_META = "meta[property='article:published_time']::attr(content)"
    BREADCRUMB = "ol.breadcrumb li a"
    MENU = "nav.main-menu li a"
    KEYWORDS = "meta[name=keywords]::attr(content)"
    AUTHOR_BOX = "div.author"
    RATING = "div.rating"
    RELATED_PANELS = (
        "//div[contains(@class,'panel')]"
        "[.//*[contains(@class,'panel-title')][normalize-space()='Tin liên quan' "
        "or normalize-space()='Bài viết khác' or normalize-space()='Tin khác']]"
    )
    NOISE = (
        "style, script, noscript, audio, div[id^=audio], .social-connect, .block_share, "
        ".rating, .network-share"
    )

    def __init__(self, html: str, url: str, hint: ListingHint | None = None):
        self.url = url
        self.html = html
        self.selector = Selector(text=html)
        self.hint = hint or ListingHint()
        self.root: SelectorList[Selector] = self.selector.css(self.ROOT)

    # -- page kind -------------------------------------------------------------------------

    def is_article(self) -> bool:
        """True when the page has an article root with a headline."""
        return bool(self.root) and self.title() is not None

    def is_complete(self) -> bool:
        """False for a page cut short in transit: no closing rating block and no ``</html>``.

        Every article page ends with the rating block (MARKUP.md); a page without it that
        does not even reach ``</html>`` lost its end, and its body would be partial.
        """
        if self.root.css(self.RATING):
            return True
        return self.html.rstrip().lower().endswith("</html>")

    def is_soft_404(self) -> bool:
        """A small 200 page that says the page does not exist."""
        return not self.root and says_not_found(self.selector)

    # -- fields ----------------------------------------------------------------------------

    def title(self) -> str | None:
        for css in (self.TITLE, *self.TITLE_FALLBACKS):
            text = self._text(self.root.css(css))
            if text:
                return text
        og = self.selector.css(self.OG_TITLE).get()
        if og and clean_whitespace(og):
            return clean_whitespace(og)
        return self._text(self.selector.css("head title")) or None

    def lead_raw(self) -> str | None:
        # The lead div sometimes carries .content-detail too; never take the body by mistake.
        for node in self.root.css(self.LEAD):
            if node.attrib.get("itemprop") == "articleBody":
                continue
            text = self._text(node)
            if text:
                return text
        return None

    def dateline_and_lead(self) -> tuple[str | None, str | None]:
        raw = self.lead_raw()
        if raw is None:
            return None, None
        dateline, lead = split_dateline(raw)
        return dateline, (lead.strip() or None)

    def published_at_raw(self) -> str | None:
        """The best date text: microdata, the visible header, the list page, then the day
        folder of the first body image upload (weakest: the day it was uploaded)."""
        candidates = [
            self.root.css(self.DATE_META).get() or self.selector.css(self.DATE_META).get(),
            self._text(self.root.css(self.DATE_HEADER)),
            self.selector.css(self.DATE_OG_META).get(),
            self.hint.published_at_raw,
            self._upload_day(),
        ]
        for candidate in candidates:
            if candidate and parse_date(candidate) is not None:
                return clean_whitespace(candidate)
        return None

    def _upload_day(self) -> str | None:
        for src in self.root.css(f"{self.BODY} img").xpath("@data-original | @src").getall():
            if match := _UPLOAD_DAY.search(src):
                return match.group(1)
        return None

    def category(self) -> list[str]:
        names = [self._text(a) for a in self.selector.css(self.BREADCRUMB)]
        names = [n for n in names if n and n.lower() != "trang chủ"]
        return names

    def category_path(self) -> str:
        return category_path_of(self.url)

    def keywords(self) -> list[str]:
        raw = self.selector.css(self.KEYWORDS).get() or ""
        seen: dict[str, None] = {}
        for word in raw.split(","):
            word = clean_whitespace(word)
            if word:
                seen.setdefault(word, None)
        return list(seen)

    def article_id(self) -> str | None:
        match = _ARTICLE_ID.search(self.root.get() or "")
        if match:
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
                if caption is None and following and following.is_caption_like:
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
        box = self.root.css(self.AUTHOR_BOX)
        if not box:
            return []
        lines = [clean_whitespace(t) for t in box.xpath(".//text()").getall()]
        return [line for line in lines if line]

    def category_urls(self) -> list[str]:
        """Category links of the breadcrumb and the main menu (subcategories included)."""
        hrefs = self.selector.css(
            f"{self.BREADCRUMB}::attr(href), {self.MENU}::attr(href)"
        ).getall()
        return [urljoin(self.url, h.strip()) for h in dict.fromkeys(hrefs) if h.strip()]

    def related_urls(self) -> list[str]:
        hrefs = self.selector.xpath(self.RELATED_PANELS).css("a::attr(href)").getall()
        return [urljoin(self.url, h) for h in dict.fromkeys(hrefs) if h.strip()]

    # -- the whole item --------------------------------------------------------------------

    def to_item(self, crawled_at: str = "") -> ArticleItem:
        """All fields as found (whitespace cleaned); normalization happens in pipelines."""
        paragraphs, images = self.body_paragraphs_and_images()
        body, signature_lines = split_signature(paragraphs)
        box = self.author_box()
        if box:
            signature_lines = box
        dateline, lead = self.dateline_and_lead()
        return ArticleItem(
            url=self.url,
            article_id=self.article_id(),
            title=self.title() or "",
            lead=lead,
            dateline=dateline,
            body="\n\n".join(body),
            published_at_raw=self.published_at_raw(),
            category=self.category(),
            category_path=self.category_path(),
            images=[dict(img) for img in images],
            keywords=self.keywords(),
            signature_raw="\n".join(signature_lines) or None,
            crawled_at=crawled_at,
        )

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _text(nodes: Selector | SelectorList[Selector]) -> str:
        return clean_whitespace(" ".join(nodes.xpath(".//text()").getall()))

    def _body_blocks(self) -> list[_BodyBlock]:
        body = self.root.css(self.BODY)
        if not body:
            return []
        root = body[0].root
        for noise in body[0].css(self.NOISE):
            noise.drop()
        blocks: list[_BodyBlock] = []
        self._collect_blocks(root, blocks)
        return blocks

    def _collect_blocks(self, element: object, out: list[_BodyBlock]) -> None:
        for child in element.iterchildren():  # type: ignore[attr-defined]
            tag = child.tag if isinstance(child.tag, str) else ""
            has_block_children = any(
                isinstance(c.tag, str) and c.tag in (_BLOCK_TAGS | {"div", "ul", "ol"})
                for c in child.iterchildren()
            )
            if tag in ("div", "ul", "ol", "section") and has_block_children:
                self._collect_blocks(child, out)
            elif tag in ("img",):
                out.append(self._block_of(child, direct_image=True))
            elif tag:
                out.append(self._block_of(child))

    def _block_of(self, element: Any, direct_image: bool = False) -> _BodyBlock:
        # Plain lxml on this hot path (every block of every page); parsel only for the rare
        # blocks that hold images.
        srcs = []
        for img in [element] if direct_image else element.iter("img"):
            src = img.get("data-original") or img.get("data-src") or ""
            if not src or _PLACEHOLDER_IMAGE.search(src):
                src = img.get("src", "")
            if src and not _PLACEHOLDER_IMAGE.search(src):
                srcs.append(urljoin(self.url, src.strip()))
        text = clean_whitespace(" ".join(element.xpath(".//text()")))
        if not srcs:
            style = (element.get("style") or "").replace(" ", "").lower()
            classes = (element.get("class") or "").lower()
            emphasis = " ".join(t for e in element.iter("em", "i") for t in e.xpath(".//text()"))
            emphasised = bool(text) and text == clean_whitespace(emphasis)
            bold = next(element.iter("strong", "b"), None) is not None
            caption_like = (
                bool(text)
                and len(text) <= _CAPTION_MAX_CHARS
                and (
                    emphasised
                    or "caption" in classes
                    or ("text-align:center" in style and not bold)
                )
            )
            return _BodyBlock(text=text, is_caption_like=caption_like)
        node = Selector(root=element)
        tag = getattr(element, "tag", "")
        nested = node.xpath(".//figure | .//table")
        if tag in ("figure", "table") or not nested:
            # A caption inside the image's own block: figcaption, the table's other cell,
            # or a line beside the image in the same paragraph.
            caption = self._text(node.css("figcaption")) or text
            return _BodyBlock(text="", images=srcs, caption_text=caption or None)
        # A paragraph left open around a figure (HTML without </p>, which the parser
        # nests): the paragraph's own text is body text, the figure's is its caption.
        own = clean_whitespace(
            " ".join(
                node.xpath(".//text()[not(ancestor::figure) and not(ancestor::table)]").getall()
            )
        )
        caption = self._text(nested.css("figcaption")) or self._text(nested)
        return _BodyBlock(text=own, images=srcs, caption_text=caption or None)
