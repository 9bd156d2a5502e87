"""What every page of the portal's CMS shares."""

from __future__ import annotations

from parsel import Selector

from ..normalize.text import clean_whitespace

# The CMS answers a missing page with a small 200 page saying so, not with a 404.
SOFT_404_MARKERS = ("trang không tồn tại", "không tìm thấy trang", "page not found")


def says_not_found(selector: Selector) -> bool:
    """True when the page's text says the page does not exist."""
    text = clean_whitespace(" ".join(selector.css("body ::text").getall())).lower()
    return any(marker in text for marker in SOFT_404_MARKERS)
