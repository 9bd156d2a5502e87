from __future__ import annotations

import pytest

from qptd_spider.urls import PortalUrls, category_path_of, is_article_url, is_category_url

LIVE = PortalUrls("https://quocphongthudo.vn", "https://quocphongthudo.vn")
REPLICA = PortalUrls("http://127.0.0.1:8123", "https://quocphongthudo.vn")
A = "/thoi-su-chinh-tri/thanh-pho-ha-noi/hoc-tap.html"


@pytest.mark.parametrize(
    "url",
    [
        f"https://quocphongthudo.vn{A}",
        f"http://quocphongthudo.vn{A}",
        f"https://www.quocphongthudo.vn{A}",
        f"https://qptd.com.vn{A}",
        f"http://quocphongthudo.com.vn{A}",
        f"https://QPTD.com.vn{A}",
        f"https://quocphongthudo.vn{A}?categoryId=5a1b",
        f"https://quocphongthudo.vn{A}#comments",
        "https://quocphongthudo.vn/thoi-su-chinh-tri//thanh-pho-ha-noi/hoc-tap.html",
        f"https://quocphongthudo.vn{A}?utm_source=fb&categoryId=1",
        f"http://127.0.0.1:8123{A}?categoryId=9",
    ],
)
def test_aliases_and_tracking_collapse_to_one_canonical_url(url: str) -> None:
    assert REPLICA.canonical(url) == f"https://quocphongthudo.vn{A}"


def test_meaningful_query_is_kept_and_sorted() -> None:
    assert LIVE.canonical("https://qptd.com.vn/quoc-te?page=3&categoryId=1") == (
        "https://quocphongthudo.vn/quoc-te?page=3"
    )


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (A, f"http://127.0.0.1:8123{A}"),
        (f"https://qptd.com.vn{A}?categoryId=1", f"http://127.0.0.1:8123{A}"),
        ("https://tapchiqptd.vn/quoc-phong/x.html", None),  # a different magazine
        ("https://example.com/a.html", None),
        ("javascript:void(0);", None),
        ("mailto:toasoan@example.com", None),
        ("//other-host.example/x.html", None),  # protocol-relative: another host
    ],
)
def test_links_are_fetched_from_the_crawl_target_only(link: str, expected: str | None) -> None:
    assert REPLICA.to_fetch(link) == expected


def test_bad_base_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="base_url"):
        PortalUrls("quocphongthudo.vn")


@pytest.mark.parametrize(
    ("url", "article", "category", "path"),
    [
        (f"https://x.vn{A}", True, False, "thoi-su-chinh-tri/thanh-pho-ha-noi"),
        ("https://x.vn/quoc-phong-an-ninh/giao-ban.html", True, False, "quoc-phong-an-ninh"),
        ("https://x.vn/the-thao/trong-nuoc", False, True, "the-thao/trong-nuoc"),
        ("https://x.vn/quoc-te", False, True, "quoc-te"),
        ("https://x.vn/upload/2001606/a.jpg", False, False, "upload/2001606/a.jpg"),
        ("https://x.vn/", False, False, ""),
    ],
)
def test_page_kinds(url: str, article: bool, category: bool, path: str) -> None:
    assert is_article_url(url) is article
    assert is_category_url(url) is category
    assert category_path_of(url) == path
