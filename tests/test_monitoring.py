"""The crawl report and its health checks, end to end through `scrapy crawl`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from qptd_harness.runner import PROJECT_ROOT, crawl_command
from qptd_spider.crawl.monitoring import build_report, format_report
from tests.conftest import StartReplica, isolated_crawl_settings, latest_run_file

pytestmark = pytest.mark.integration


def crawl_exit(base_url: str, out: Path, categories: str = "", **settings: str) -> int:
    spider_args = {"base_url": base_url, **({"categories": categories} if categories else {})}
    command = crawl_command(out, spider_args, {**isolated_crawl_settings(out.parent), **settings})
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True).returncode


def test_a_healthy_crawl_writes_its_report_and_exits_0(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(40)
    assert crawl_exit(server.base_url, tmp_path / "run.parquet") == 0
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["ok"] is True
    assert latest_run_file(tmp_path / "crawl", "run.json")["status"] == "finished"
    assert report["articles"]["exported"] == 40
    assert report["responses_by_status"]["200"] > 40
    assert report["fill_rates"]["title"] == 1.0
    assert {c["name"] for c in report["checks"]} >= {
        "articles_found",
        "title_and_date_rate",
        "reject_rate",
        "unparsed_rate",
    }


def test_a_changed_article_layout_fails_the_crawl(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(40, changed_article_layout=True)
    assert crawl_exit(server.base_url, tmp_path / "run.parquet") == 3
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["ok"] is False
    failed = {c["name"] for c in report["checks"] if not c["ok"]}
    assert failed == {"unparsed_rate"}
    # A failed run is held back from merge, and its articles are not known to later crawls.
    record = latest_run_file(tmp_path / "crawl", "run.json")
    assert record["status"] == "failed" and record["health"]["failed_checks"] == ["unparsed_rate"]


def test_zero_articles_fails_the_crawl(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(40)
    # A category filter that matches nothing: the crawl finds no article at all.
    code = crawl_exit(server.base_url, tmp_path / "run.parquet", categories="khong-ton-tai")
    assert code == 3
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["articles_found"]


def _stats(exported: int, author: int, **extra: int) -> dict[str, int]:
    return {
        "qptd/fill/items": exported,
        "qptd/fill/title": exported,
        "qptd/fill/published_at": exported,
        "qptd/fill/body": exported,
        "qptd/fill/author": author,
        "qptd/articles/scheduled": exported,
        **extra,
    }


@pytest.mark.parametrize(
    ("field", "failed"),
    [("qptd/fill/body", ["first_crawl_body"]), ("qptd/fill/author", ["first_crawl_author"])],
)
def test_a_first_crawl_that_reads_no_body_or_no_author_fails(field: str, failed: list[str]) -> None:
    """Issue 21: the real CMS gave 33 articles with empty bodies and no author, and the crawl
    was healthy (it had no earlier run to compare with)."""
    stats = {**_stats(25, 20), field: 0}
    report = build_report(stats, Settings(), None, "finished")
    assert [c["name"] for c in report["checks"] if not c["ok"]] == failed
    # One article of 25 with a body or an author is enough: the layout is read.
    assert build_report({**stats, field: 1}, Settings(), None, "finished")["ok"] is True
    # Not judged below the sample size, nor when an earlier healthy run is the baseline.
    assert build_report({**_stats(19, 0), field: 0}, Settings(), None, "finished")["ok"] is True
    baseline = {"ok": True, "fill_rates": {"author": 0.0}, "articles": {"exported": 30}}
    names = [c["name"] for c in build_report(stats, Settings(), baseline, "finished")["checks"]]
    assert not [n for n in names if n.startswith("first_crawl")]


def test_the_report_says_which_rule_read_each_field() -> None:
    stats = {
        **_stats(4, 4),
        "qptd/articles/parsed": 4,
        "qptd/rules/body/div.content-detail": 3,
        "qptd/rules/body/itemprop=articleBody": 1,
        "qptd/rules/published_at/header": 4,
        "qptd/furniture/view_counter": 2,
        "qptd/dates/displayed_machine_apart": 1,
    }
    report = build_report(stats, Settings(), None, "finished")
    assert report["rules"] == {
        "body": {"div.content-detail": 0.75, "itemprop=articleBody": 0.25},
        "published_at": {"header": 1.0},
    }
    assert report["furniture"] == {"view_counter": 2}
    assert report["dates_displayed_machine_apart"] == 1
    text = format_report(report)
    assert "body:        div.content-detail 75%, itemprop=articleBody 25%" in text
    assert "1 articles whose displayed and machine dates are more than an hour apart" in text


def test_a_sudden_fall_of_the_author_rate_fails() -> None:
    baseline = {"ok": True, "fill_rates": {"author": 0.85}, "articles": {"exported": 100}}
    report = build_report(_stats(100, 40), Settings(), baseline, "finished")
    check = next(c for c in report["checks"] if c["name"] == "author_rate_drop")
    assert check["ok"] is False and check["value"] == pytest.approx(0.45)
    assert build_report(_stats(100, 80), Settings(), baseline, "finished")["ok"] is True


def test_rates_are_not_judged_on_a_tiny_sample() -> None:
    report = build_report(_stats(3, 0, **{"qptd/fill/title": 0}), Settings(), None, "finished")
    assert [c["name"] for c in report["checks"]] == ["articles_found", "limits", "output_written"]
    assert report["ok"] is True


@pytest.mark.parametrize(
    ("extra", "reason", "detail"),
    [
        ({"qptd/limits/list_pages": 1}, "finished", "list_pages 1"),
        ({"qptd/limits/links_per_page": 3}, "finished", "links_per_page 3"),
        ({"qptd/limits/url_time_budget": 2}, "finished", "url_time_budget 2"),
        ({"qptd/limits/requests": 9}, "limit_requests", "finished by limit_requests"),
        ({}, "memusage_exceeded", "finished by memusage_exceeded"),
    ],
)
def test_a_limit_reached_fails_the_health_check(
    extra: dict[str, int], reason: str, detail: str
) -> None:
    report = build_report(_stats(100, 80, **extra), Settings(), None, reason)
    [check] = [c for c in report["checks"] if not c["ok"]]
    assert check["name"] == "limits" and detail in check["detail"]
    assert report["limits"] == {k.removeprefix("qptd/limits/"): v for k, v in extra.items()}


def test_output_that_could_not_be_written_fails_the_health_check() -> None:
    stats = {**_stats(100, 80), "qptd/output/failed": "cannot write x: No space left on device"}
    report = build_report(stats, Settings(), None, "disk_full")
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["output_written"]


def test_missing_titles_and_dates_fail() -> None:
    stats = _stats(100, 80)
    stats["qptd/fill/published_at"] = 50
    report = build_report(stats, Settings(), None, "finished")
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["title_and_date_rate"]


def test_progress_line_says_what_the_crawl_is_for() -> None:
    from qptd_spider.crawl.progress import progress_line

    stats = {
        "qptd/articles/scheduled": 900,
        "qptd/incremental/skipped_known": 100,
        "qptd/fill/items": 400,
        "qptd/failures/total": 50,
        "downloader/response_count": 600,
    }
    line = progress_line(stats, seconds=60.0)
    assert line.startswith("progress: 1,000 articles found, 400 exported, 100 skipped as known")
    assert "50 failed; 600 pages/min" in line
    # 450 handled in a minute, 450 queued: about a minute at this pace.
    assert line.endswith("; 450 articles queued: about 1 min at this pace")
    assert "queued" not in progress_line({}, seconds=0.0)
    # Issue 24: "about 0 min left for the 168 articles found so far" (a few seconds' work).
    stats["qptd/articles/scheduled"] = 468
    assert progress_line(stats, seconds=60.0).endswith(
        "; 18 articles queued: under a minute at this pace"
    )
