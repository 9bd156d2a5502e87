"""The crawl's two policies, tested directly: which articles are fetched again (and how), and
what happens to a page that failed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from qptd_spider.crawl.failures import FailureLog, FailurePolicy
from qptd_spider.crawl.incremental import IncrementalPolicy
from qptd_spider.crawl.state import CrawlState
from qptd_spider.fileio import read_json_lines
from qptd_spider.pages import ListingEntry, ListingHint, Pagination
from qptd_spider.spiders.paging import stop_reason

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OLD = "2026-01-01T08:00:00+07:00"  # months before NOW
YOUNG = "2026-11-18T08:00:00+07:00"  # two days before NOW


@pytest.fixture
def state(tmp_path: Path) -> Any:
    state = CrawlState(tmp_path / "s.sqlite")
    yield state
    state.close()


def _policy(state: CrawlState, **kwargs: Any) -> IncrementalPolicy:
    return IncrementalPolicy(state, recheck_days=7, now=NOW, **kwargs)


def _held(*rows: tuple[str, str | None]) -> dict[str, datetime | None]:
    """What the dataset holds, as its version's index gives it: URL → publication time."""
    return {url: datetime.fromisoformat(when) if when else None for url, when in rows}


@pytest.mark.parametrize(
    ("setup", "waiting", "full", "expected"),
    [
        ("unknown", (), False, ("new", True, {})),
        ("merged_old", (), False, ("known", False, {})),
        ("merged_young", (), False, ("recheck", True, {"If-None-Match": '"e"'})),
        ("journaled_by_waiting_run", ("run-1",), False, ("journaled", False, {})),
        # A run that failed its health check (or whose journal is gone) is not waiting.
        ("journaled_by_waiting_run", (), False, ("new", True, {})),
        ("fetched_not_merged", (), False, ("new", True, {})),
        ("merged_old", (), True, ("new", True, {})),
        ("merged_no_date", (), False, ("recheck", True, {"If-None-Match": '"e"'})),
    ],
)
def test_incremental_decisions(
    state: CrawlState,
    setup: str,
    waiting: tuple[str, ...],
    full: bool,
    expected: tuple[str, bool, dict[str, str]],
) -> None:
    url = "https://x.vn/a.html"
    held = {}
    if setup == "merged_old":
        held = _held((url, OLD))
    elif setup == "merged_young":
        state.record_fetch(url, YOUNG, '"e"', None)
        held = _held((url, YOUNG))
    elif setup == "merged_no_date":
        state.record_fetch(url, None, '"e"', None)
        held = _held((url, None))
    elif setup == "journaled_by_waiting_run":
        state.record_fetch(url, OLD, None, None)
        state.mark_journaled(url, "run-1")
    elif setup == "fetched_not_merged":
        state.record_fetch(url, OLD, None, None)
    decision = _policy(state, full=full, waiting_runs=waiting, held=held).decide(url)
    assert (decision.reason, decision.fetch, decision.headers) == expected


def test_paging_stops_only_on_merged_old_articles(state: CrawlState) -> None:
    held = _held(("https://x.vn/old.html", OLD), ("https://x.vn/young.html", YOUNG))
    policy = _policy(state, held=held)
    assert policy.is_known_and_old("https://x.vn/old.html")
    assert not policy.is_known_and_old("https://x.vn/young.html")
    assert not policy.is_known_and_old("https://x.vn/new.html")
    assert not _policy(state, full=True, held=held).is_known_and_old("https://x.vn/old.html")


def test_what_the_dataset_holds_comes_from_the_dataset_not_the_crawl_state(
    state: CrawlState,
) -> None:
    """An article fetched and journaled by a run merged since, that the dataset no longer
    holds (a rollback took it out): fetched again, whatever the crawl state remembers."""
    url = "https://x.vn/a.html"
    state.record_fetch(url, OLD, '"e"', None)
    state.mark_journaled(url, "run-1")  # run-1 is merged: not among the waiting runs
    assert _policy(state, held=_held((url, OLD))).decide(url).reason == "known"
    decision = _policy(state, held={}).decide(url)
    assert (decision.reason, decision.fetch, decision.headers) == ("new", True, {})
    # The date the dataset holds decides the re-check, not the one the crawl read.
    state.record_fetch(url, YOUNG, None, None)
    assert _policy(state, held=_held((url, OLD))).decide(url).reason == "known"


def test_a_category_read_to_its_end_before_a_rollback_is_paged_again(state: CrawlState) -> None:
    """A rollback may have taken out articles that lie past a page of known articles."""
    state.mark_category_complete("quoc-te", "run-1")
    with sqlite3.connect(state.path) as db:
        (stamp,) = db.execute("SELECT completed_at FROM categories").fetchone()
    completed = datetime.fromisoformat(stamp)
    assert _policy(state).category_complete("quoc-te")
    assert _policy(state, shrunk_at=completed - timedelta(seconds=1)).category_complete("quoc-te")
    assert not _policy(state, shrunk_at=completed).category_complete("quoc-te")


def test_a_policy_without_state_fetches_everything() -> None:
    policy = IncrementalPolicy(None)
    assert policy.decide("https://x.vn/a.html").fetch
    policy.record_fetch("https://x.vn/a.html", None, None, None)  # nothing to remember
    assert policy.pending() == []


# -- failures ------------------------------------------------------------------------------


def _failure_policy(tmp_path: Path, state: CrawlState | None = None, **kwargs: Any) -> Any:
    stats = MemoryStatsCollector(get_crawler(Spider))
    log = FailureLog(tmp_path / "failures.jsonl", state, run_id="run-1")
    return FailurePolicy(log, stats, retry_times=2, **kwargs), stats


def _article(url: str, hint: ListingHint | None = None, retries: int = 0) -> Request:
    return Request(
        url,
        cb_kwargs={"hint": hint or ListingHint()},
        meta={"qptd_page": "article", "retry_times": retries},
    )


SPIDER = Spider.from_crawler(get_crawler(Spider, {"RETRY_TIMES": 2}), name="t")


@pytest.mark.parametrize(
    ("kind", "hint", "listed", "insist", "retried"),
    [
        ("http_503", None, False, False, False),  # Scrapy's own retries handled it
        ("truncated", None, False, False, True),
        ("redirect_loop", None, False, False, True),
        ("soft_404", None, False, False, False),  # a related link to a removed article
        ("soft_404", ListingHint(article_id="a" * 24), False, False, True),  # listed
        ("soft_404", None, True, False, True),  # seen on a list page
        ("soft_404", None, False, True, True),  # a retry-failed run insists
        ("not_article", None, False, False, False),
    ],
)
def test_which_failures_the_spider_retries(
    tmp_path: Path,
    kind: str,
    hint: ListingHint | None,
    listed: bool,
    insist: bool,
    retried: bool,
) -> None:
    policy, _ = _failure_policy(tmp_path, is_listed=lambda key: listed, insist=insist)
    assert policy.worth_retrying(_article("https://x.vn/a.html", hint), kind) is retried


def test_retries_end_in_a_failure_record(tmp_path: Path, state: CrawlState) -> None:
    policy, stats = _failure_policy(tmp_path, state)
    request = _article("https://x.vn/a.html?categoryId=1")
    retry = policy.handle(request, "truncated", "page ends before its end", SPIDER)
    assert retry is not None and retry.meta["retry_times"] == 1
    again = policy.handle(retry, "truncated", "page ends before its end", SPIDER)
    assert again is not None and again.meta["retry_times"] == 2
    assert policy.handle(again, "truncated", "page ends before its end", SPIDER) is None
    policy.log.close()
    [(_, record)] = list(read_json_lines(tmp_path / "failures.jsonl"))
    assert (record["url"], record["kind"], record["attempts"], record["page"]) == (
        "https://x.vn/a.html?categoryId=1",
        "truncated",
        3,
        "article",
    )
    assert stats.get_value("qptd/retries/truncated") == 2
    assert stats.get_value("qptd/failures/truncated") == 1
    # ... and in the crawl state, for the next crawl.
    [carried] = state.carried_failures(max_runs=3)
    assert (carried.url, carried.kind) == ("https://x.vn/a.html?categoryId=1", "truncated")


def test_a_redirected_page_is_recorded_and_retried_as_first_asked(tmp_path: Path) -> None:
    policy, _ = _failure_policy(tmp_path)
    hop = Request(
        "https://x.vn/__loop__/a/x.html",
        meta={
            "qptd_page": "article",
            "redirect_urls": ["https://x.vn/a.html"],
            "redirect_times": 3,
        },
        cb_kwargs={"hint": ListingHint()},
    )
    retry = policy.handle(hop, "redirect_loop", "max redirections", SPIDER)
    assert retry is not None and retry.url == "https://x.vn/a.html"
    assert not any(k.startswith("redirect_") for k in retry.meta)


def test_listing_failures_keep_their_place_in_the_category(tmp_path: Path) -> None:
    policy, _ = _failure_policy(tmp_path)
    request = Request(
        "http://t/quoc-te?page=4",
        meta={"qptd_page": "listing", "category_path": "quoc-te", "listing_page": 4},
    )
    assert policy.handle(request, "http_500", "500", SPIDER) is None
    policy.log.close()
    [(_, record)] = list(read_json_lines(tmp_path / "failures.jsonl"))
    assert (record["page"], record["category_path"], record["listing_page"]) == (
        "listing",
        "quoc-te",
        4,
    )


def test_a_carried_failure_is_cleared_once_fetched(tmp_path: Path, state: CrawlState) -> None:
    state.record_failure("https://x.vn/a.html", "article", "http_503", "run-0")
    policy, _ = _failure_policy(tmp_path, state)
    assert [c.url for c in policy.carried(max_runs=3)] == ["https://x.vn/a.html"]
    policy.resolved("https://x.vn/other.html")  # never failed: nothing to do
    policy.resolved("https://x.vn/a.html")
    assert state.carried_failures(max_runs=3) == []


def test_a_dead_link_that_a_list_page_shows_later_is_tried_again(tmp_path: Path) -> None:
    policy, _ = _failure_policy(tmp_path)
    link = _article("https://x.vn/a.html")  # reached through a related link first
    assert policy.handle(link, "soft_404", "not found", SPIDER) is None  # no retry: unlisted
    assert policy.relisted("https://x.vn/a.html") is True  # ... then a list page shows it
    assert policy.relisted("https://x.vn/a.html") is False  # once
    assert policy.relisted("https://x.vn/b.html") is False
    policy.log.close()


def test_a_carried_listed_article_is_insisted_on_and_a_carried_link_is_not(
    tmp_path: Path, state: CrawlState
) -> None:
    policy, _ = _failure_policy(tmp_path, state)
    listed = _article("https://x.vn/a.html", ListingHint(article_id="a" * 24))
    assert (
        policy.handle(
            listed.replace(meta={**listed.meta, "retry_times": 9}), "soft_404", "x", SPIDER
        )
        is None
    )
    assert policy.handle(_article("https://x.vn/b.html"), "soft_404", "x", SPIDER) is None
    carried = {c.url: c.listed for c in state.carried_failures(max_runs=3)}
    assert carried == {"https://x.vn/a.html": True, "https://x.vn/b.html": False}
    # The next crawl asks again, with what it knew: the listed one gets retries again.
    again = Request("https://x.vn/a.html", meta={"qptd_page": "article", "qptd_listed": True})
    assert policy.worth_retrying(again, "soft_404")
    link = Request("https://x.vn/b.html", meta={"qptd_page": "article", "qptd_listed": False})
    assert not policy.worth_retrying(link, "soft_404")
    policy.log.close()


def test_paging_may_stop_at_known_pages_only_in_a_category_read_to_its_end(
    state: CrawlState,
) -> None:
    """A killed first crawl never saw the later pages of a category: the next one must."""
    assert not _policy(state).category_complete("quoc-te")
    state.mark_category_complete("quoc-te", "run-1")
    assert _policy(state).category_complete("quoc-te")
    assert not _policy(state, full=True).category_complete("quoc-te")
    assert not IncrementalPolicy(None).category_complete("quoc-te")


def test_a_recheck_sends_both_validators_the_page_gave(state: CrawlState) -> None:
    # A server that sends Last-Modified and no ETag answers 304 only to If-Modified-Since.
    url = "https://x.vn/a.html"
    stamp = "Wed, 18 Nov 2026 01:00:00 GMT"
    state.record_fetch(url, YOUNG, None, stamp)
    held = _held((url, YOUNG))
    assert _policy(state, held=held).decide(url).headers == {"If-Modified-Since": stamp}
    state.record_fetch(url, YOUNG, '"e"', stamp)
    assert _policy(state, held=held).decide(url).headers == {
        "If-None-Match": '"e"',
        "If-Modified-Since": stamp,
    }


def test_a_failure_after_redirects_is_recorded_under_the_url_asked_for(tmp_path: Path) -> None:
    policy, _ = _failure_policy(tmp_path)
    hop = Request(
        "https://x.vn/c.html",
        meta={
            "qptd_page": "article",
            "redirect_urls": ["https://x.vn/a.html", "https://x.vn/b.html"],
            "redirect_times": 2,
        },
        cb_kwargs={"hint": ListingHint()},
    )
    assert policy.handle(hop, "http_500", "500", SPIDER) is None  # not retried by the spider
    policy.log.close()
    [(_, record)] = list(read_json_lines(tmp_path / "failures.jsonl"))
    assert record["url"] == "https://x.vn/a.html"


# -- paging --------------------------------------------------------------------------------


def test_paging_stops_at_the_last_page_not_one_past_it() -> None:
    entries = [ListingEntry("https://x.vn/a.html", "A")]
    pagination = Pagination(page_no=None, total_items=25, items_per_page=10)  # 3 pages
    assert stop_reason(2, entries, ["k"], pagination) is None
    assert stop_reason(3, entries, ["k"], pagination) == "last_page"
    links = Pagination(page_links=("/c?page=2", "/c?page=4"))  # no script: the links say
    assert stop_reason(3, entries, ["k"], links) is None
    assert stop_reason(4, entries, ["k"], links) == "last_page"
