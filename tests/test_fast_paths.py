"""Shortcuts taken for speed give exactly what the plain definition gives.

Each fast path of the parser and the normalizers is checked against the slow computation it
skips, on generated input built to reach both sides of the shortcut (hypothesis).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector
from w3lib.url import canonicalize_url, safe_url_string, url_query_cleaner

from qptd_spider.normalize import text as text_module
from qptd_spider.normalize.signature import _SENTENCE_CLOSE, is_signature_candidate
from qptd_spider.normalize.text import clean_whitespace, join_clean, old_style_tones
from qptd_spider.pages.common import drop_tree, parse_html
from qptd_spider.urls import (
    TRACKING_QUERY_KEYS,
    PortalUrls,
    canonicalize_item_urls,
    join_url,
    origin_of,
)
from tests.conftest import ARTICLE_FIXTURES, page_html

EXAMPLES = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Letters with and without tone marks (composed and decomposed), every kind of space the CMS
# leaves, zero-width characters, combining marks alone, punctuation.
TEXT = st.text(
    alphabet=st.sampled_from(
        list("aăâeêioôơuưyAĂÂEÊIOÔƠUƯYqQhHđĐ .,!?…:-")
        + list("àáảãạòóỏõọùúủũụèéẻẽẹỳýỷỹỵÒÓÙÚÈÉỲÝ")
        + list("\u0300\u0301\u0309\u0303\u0323\u0302")
        + list("\t\n\r\u00a0\u2009\u202f\u3000\u200b\u200c\ufeff\u00ad\x07")
    ),
    max_size=60,
)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def _clean_by_definition(text: str) -> str:
    """Zero-width characters removed, NFC, white space runs made one space, trimmed (NFC
    after the removal: a removed character may have parted a letter from its mark)."""
    text = "".join(c for c in text if c not in ZERO_WIDTH)
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


@EXAMPLES
@given(st.one_of(TEXT, st.text(max_size=60)))
def test_clean_whitespace_equals_its_definition(text: str) -> None:
    assert clean_whitespace(text) == _clean_by_definition(text)


@EXAMPLES
@given(st.lists(st.one_of(TEXT, st.text(max_size=20)), max_size=6))
def test_joining_text_nodes_equals_cleaning_their_join(pieces: list[str]) -> None:
    assert join_clean(pieces) == clean_whitespace(" ".join(pieces))


@EXAMPLES
@given(TEXT)
def test_tone_placement_shortcut_changes_nothing(text: str) -> None:
    fast = old_style_tones(text)
    always = re.compile("")  # every text a candidate: the full decompose, move, compose
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(text_module, "_NEW_STYLE_CANDIDATE", always)
        assert fast == old_style_tones(text)


@EXAMPLES
@given(TEXT)
def test_sentence_close_is_read_from_the_line_end(line: str) -> None:
    line = clean_whitespace(line)
    along_the_line = bool(re.search(r"[a-zà-ỹđ]{2,}[.!?…]$", line))
    assert bool(_SENTENCE_CLOSE.search(line, max(0, len(line) - 3))) == along_the_line
    if along_the_line:
        assert not is_signature_candidate(line)


PATH_PIECES = st.sampled_from(
    ["a", "tin-tuc", "x.html", "..", ".", "", "%20", "%7e", " ", "\t", "q?x=1", "#f", "Ảnh", "~_"]
)
HREFS = st.lists(PATH_PIECES, max_size=5).map(lambda parts: "/" + "/".join(parts))
PAGES = st.sampled_from(
    [
        "https://quocphongthudo.vn/tin-tuc/bai-viet.html",
        "http://127.0.0.1:8000/a/b/c.html?x=1",
        "https://qptd.com.vn",
    ]
)


@EXAMPLES
@given(PAGES, st.one_of(HREFS, st.text(max_size=20)))
def test_joining_links_equals_urljoin(page: str, href: str) -> None:
    assert join_url(origin_of(page), page, href) == urljoin(page, href)


URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["quocphongthudo.vn", "www.qptd.com.vn", "127.0.0.1:8000", "QPTD.com.vn"]),
    st.one_of(HREFS, st.just("")),
)


@EXAMPLES
@given(URLS)
def test_canonical_paths_equal_w3lib_canonical_form(url: str) -> None:
    parts = urlsplit(canonicalize_url(url_query_cleaner(url, TRACKING_QUERY_KEYS, remove=True)))
    path = re.sub("/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    assert PortalUrls().normalized_path(url) == (path, parts.query)


@EXAMPLES
@given(st.one_of(URLS, st.text(max_size=40)))
def test_portal_hosts_are_read_as_urlsplit_reads_them(url: str) -> None:
    urls = PortalUrls("http://127.0.0.1:8000")
    netloc = urlsplit(url).netloc.rsplit("@", 1)[-1].lower().removeprefix("www.")
    assert urls.is_portal(url) == (netloc in urls.allowed_hosts)


@EXAMPLES
@given(URLS)
def test_image_urls_are_percent_encoded_as_w3lib_does(url: str) -> None:
    class Item:
        def __init__(self) -> None:
            self.url = "https://quocphongthudo.vn/tin-tuc/a.html"
            self.images = [{"url": url}]

    item = Item()
    urls = PortalUrls()
    canonicalize_item_urls(item, urls)
    src = safe_url_string(url)
    assert item.images[0]["url"] == (urls.canonical(src) if urls.is_portal(src) else src)


@pytest.mark.parametrize("name", ARTICLE_FIXTURES)
def test_pages_parse_to_the_tree_parsel_builds(name: str) -> None:
    html = page_html(name)
    ours = parse_html(html)
    theirs = Selector(text=html, type="html").root
    assert etree.tostring(ours, encoding=str) == etree.tostring(theirs, encoding=str)


@pytest.mark.parametrize("html", ["", "   ", "<!-- only a comment -->", "\x00<p>a\x00b</p>"])
def test_empty_and_odd_pages_parse_as_parsel_parses_them(html: str) -> None:
    theirs = Selector(text=html, type="html").root
    assert etree.tostring(parse_html(html)) == etree.tostring(theirs)


@pytest.mark.parametrize(
    "html",
    [
        "<div><p>a</p><script>x</script>tail<p>b</p></div>",
        "<div><script>x</script>tail<p>b</p></div>",
        "<div>lead<style>s</style></div>",
        "<div><p>a</p><audio></audio></div>",
    ],
)
def test_dropping_an_element_keeps_its_tail_as_lxml_html_does(html: str) -> None:
    ours = etree.fromstring(html, etree.HTMLParser())
    theirs = lxml.html.fromstring(html)
    for element in list(ours.iter("script", "style", "audio")):
        drop_tree(element)
    for element in list(theirs.iter("script", "style", "audio")):
        element.drop_tree()
    assert etree.tostring(ours.find(".//div")) == etree.tostring(theirs)
