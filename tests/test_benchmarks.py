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
    # qptd also asks for robots.txt and the sitemap; otherwise the very same pages.
    assert crawls["bare"]["requests"] == crawls["qptd"]["requests"] - 2
    assert crawls["lean"]["requests"] == crawls["qptd"]["requests"] - 2
    for base in ("bare", "lean"):
        assert result[base]["ratio"] > 0 and result[base]["cpu_ratio"] > 0


def test_sizes_measure_crawl_merge_export_and_an_unchanged_recrawl() -> None:
    out = bench.bench_sizes([40])["40"]
    assert out["crawl"]["articles"] == 40
    assert out["crawl"]["rss_mb"] > 0 and out["merge_rss_mb"] > 0 and out["export_rss_mb"] > 0
    assert out["dataset_bytes"] > 0 and out["hf_bytes"] >= out["dataset_bytes"]
    assert out["recrawl"]["articles"] == 0
    assert out["recrawl"]["requests"] < out["crawl"]["requests"]


def test_parsing_is_compared_on_the_same_pages() -> None:
    out = bench.bench_parsing(pages=5)
    assert out["pages"] == 5 and out["qptd_ms_per_page"] > 0
    assert out["speedup"] > 0


def test_long_merge_writes_every_generated_article() -> None:
    out = bench.bench_long_merge(articles=30, body_copies=2)
    assert out["articles"] == out["dataset_rows"] == 30 and out["journal_bytes"] > 0
    assert out["merge_rss_mb"] > 0 and out["export_rss_mb"] > 0 and out["dataset_bytes"] > 0
