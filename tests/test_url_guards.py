"""URL rules that survived the mutation run of urls.py (issue 22, docs/TESTING.md): each row
is a change to urls.py that no other test noticed. Expected values are written by hand."""

from __future__ import annotations

import pytest

from qptd_spider.urls import PortalUrls, is_category_url

PAGE = "https://quocphongthudo.vn/tin-tuc/a.html"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        # A relative link is resolved against the page it is on, not the site's root.
        ("b.html", "https://quocphongthudo.vn/tin-tuc/b.html"),
        # https links of the portal (any alias) are fetched, on the crawl target.
        ("https://www.qptd.com.vn/tin-tuc/c.html", "https://quocphongthudo.vn/tin-tuc/c.html"),
        # A list page's query (its page number) is kept; tracking keys go.
        ("/tin-tuc?page=2&utm_source=x", "https://quocphongthudo.vn/tin-tuc?page=2"),
        # Another scheme on the portal's host is not a page to fetch.
        ("ftp://quocphongthudo.vn/tin-tuc/a.html", None),
        ("mailto:bbt@quocphongthudo.vn", None),
        ("https://example.org/tin-tuc/a.html", None),
    ],
)
def test_links_to_fetch(href: str, expected: str | None) -> None:
    assert PortalUrls().to_fetch(href, base=PAGE) == expected


@pytest.mark.parametrize(
    ("url", "category"),
    [
        ("https://quocphongthudo.vn/tin-tuc", True),
        ("https://quocphongthudo.vn/upload/abc", False),  # the CMS's uploads, not a list
        ("https://quocphongthudo.vn/Upload/abc", False),  # in any case
    ],
)
def test_non_content_folders_are_no_category(url: str, category: bool) -> None:
    assert is_category_url(url) is category


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # An article is its path: whatever query follows is not part of its canonical URL.
        ("https://qptd.com.vn/tin-tuc/a.html?x=0", "https://quocphongthudo.vn/tin-tuc/a.html"),
        ("https://quocphongthudo.vn/tin-tuc/a.html/", "https://quocphongthudo.vn/tin-tuc/a.html"),
        # A list page keeps its page number.
        ("https://quocphongthudo.vn/tin-tuc/?page=2", "https://quocphongthudo.vn/tin-tuc?page=2"),
    ],
)
def test_canonical_urls(url: str, expected: str) -> None:
    assert PortalUrls().canonical(url) == expected
