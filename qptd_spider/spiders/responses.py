"""Small readings of a response that the spider needs (no parsing of the page itself)."""

from __future__ import annotations

import hashlib

from scrapy import Request
from scrapy.http import Response, TextResponse


def page_text(response: TextResponse) -> str:
    """The page as text. The portal writes UTF-8; a header that says otherwise (a
    misconfigured proxy) would garble every Vietnamese letter, so valid UTF-8 wins."""
    try:
        return response.body.decode("utf-8")
    except UnicodeDecodeError:
        return response.text


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def asked_url(request: Request) -> str:
    """The URL a request first asked for (before redirects)."""
    redirects = request.meta.get("redirect_urls")
    return str(redirects[0]) if redirects else request.url


def was_conditional(response: Response) -> bool:
    """The request asked "has it changed?" (If-None-Match / If-Modified-Since)."""
    request = response.request
    return request is not None and (
        b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers
    )


def digest(key: str) -> bytes:
    """8 bytes standing for a canonical URL in the spider's de-duplication sets: a
    100,000-article crawl keeps ~5 MB of them, not ~20."""
    return hashlib.blake2b(key.encode(), digest_size=8).digest()
