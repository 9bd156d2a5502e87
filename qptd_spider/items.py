"""The item the spider yields: one article. Its fields mirror ``schemas/article.schema.json``
(a test fails when they drift)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from itemadapter import ItemAdapter


@dataclass
class Author:
    """One person who signed an article (an element of ``authors``)."""

    name: str
    rank: str | None = None
    academic_title: str | None = None
    position: str | None = None
    role: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The author as the ``authors`` field holds it (``dataclasses.asdict`` deep-copies
        each string: a fifth of a signature's normalizing time)."""
        return {name: getattr(self, name) for name in _AUTHOR_FIELDS}


@dataclass
class ArticleItem:
    """One article; handled through itemadapter by pipelines and exporters."""

    url: str
    article_id: str | None = None
    title: str = ""
    lead: str | None = None
    dateline: str | None = None
    body: str = ""
    published_at: str | None = None
    published_at_raw: str | None = None
    published_at_precision: str | None = None
    published_at_source: str | None = None
    published_at_displayed: str | None = None
    published_at_displayed_raw: str | None = None
    published_at_machine: str | None = None
    published_at_machine_raw: str | None = None
    published_date: str | None = None
    published_year: int | None = None
    category: list[str] = field(default_factory=list)
    category_path: str = ""
    other_urls: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    signature_raw: str | None = None
    authors: list[dict[str, Any]] = field(default_factory=list)
    author: str | None = None
    position: str | None = None
    source: str | None = None
    organization: str | None = None
    byline_kind: str | None = None
    signature_status: str | None = None
    crawled_at: str = ""
    content_hash: str = ""
    first_seen: str | None = None
    last_seen: str | None = None
    revision: int | None = None
    parser_version: str | None = None
    warc_record: dict[str, Any] | None = None


_AUTHOR_FIELDS = tuple(f.name for f in fields(Author))
_ITEM_FIELDS = tuple(f.name for f in fields(ArticleItem))


def item_record(item: Any) -> dict[str, Any]:
    """Any item as a plain dict, its lists and their dicts copied (later changes to the item
    do not reach the record).

    ``ArticleItem`` takes a direct path: ``ItemAdapter.asdict`` asks of every list element
    whether it is an item, which costs more per article than all the normalizers together.
    """
    if type(item) is not ArticleItem:
        return ItemAdapter(item).asdict()
    record = {}
    for name in _ITEM_FIELDS:
        value = getattr(item, name)
        if type(value) is list:
            value = [dict(v) if type(v) is dict else v for v in value]
        elif type(value) is dict:
            value = dict(value)
        record[name] = value
    return record


def article_identity(article_id: str | None, content_hash: str | None) -> str | None:
    """What makes two rows one article (the portal serves some under two paths): the CMS's
    id, else the same text; None when neither is known."""
    if article_id:
        return "id:" + article_id
    if content_hash:
        return "text:" + content_hash
    return None
