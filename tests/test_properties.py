"""Bad input never crashes the parser or the normalizers (property-based, hypothesis)."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qptd_spider.extract import extract_item
from qptd_spider.normalize.dates import parse_date
from qptd_spider.normalize.signature import opens_signature, parse_signature, split_signature
from qptd_spider.normalize.text import clean_metadata, clean_whitespace, name_case
from qptd_spider.pages import ListingPage
from qptd_spider.schema import field_names, rows_to_table, validation_errors
from qptd_spider.urls import PortalUrls
from tests.conftest import ARTICLE_FIXTURES, MANIFEST, page_html

VIETNAMESE = st.text(
    alphabet=st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ ,.-–():/;\n\t\u00a0\u200b")
        + list("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ0123456789")
    ),
    max_size=200,
)
EXAMPLES = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@EXAMPLES
@given(st.one_of(VIETNAMESE, st.text(max_size=200)))
def test_signatures_never_crash_and_never_invent_empty_names(text: str) -> None:
    signature = parse_signature(text)
    assert all(author.name.strip() for author in signature.authors)
    paragraphs = [text, *text.split("\n")]
    body, found = split_signature(paragraphs)
    # The signature is a tail of the paragraphs (or of the last one's text), at most three,
    # opened by a signature line; nothing is lost or added.
    assert " ".join(body + found).split() == " ".join(paragraphs).split()
    kept = max(len(body) - 1, 0)
    assert body[:kept] == paragraphs[:kept]
    assert len(found) <= 3
    assert not found or opens_signature(found[0])


@EXAMPLES
@given(st.one_of(VIETNAMESE, st.text(max_size=80)))
def test_dates_never_crash_and_are_zone_aware(text: str) -> None:
    parsed = parse_date(text)
    if parsed is not None:
        assert parsed.value.utcoffset() is not None
        assert parsed.precision in ("second", "minute", "day")


@EXAMPLES
@given(st.text(max_size=120))
def test_text_normalizers_never_crash(text: str) -> None:
    assert clean_metadata(text) is None or clean_metadata(clean_metadata(text)) == clean_metadata(
        text
    )
    named = name_case(text)
    assert name_case(named) == named  # done once, done
    # Only letter case and spaces change: the same letters in the same order.
    assert "".join(named.split()).casefold() == "".join(clean_whitespace(text).split()).casefold()


@EXAMPLES
@given(st.text(max_size=120))
def test_links_never_crash_the_url_logic(link: str) -> None:
    urls = PortalUrls("http://127.0.0.1:8000")
    target = urls.to_fetch(link)
    assert target is None or target.startswith("http://127.0.0.1:8000/")


def _mutate(html: str, rng: random.Random) -> str:
    """Cut, drop, duplicate or shuffle pieces of a real page."""
    pieces = html.split("<")
    for _ in range(rng.randint(1, 8)):
        if not pieces:
            break
        op = rng.randrange(4)
        k = rng.randrange(len(pieces))
        if op == 0:
            del pieces[k]
        elif op == 1:
            pieces.insert(k, pieces[rng.randrange(len(pieces))])
        elif op == 2:
            pieces[k] = pieces[k][: rng.randint(0, len(pieces[k]))]
        else:
            pieces = pieces[: rng.randint(1, len(pieces))]
    return "<".join(pieces)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ARTICLE_FIXTURES), st.integers(min_value=0, max_value=2**32))
def test_mutated_pages_give_a_valid_item_or_a_reason(name: str, seed: int) -> None:
    html = _mutate(page_html(name), random.Random(seed))
    item = extract_item(html, MANIFEST[name]["url"], "2026-01-01T00:00:00+00:00")
    if item is not None:
        reasons = validation_errors(item)  # what the validation pipeline would reject for
        # Each reason names the field at fault; an item with none goes into Arrow whole.
        fields = {*field_names(), "(item)"}
        assert all(r.split(":", 1)[0].split("/", 1)[0] in fields for r in reasons)
        if not reasons:
            assert rows_to_table([item]).num_rows == 1
    ListingPage(html, MANIFEST[name]["url"]).entries()
    ListingPage(html, MANIFEST[name]["url"]).pagination()


@EXAMPLES
@given(st.binary(max_size=400))
def test_random_bytes_are_not_articles(data: bytes) -> None:
    html = data.decode("utf-8", errors="replace")
    assert (
        extract_item(html, "https://quocphongthudo.vn/a/b.html", "2026-01-01T00:00:00+00:00")
        is None
    )
