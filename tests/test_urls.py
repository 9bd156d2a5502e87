from __future__ import annotations

import pytest

from qptd_spider.urls import (
    URL_CACHE_SIZE,
    PortalUrls,
    absolute_links,
    category_path_of,
    is_article_url,
    is_category_url,
)

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
        # An article of the CMS is its path: any query is the same article (issue 22).
        f"https://quocphongthudo.vn{A}?x=0",
        f"https://quocphongthudo.vn{A}?utm_content=top&gclid=abc",
        f"https://quocphongthudo.vn{A}?zarsrc=30&utm_source=zalo&utm_medium=zalo",
    ],
)
def test_aliases_and_tracking_collapse_to_one_canonical_url(url: str) -> None:
    assert REPLICA.canonical(url) == f"https://quocphongthudo.vn{A}"


def test_meaningful_query_is_kept_and_sorted() -> None:
    assert LIVE.canonical("https://qptd.com.vn/quoc-te?page=3&categoryId=1") == (
        "https://quocphongthudo.vn/quoc-te?page=3"
    )
    # Click ids and every utm_* key are tracking on any page, not only on articles.
    tracked = "https://qptd.com.vn/quoc-te?utm_content=a&page=2&gclid=x&zarsrc=1&utm_term=b"
    assert LIVE.canonical(tracked) == "https://quocphongthudo.vn/quoc-te?page=2"


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


PAGE = "https://quocphongthudo.vn/quoc-te/tin-tuc/bai-mot.html"


@pytest.mark.parametrize(
    ("hrefs", "expected"),
    [
        (["/quoc-te"], ["https://quocphongthudo.vn/quoc-te"]),
        ([" /quoc-te/ "], ["https://quocphongthudo.vn/quoc-te/"]),
        (["bai-hai.html"], ["https://quocphongthudo.vn/quoc-te/tin-tuc/bai-hai.html"]),
        (["../khac.html"], ["https://quocphongthudo.vn/quoc-te/khac.html"]),
        (["/a/../b"], ["https://quocphongthudo.vn/b"]),
        (["//qptd.com.vn/x"], ["https://qptd.com.vn/x"]),
        (["http://qptd.com.vn/y"], ["http://qptd.com.vn/y"]),
        (["", "   ", "/a", "/a", " /a"], ["https://quocphongthudo.vn/a"]),
        (["/b", "/a", "/b"], ["https://quocphongthudo.vn/b", "https://quocphongthudo.vn/a"]),
    ],
)
def test_absolute_links_join_like_urljoin_once_each_in_page_order(
    hrefs: list[str], expected: list[str]
) -> None:
    assert absolute_links(PAGE, hrefs) == expected


def test_root_relative_links_keep_the_host_of_their_page() -> None:
    # The join cache is keyed by site: the same href on another host is another URL.
    assert absolute_links("http://127.0.0.1:8123/x/y.html", ["/quoc-te"]) == [
        "http://127.0.0.1:8123/quoc-te"
    ]
    assert absolute_links("https://qptd.com.vn/x", ["/quoc-te"]) == ["https://qptd.com.vn/quoc-te"]


def test_url_caches_stay_bounded() -> None:
    urls = PortalUrls("http://127.0.0.1:8123")
    for i in range(URL_CACHE_SIZE + 50):
        assert urls.to_fetch(f"/muc/bai-{i}.html") == f"http://127.0.0.1:8123/muc/bai-{i}.html"
        assert urls.canonical(f"http://127.0.0.1:8123/muc/bai-{i}.html?categoryId=1") == (
            f"http://127.0.0.1:8123/muc/bai-{i}.html"
        )
    assert urls._to_fetch.cache_info().currsize == URL_CACHE_SIZE
    assert urls._canonical.cache_info().currsize == URL_CACHE_SIZE
    # An evicted URL is computed again, to the same answer.
    assert urls.to_fetch("/muc/bai-0.html") == "http://127.0.0.1:8123/muc/bai-0.html"


def test_url_caches_belong_to_their_instance() -> None:
    a, b = PortalUrls("http://127.0.0.1:1"), PortalUrls("http://127.0.0.1:2")
    assert a.to_fetch("/quoc-te") == "http://127.0.0.1:1/quoc-te"
    assert b.to_fetch("/quoc-te") == "http://127.0.0.1:2/quoc-te"
