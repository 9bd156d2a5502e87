"""Article page parser: HTML + URL in, raw article fields out. No I/O, no Scrapy.

Every selector is scoped to the article root (``article.news-detail-layout-type-N``):
sidebars and related-article panels sit outside it and must never leak into a field.
Structured data (microdata, head metas) is read before the visible DOM, and each field
records which rule read it (``ArticlePage.rules``), so a crawl report shows which part of a
layout moved when a field goes empty.

The portal's CMS serves the template two ways (docs/PORTAL.md): with schema.org microdata
(``itemprop=articleBody`` on the body, ``datePublished`` inside the root) and, on the real
sites, without any (the body is the root's ``div.content-detail``; the machine date is in
``<head>``). Both are read by the same rules, structured data first.
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
from ..normalize.dates import PublishedDate, decide_published, parse_date
from ..normalize.folding import fold
from ..normalize.signature import split_signature
from ..normalize.text import clean_whitespace, split_dateline
from ..parser_version import parser_version
from ..urls import absolute_links, category_path_of, join_url, origin_of
from .common import (
    RELATED_PANEL_TITLES,
    category_link_hrefs,
    drop_tree,
    parse_page,
    says_not_found,
    selector_of,
)
from .compiled_css import (
    attribute_values,
    first_string,
    first_with,
    select,
    strings,
    texts,
    with_tag_or_class,
    xpath,
)
from .furniture import furniture_kind, is_disclaimer
from .rendered_text import lines_of, raw_text, text_of

_ARTICLE_ID = re.compile(r"(?:printArticle|readArticle)\(\s*['\"]([0-9a-f]{24})['\"]")
# Where the id is (the print and read buttons' handlers, docs/PORTAL.md): searching those
# few strings, not the whole serialized article, is ~20x faster.
_ARTICLE_ID_CARRIERS = frozenset({"onclick", "href"})
# Pages without those buttons name the article in their inline scripts: the page's own
# ``$.extend(VHV, {pageId: "Article.News.detail", itemId: "..."})`` and the rating module's
# ``'Content.ArticleDetail', { itemId: "..." }``. Other modules' ids sit in base64 configs.
_SCRIPT_ARTICLE_ID = re.compile(
    r"(?:pageId\s*:\s*[\"'][\w.]*[Dd]etail[\w.]*[\"']\s*,\s*|ArticleDetail[\"']\s*,\s*\{\s*)"
    r"itemId\s*:\s*[\"']([0-9a-f]{24})[\"']"
)
# The page's kind as the CMS names it: ``pageId: "Article.News.detail"`` for a news article,
# ``Article.Person.detail``, ``Article.Testimonial.detail``... for its other content types.
_CMS_PAGE_ID = re.compile(r"\bpageId\s*:\s*[\"']([\w.]+)[\"']")
_OTHER_CONTENT = re.compile(r"^Article\.(?!News\.)\w+\.detail$")
# Uploads sit in a folder per day: /upload/{site}/{YYYYMMDD}/{name}.jpg.
_UPLOAD_DAY = re.compile(r"/upload/\d+/(\d{8})/")
_PLACEHOLDER_IMAGE = re.compile(r"(?:blank\.gif|bg_trans\.png|no-image|/i/|/images/icons?/)", re.I)
# Blocks read as one piece (their text is one paragraph, their images one group).
_LEAF_BLOCK_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figure", "table", "pre", "dt", "dd"}
)
# A non-leaf element is entered (its children read one by one) when it holds any of these.
_NESTED_BLOCK_TAGS = _LEAF_BLOCK_TAGS | {
    "div", "ul", "ol", "dl", "section", "article", "blockquote", "center", "main",
}  # fmt: skip
_FIGURES = xpath(".//figure | .//table")
_CAPTION_MAX_CHARS = 400
# An after-body block that holds neither body text nor signature: its lines are furniture
# or author lines, never both kinds lost.
_LIST_ITEM_ANCESTOR = xpath(
    "ancestor::*[contains(concat(' ', normalize-space(@class), ' '), ' item-block ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' list-news-one ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' section-list ')]"
)
# A machine date and the displayed one further apart than this are counted in the report.
DATE_DISAGREEMENT_SECONDS = 3600


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
    lines: list[str]
    element: Any
    images: list[str] = field(default_factory=list)
    caption_text: str | None = None  # text that sits with the image in the same block

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    def is_caption_like(self) -> bool:
        """A short text block styled as a caption (asked only of a block after an image)."""
        return (
            bool(self.lines)
            and not self.images
            and len(self.text) <= _CAPTION_MAX_CHARS
            and _looks_like_caption(self.element, self.text)
        )


@dataclass
class BodyReading:
    """Where every text block of the body (and of an after-body author block) went."""

    paragraphs: list[str] = field(default_factory=list)  # body text, signature taken out
    images: list[dict[str, str | None]] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # one per image block that has one
    signature_lines: list[str] = field(default_factory=list)
    furniture: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    # The raw text of what was read (body element and after-body block), for the checks.
    source_text: str = ""


class ArticlePage:
    """Extracts the fields of one article page."""

    ROOT = xpath(
        "(//article[contains(concat(' ', normalize-space(@class), ' '),"
        " ' news-detail-layout-')])[1]"
    )
    TITLE = "h1.title-detail[itemprop=headline]"
    TITLE_FALLBACKS = ("h1.title-detail", "h1[itemprop=headline]")
    OG_TITLE = "meta[property='og:title']::attr(content)"
    LEAD = "div.brief"
    BODY_MICRODATA = ("itemprop", "articleBody")  # [itemprop=articleBody]
    BODY_CLASS = "content-detail"  # div.content-detail that is not the lead
    DATE_MICRODATA = "meta[itemprop=datePublished]::attr(content)"
    DATE_HEADER = "header span.post-date"
    # Head metas of the machine date, best first; DC.Date is often malformed (then skipped).
    HEAD_DATES = (
        ("meta[property='article:published_time']::attr(content)", "head meta"),
        ("meta[itemprop=datePublished]::attr(content)", "head meta"),
        ("meta[itemprop=dateCreated]::attr(content)", "head meta dateCreated"),
        ("meta[name='DC.Date']::attr(content)", "head meta DC.Date"),
    )
    BREADCRUMB = "ol.breadcrumb li a"
    KEYWORDS = "meta[name=keywords]::attr(content)"
    AUTHOR_BOX = "div.author"
    RATING = "div.rating"
    SCRIPTS = "script::text"
    RELATED_PANELS = xpath(
        "//div[contains(concat(' ', normalize-space(@class), ' '), ' panel ')]"
        "[contains(@class, 'panel-related') or contains(@class, 'frame-involve')"
        " or .//*[contains(@class, 'panel-title')]["
        + " or ".join(f"normalize-space()='{t}'" for t in RELATED_PANEL_TITLES)
        + "]]"
    )
    # Inside the body, what no reader reads as the article: code, the read-aloud player
    # (div#audio17), sharing and rating widgets. CSS: style, script, audio, [id^=audio], .rating
    NOISE_TAGS = frozenset({"style", "script", "noscript", "audio", "template"})
    NOISE_CLASSES = frozenset(
        {"social-connect", "block_share", "rating", "network-share", "zalo-share-button"}
    )
    NOISE_ID_PREFIXES = ("audio",)

    def __init__(self, html: str, url: str, hint: ListingHint | None = None):
        self.url = url
        self.html = html
        self.document, self.read_whole = parse_page(html)
        self.hint = hint or ListingHint()
        roots = self.ROOT(self.document)
        # The article root, or None on pages that are not articles.
        self.root: etree._Element | None = roots[0] if roots else None
        # Which rule read each field ("body": "content-detail"...), filled as fields are read.
        self.rules: dict[str, str] = {}

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
        (no article root or headline), ``truncated`` (cut short in transit), ``too_deep``
        (nested deeper than any HTML parser reads, so part of it would be lost),
        ``body_lost`` (the body has text that reading did not place); None when whole."""
        if not self.read_whole:
            return "too_deep"
        if not self.is_article():
            if self.is_soft_404():
                return "soft_404"
            return "not_news" if self.is_other_content() else "not_article"
        if not self.is_complete():
            return "truncated"
        reading = self.body_reading
        placed = bool(reading.paragraphs or reading.signature_lines or reading.furniture)
        if not placed and any(img.get("caption") for img in reading.images):
            placed = True
        if not placed and clean_whitespace(reading.source_text):
            return "body_lost"
        return None

    def is_soft_404(self) -> bool:
        """A small 200 page that says the page does not exist."""
        return self.root is None and says_not_found(self.selector)

    def cms_page_id(self) -> str | None:
        """The page's kind as its scripts name it (``Article.News.detail``), if they do."""
        for script in strings(self.document, self.SCRIPTS):
            if "pageId" in script and (match := _CMS_PAGE_ID.search(script)):
                return match.group(1)
        return None

    def is_other_content(self) -> bool:
        """A detail page of another content type of the CMS (a person's profile, a
        testimonial, a FAQ): not news, and no sign of a layout change."""
        page_id = self.cms_page_id()
        return page_id is not None and bool(_OTHER_CONTENT.match(page_id))

    # -- fields ----------------------------------------------------------------------------

    def title(self) -> str | None:
        return self._title

    @cached_property
    def _title(self) -> str | None:
        # Read once: ``is_article`` asks for it, and then ``to_item``.
        for css in (self.TITLE, *self.TITLE_FALLBACKS):
            text = text_of(select(self.root, css))
            if text:
                self.rules["title"] = css
                return text
        og = first_string(self.document, self.OG_TITLE)
        if og and clean_whitespace(og):
            self.rules["title"] = "og:title"
            return clean_whitespace(og)
        head_title = text_of(select(self.document, "head title")) or None
        if head_title:
            self.rules["title"] = "<title>"
        return head_title

    @cached_property
    def _lead_element(self) -> etree._Element | None:
        # The lead div sometimes carries .content-detail too: it is the lead, never the body.
        for node in select(self.root, self.LEAD):
            if node.get(self.BODY_MICRODATA[0]) != self.BODY_MICRODATA[1]:
                return node
        return None

    def lead_raw(self) -> str | None:
        node = self._lead_element
        text = text_of([node]) if node is not None else ""
        if text:
            self.rules["lead"] = "div.brief"
        return text or None

    def dateline_and_lead(self) -> tuple[str | None, str | None]:
        raw = self.lead_raw()
        if raw is None:
            return None, None
        dateline, lead = split_dateline(raw)
        return dateline, (lead.strip() or None)

    def displayed_date_raw(self) -> str | None:
        """The date the page shows its readers, in the header (``Thứ hai, 21/08/2023 | 07:47``)."""
        return text_of(select(self.root, self.DATE_HEADER)) or None

    def machine_dates(self) -> Iterator[tuple[str, str | None]]:
        """(rule, text) of the machine-readable dates: the root's microdata, then the head's
        metas. Lazy: the later ones are read only when the earlier ones fail."""
        yield "microdata", first_string(self.root, self.DATE_MICRODATA)
        head = select(self.document, "head")
        for css, rule in self.HEAD_DATES:
            yield rule, first_string(head[0] if head else self.document, css)

    def published(self, not_after: datetime | None = None) -> PublishedDate | None:
        """The publication date, decided once (``normalize.dates.decide_published``): the
        date the page displays, refined by a machine date of the same minute; else the
        machine date, the list page's, the upload folder's. A time after ``not_after`` (the
        crawl time) is a misreading and is passed over."""
        return self._dates(not_after)[0]

    def machine_published(self, not_after: datetime | None = None) -> PublishedDate | None:
        """The machine-readable date as read (kept beside the decided one)."""
        return self._dates(not_after)[1]

    def displayed_published(self, not_after: datetime | None = None) -> PublishedDate | None:
        """The displayed date as read (kept beside the decided one)."""
        return self._dates(not_after)[2]

    def _dates(
        self, not_after: datetime | None
    ) -> tuple[PublishedDate | None, PublishedDate | None, PublishedDate | None]:
        key = not_after.isoformat() if not_after else ""
        cached = self.__dict__.setdefault("_dates_by_limit", {})
        if key not in cached:
            cached[key] = decide_published(
                displayed=("header", self.displayed_date_raw()),
                machine=self.machine_dates(),
                weaker=[("listing", self.hint.published_at_raw), ("upload_folder", None)],
                upload_day=self._upload_day,
                not_after=not_after,
            )
            decided = cached[key][0]
            if decided is not None:
                self.rules["published_at"] = decided.source
        result: tuple[PublishedDate | None, PublishedDate | None, PublishedDate | None] = cached[
            key
        ]
        return result

    def dates_disagree(self, not_after: datetime | None = None) -> bool:
        """The displayed and the machine date are more than an hour apart."""
        _, machine, displayed = self._dates(not_after)
        if machine is None or displayed is None:
            return False
        gap = abs((machine.value - displayed.value).total_seconds())
        return gap > DATE_DISAGREEMENT_SECONDS

    def _upload_day(self) -> str | None:
        body = self._body_element
        for img in body.iter("img") if body is not None else ():
            for name, src in img.items():
                if name in ("data-original", "src") and (match := _UPLOAD_DAY.search(src)):
                    return match.group(1)
        return None

    def category(self) -> list[str]:
        names = [text_of([a]) for a in select(self.document, self.BREADCRUMB)]
        names = [n for n in names if n and fold(n) != "trang chủ"]
        if names:
            self.rules["category"] = "breadcrumb"
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
        if seen:
            self.rules["keywords"] = "meta keywords"
        return list(seen)

    def article_id(self) -> str | None:
        """The CMS's 24-hex id of the article: the print/read buttons, the page's scripts,
        then the list item it was found in."""
        if self.root is None:
            return self.hint.article_id
        for carrier in attribute_values(self.root, _ARTICLE_ID_CARRIERS):
            if match := _ARTICLE_ID.search(carrier):
                self.rules["article_id"] = "button handler"
                return match.group(1)
        for script in strings(self.document, self.SCRIPTS):
            if "itemId" in script and (match := _SCRIPT_ARTICLE_ID.search(script)):
                self.rules["article_id"] = "page script"
                return match.group(1)
        if self.hint.article_id:
            self.rules["article_id"] = "listing"
        return self.hint.article_id

    @cached_property
    def _body_element(self) -> etree._Element | None:
        """The body: the microdata's ``articleBody``, else the root's ``div.content-detail``
        that is not the lead (and not inside it)."""
        body = first_with(self.root, *self.BODY_MICRODATA)
        if body is not None:
            self.rules["body"] = "itemprop=articleBody"
            return body
        lead = self._lead_element
        for node in select(self.root, f"div.{self.BODY_CLASS}"):
            if node is lead or "brief" in (node.get("class") or "").split():
                continue
            if lead is not None and any(a is lead for a in node.iterancestors()):
                continue
            self.rules["body"] = "div.content-detail"
            return node
        return None

    @cached_property
    def body_reading(self) -> BodyReading:
        """Body paragraphs, images with captions, signature lines and furniture: every text
        block of the body, and of an after-body author block, in exactly one of them."""
        reading = BodyReading()
        body = self._body_element
        sources: list[str] = []
        paragraphs: list[str] = []
        if body is not None:
            sources.append(raw_text(body))
            paragraphs = self._place_blocks(self._body_blocks(body, reading), reading)
        # A closing disclaimer stays body text, but the signature is looked for above it.
        trailing: list[str] = []
        while paragraphs and is_disclaimer(paragraphs[-1]):
            trailing.insert(0, paragraphs.pop())
        text, signature = split_signature(paragraphs)
        reading.paragraphs = [*text, *trailing]
        box_lines, box_furniture, box_sources = self._author_box()
        sources.extend(box_sources)
        reading.furniture.extend(box_furniture)
        # An after-body author block comes after the body's own signature: it never hides it.
        reading.signature_lines = [*signature, *box_lines]
        rule = " + ".join(
            name for name, lines in (("body tail", signature), ("div.author", box_lines)) if lines
        )
        if rule:
            self.rules["signature"] = rule
        if reading.images:
            self.rules["images"] = "body img"
        if any(img.get("caption") for img in reading.images):
            self.rules["captions"] = "figure/table/next block"
        reading.source_text = "".join(sources)
        return reading

    def body_paragraphs_and_images(self) -> tuple[list[str], list[dict[str, str | None]]]:
        """Body text paragraphs (signature still in) and images with captions."""
        reading = self.body_reading
        return [*reading.paragraphs, *reading.signature_lines], reading.images

    def _author_box(self) -> tuple[list[str], list[tuple[str, str]], list[str]]:
        """Lines of a ``div.author`` after the body (not one of a list item): author lines,
        furniture (a view counter), and the box's raw text."""
        authors: list[str] = []
        furniture: list[tuple[str, str]] = []
        sources: list[str] = []
        body = self._body_element
        for box in select(self.root, self.AUTHOR_BOX):
            if _LIST_ITEM_ANCESTOR(box):
                continue  # a list item's account name ("Admin ..."), never an author
            if body is not None and any(a is body for a in box.iterancestors()):
                continue  # inside the body: read with it
            sources.append(raw_text(box))
            for line in lines_of(box):
                kind = furniture_kind(line)
                if kind:
                    furniture.append((kind, line))
                else:
                    authors.append(line)
        return authors, furniture, sources

    def category_urls(self) -> list[str]:
        """Category links of the breadcrumb and the menus (subcategories included)."""
        return absolute_links(self.url, category_link_hrefs(self.document))

    def related_urls(self) -> list[str]:
        """Article links of the related-article panels ("Tin liên quan", "Bài viết khác")."""
        hrefs = [
            str(h)
            for panel in self.RELATED_PANELS(self.document)
            for h in panel.xpath(".//a/@href")
        ]
        return absolute_links(self.url, hrefs)

    # -- the whole item --------------------------------------------------------------------

    def to_item(self, crawled_at: str = "") -> ArticleItem:
        """All fields as found (whitespace cleaned); normalization happens in pipelines."""
        reading = self.body_reading
        dateline, lead = self.dateline_and_lead()
        limit = datetime.fromisoformat(crawled_at) if crawled_at else None
        published = self.published(limit)
        machine = self.machine_published(limit)
        displayed = self.displayed_published(limit)
        return ArticleItem(
            url=self.url,
            article_id=self.article_id(),
            title=self.title() or "",
            lead=lead,
            dateline=dateline,
            body="\n\n".join(reading.paragraphs),
            published_at=published.isoformat() if published else None,
            published_at_precision=published.precision if published else None,
            published_at_raw=published.text if published else None,
            published_at_source=published.source if published else None,
            published_at_displayed=displayed.isoformat() if displayed else None,
            published_at_displayed_raw=self.displayed_date_raw(),
            published_at_machine=machine.isoformat() if machine else None,
            published_at_machine_raw=machine.text if machine else None,
            category=self.category(),
            category_path=self.category_path(),
            images=[dict(img) for img in reading.images],
            keywords=self.keywords(),
            signature_raw="\n".join(reading.signature_lines) or None,
            crawled_at=crawled_at,
            parser_version=parser_version(),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _body_blocks(self, body: etree._Element, reading: BodyReading) -> list[_BodyBlock]:
        for noise in with_tag_or_class(
            body, self.NOISE_TAGS, self.NOISE_CLASSES, self.NOISE_ID_PREFIXES
        ):
            if noise.getparent() is None:
                continue  # inside noise dropped already
            shown = text_of([noise]) if noise.tag not in self.NOISE_TAGS else ""
            if shown:
                reading.furniture.append(("widget", shown))
            # drop_tree keeps the text that follows the dropped element.
            drop_tree(noise)
        blocks: list[_BodyBlock] = []
        self._collect_blocks(body, blocks)
        return blocks

    def _place_blocks(self, blocks: list[_BodyBlock], reading: BodyReading) -> list[str]:
        """Images take their captions and furniture lines go to furniture; the text lines
        left (signature still in) are returned in order."""
        paragraphs: list[str] = []
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
                reading.images.extend({"url": src, "caption": caption} for src in block.images)
                if caption:
                    reading.captions.append(caption)
                paragraphs.extend(block.lines)
                continue
            for line in block.lines:
                kind = furniture_kind(line)
                if kind is not None:
                    reading.furniture.append((kind, line))
                else:
                    paragraphs.append(line)
        return paragraphs

    def _collect_blocks(self, element: Any, out: list[_BodyBlock]) -> None:
        """Blocks in document order; wrappers are entered. A loop with its own stack, not
        recursion: a hostile page nests divs thousands deep (Python's limit is ~1,000)."""
        stack = [iter(element.iterchildren())]
        if element.text and element.text.strip():
            out.append(_BodyBlock(lines=[clean_whitespace(element.text)], element=element))
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            tag = child.tag if isinstance(child.tag, str) else ""
            if (
                tag
                and tag not in _LEAF_BLOCK_TAGS
                and any(c.tag in _NESTED_BLOCK_TAGS for c in child.iterchildren())
            ):
                # Text directly inside the wrapper, before its first child, is a block too.
                if child.text and child.text.strip():
                    out.append(_BodyBlock(lines=[clean_whitespace(child.text)], element=child))
                stack.append(iter(child.iterchildren()))
            elif tag == "img":
                out.append(self._block_of(child, direct_image=True))
            elif tag:
                out.append(self._block_of(child))
            if child.tail and child.tail.strip() and tag != "img":
                # Text between blocks (a line typed straight into the body div).
                out.append(_BodyBlock(lines=[clean_whitespace(child.tail)], element=child))
            elif child.tail and child.tail.strip():
                out[-1].lines.append(clean_whitespace(child.tail))

    def _block_of(self, element: Any, direct_image: bool = False) -> _BodyBlock:
        srcs = []
        for img in [element] if direct_image else element.iter("img"):
            src = img.get("data-original") or img.get("data-src") or ""
            if not src or _PLACEHOLDER_IMAGE.search(src):
                src = img.get("src", "")
            if src and not _PLACEHOLDER_IMAGE.search(src):
                srcs.append(join_url(self._origin, self.url, src.strip()))
        if direct_image:
            return _BodyBlock(lines=[], element=element, images=srcs)
        lines = lines_of(element)
        if not srcs:
            return _BodyBlock(lines=lines, element=element)
        tag = getattr(element, "tag", "")
        nested = _FIGURES(element)
        if tag in ("figure", "table") or not nested:
            # A caption inside the image's own block: figcaption, the table's other cell,
            # or a line beside the image in the same paragraph.
            caption = text_of(select(element, "figcaption")) or " ".join(lines)
            return _BodyBlock(lines=[], element=element, images=srcs, caption_text=caption or None)
        # A paragraph left open around a figure (HTML without </p>, which the parser
        # nests): the paragraph's own text is body text, the figure's is its caption.
        own = _text_outside(element, nested)
        figcaptions = [c for n in nested for c in select(n, "figcaption")]
        caption = text_of(figcaptions) or text_of(nested)
        return _BodyBlock(
            lines=[own] if own else [], element=element, images=srcs, caption_text=caption or None
        )


def _text_outside(element: Any, nested: list[Any]) -> str:
    """The text of ``element`` outside its nested figures and tables."""
    copy = etree.fromstring(etree.tostring(element))
    for figure in _FIGURES(copy):
        if figure.getparent() is not None:
            drop_tree(figure)
    return text_of([copy])


def _looks_like_caption(element: Any, text: str) -> bool:
    """A short block styled as a caption: all in italics, a caption class, or centred and
    not bold (bold centred lines are subheadings); never a right-aligned one."""
    if "caption" in (element.get("class") or "").lower():
        return True
    style = (element.get("style") or "").replace(" ", "").lower()
    if "text-align:right" in style or (element.get("align") or "").lower() == "right":
        return False  # right-aligned is how signatures stand, never captions
    centred = "text-align:center" in style
    if centred and next(element.iter("strong", "b"), None) is None:
        return True
    emphasis = texts(element.iter("em", "i"))
    return bool(emphasis) and text == clean_whitespace(" ".join(emphasis))


__all__ = ["DATE_DISAGREEMENT_SECONDS", "ArticlePage", "BodyReading", "ListingHint", "parse_date"]
