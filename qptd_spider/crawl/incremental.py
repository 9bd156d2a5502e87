"""The incremental policy: which articles a crawl fetches again, and how.

Pure decisions over what the dataset holds (the current version's index, read at crawl
start: ``dataset/held.py``) and the crawl state (validators, journals), so they are tested
without a crawl:

- an article the dataset holds and that is older than the re-check window: not fetched;
- an article held by the journal of a run still waiting for ``qptd merge``: not fetched
  (it reaches the dataset with that run);
- an article the dataset holds but that is young: fetched with ``If-None-Match`` /
  ``If-Modified-Since``, so an unchanged page costs a 304;
- anything else, or any article under ``-a full=1``: fetched.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import utc_now
from .state import CrawlState, KnownArticle

DEFAULT_RECHECK_DAYS = 7.0


@dataclass(frozen=True)
class Decision:
    """Whether to fetch an article, and the conditional headers to send if so."""

    fetch: bool
    reason: str  # new | recheck | known | journaled
    headers: dict[str, str] = field(default_factory=dict)
    # The archived copy a 304 would confirm (for the archive's revisit record).
    warc_ref: dict[str, Any] | None = None


class IncrementalPolicy:
    """Decisions of one crawl; ``state`` None means a crawl without memory (all new).
    ``held`` is what the dataset holds: URL (each of an article's URLs) → publication time."""

    def __init__(
        self,
        state: CrawlState | None,
        full: bool = False,
        recheck_days: float = DEFAULT_RECHECK_DAYS,
        waiting_runs: Collection[str] = (),
        now: datetime | None = None,
        held: Mapping[str, datetime | None] | None = None,
        shrunk_at: datetime | None = None,
        held_ids: Collection[str] = (),
    ):
        self.state = state
        self.held: Mapping[str, datetime | None] = held or {}
        # The CMS's ids of the held articles: the same article listed under another path.
        self.held_ids = frozenset(held_ids)
        # When the dataset last lost articles (a rollback): a category read to its end
        # before then may hold, past a page of known articles, articles it no longer has.
        self.shrunk_at = shrunk_at
        self.full = full
        self.recheck_after = (now or utc_now()) - timedelta(days=recheck_days)
        self.waiting_runs = frozenset(waiting_runs)
        self._complete: set[str] | None = None  # read once, when first asked

    def known(self, key: str) -> KnownArticle | None:
        """What the state knows of ``key`` that counts (None under ``full`` or when new)."""
        if self.state is None or self.full:
            return None
        return self.state.get(key)

    def in_dataset(self, key: str) -> bool:
        """The current version holds ``key`` (False under ``full``)."""
        return self.state is not None and not self.full and key in self.held

    def held_under_another_url(self, key: str, article_id: str | None) -> bool:
        """A list item whose CMS id is an article the dataset holds under another URL: the
        same article (its own URL is re-checked when young); False under ``full``."""
        return (
            self.state is not None
            and not self.full
            and article_id is not None
            and article_id in self.held_ids
            and key not in self.held
        )

    def is_journaled(self, known: KnownArticle | None) -> bool:
        """In the journal of a run that will be merged (not a failed, lost or merged run)."""
        return (
            known is not None
            and known.journaled_run is not None
            and known.journaled_run in self.waiting_runs
        )

    def past_recheck(self, key: str) -> bool:
        """In the dataset and older than the re-check window (the dataset's date)."""
        if not self.in_dataset(key):
            return False
        published = self.held[key]
        return published is not None and published < self.recheck_after

    def decide(self, key: str) -> Decision:
        if self.state is None or self.full:
            return Decision(True, "new")
        if self.past_recheck(key):
            return Decision(False, "known")
        known = self.known(key)
        if self.is_journaled(known):
            return Decision(False, "journaled")
        if not self.in_dataset(key):
            return Decision(True, "new")
        headers = {}
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        if known is not None and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return Decision(True, "recheck", headers, known.warc_ref if known else None)

    def is_known_and_old(self, key: str) -> bool:
        """Paging a category can stop at a page made only of such articles."""
        return self.past_recheck(key)

    def category_complete(self, path: str) -> bool:
        """An earlier crawl read this category's list to its end: what lies past a page of
        known articles is known too. Until then (a first crawl, a killed one), page on."""
        if self.state is None or self.full:
            return False
        if self._complete is None:
            self._complete = self.state.complete_categories(after=self.shrunk_at)
        return path in self._complete

    def mark_category_complete(self, path: str, run_id: str) -> None:
        if self.state is not None:
            self.state.mark_category_complete(path, run_id)

    # -- what the crawl remembers for the next one ----------------------------------------

    def record_fetch(
        self,
        key: str,
        published_at: str | None,
        etag: str | None,
        last_modified: str | None,
        warc_ref: dict[str, Any] | None = None,
    ) -> None:
        """A page was fetched and parsed (it waits for the next merge)."""
        if self.state is not None:
            self.state.record_fetch(key, published_at, etag, last_modified, warc_ref=warc_ref)

    def record_not_modified(self, key: str) -> None:
        """A conditional request answered 304: the dataset's copy is current."""
        if self.state is not None:
            self.state.record_fetch(key, None, None, None, changed=False)

    def remember_pending(self, key: str, run_id: str, hint: dict[str, Any] | None) -> None:
        """An article found through a related link or a sitemap, not fetched yet: kept so a
        crawl killed before fetching it does not lose it (list pages are read again anyway)."""
        if self.state is not None:
            self.state.frontier_add(key, run_id, hint)

    def forget_pending(self, key: str) -> None:
        if self.state is not None:
            self.state.frontier_done(key)

    def pending(self) -> list[tuple[str, dict[str, Any] | None]]:
        return self.state.frontier_pending() if self.state is not None else []
