"""Article-level normalizers: pure functions over one item, each doing one job.

Each returns the names of the fields it changed, so the pipeline that wraps it can count
changes in the crawl stats. ``NORMALIZERS`` is the order the pipelines run them in; the
``qptd extract`` tool runs the same list, so what it prints is what a crawl exports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

from .dates import VIETNAM, first_plausible_date
from .disclaimers import disclaimer_source
from .signature import parse_signature
from .text import clean_metadata, clean_whitespace

Item = MutableMapping[str, Any]
Normalizer = Callable[[Item], list[str]]

# Metadata fields get tone marks unified; body text keeps the writer's spelling (NFC only).
METADATA_FIELDS = ("title", "position", "author", "source")
TEXT_FIELDS = (
    "lead",
    "signature_raw",
    "published_at_raw",
    "published_at_displayed_raw",
    "published_at_machine_raw",
)


def _set(item: Item, key: str, value: Any, changed: list[str]) -> None:
    if item.get(key) != value:
        item[key] = value
        changed.append(key)


def normalize_text(item: Item) -> list[str]:
    """NFC and white space everywhere; old-style tone marks in metadata fields."""
    changed: list[str] = []
    for key in METADATA_FIELDS:
        if item.get(key) is not None:
            _set(item, key, clean_metadata(item[key]), changed)
    for key in TEXT_FIELDS:
        if item.get(key) is not None:
            lines = [clean_whitespace(line) for line in str(item[key]).split("\n")]
            _set(item, key, "\n".join(line for line in lines if line) or None, changed)
    body = item.get("body") or ""
    paragraphs = [clean_whitespace(p) for p in body.split("\n\n")]
    _set(item, "body", "\n\n".join(p for p in paragraphs if p), changed)
    _set(item, "category", [c for c in (clean_metadata(x) for x in item["category"]) if c], changed)
    _set(item, "keywords", [k for k in (clean_metadata(x) for x in item["keywords"]) if k], changed)
    images = [
        {"url": img["url"].strip(), "caption": clean_whitespace(img["caption"]) or None}
        if img.get("caption")
        else {"url": img["url"].strip(), "caption": None}
        for img in item["images"]
    ]
    _set(item, "images", images, changed)
    return changed


def normalize_date(item: Item) -> list[str]:
    """``published_at`` from ``published_at_raw`` where the page parser did not decide it
    (rows of an older qptd, items built by hand); never after the crawl. A page's own
    decision (``ArticlePage.published``) is kept: the date is parsed once per article."""
    changed: list[str] = []
    if item.get("published_at") is not None or not item.get("published_at_raw"):
        return changed
    crawled = item.get("crawled_at")
    decided = first_plausible_date(
        [(item.get("published_at_source") or "raw", item["published_at_raw"])],
        datetime.fromisoformat(crawled) if crawled else None,
    )
    if decided is None:
        return changed
    _set(item, "published_at", decided.isoformat(), changed)
    _set(item, "published_at_precision", decided.precision, changed)
    return changed


def set_published_date(item: Item) -> list[str]:
    """``published_date`` and ``published_year``: the calendar day of ``published_at`` in
    Vietnam. A tool that reads times in UTC (DuckDB) would put a day-precision date, stored
    as midnight +07:00, on the day before."""
    changed: list[str] = []
    published = item.get("published_at")
    day = datetime.fromisoformat(published).astimezone(VIETNAM).date() if published else None
    _set(item, "published_date", day.isoformat() if day else None, changed)
    _set(item, "published_year", day.year if day else None, changed)
    return changed


def normalize_signature(item: Item) -> list[str]:
    """``signature_raw`` → ``authors``, ``author``, ``position``, ``source``,
    ``organization``, ``byline_kind``, ``signature_status``; ``source`` may also come from a
    reprint's closing note (the body's last paragraph). Everything comes from stored text:
    stored rows are brought up to a new parser without a re-crawl."""
    changed: list[str] = []
    signature = parse_signature(item.get("signature_raw"))
    authors = signature.authors_as_dicts()
    source = signature.source
    if source is None and not signature.organization:
        # A reprint's closing note names where it is from when no signature does.
        paragraphs = (item.get("body") or "").rsplit("\n\n", 1)
        source = disclaimer_source(paragraphs[-1]) if paragraphs[-1] else None
    _set(item, "authors", authors, changed)
    _set(item, "author", "; ".join(a["name"] for a in authors) or None, changed)
    _set(item, "position", authors[0]["position"] if authors else None, changed)
    _set(item, "source", source, changed)
    _set(item, "organization", signature.organization, changed)
    _set(item, "byline_kind", signature.byline_kind, changed)
    _set(item, "signature_status", signature.status, changed)
    return changed


def content_hash(item: Item) -> str:
    """SHA-256 over the text a reader sees: title, lead and body."""
    text = "\x1f".join(str(item.get(k) or "") for k in ("title", "lead", "body"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def set_content_hash(item: Item) -> list[str]:
    """Fill ``content_hash`` (after every text normalizer has run)."""
    changed: list[str] = []
    _set(item, "content_hash", content_hash(item), changed)
    return changed


NORMALIZERS: tuple[Normalizer, ...] = (
    normalize_text,
    normalize_date,
    set_published_date,
    normalize_signature,
    set_content_hash,
)


def normalize_item(item: Item) -> Item:
    """Run every normalizer in pipeline order (what ``qptd extract`` shows)."""
    for normalizer in NORMALIZERS:
        normalizer(item)
    return item
