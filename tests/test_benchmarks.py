"""The benchmark harness on a tiny replica: it must keep measuring like for like (no timing
is asserted here; `make bench` prints the numbers)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import run as bench

pytestmark = pytest.mark.integration


def test_both_bare_spiders_fetch_the_pages_qptd_fetches() -> None:
    result = bench.bench_throughput(60, rounds=1)
    crawls = result["rounds"][0]["crawls"]
    assert crawls["qptd"]["articles"] == 60
    # qptd also asks for robots.txt and the sitemap; otherwise the very same pages, except
    # that it takes the "not found" page each dead link redirects to as that link's answer
    # (a bare spider's duplicate filter fetches it once).
    extra = 2 + max(crawls["qptd"]["redirects"] - 1, 0)
    assert crawls["qptd"]["redirects"] > 0
    assert crawls["bare"]["requests"] == crawls["qptd"]["requests"] - extra
    assert crawls["lean"]["requests"] == crawls["qptd"]["requests"] - extra
    # The ratios are the ones the crawls' own numbers give (rounded as printed).
    ours = crawls["qptd"]
    for base in ("bare", "lean"):
        theirs = crawls[base]
        rate = (ours["requests"] / ours["seconds"]) / (theirs["requests"] / theirs["seconds"])
        assert result[base]["ratio"] == pytest.approx(rate, abs=0.001)
        cpu = (theirs["cpu_seconds"] / theirs["requests"]) / (
            ours["cpu_seconds"] / ours["requests"]
        )
        assert result[base]["cpu_ratio"] == pytest.approx(cpu, abs=0.001)


def test_sizes_measure_crawl_merge_export_and_an_unchanged_recrawl() -> None:
    out = bench.bench_sizes([40])["40"]
    assert out["crawl"]["articles"] == 40
    # Peak RSS in MB, as the children report it (a crawl process holds Scrapy, lxml, Arrow).
    for rss in (out["crawl"]["rss_mb"], out["merge_rss_mb"], out["export_rss_mb"]):
        assert 40 < rss < 2000
    # The HF folder hard-links the dataset's files and adds its card.
    assert 0 < out["dataset_bytes"] < out["hf_bytes"] < out["dataset_bytes"] + 200_000
    assert out["recrawl"]["articles"] == 0
    assert out["recrawl"]["requests"] < out["crawl"]["requests"]


def test_parsing_is_compared_on_the_same_pages() -> None:
    out = bench.bench_parsing(pages=5, rounds=3)
    assert out["pages"] == 5
    # The reported speedup is the median of the rounds' own ratios.
    assert len(out["speedup_per_round"]) == 3
    assert out["speedup"] == pytest.approx(sorted(out["speedup_per_round"])[1], abs=0.01)


def test_long_merge_writes_every_generated_article() -> None:
    out = bench.bench_long_merge(articles=30, body_copies=2)
    assert out["articles"] == out["dataset_rows"] == 30
    # Two copies of each body made each article about twice as long as the replica's.
    assert out["journal_bytes"] > 30 * 2 * 1500
    assert 40 < out["merge_rss_mb"] < 2000 and 40 < out["export_rss_mb"] < 2000


def test_the_gzip_benchmark_writes_the_archive_at_the_level_it_names() -> None:
    import warc_gzip

    from qptd_spider import warc

    pages = [(b"<html><body>" + b"Quoc phong Thu do " * 400 + b"</body></html>", "http://x/a.html")]
    chosen = warc.GZIP_LEVEL
    sizes = {}
    for level in (1, 9):
        with warc_gzip.gzip_level(level):
            sizes[level] = warc_gzip.measure(pages, passes=1)[1]
    assert chosen == warc.GZIP_LEVEL  # restored
    assert sizes[9] < sizes[1]  # the level really reached the writer
