"""The article parser on stored pages: one test per fixture and field, so a layout change
names the fields it broke. Expectations are refreshed with `make fixtures`."""

from __future__ import annotations

import json

import pytest
from parsel import Selector

from qptd_harness.replica import Portal
from qptd_spider import __version__
from qptd_spider.extract import extract_item
from qptd_spider.normalize.article import content_hash
from qptd_spider.pages import ArticlePage
from qptd_spider.pages.compiled_css import (
    compiled,
    first_with,
    select,
    strings,
    with_tag_or_class,
)
from qptd_spider.pages.rendered_text import text_of
from qptd_spider.parser_version import parser_version
from qptd_spider.schema import field_names
from tests.conftest import (
    ARTICLE_FIXTURES,
    MANIFEST,
    NOT_ARTICLE_FIXTURES,
    PAGES,
    page_expected,
    page_html,
)
from tests.fixtures.refresh import CRAWLED_AT, VOLATILE

_cache: dict[str, dict[str, object]] = {}


def extracted(name: str) -> dict[str, object]:
    if name not in _cache:
        item = extract_item(page_html(name), MANIFEST[name]["url"], crawled_at=CRAWLED_AT)
        assert item is not None
        _cache[name] = item
    return _cache[name]


@pytest.mark.parametrize("field", [f for f in field_names() if f not in VOLATILE])
@pytest.mark.parametrize("name", ARTICLE_FIXTURES)
def test_field_matches_fixture(name: str, field: str) -> None:
    assert extracted(name)[field] == page_expected(name)[field]


def test_every_item_names_the_parsers_that_made_it() -> None:
    version = parser_version()
    assert version.startswith(__version__ + "+") and len(version.split("+")[1]) == 12
    assert {extracted(n)["parser_version"] for n in ARTICLE_FIXTURES} == {version}


@pytest.mark.parametrize("name", [n for n in ARTICLE_FIXTURES if n.startswith("replica-")])
def test_replica_fixture_agrees_with_ground_truth(name: str) -> None:
    """Expectations of replica pages are checked against the replica's own truth, which is
    computed from the article generator, not from the parser."""
    index = int(MANIFEST[name].get("index") or name.split("-")[1])
    template = MANIFEST[name].get("template", "skeleton")
    truth = Portal(300, seed=1, template=template).truth(index)
    item = extracted(name)
    for field in (
        "title",
        "lead",
        "body",
        "category",
        "signature_raw",
        "authors",
        "author",
        "position",
        "source",
        "organization",
        "byline_kind",
        "signature_status",
        "article_id",
        "images",
        "keywords",
    ):
        assert item[field] == truth[field], field
    if truth["published_at"] is not None:
        assert item["published_at"] == truth["published_at"]
        assert item["published_at_precision"] == truth["published_at_precision"]


@pytest.mark.parametrize("name", NOT_ARTICLE_FIXTURES)
def test_not_article_pages_yield_nothing(name: str) -> None:
    page = ArticlePage(page_html(name), MANIFEST[name]["url"])
    assert not page.is_article()
    assert page.is_soft_404()
    assert extract_item(page_html(name), MANIFEST[name]["url"], CRAWLED_AT) is None


def test_share_bar_and_rating_never_leak() -> None:
    for name in ARTICLE_FIXTURES:
        item = extracted(name)
        text = " ".join(str(item[f]) for f in ("title", "lead", "body", "signature_raw"))
        for noise in (
            "Tăng tương phản",
            "Tổng số điểm",
            "Click để đánh giá",
            "Đọc bài",
            "Phóng sự ảnh",
            "Tin liên quan",
            "A+",
        ):
            assert noise not in text, (name, noise)


def test_captions_are_not_body_text() -> None:
    item = extracted("handwritten-two-line-signature-mixed-tones")
    assert "Cán bộ quận gặp gỡ nhân dân." not in str(item["body"])
    assert item["images"] == [
        {
            "url": "https://quocphongthudo.vn/upload/2001606/20200519/dan-van_9a8b7.jpg",
            "caption": "Cán bộ quận gặp gỡ nhân dân.",
        }
    ]


def test_lead_div_with_content_detail_class_is_not_taken_as_body() -> None:
    item = extracted("handwritten-header-date-rank-next-line")
    assert str(item["body"]).startswith("Cuộc diễn tập nhằm")
    assert str(item["lead"]).startswith("Trong hai ngày 18 và 19-11")
    assert item["dateline"] == "QPTĐ"


def test_related_panel_links_are_found_outside_the_article() -> None:
    page = ArticlePage(
        page_html("handwritten-header-date-rank-next-line"),
        "https://quocphongthudo.vn/quoc-phong-an-ninh/x.html",
    )
    assert page.related_urls() == [
        "https://quocphongthudo.vn/quoc-phong-an-ninh/trung-doan-102-ra-quan-huan-luyen.html?categoryId=77"
    ]


def test_listing_hint_is_used_only_when_the_page_has_no_date() -> None:
    from qptd_spider.pages import ListingHint

    html = page_html("handwritten-no-signature").replace(
        '<meta itemprop="datePublished" content="2024-12-01">', ""
    )
    hint = ListingHint(published_at_raw="2024-11-30T21:00:00+07:00", article_id="a" * 24)
    page = ArticlePage(html, "https://quocphongthudo.vn/xa-hoi/x.html", hint)
    published = page.published()
    assert published is not None
    assert (published.text, published.source) == ("2024-11-30T21:00:00+07:00", "listing")
    assert page.article_id() == "a" * 24
    with_meta = ArticlePage(page_html("handwritten-no-signature"), "https://x.vn/a/b.html", hint)
    decided = with_meta.published()
    assert decided is not None and (decided.text, decided.source) == ("2024-12-01", "microdata")


def test_upload_folder_day_is_the_last_resort_for_the_date() -> None:
    html = page_html("handwritten-author-box-reprint").replace(
        '<span class="post-date left">Thứ năm, 30/10/2025 | 10:31</span>', ""
    )
    page = ArticlePage(html, "https://quocphongthudo.vn/quoc-te/x.html")
    published = page.published()
    assert published is not None
    assert (published.text, published.source, published.precision) == (
        "20251030",
        "upload_folder",
        "day",
    )


def test_a_date_after_the_crawl_is_passed_over_for_the_next_evidence() -> None:
    """Issue 13: microdata saying 2099 beside a right header date exported no date at all."""
    html = page_html("handwritten-header-date-rank-next-line").replace(
        "<header", '<meta itemprop="datePublished" content="2099-01-01T08:00:00+07:00"><header', 1
    )
    item = extract_item(html, MANIFEST["handwritten-header-date-rank-next-line"]["url"], CRAWLED_AT)
    expected = page_expected("handwritten-header-date-rank-next-line")
    assert item is not None
    assert item["published_at"] == expected["published_at"] is not None
    assert item["published_at_source"] == "header"
    # With no crawl time to judge by, both are plausible: they disagree, so the displayed
    # date is the publication time, and the machine date is kept beside it.
    page = ArticlePage(html, "https://quocphongthudo.vn/quoc-phong-an-ninh/x.html")
    assert page.published() is not None and page.published().source == "header"  # type: ignore[union-attr]
    machine = page.machine_published()
    assert machine is not None and machine.isoformat() == "2099-01-01T08:00:00+07:00"


def test_a_photo_credit_in_a_caption_is_not_an_author() -> None:
    html = """<html><body><article class="news-detail-layout-type-2">
      <h1 class="title-detail" itemprop="headline">Tiêu đề</h1>
      <div class="content-detail" itemprop="articleBody">
        <p>Đoạn văn thứ nhất của bài báo nói về hội nghị tổng kết năm của đơn vị.</p>
        <p style="text-align:center"><img src="/upload/2001606/20240101/a_12345.jpg"></p>
        <p style="text-align:center"><em>Quang cảnh hội nghị. Ảnh: TUẤN HUY</em></p>
      </div></article></body></html>"""
    item = extract_item(html, "https://quocphongthudo.vn/a/b.html", CRAWLED_AT)
    assert item is not None
    assert item["authors"] == []
    assert item["signature_raw"] is None
    assert item["images"][0]["caption"] == "Quang cảnh hội nghị. Ảnh: TUẤN HUY"


@pytest.mark.parametrize("damage", ["malformed", "unclosed"])
def test_tag_soup_pages_still_parse_right(damage: str) -> None:
    from qptd_harness.replica.faults import malformed, unclosed
    from qptd_harness.replica.render import article_page

    portal = Portal(120, seed=1)
    transform = malformed if damage == "malformed" else unclosed
    for i in range(120):
        truth = portal.truth(i)
        html = transform(article_page(portal, i))
        item = extract_item(html, truth["url"], CRAWLED_AT)
        assert item is not None
        for field in ("title", "lead", "body", "authors", "images", "signature_raw"):
            assert item[field] == truth[field], (i, field)


@pytest.mark.parametrize(
    "css",
    [
        ArticlePage.TITLE,
        f"{ArticlePage.BREADCRUMB}::attr(href), nav a::attr(href)",
        ArticlePage.KEYWORDS,
        ArticlePage.DATE_MICRODATA,
    ],
)
@pytest.mark.parametrize("name", ARTICLE_FIXTURES[:6])
def test_compiled_selectors_match_what_parsel_matches(name: str, css: str) -> None:
    page = ArticlePage(page_html(name), MANIFEST[name]["url"])
    ours = compiled(css)(page.document)
    theirs = page.selector.css(css)
    assert [getattr(x, "tag", x) for x in ours] == [getattr(s.root, "tag", s.root) for s in theirs]


@pytest.mark.parametrize("name", ARTICLE_FIXTURES)
def test_walked_matches_equal_what_parsel_matches(name: str) -> None:
    """The body and its noise are matched by walking the tree (cheaper than XPath); they
    must match what the CSS they stand for matches."""
    page = ArticlePage(page_html(name), MANIFEST[name]["url"])
    attribute, value = ArticlePage.BODY_MICRODATA
    theirs = page.selector.css(f"article [{attribute}={value}]")
    body = first_with(page.root, attribute, value)
    assert (body is None) == (not theirs)
    if body is None:
        return
    assert body is theirs[0].root
    noise_css = ", ".join(
        [
            *sorted(ArticlePage.NOISE_TAGS),
            *(f"[id^={prefix}]" for prefix in ArticlePage.NOISE_ID_PREFIXES),
            *(f".{name}" for name in sorted(ArticlePage.NOISE_CLASSES)),
        ]
    )
    expected = [s.root for s in Selector(root=body, type="html").css(noise_css)]
    found = with_tag_or_class(
        body, ArticlePage.NOISE_TAGS, ArticlePage.NOISE_CLASSES, ArticlePage.NOISE_ID_PREFIXES
    )
    assert found == expected
    if name.startswith("replica-"):
        assert found  # the replica's bodies open with a style block, as the portal's do


def test_compiled_strings_are_plain_str_and_missing_roots_match_nothing() -> None:
    name = next(n for n in ARTICLE_FIXTURES if n.startswith("replica-"))
    page = ArticlePage(page_html(name), MANIFEST[name]["url"])
    hrefs = strings(page.document, "nav a::attr(href)")
    assert hrefs
    # lxml's "smart" strings keep a reference to their whole document.
    assert all(type(h) is str for h in hrefs)
    assert select(None, "p") == []
    assert strings(None, "a::attr(href)") == []
    assert text_of(select(page.document, "h1")) == page.title()


def test_a_page_nested_a_thousand_deep_is_read_without_recursion() -> None:
    """Issue 11: 1,000 nested divs ended in a RecursionError (a traceback in `qptd extract`,
    a page neither exported nor recorded as failed in a crawl)."""
    depth = 1500
    html = (
        '<html><body><article class="news-detail-layout-type-2">'
        '<h1 class="title-detail" itemprop="headline">Tiêu đề</h1>'
        '<div class="content-detail" itemprop="articleBody">'
        + "<div>" * depth
        + "<p>Đoạn văn thứ nhất nằm rất sâu.</p><p>Đoạn văn thứ hai.</p>"
        + "</div>" * depth
        + '</div><div class="rating">x</div></article></body></html>'
    )
    item = extract_item(html, "https://quocphongthudo.vn/a/b.html", CRAWLED_AT)
    assert item is not None
    assert item["body"] == "Đoạn văn thứ nhất nằm rất sâu.\n\nĐoạn văn thứ hai."


def test_a_callback_that_raises_becomes_a_failure_record() -> None:
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse

    from qptd_spider.crawl.spidermiddlewares import ParseErrorMiddleware

    recorded: list[tuple[str, str]] = []
    spider = SimpleNamespace(record_parse_error=lambda r, e: recorded.append((r.url, e)))
    middleware = ParseErrorMiddleware(SimpleNamespace(spider=spider))  # type: ignore[arg-type]
    response = HtmlResponse("https://quocphongthudo.vn/a/b.html", body=b"<html></html>")
    assert list(middleware.process_spider_exception(response, RecursionError("too deep"))) == []
    assert recorded == [("https://quocphongthudo.vn/a/b.html", "RecursionError: too deep")]


HANDWRITTEN = json.loads((PAGES / "handwritten-expectations.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "field",
    [
        "authors",
        "author",
        "position",
        "source",
        "published_at",
        "published_at_precision",
        "published_at_source",
    ],
)
@pytest.mark.parametrize("name", sorted(k for k in HANDWRITTEN if not k.startswith("_")))
def test_handwritten_pages_against_expectations_written_by_hand(name: str, field: str) -> None:
    """Independent of `make fixtures`: a refresh cannot bless a regression here."""
    assert extracted(name)[field] == HANDWRITTEN[name][field]


@pytest.mark.parametrize(
    ("field", "covered"),
    [
        ("title", True),
        ("lead", True),
        ("body", True),
        ("published_at", False),
        ("author", False),
        ("category", False),
        ("images", False),
        ("keywords", False),
    ],
)
def test_content_hash_covers_title_lead_and_body_and_nothing_else(
    field: str, covered: bool
) -> None:
    item = dict(page_expected(ARTICLE_FIXTURES[0]))
    before = content_hash(item)
    changed = dict(item, **{field: ["khác"] if isinstance(item[field], list) else "khác"})
    assert (content_hash(changed) != before) is covered
    # ... and the stored hash is the one of the stored text.
    assert item["content_hash"] == before


@pytest.mark.parametrize(
    ("header", "meta", "published", "source", "precision"),
    [
        # The header and a head meta disagree: the date the page shows its readers wins
        # (the meta is the CMS's save time), the meta is kept beside it.
        (
            "Thứ năm, 30/10/2025 | 10:31",
            "2025-10-29T08:00:00+07:00",
            "2025-10-30T10:31:00+07:00",
            "header",
            "minute",
        ),
        # A header of day precision is refined only by a meta of that same day...
        (
            "Thứ năm, 30/10/2025",
            "2025-10-30T10:31:05+07:00",
            "2025-10-30T10:31:05+07:00",
            "meta",
            "second",
        ),
        # ...a meta of another day does not replace it.
        (
            "Thứ năm, 30/10/2025",
            "2025-10-27T10:31:05+07:00",
            "2025-10-30T00:00:00+07:00",
            "header",
            "day",
        ),
    ],
)
def test_the_header_date_is_preferred_over_a_head_meta_that_disagrees(
    header: str, meta: str, published: str, source: str, precision: str
) -> None:
    html = (
        page_html("handwritten-author-box-reprint")
        .replace("Thứ năm, 30/10/2025 | 10:31", header)
        .replace("</head>", f'<meta property="article:published_time" content="{meta}"></head>', 1)
    )
    page = ArticlePage(html, "https://quocphongthudo.vn/quoc-te/x.html")
    decided = page.published()
    assert decided is not None
    assert (decided.isoformat(), decided.source, decided.precision) == (
        published,
        source,
        precision,
    )
    machine = page.machine_published()
    assert machine is not None and machine.isoformat() == meta
