"""What one crawl has found and asked for, so that no page is asked twice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..normalize.dates import finer_reading
from ..urls import category_path_of
from .responses import digest

logger = logging.getLogger(__name__)


class Discovered:
    """Articles seen (at all, and on a list page), categories and list pages asked for, and
    the articles earlier crawls could not get that no list page has shown yet.

    Article keys are canonical URLs, kept as 8-byte digests (``responses.digest``).
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._listed: set[bytes] = set()
        self._categories: set[str] = set()
        self._pages: set[tuple[str, int]] = set()
        # Not yet shown by a list page this crawl: the incremental stop ("all known") waits
        # for them, so that they are found listed again.
        self._carried_unseen: set[str] = set()
        # The CMS's article ids met so far (from list items and pages) → the first article
        # key met with each; and the other keys of an article served under several paths.
        self._by_article_id: dict[str, bytes] = {}
        self._first_keys: dict[bytes, str] = {}
        self._aliases: dict[str, list[str]] = {}
        # The finest date text list pages gave each listed article (``finer_reading``).
        self._list_dates: dict[bytes, str] = {}

    # -- articles ------------------------------------------------------------------------

    def first_sight(self, key: str) -> bool:
        """True the first time an article is met (then it is seen)."""
        d = digest(key)
        if d in self._seen:
            return False
        self._seen.add(d)
        return True

    def unsee(self, key: str) -> None:
        """An article given up on (a dead link) that a list page shows after all."""
        self._seen.discard(digest(key))

    def mark_listed(self, key: str) -> None:
        self._listed.add(digest(key))

    def note_list_date(self, key: str, text: str | None) -> bool:
        """A list page dates ``key`` with ``text``: kept when it is the first or a finer
        reading of the same time; True when it refines one kept before."""
        d = digest(key)
        kept = self._list_dates.get(d)
        if not finer_reading(kept, text):
            return False
        assert text is not None
        self._list_dates[d] = text
        return kept is not None

    def list_date(self, key: str) -> str | None:
        """The finest date text list pages gave ``key`` so far."""
        return self._list_dates.get(digest(key))

    def is_listed(self, key: str) -> bool:
        """Shown by a list page this crawl (not only linked from an article)."""
        return digest(key) in self._listed

    def same_article(self, article_id: str | None, key: str) -> str | None:
        """The key an article with ``article_id`` was first met under, when that is not
        ``key`` (the same article under another path: remembered as its alias); else None."""
        if not article_id:
            return None
        d = digest(key)
        first = self._by_article_id.setdefault(article_id, d)
        if first == d:
            self._first_keys.setdefault(d, key)
            return None
        first_key = self._first_keys.get(first)
        if first_key is None:
            return None
        aliases = self._aliases.setdefault(first_key, [])
        if key not in aliases:
            aliases.append(key)
        return first_key

    def aliases_of(self, key: str) -> list[str]:
        """The other keys of the article first met as ``key``, found so far."""
        return list(self._aliases.get(key, ()))

    # -- categories ----------------------------------------------------------------------

    def new_category(self, path: str) -> bool:
        """True the first time a category is asked for."""
        if path in self._categories:
            return False
        self._categories.add(path)
        return True

    def new_page(self, path: str, page: int) -> bool:
        """True the first time a page of a category list is asked for (a carried page and
        the chain of pages from the menu can both lead to it)."""
        if (path, page) in self._pages:
            return False
        self._pages.add((path, page))
        return True

    # -- articles carried from earlier crawls --------------------------------------------

    def carry(self, url: str) -> None:
        self._carried_unseen.add(url)

    def found_listed(self, keys: list[str]) -> None:
        self._carried_unseen.difference_update(keys)

    def carried_in(self, category_path: str) -> bool:
        """An article of this category (or a subcategory) failed before and was not listed
        yet: paging goes on past known pages to find it."""
        prefix = category_path + "/"
        return any(
            category_path_of(url) == category_path or category_path_of(url).startswith(prefix)
            for url in self._carried_unseen
        )


# Stats of the related-link bounds. Past the depth, links are counted, not a failed limit:
# on a real site they are mostly dead links or articles a list shows later. Past the number
# of new articles beyond the lists, the crawl was cut short: a limit (the health check fails).
TOO_DEEP = "qptd/related/too_deep"
TOO_MANY = "qptd/limits/related_new"
BEYOND_LISTS = "qptd/articles/beyond_lists"


class RelatedBounds:
    """How far related links may lead from what the lists show.

    An article a list page shows is at depth 0, one its related panel links at depth 1, and
    so on. A related link is not followed past ``max_depth``, nor once ``max_new`` articles
    no list has shown were scheduled in this crawl: a site that makes up related articles
    without end must not grow a crawl without end.

    A link not followed is not seen: if a list page shows the article later, it is fetched
    as listed. Hence what is counted (``TOO_DEEP``, ``TOO_MANY``) is the articles not fetched
    *so far* for that reason: a list showing one, or its fetch through a request queued
    earlier, takes it off. Likewise an article beyond the lists that turns out to be a dead
    link (it failed) no longer takes room among the ``max_new``.
    """

    MAX_KEPT = 200_000

    def __init__(
        self, max_depth: int, max_new: int, count: Callable[[str, int], None] = lambda k, n: None
    ):
        self.max_depth = max_depth  # 0: no bound
        self.max_new = max_new  # 0: no bound
        self.count = count
        self._dropped: dict[bytes, str] = {}  # not followed → the stat that counts it
        self._beyond_lists: set[bytes] = set()  # scheduled from a related link, not listed
        self._warned: set[str] = set()

    @property
    def beyond_lists(self) -> int:
        return len(self._beyond_lists)

    def refuse(self, key: str, depth: int) -> str | None:
        """The bound (its setting's name) a related link at ``depth`` passes, else None."""
        if self.max_depth and depth > self.max_depth:
            return self._drop(key, TOO_DEEP, "QPTD_MAX_RELATED_DEPTH", self.max_depth)
        if self.max_new and len(self._beyond_lists) >= self.max_new:
            return self._drop(key, TOO_MANY, "QPTD_MAX_RELATED_NEW", self.max_new)
        return None

    def scheduled(self, key: str) -> None:
        """A related link's article was scheduled: one more beyond the lists."""
        self._beyond_lists.add(digest(key))
        self.count(BEYOND_LISTS, 1)

    def listed(self, key: str) -> None:
        """A list page shows the article: it is not beyond the lists, nor left unfetched."""
        self.fetched(key)
        self.failed(key)

    def fetched(self, key: str) -> None:
        """The article was fetched after all (a request queued before, as in a resumed
        job whose lists were read by the first run): nothing was left out."""
        stat = self._dropped.pop(digest(key), None)
        if stat is not None:
            self.count(stat, -1)

    def failed(self, key: str) -> None:
        """The article could not be had (a dead link): it adds nothing beyond the lists."""
        d = digest(key)
        if d in self._beyond_lists:
            self._beyond_lists.discard(d)
            self.count(BEYOND_LISTS, -1)

    def _drop(self, key: str, stat: str, setting: str, value: int) -> str:
        d = digest(key)
        if d not in self._dropped:
            self.count(stat, 1)
            # Kept to take it off the count if a list shows it later; past this many (a
            # hostile site), not kept: the count can then only be too high, never too low.
            if len(self._dropped) < self.MAX_KEPT:
                self._dropped[d] = stat
        if setting not in self._warned:
            self._warned.add(setting)
            logger.warning(
                "related links go further than %s=%d allows: not followed (counted in the report)",
                setting,
                value,
            )
        return setting
