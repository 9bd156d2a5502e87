"""How an article's body is read, family by family of real markup (issue 21), and the
property that no text of a body is ever lost: every block ends in exactly one of body,
caption, signature or named page furniture. Texts here are invented."""

from __future__ import annotations

import pytest

from qptd_harness.replica import Portal
from qptd_harness.replica.faults import malformed, unclosed
from qptd_harness.replica.render import article_page
from qptd_spider.extract import extract_item
from qptd_spider.pages import ArticlePage
from tests.body_text import body_characters, reading_characters

URL = "https://quocphongthudo.vn/quoc-phong-an-ninh/bai-thu.html"
CRAWLED_AT = "2026-01-01T00:00:00+00:00"
TEXT = "<p>Đơn vị đã tổ chức huấn luyện cho chiến sĩ mới, bảo đảm an toàn tuyệt đối cho người.</p>"
IMAGE = '<p style="text-align:center"><img src="/upload/2001606/20250101/anh_1a2b3.jpg"></p>'


def page(body: str, after_body: str = "", microdata: bool = False) -> str:
    """An article page of the real template's structure around ``body``."""
    attribute = ' itemprop="articleBody"' if microdata else ""
    return (
        '<html><head><meta property="article:published_time" itemprop="datePublished" '
        'content="2025-03-04T08:09:10+0700"></head><body>'
        '<article class="news-detail-layout-type-2"><header><span class="post-date">'
        'Thứ ba, 04/03/2025 <span class="drash">|</span> 08:05</span></header>'
        '<h1 class="title-detail">Tiêu đề thử</h1><div class="brief"><p>QPTĐ-Mở đầu.</p></div>'
        f'<div class="block-core-a5"><div class="content-detail"{attribute}>{body}</div>'
        f'{after_body}<hr></div><div class="rating">Tổng số điểm</div></article></body></html>'
    )


def read(html: str) -> dict[str, object]:
    item = extract_item(html, URL, CRAWLED_AT)
    assert item is not None
    return item


SIGNATURE = '<p style="text-align:right"><strong>Thượng tá NGUYỄN VĂN BÌNH</strong></p>'


@pytest.mark.parametrize(
    ("case", "body", "after", "signature", "body_end"),
    [
        # The body div without microdata is the body (the real CMS), as with it.
        ("no microdata", TEXT + SIGNATURE, "", "Thượng tá NGUYỄN VĂN BÌNH", "cho người."),
        # A view counter after the body is furniture; it never hides the body's signature.
        (
            "view counter box",
            TEXT + SIGNATURE,
            '<div class="author">Lượt xem: 1.234</div>',
            "Thượng tá NGUYỄN VĂN BÌNH",
            "cho người.",
        ),
        # "Tác giả: ..." after the body is an author.
        (
            "author box",
            TEXT,
            '<div class="author">Tác giả: Lê Thị Hoa</div>',
            "Tác giả: Lê Thị Hoa",
            "cho người.",
        ),
        # One paragraph, the name over the affiliation, in bold.
        (
            "name br affiliation",
            TEXT
            + '<p style="text-align:right;"><strong>PGS TS BS Lê Thị Hoa<br/>'
            + "BV Đa khoa tỉnh</strong></p>",
            "",
            "PGS TS BS Lê Thị Hoa\nBV Đa khoa tỉnh",
            "cho người.",
        ),
        # Word-pasted spans and a trailing non-breaking space.
        (
            "pasted spans",
            TEXT + '<p style="text-align:right"><strong><span><span>Trần Văn </span></span>'
            "<span>Hùng</span></strong></p><p>\xa0</p>",
            "",
            "Trần Văn Hùng",
            "cho người.",
        ),
        # A closing disclaimer after the signature stays body text.
        (
            "disclaimer after",
            TEXT
            + SIGNATURE
            + "<p><em>Nội dung chỉ mang tính chất tham khảo, bạn đọc lưu ý.</em></p>",
            "",
            "Thượng tá NGUYỄN VĂN BÌNH",
            "bạn đọc lưu ý.",
        ),
        # Tags and a "read more" line after the signature are furniture.
        (
            "tags after",
            TEXT + SIGNATURE + "<p>Từ khóa: huấn luyện, chiến sĩ mới</p><p>Xem thêm: Bài khác</p>",
            "",
            "Thượng tá NGUYỄN VĂN BÌNH",
            "cho người.",
        ),
        # A right-aligned, italic, bracketed name as the last paragraph: the signature,
        # also right after an image (right-aligned text is never a caption).
        (
            "bracketed name",
            TEXT + '<p style="text-align:right"><em>(Trần Thị Hoa Mai)</em></p>',
            "",
            "(Trần Thị Hoa Mai)",
            "cho người.",
        ),
        (
            "bracketed name after image",
            TEXT + IMAGE + '<p style="text-align:right"><em>(Trần Thị Hoa Mai)</em></p>',
            "",
            "(Trần Thị Hoa Mai)",
            "cho người.",
        ),
    ],
)
def test_signatures_in_every_real_shape(
    case: str, body: str, after: str, signature: str, body_end: str
) -> None:
    html = page(body, after)
    item = read(html)
    assert item["signature_raw"] == signature, case
    assert str(item["body"]).endswith(body_end), case
    reading = ArticlePage(html, URL)
    assert reading_characters(reading) == body_characters(html), case


def test_a_list_item_account_is_never_an_author() -> None:
    related = (
        '<div class="section-list"><article class="item-block"><div class="author">'
        '<a href="/page/AccountLink/home">Admin Cổng thông tin</a></div></article></div>'
    )
    item = read(page(TEXT, related))
    assert item["authors"] == [] and item["signature_raw"] is None


def test_the_displayed_date_is_published_at_and_the_machine_date_is_kept() -> None:
    item = read(page(TEXT))
    assert item["published_at"] == "2025-03-04T08:05:00+07:00"
    assert item["published_at_source"] == "header"
    assert item["published_at_displayed_raw"] == "Thứ ba, 04/03/2025 | 08:05"
    assert item["published_at_machine"] == "2025-03-04T08:09:10+07:00"
    assert item["published_at_machine_raw"] == "2025-03-04T08:09:10+0700"
    # The same minute: the machine date's seconds refine the displayed one.
    same = page(TEXT).replace("08:05</span>", "08:09</span>")
    refined = read(same)
    assert refined["published_at"] == "2025-03-04T08:09:10+07:00"
    assert refined["published_at_precision"] == "second"
    assert refined["published_at_source"] == "meta"


@pytest.mark.parametrize(
    "header",
    ["Thứ 6, 16/09/2022 | 18:00", "Thứ sáu, 16/09/2022 | 18:00", "CN, 18/09/2022 | 18:00"],
)
def test_the_header_date_in_every_form_seen(header: str) -> None:
    html = page(TEXT).replace('Thứ ba, 04/03/2025 <span class="drash">|</span> 08:05', header)
    html = html.replace("2025-03-04T08:09:10+0700", "2022-09-10T10:00:00+07:00")
    item = read(html)
    day = header.split(", ")[1][:2]
    assert item["published_at"] == f"2022-09-{day}T18:00:00+07:00"


def test_a_machine_date_with_a_malformed_dc_date_and_no_colon_offset() -> None:
    html = page(TEXT).replace(
        '<meta property="article:published_time" itemprop="datePublished" '
        'content="2025-03-04T08:09:10+0700">',
        '<meta name="DC.Date" content="2025-03-04+0708:09:10">'
        '<meta itemprop="dateCreated" content="2025-03-04T08:09:10+0700">',
    )
    item = read(
        html.replace("<header>", "<header><!-- no date shown -->").replace(
            'Thứ ba, 04/03/2025 <span class="drash">|</span> 08:05', ""
        )
    )
    # DC.Date is malformed and skipped; dateCreated is read.
    assert item["published_at"] == "2025-03-04T08:09:10+07:00"
    assert item["published_at_machine_raw"] == "2025-03-04T08:09:10+0700"


def test_images_in_figure_article_with_figcaption() -> None:
    body = (
        TEXT
        + '<figure><article><p style="text-align:center;"><img src="/upload/1/20250101/x_1.jpg" />'
        "</p></article><figcaption><p><strong>Chú thích</strong><br/>một dòng nữa</p></figcaption>"
        "</figure>" + TEXT
    )
    item = read(page(body))
    assert item["images"] == [
        {
            "url": "https://quocphongthudo.vn/upload/1/20250101/x_1.jpg",
            "caption": "Chú thích một dòng nữa",
        }
    ]
    assert item["body"].count("Đơn vị đã tổ chức") == 2


def test_a_lead_only_notice_is_an_article_with_an_empty_body() -> None:
    page_ = ArticlePage(page(""), URL)
    assert page_.problem() is None
    assert read(page("<p>\xa0</p>"))["body"] == ""


def test_inline_markup_adds_no_space() -> None:
    item = read(
        page(
            "<p><span>Nghe kém thường bắt đầu ở tuổi 30</span><span>. Tám mươi</span>"
            "<span>% người cao tuổi</span></p>"
        )
    )
    assert item["body"] == "Nghe kém thường bắt đầu ở tuổi 30. Tám mươi% người cao tuổi"


@pytest.mark.parametrize("template", ["skeleton", "real"])
@pytest.mark.parametrize("damage", [None, malformed, unclosed])
def test_no_block_of_any_replica_page_is_lost(template: str, damage: object) -> None:
    """The property on every page the replica serves, in both templates, whole and as tag
    soup: the characters of the body region equal those the parser placed."""
    portal = Portal(120, seed=7, template=template)
    for i in range(120):
        html = article_page(portal, i)
        if damage is not None:
            html = damage(html)  # type: ignore[operator]
        reading = ArticlePage(html, portal.truth(i)["url"])
        assert reading.problem() is None, (i, reading.problem())
        assert reading_characters(reading) == body_characters(html), i
