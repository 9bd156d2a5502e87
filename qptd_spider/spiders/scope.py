"""What a crawl may take: the categories asked for, the ``since`` day, ``max_articles``, and
the limits that keep a broken or hostile site from running a crawl for ever."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from ..normalize.dates import VIETNAM, parse_date
from ..urls import category_path_of
from .arguments import SpiderArguments

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class CrawlScope:
    args: SpiderArguments
    max_list_pages: int = 5000
    max_links: int = 200
    count: Callable[[str], None] = lambda key: None
    scheduled: int = 0
    menu_categories: set[str] = field(default_factory=set)

    def wanted(self, url: str) -> bool:
        """In the categories asked for (all when none were)."""
        if not self.args.categories:
            return True
        path = category_path_of(url)
        return any(path == c or path.startswith(c + "/") for c in self.args.categories)

    def limit_reached(self) -> bool:
        limit = self.args.max_articles
        return limit is not None and self.scheduled >= limit

    def listed_before_since(self, raw: str | None) -> bool:
        """A list entry's date text says it is older than ``since``."""
        if self.args.since is None:
            return False
        parsed = parse_date(raw)
        return parsed is not None and parsed.value.astimezone(VIETNAM).date() < self.args.since

    def published_before_since(self, published_at: str | None) -> bool:
        """An article's decided date (ISO) is older than ``since`` (unknown: not older)."""
        if self.args.since is None or published_at is None:
            return False
        day: date = datetime.fromisoformat(published_at).astimezone(VIETNAM).date()
        return day < self.args.since

    def capped(self, links: list[T], what: str) -> list[T]:
        """At most ``QPTD_MAX_LINKS_PER_PAGE`` links of one kind from one page."""
        if self.max_links and len(links) > self.max_links:
            self.count("qptd/limits/links_per_page")
            logger.warning(
                "a page has %d %s; taking the first %d (QPTD_MAX_LINKS_PER_PAGE)",
                len(links),
                what,
                self.max_links,
            )
            return links[: self.max_links]
        return links

    def note_menu(self, categories: Iterable[str]) -> None:
        """The menu's categories: a category asked for that is not there is said at once."""
        before = bool(self.menu_categories)
        self.menu_categories.update(categories)
        if before or not self.menu_categories:
            return
        for wanted in self.args.categories:
            if not any(k == wanted or k.startswith(wanted + "/") for k in self.menu_categories):
                self.count("qptd/arguments/unknown_category")
                logger.error(
                    "no category %r on the portal's menu (it has: %s)",
                    wanted,
                    ", ".join(sorted(k for k in self.menu_categories if "/" not in k)),
                )

    def as_dict(self) -> dict[str, Any]:
        return {"max_list_pages": self.max_list_pages, "max_links": self.max_links}
