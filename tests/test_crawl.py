"""End to end: the real spider through `scrapy crawl` against the replica, scored on truth."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest

from qptd_harness.replica import ReplicaServer
from qptd_harness.replica.render import removed_article_path
from qptd_harness.runner import run_crawl
from qptd_spider.layout import ExportsLayout
from tests.conftest import StartReplica, isolated_crawl_settings

pytestmark = pytest.mark.integration

FIELDS_EXACT = (
    "article_id",
    "title",
    "lead",
    "dateline",
    "body",
    "category",
    "category_path",
    "images",
    "keywords",
    "signature_raw",
    "authors",
    "author",
    "position",
    "source",
    "organization",
    "byline_kind",
    "signature_status",
)


def crawl(
    server: ReplicaServer,
    tmp_path: Path,
    output: str = "out.parquet",
    exports: Path | None = None,
    **spider_args: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Crawl the replica; without ``exports``, into an exports root of its own (a full
    crawl); with it, an incremental crawl of that root."""
    out = tmp_path / output
    settings = isolated_crawl_settings(tmp_path, f"{output}-{uuid.uuid4().hex[:8]}")
    if exports is not None:
        settings["QPTD_EXPORTS"] = str(exports)
    run_crawl(
        out,
        spider_args={"base_url": server.base_url, **spider_args},
        settings=settings,
        log_file=tmp_path / "crawl.log",
    )
    stats_file = Path(settings["QPTD_STATS_FILE"])
    if output.endswith(".parquet"):
        rows = pq.read_table(out).to_pylist()
    else:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return rows, json.loads(stats_file.read_text(encoding="utf-8"))


def truth_by_path(server: ReplicaServer) -> dict[str, dict[str, Any]]:
    """Each article's truth under every path it is served under (its own, and a second
    category path some articles have: the same article)."""
    portal = server.portal
    truth = {}
    for i in range(portal.n_articles):
        expected = portal.truth(i)
        for url in (expected["url"], *expected["other_urls"]):
            truth[urlsplit(url).path] = expected
    return truth


def assert_every_article_once(rows: list[dict[str, Any]], truth: dict[str, dict[str, Any]]) -> None:
    """Every article exactly once, under one of its paths, its other paths never a row."""
    ids = Counter(truth[urlsplit(r["url"]).path]["article_id"] for r in rows)
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(ids) == {t["article_id"] for t in truth.values()}
    for row in rows:
        expected = truth[urlsplit(row["url"]).path]
        every = {expected["url"], *expected["other_urls"]}
        assert row["url"] in every
        assert set(row["other_urls"]) <= every - {row["url"]}


def test_default_replica_every_article_exactly_once_and_right(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(150)
    rows, stats = crawl(server, tmp_path)
    truth = truth_by_path(server)
    assert_every_article_once(rows, truth)
    wrong = []
    for row in rows:
        path = urlsplit(row["url"]).path
        # Under its second path an article's category path is that path's.
        expected = {**truth[path], "category_path": path.rsplit("/", 1)[0].strip("/")}
        wrong += [(row["url"], f) for f in FIELDS_EXACT if row[f] != expected[f]]
        if expected["published_at"] is not None:
            got = row["published_at"].isoformat()
            if (got, row["published_at_precision"]) != (
                expected["published_at"],
                expected["published_at_precision"],
            ):
                wrong.append((row["url"], "published_at"))
    assert wrong == []
    assert stats.get("log_count/ERROR", 0) == 0
    assert stats.get("qptd/validation/rejected", 0) == 0
    # Every dead related link was met (each article is read once) and counted once.
    dead = {removed_article_path(i) for i in range(150)} - {None}
    assert stats["qptd/articles/soft_404"] == len(dead) > 0
    assert stats["qptd/sitemap/missing"] == 1


def test_rendered_pagination_links_and_sitemap(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(90, pagination="links", sitemap=True, list_layout="news_title")
    rows, stats = crawl(server, tmp_path)
    assert_every_article_once(rows, truth_by_path(server))
    assert stats["qptd/sitemap/read"] >= 2  # the index and its chunk


def test_when_page_parameter_is_ignored_related_links_still_reach_everything(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(200, pagination="ignored")
    rows, stats = crawl(server, tmp_path)
    assert_every_article_once(rows, truth_by_path(server))
    assert stats["qptd/pagination/stop/page_mismatch"] >= 1


def test_json_lines_feed_works_too(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(24)
    rows, _ = crawl(server, tmp_path, output="out.jsonl")
    assert_every_article_once(rows, truth_by_path(server))
    assert all(r["published_at"] is None or r["published_at"][-6:] == "+07:00" for r in rows)


def test_spider_arguments_limit_the_crawl(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(150)
    rows, _ = crawl(server, tmp_path, max_articles="7")
    assert len(rows) == 7
    wanted = ("quoc-te", "the-thao/quoc-te")
    rows, _ = crawl(server, tmp_path, categories=",".join(wanted))
    truth = truth_by_path(server)
    # Every article of those categories; nothing but pages under their paths (an article
    # of another category that the portal also serves under one of them counts as theirs).
    expected = {t["article_id"] for t in truth.values() if t["category_path"] in wanted}
    paths = [urlsplit(r["url"]).path for r in rows]
    assert expected <= {truth[p]["article_id"] for p in paths}
    assert all(p.rsplit("/", 1)[0].strip("/") in wanted for p in paths)
    since = "2025-10-01"
    rows, stats = crawl(server, tmp_path, since=since)
    expected = {t["article_id"] for t in truth.values() if t["published_at_listing"][:10] >= since}
    got = {truth[urlsplit(r["url"]).path]["article_id"] for r in rows}
    assert expected <= got
    # Older articles reached through related links are kept only when their page shows no
    # date at all: nothing proves them old, and losing them would be worse.
    by_id = {t["article_id"]: t for t in truth.values()}
    assert {by_id[i]["date_form"] for i in got - expected} <= {"none_visible"}
    assert stats["qptd/pagination/stop/since"] >= 1
    assert stats["qptd/articles/skipped_before_since"] >= 1


def test_bad_spider_argument_fails_loudly(start_replica: StartReplica, tmp_path: Path) -> None:
    import subprocess

    server = start_replica(5)
    with pytest.raises(subprocess.CalledProcessError) as failed:
        crawl(server, tmp_path, since="last week")
    # One line, before anything starts, and no traceback.
    assert failed.value.returncode == 2
    assert failed.value.stderr.strip().splitlines() == [
        "qptd crawl: bad spider argument: since must be YYYY-MM-DD, got 'last week'"
    ]


def test_a_second_crawl_merges_new_and_edited_articles(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    from qptd_harness.replica import Portal
    from qptd_spider.dataset import merge_files, read_dataset

    exports = tmp_path / "exports"
    crawl(start_replica(portal=Portal(60, seed=3)), tmp_path, output="run1.parquet")
    r1 = merge_files(exports, [tmp_path / "run1.parquet"], "r1")
    assert (r1.added, r1.updated, r1.unchanged) == (60, 0, 0)
    # Between the crawls: 12 more articles, and editors revised every 10th article.
    edited = Portal(72, seed=3, edit_round=1, edit_every=10)
    crawl(start_replica(portal=edited), tmp_path, output="run2.parquet")
    r2 = merge_files(exports, [tmp_path / "run2.parquet"], "r2")
    revised = sum(1 for i in range(60) if edited.is_edited(i))
    assert r2.added == 12 and r2.changes["content_hash"] == revised
    # Articles that show no date take it from their list page, whose layout may differ
    # between the crawls (the replica mixes the CMS's layouts): such a row is updated too,
    # with a date of another precision, and nothing else.
    assert set(r2.changes) <= {
        "content_hash",
        "published_at",
        "published_at_precision",
        "published_at_raw",
        "published_at_source",
    }
    assert r2.updated + r2.unchanged == 60
    table = read_dataset(ExportsLayout(exports))
    urls = table.column("url").to_pylist()
    assert len(urls) == len(set(urls)) == 72
    revisions = Counter(table.column("revision").to_pylist())
    assert revisions == {1: 72 - r2.updated, 2: r2.updated}
