"""Which rows are one article: the portal serves some articles under two category paths.

The dataset's key is the canonical URL, but an article of the CMS is its record: the same
24-hex article id (from the page or its list item) under two URLs is one article, and so is
the same text (``content_hash``) under two URLs when neither page gives an id. One of its
URLs is the row's ``url`` and the others are its ``other_urls``:

- a URL already in the dataset keeps being the key (rows stay where users found them);
- else the first URL met in the merge's input (journal order) is the key.

``ArticleKeys`` rewrites incoming rows to their key before the merge compares them, and
gathers every URL an article was met under, so the merged row lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from ..items import article_identity
from ..urls import category_path_of


class ArticleKeys:
    """Article identity for one merge: known rows first, then the runs' rows in order."""

    def __init__(self) -> None:
        self._key_by_identity: dict[str, str] = {}
        self._key_by_url: dict[str, str] = {}
        self._urls: dict[str, set[str]] = {}  # key URL → every other URL of the article

    def know(
        self, url: str, article_id: str | None, content_hash: str | None, others: Iterable[str]
    ) -> None:
        """A row of the current version (its URL is the article's key)."""
        self._key_by_url[url] = url
        for other in others:
            self._key_by_url.setdefault(other, url)
            self._urls.setdefault(url, set()).add(other)
        identity = article_identity(article_id, content_hash)
        if identity is not None:
            self._key_by_identity.setdefault(identity, url)

    def key_of(self, url: str, article_id: str | None, content_hash: str | None) -> str:
        """The URL the article of this row is kept under (and remember ``url`` as one of
        its URLs)."""
        identity = article_identity(article_id, content_hash)
        key = self._key_by_url.get(url)
        if key is None and identity is not None:
            key = self._key_by_identity.get(identity)
        if key is None:
            key = url
        self._key_by_url.setdefault(url, key)
        if identity is not None:
            self._key_by_identity.setdefault(identity, key)
        if url != key:
            self._urls.setdefault(key, set()).add(url)
        return key

    def other_urls(self, key: str) -> list[str]:
        """Every URL but the key that the article was met under, sorted."""
        return sorted(self._urls.get(key, set()) - {key})

    def rekey(self, chunk: pa.Table) -> pa.Table:
        """``chunk`` with each row's ``url`` replaced by its article's key (and its
        ``category_path``, the key's)."""
        urls = chunk["url"].to_pylist()
        ids = chunk["article_id"].to_pylist()
        hashes = chunk["content_hash"].to_pylist()
        others = chunk["other_urls"].to_pylist()
        keys = []
        for url, article_id, digest, listed in zip(urls, ids, hashes, others, strict=True):
            key = self.key_of(url, article_id, digest)
            for other in listed or ():
                self._key_by_url.setdefault(other, key)
                if other != key:
                    self._urls.setdefault(key, set()).add(other)
            keys.append(key)
        if keys == urls:
            return chunk
        paths = [
            path if key == url else category_path_of(key)
            for key, url, path in zip(keys, urls, chunk["category_path"].to_pylist(), strict=True)
        ]
        for name, values in (("url", keys), ("category_path", paths)):
            index = chunk.schema.get_field_index(name)
            chunk = chunk.set_column(
                index, chunk.schema.field(index), pa.array(values, pa.string())
            )
        return chunk

    def with_other_urls(self, table: pa.Table) -> pa.Table:
        """``table`` with every row's ``other_urls`` set to all URLs its article was met
        under (kept from the dataset, listed by the crawl, or merged into it now)."""
        if table.num_rows == 0:
            return table
        values = [self.other_urls(u) for u in table["url"].to_pylist()]
        if values == table["other_urls"].to_pylist():
            return table
        index = table.schema.get_field_index("other_urls")
        field = table.schema.field(index)
        return table.set_column(index, field, pa.array(values, type=field.type))
