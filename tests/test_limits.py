"""A hostile or broken site cannot keep a crawl running for ever or fill the memory: each
limit stops what it limits, is logged, counted in the report and fails the health check."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from qptd_harness.hostile import HostileServer
from qptd_harness.runner import PROJECT_ROOT, crawl_command
from qptd_spider import settings as project_settings
from qptd_spider.crawl.middlewares import FIRST_ATTEMPT, BackoffRetryMiddleware
from tests.conftest import isolated_crawl_settings, latest_run_file


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer(related=300)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endless_lists() -> Iterator[HostileServer]:
    server = HostileServer(related=0)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def _crawl(
    server: HostileServer, tmp_path: Path, **settings: str
) -> subprocess.CompletedProcess[str]:
    command = crawl_command(
        None, {"base_url": server.base_url}, {**isolated_crawl_settings(tmp_path), **settings}
    )
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.integration
def test_endless_list_pages_stop_at_the_limit(endless_lists: HostileServer, tmp_path: Path) -> None:
    done = _crawl(endless_lists, tmp_path, QPTD_MAX_LIST_PAGES="5")
    assert done.returncode == 3, done.stderr[-2000:]  # a limit fails the health check
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["limits"] == {"list_pages": 1}  # one category, stopped at page 5
    assert report["articles"]["exported"] == 50
    [check] = [c for c in report["checks"] if c["name"] == "limits"]
    assert not check["ok"] and "list_pages 1" in check["detail"]
    assert "stopped paging vo-tan at page 5 (QPTD_MAX_LIST_PAGES)" in done.stderr


@pytest.mark.integration
def test_huge_related_panels_are_cut_and_the_request_limit_stops_the_crawl(
    hostile: HostileServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    done = _crawl(hostile, tmp_path, QPTD_MAX_LINKS_PER_PAGE="20", QPTD_MAX_REQUESTS="150")
    assert done.returncode == 3, done.stderr[-2000:]
    assert time.monotonic() - started < 120
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["limits"]["links_per_page"] >= 1
    assert report["limits"]["requests"] >= 1
    assert report["finish_reason"] == "limit_requests"
    assert report["requests"] <= 150
    # What the limit left unfetched is not lost in silence: it is in the failures file.
    assert report["failures_by_kind"].get("limit", 0) >= 1
    assert "QPTD_MAX_LINKS_PER_PAGE" in done.stderr and "QPTD_MAX_REQUESTS" in done.stderr


def test_the_limits_have_sane_defaults() -> None:
    assert project_settings.QPTD_MAX_LIST_PAGES == 5000
    assert project_settings.QPTD_MAX_LINKS_PER_PAGE == 200
    assert project_settings.QPTD_MAX_REQUESTS > 0
    assert 0 < project_settings.MEMUSAGE_WARNING_MB < project_settings.MEMUSAGE_LIMIT_MB
    assert 0 < project_settings.QPTD_URL_TIME_BUDGET <= 600
    # Issue 11: Scrapy 2.19's remote-control endpoint (runs code sent to it) is off.
    assert project_settings.REMOTE_CONTROL_ENABLED is False
    assert project_settings.TELNETCONSOLE_ENABLED is False


def _retry_middleware(budget: float, cap: float = 60.0) -> BackoffRetryMiddleware:
    crawler = get_crawler(
        settings_dict={"QPTD_URL_TIME_BUDGET": budget, "QPTD_RETRY_BACKOFF_MAX": cap}
    )
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_a_page_gets_a_bounded_time_over_all_its_attempts() -> None:
    middleware = _retry_middleware(budget=100, cap=60)
    request = Request("http://127.0.0.1/a.html")
    middleware.process_request(request)
    busy = Response(request.url, status=503, headers={"Retry-After": "999999"}, request=request)
    # A server asking for days is waited on for the cap at most...
    assert middleware._delay(request, busy) == 60
    # ... and not at all once the wait would pass the page's budget.
    request.meta[FIRST_ATTEMPT] = time.monotonic() - 50
    assert middleware._delay(request, busy) is None
    request.meta[FIRST_ATTEMPT] = time.monotonic() - 10
    assert (
        middleware._delay(request, Response(request.url, status=503, request=request)) is not None
    )


@pytest.mark.integration
def test_a_server_asking_to_wait_for_days_holds_the_crawl_for_seconds(
    hostile: HostileServer, tmp_path: Path
) -> None:
    from qptd_harness.replica import REPLICA_CRAWL_SETTINGS

    started = time.monotonic()
    command = crawl_command(
        None,
        {"base_url": hostile.base_url},
        {
            **REPLICA_CRAWL_SETTINGS,
            "QPTD_EXPORTS": str(tmp_path / "exports"),
            "QPTD_URL_TIME_BUDGET": "3",
            "QPTD_RETRY_BACKOFF_MAX": "2",
            "QPTD_MAX_LIST_PAGES": "1",
            "QPTD_MAX_LINKS_PER_PAGE": "3",
        },
    )
    # A retry-failed run of one page that answers 503 + Retry-After: 999999 for ever.
    failures = tmp_path / "slow.failures.jsonl"
    failures.write_text(
        '{"url": "'
        + hostile.base_url
        + '/slow/bai.html", "kind": "http_503", "page": "article"}\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [*command, "-a", f"retry_failed={failures}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert time.monotonic() - started < 60, "one slow page held the crawl"
    report: dict[str, Any] = latest_run_file(tmp_path / "exports")
    assert report["failures_by_kind"] == {"http_503": 1}
    assert report["limits"]["url_time_budget"] >= 1
    assert done.returncode == 3
