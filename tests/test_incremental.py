"""Incremental crawls: state across runs, skipping merged articles, conditional re-checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from qptd_harness.replica import Portal
from qptd_spider.cli import main
from qptd_spider.dataset import merge_files, merge_pending, read_dataset
from qptd_spider.layout import ExportsLayout
from tests.conftest import StartReplica
from tests.test_crawl import crawl

pytestmark = pytest.mark.integration


def test_second_crawl_of_an_unchanged_portal_fetches_no_old_article(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    server = start_replica(portal=Portal(80, seed=4))  # every article is months old
    _, first = crawl(server, tmp_path, output="r1.parquet", exports=exports)
    # Merged from the run (as `qptd merge` does): its journal holds the copies of articles
    # the portal lists under a second path, which the feed leaves out.
    assert merge_pending(exports) is not None
    _, second = crawl(server, tmp_path, output="r2.parquet", exports=exports)
    assert first["qptd/articles/scheduled"] >= 80
    # The only articles requested again are the dead links that failed the first time
    # (tried once by each of the next crawls, in case the fault was passing); none of the 80.
    dead = first["qptd/failures/soft_404"]
    assert second["qptd/carried_failures/requested"] == dead
    assert second.get("qptd/articles/scheduled", 0) == dead
    assert second.get("qptd/retries/soft_404", 0) == 0
    assert second.get("qptd/articles/parsed", 0) == 0
    # Every article once, and some of the second paths the portal lists them under too.
    aliases = sum(1 for i in range(80) if server.portal.alias_of(i))
    assert 80 <= second["qptd/incremental/skipped_known"] <= 80 + aliases
    # Each category's paging ends once, at its last page or at a page of known articles.
    ends = second["qptd/pagination/stop/known"] + second.get("qptd/pagination/stop/last_page", 0)
    assert ends == first["qptd/pagination/stop/last_page"]
    assert second["qptd/pagination/stop/known"] >= 1
    # Listing pages are always fetched; articles are not: a small share of the first crawl.
    assert second["downloader/request_count"] < first["downloader/request_count"] / 3
    # A forced full crawl fetches them all again.
    _, full = crawl(server, tmp_path, output="r3.parquet", exports=exports, full="1")
    assert full["item_scraped_count"] == 80


def test_young_articles_are_rechecked_with_conditional_requests(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    now = datetime.now(UTC)
    portal = Portal(60, seed=5, newest=now)
    young_articles = [
        i for i in range(60) if (now - portal.article(i).published_at).total_seconds() < 7 * 86400
    ]
    young = {portal.path_of(i) for i in young_articles}
    # The second paths young articles are listed under are young URLs too.
    young_aliases = {a for i in young_articles if (a := portal.alias_of(i))}
    assert 10 < len(young) < 50
    crawl(start_replica(portal=portal), tmp_path, output="r1.parquet", exports=exports)
    assert merge_pending(exports) is not None
    # Editors revised every 10th article; nothing else changed.
    edited = Portal(60, seed=5, newest=now, edit_round=1, edit_every=10)
    server = start_replica(portal=edited)
    rows, stats = crawl(server, tmp_path, output="r2.parquet", exports=exports)
    edited_young = {edited.path_of(i) for i in range(0, 60, 10)} & young
    rechecked = stats["qptd/incremental/rechecked"]
    assert len(young) <= rechecked <= len(young) + len(young_aliases)
    assert stats["qptd/incremental/not_modified"] == rechecked - len(edited_young)
    assert stats["qptd/incremental/skipped_known"] == 60 - len(young)
    assert server.served_by_kind["not_modified"] == rechecked - len(edited_young)
    assert {r["url"].split("quocphongthudo.vn")[1] for r in rows} == edited_young
    result = merge_pending(exports)
    assert result is not None
    assert (result.added, result.updated, result.unchanged) == (0, len(edited_young), 0)
    assert read_dataset(ExportsLayout(exports)).num_rows == 60


def test_after_a_rollback_the_next_crawl_fetches_what_the_rollback_took_out(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    """Issue 22: the dataset is the record of what it holds. A rollback to a smaller version
    makes the next incremental crawl fetch the removed articles (also those past a page of
    known articles in a category an earlier crawl read to its end), and the merge brings
    them back."""
    exports = tmp_path / "exports"
    server = start_replica(portal=Portal(400, seed=4))  # every article is months old
    crawl(server, tmp_path, output="r1.parquet", exports=exports)
    first = pq.read_table(tmp_path / "r1.parquet")
    assert first.num_rows == 400
    # The last 13 articles the crawl read: deep in their lists, or only linked.
    pq.write_table(first.slice(0, 387), tmp_path / "first-387.parquet")
    merge_files(exports, [tmp_path / "first-387.parquet"], "v387")
    merge_files(exports, [tmp_path / "r1.parquet"], "v400")
    layout = ExportsLayout(exports)
    assert read_dataset(layout).num_rows == 400
    assert main(["rollback", "v387", "--exports", str(exports)]) == 0
    assert read_dataset(layout).num_rows == 387
    rows, _ = crawl(server, tmp_path, output="r2.parquet", exports=exports)
    # Every article the rollback took out is fetched again (the crawl may also meet a kept
    # article under a path the dataset has not seen yet: the merge adds that path to it).
    removed = set(first.slice(387)["article_id"].to_pylist())
    assert len(removed) == 13
    assert removed <= {r["article_id"] for r in rows}
    result = merge_files(exports, [tmp_path / "r2.parquet"], "back")
    assert (result.added, result.total) == (13, 400)
    assert set(read_dataset(layout)["article_id"].to_pylist()) == set(
        first["article_id"].to_pylist()
    )
