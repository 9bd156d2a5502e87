"""The crawl state on its own: articles, the run that journaled them, failures carried to
the next crawl, the frontier of pages found but not fetched."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from qptd_spider.crawl.state import CrawlState


def test_round_trip_of_an_article(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.record_fetch("https://x.vn/a.html", "2025-01-01T00:00:00+07:00", '"e1"', None)
    known = state.get("https://x.vn/a.html")
    assert known is not None and known.etag == '"e1"'
    state.mark_journaled("https://x.vn/a.html", "run-1")
    state.record_fetch("https://x.vn/a.html", None, None, None, changed=False)  # a 304
    assert state.get("https://x.vn/a.html").journaled_run == "run-1"  # type: ignore[union-attr]
    state.record_fetch("https://x.vn/a.html", None, '"e2"', None)  # changed: journal again
    known = state.get("https://x.vn/a.html")
    assert known is not None and known.journaled_run is None and known.etag == '"e2"'
    assert known.published_at == datetime.fromisoformat("2025-01-01T00:00:00+07:00")
    assert state.counts() == {"known": 1}
    state.close()


def test_journaled_articles_name_their_run(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.record_fetch("https://x.vn/a.html", None, None, None)
    state.mark_journaled("https://x.vn/a.html", "run-1")
    assert state.get("https://x.vn/a.html").journaled_run == "run-1"  # type: ignore[union-attr]
    state.close()


def test_a_state_file_of_an_older_qptd_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "crawl-state.sqlite"
    old = sqlite3.connect(path)  # the layout before the journal existed (no `journaled`)
    old.execute(
        "CREATE TABLE articles (url TEXT PRIMARY KEY, published_at TEXT, etag TEXT, "
        "last_modified TEXT, last_fetched TEXT, merged INTEGER NOT NULL DEFAULT 0)"
    )
    old.execute("INSERT INTO articles (url, merged) VALUES ('https://x.vn/old.html', 1)")
    old.commit()
    old.close()
    state = CrawlState(path)
    known = state.get("https://x.vn/old.html")
    assert known is not None and known.journaled_run is None
    state.record_fetch("https://x.vn/new.html", None, None, None)
    state.mark_journaled("https://x.vn/new.html", "r")
    assert state.get("https://x.vn/new.html").journaled_run == "r"  # type: ignore[union-attr]
    assert state.counts() == {"known": 2}
    state.close()
    CrawlState(path).close()  # opening an upgraded file again changes nothing


def test_failures_are_counted_once_per_run_and_cleared_when_fetched(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.record_failure("https://x.vn/a.html", "article", "http_503", "run-1")
    state.record_failure("https://x.vn/a.html", "article", "timeout", "run-1")  # same run
    state.record_failure("http://t/cat?page=3", "listing", "http_500", "run-1", "cat", 3)
    carried = state.carried_failures(max_runs=3)
    assert [(c.url, c.kind, c.runs) for c in carried] == [
        ("http://t/cat?page=3", "http_500", 1),  # list pages first
        ("https://x.vn/a.html", "timeout", 1),
    ]
    assert (carried[0].category_path, carried[0].listing_page) == ("cat", 3)
    state.record_failure("https://x.vn/a.html", "article", "timeout", "run-2")
    state.record_failure("https://x.vn/a.html", "article", "timeout", "run-3")
    # Failed in three runs: the next crawls give up on it.
    assert [c.url for c in state.carried_failures(max_runs=3)] == ["http://t/cat?page=3"]
    state.clear_failure("http://t/cat?page=3")
    assert state.carried_failures(max_runs=3) == []
    state.close()


def test_the_frontier_keeps_pages_until_fetched(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.frontier_add("https://x.vn/a.html", "run-1", {"published_at_raw": "20/11/2018"})
    state.frontier_add("https://x.vn/b.html", "run-1", None)
    state.frontier_add("https://x.vn/a.html", "run-2", None)  # already there: kept as it was
    state.close()
    state = CrawlState(tmp_path / "s.sqlite")  # a new process (after a kill)
    assert state.frontier_pending() == [
        ("https://x.vn/a.html", {"published_at_raw": "20/11/2018"}),
        ("https://x.vn/b.html", None),
    ]
    state.frontier_done("https://x.vn/a.html")
    assert [u for u, _ in state.frontier_pending()] == ["https://x.vn/b.html"]
    state.close()


def test_categories_read_to_their_end_are_remembered(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    assert state.complete_categories() == set()
    state.mark_category_complete("quoc-te", "run-1")
    state.mark_category_complete("quoc-te", "run-2")
    state.mark_category_complete("the-thao/trong-nuoc", "run-2")
    assert state.complete_categories() == {"quoc-te", "the-thao/trong-nuoc"}
    state.close()
