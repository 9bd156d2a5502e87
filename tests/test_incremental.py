"""Incremental crawls: state across runs, skipping merged articles, conditional re-checks."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qptd_spider.dataset.store import merge_run, read_dataset
from qptd_spider.replica import Portal
from qptd_spider.state import STATE_FILE, CrawlState
from tests.conftest import StartReplica
from tests.test_crawl import crawl

pytestmark = pytest.mark.integration


def test_state_round_trip(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "s.sqlite")
    state.record_fetch("https://x.vn/a.html", "2025-01-01T00:00:00+07:00", '"e1"', None)
    known = state.get("https://x.vn/a.html")
    assert known is not None and not known.merged and known.etag == '"e1"'
    state.mark_merged([("https://x.vn/a.html", None)])
    assert state.get("https://x.vn/a.html").merged  # type: ignore[union-attr]
    state.record_fetch("https://x.vn/a.html", None, None, None, changed=False)  # a 304
    assert state.get("https://x.vn/a.html").merged  # type: ignore[union-attr]
    state.record_fetch("https://x.vn/a.html", None, '"e2"', None)  # changed: merge again
    known = state.get("https://x.vn/a.html")
    assert known is not None and not known.merged and known.etag == '"e2"'
    assert known.published_at == datetime.fromisoformat("2025-01-01T00:00:00+07:00")
    assert state.counts() == {"known": 1, "merged": 0}
    state.close()


def test_a_state_file_of_an_older_qptd_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
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
    assert known is not None and known.merged and not known.journaled
    state.record_fetch("https://x.vn/new.html", None, None, None)
    state.mark_journaled("https://x.vn/new.html")
    assert state.get("https://x.vn/new.html").journaled  # type: ignore[union-attr]
    assert state.counts() == {"known": 2, "merged": 1}
    state.close()
    CrawlState(path).close()  # opening an upgraded file again changes nothing


def test_second_crawl_of_an_unchanged_portal_fetches_no_old_article(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    state = exports / STATE_FILE
    server = start_replica(portal=Portal(80, seed=4))  # every article is months old
    _, first = crawl(server, tmp_path, output="r1.parquet", state=state)
    merge_run(exports, [tmp_path / "r1.parquet"])
    _, second = crawl(server, tmp_path, output="r2.parquet", state=state)
    assert first["qptd/articles/scheduled"] >= 80
    assert second.get("qptd/articles/scheduled", 0) == 0
    assert second["qptd/incremental/skipped_known"] == 80
    assert second["qptd/pagination/stop/known"] >= 1
    # Listing pages are always fetched; articles are not: a small share of the first crawl.
    assert second["downloader/request_count"] < first["downloader/request_count"] / 3
    # A forced full crawl fetches them all again.
    _, full = crawl(server, tmp_path, output="r3.parquet", state=state, full="1")
    assert full["item_scraped_count"] == 80


def test_young_articles_are_rechecked_with_conditional_requests(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    state = exports / STATE_FILE
    now = datetime.now(UTC)
    portal = Portal(60, seed=5, newest=now)
    young = {
        portal.path_of(i)
        for i in range(60)
        if (now - portal.article(i).published_at).total_seconds() < 7 * 86400
    }
    assert 10 < len(young) < 50
    crawl(start_replica(portal=portal), tmp_path, output="r1.parquet", state=state)
    merge_run(exports, [tmp_path / "r1.parquet"], run_id="r1")
    # Editors revised every 10th article; nothing else changed.
    edited = Portal(60, seed=5, newest=now, edit_round=1, edit_every=10)
    server = start_replica(portal=edited)
    rows, stats = crawl(server, tmp_path, output="r2.parquet", state=state)
    edited_young = {edited.path_of(i) for i in range(0, 60, 10)} & young
    assert stats["qptd/incremental/rechecked"] == len(young)
    assert stats["qptd/incremental/not_modified"] == len(young) - len(edited_young)
    assert stats["qptd/incremental/skipped_known"] == 60 - len(young)
    assert server.served_by_kind["not_modified"] == len(young) - len(edited_young)
    assert {r["url"].split("quocphongthudo.vn")[1] for r in rows} == edited_young
    result = merge_run(exports, [tmp_path / "r2.parquet"], run_id="r2")
    assert (result.added, result.updated, result.unchanged) == (0, len(edited_young), 0)
    assert read_dataset(exports).num_rows == 60
