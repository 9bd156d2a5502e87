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

from qptd_spider.normalize import folding
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


def _letters(text: str) -> str:
    """What cleaning must keep: every character but spaces and zero-width ones, in
    canonical (NFD) order: canonically equal texts have the same letters."""
    kept = "".join(c for c in unicodedata.normalize("NFD", text) if c not in ZERO_WIDTH)
    return unicodedata.normalize("NFD", "".join(c for c in kept if not c.isspace()))


@EXAMPLES
@given(st.one_of(TEXT, st.text(max_size=60)))
def test_clean_whitespace_keeps_its_promises(text: str) -> None:
    """The promises one by one, not a second implementation: NFC, no zero-width character,
    single spaces between words and none at the ends, and nothing else lost or added."""
    out = clean_whitespace(text)
    assert unicodedata.is_normalized("NFC", out)
    assert not set(out) & set(ZERO_WIDTH)
    assert all(c == " " for c in out if c.isspace())
    assert "  " not in out and out == out.strip()
    assert _letters(out) == _letters(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hòa\u00a0bình \n\t ", "Hòa bình"),
        ("Ho\u0300a", "Hòa"),  # decomposed: composed
        ("Ho\u200b\u0300a", "Hòa"),  # a zero-width space between a letter and its mark
        ("Quốc\u3000phòng\u202fThủ\u2009đô", "Quốc phòng Thủ đô"),
        ("a\u00adb\ufeffc", "abc"),
        ("\u200b \u200c", ""),
    ],
)
def test_clean_whitespace_known_values(text: str, expected: str) -> None:
    assert clean_whitespace(text) == expected


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
        patch.setattr(folding, "_NEW_STYLE_CANDIDATE", always)
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


# Image URLs as pages write them: upload folders, names with spaces, accents, escapes, a
# version or tracking query, a fragment; on the portal's hosts and on another one.
IMAGE_URLS = st.builds(
    lambda scheme, host, name, tail: f"{scheme}://{host}/upload/2001606/20240101/{name}.jpg{tail}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["quocphongthudo.vn", "www.qptd.com.vn", "QPTD.com.vn", "cdn.example.org"]),
    st.lists(st.sampled_from([*"aZ09-_.~ Ảnhđ%", "%20", "%7e", "%C3%A1"]), max_size=8).map("".join),
    st.sampled_from(["", "?v=2", "?utm_source=fb", "?utm_source=fb&v=2", "#x"]),
)


def _image_url_by_w3lib(url: str) -> str:
    """What an image URL should become, from w3lib alone: percent-encoded; on the portal
    (any alias) also w3lib's canonical form, tracking query out, on the canonical host."""
    src = safe_url_string(url)
    host = (urlsplit(src).hostname or "").removeprefix("www.")
    if host not in {"quocphongthudo.vn", "qptd.com.vn"}:
        return src
    parts = urlsplit(canonicalize_url(url_query_cleaner(src, ["utm_source"], remove=True)))
    return "https://quocphongthudo.vn" + parts.path + (f"?{parts.query}" if parts.query else "")


class _Item:
    def __init__(self, image_url: str) -> None:
        self.url = "https://quocphongthudo.vn/tin-tuc/a.html"
        self.other_urls: list[str] = []
        self.images = [{"url": image_url}]


@EXAMPLES
@given(IMAGE_URLS)
def test_image_urls_are_percent_encoded_as_w3lib_does(url: str) -> None:
    item = _Item(url)
    canonicalize_item_urls(item, PortalUrls())
    assert item.images[0]["url"] == _image_url_by_w3lib(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.qptd.com.vn/upload/2001606/20240101/Ảnh 1.jpg?utm_source=fb",
            "https://quocphongthudo.vn/upload/2001606/20240101/%E1%BA%A2nh%201.jpg",
        ),
        (
            "http://quocphongthudo.vn/upload/2001606/20240101/a_12345.jpg",
            "https://quocphongthudo.vn/upload/2001606/20240101/a_12345.jpg",
        ),
        ("https://cdn.example.org/a b.jpg#x", "https://cdn.example.org/a%20b.jpg#x"),
    ],
)
def test_image_urls_known_values(url: str, expected: str) -> None:
    item = _Item(url)
    canonicalize_item_urls(item, PortalUrls())
    assert item.images[0]["url"] == expected


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        # A dot below sorts before a hat or breve in NFD ("ặ" = a, dot, breve): the vowel is
        # no plain "a" or "e", and "hoặc" (or) is no open "oa" syllable: it keeps its form,
        # also beside a word that does change (hypothesis found "OỆ").
        ("hoà hoặc", "hòa hoặc"),
        ("khoẻ oệ", "khỏe oệ"),
        ("OỆ", "OỆ"),
    ],
)
def test_tone_placement_known_values(text: str, expected: str) -> None:
    assert old_style_tones(text) == expected
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(folding, "_NEW_STYLE_CANDIDATE", re.compile(""))
        assert old_style_tones(text) == expected
