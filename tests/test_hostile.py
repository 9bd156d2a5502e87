"""Hostile pages through a real crawl (``qptd_harness.hostile``): what a broken or hostile
server sends is either read, or recorded as a failure with a kind; it never becomes a row
without a body, a hung crawl or an endless one."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from filelock import FileLock

from qptd_harness.hostile import DATED_ARTICLE, DEEP_TEXT, HostileServer
from qptd_harness.runner import PROJECT_ROOT, crawl_command
from tests.conftest import isolated_crawl_settings, latest_run_file


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer(related=0)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


def _crawl_pages(
    server: HostileServer, tmp_path: Path, paths: list[str], **settings: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]], dict[str, Any]]:
    """A retry-failed run of exactly ``paths``: its exit, its rows, its failure records."""
    listed = tmp_path / "pages.failures.jsonl"
    listed.write_text(
        "".join(
            json.dumps({"url": server.base_url + p, "kind": "http_503", "page": "article"}) + "\n"
            for p in paths
        ),
        encoding="utf-8",
    )
    output = tmp_path / "rows.jsonl"
    command = crawl_command(
        output,
        {"base_url": server.base_url, "retry_failed": str(listed)},
        {**isolated_crawl_settings(tmp_path), **settings},
    )
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    runs = sorted(p for p in (tmp_path / "crawl" / "runs").iterdir() if p.is_dir())
    failures = {
        urlsplit(r["url"]).path: r
        for r in map(json.loads, (runs[-1] / "failures.jsonl").read_text().splitlines())
    }
    return done, rows, failures


@pytest.mark.integration
def test_deeply_nested_pages_are_read_or_failed_never_exported_empty(
    hostile: HostileServer, tmp_path: Path
) -> None:
    done, rows, failures = _crawl_pages(
        hostile, tmp_path, ["/sau/font-3000.html", "/sau/div-200000.html"]
    )
    # 3,000 unclosed <font>: inline tags, read again without them: the body is there.
    [row] = rows
    assert (urlsplit(row["url"]).path, row["body"]) == (
        "/sau/font-3000.html",
        DEEP_TEXT,
    )
    # 200,000 nested <div>: no parser reads that deep; a failure with a kind, not a row.
    assert {p: f["kind"] for p, f in failures.items()} == {"/sau/div-200000.html": "too_deep"}
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["failures_by_kind"] == {"too_deep": 1}
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.integration
def test_a_gzip_bomb_is_recorded_too_large(hostile: HostileServer, tmp_path: Path) -> None:
    # 64 MB of spaces in about 64 KB: inflated past DOWNLOAD_MAXSIZE (1 MB here), refused.
    done, rows, failures = _crawl_pages(
        hostile, tmp_path, ["/bom/bai.html"], DOWNLOAD_MAXSIZE=str(1024 * 1024)
    )
    assert rows == []
    assert {p: f["kind"] for p, f in failures.items()} == {"/bom/bai.html": "too_large"}
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    assert report["failures_by_kind"] == {"too_large": 1}
    assert done.returncode == 0, done.stderr[-2000:]


def _crawl_site(
    server: HostileServer, tmp_path: Path, **settings: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    command = crawl_command(
        None,
        {"base_url": server.base_url},
        {
            **isolated_crawl_settings(tmp_path),
            "QPTD_MAX_LIST_PAGES": "1",  # the ten articles of page 1: the lists' share
            "QPTD_MAX_REQUESTS": "3000",  # a backstop: unbounded, this site never ends
            **settings,
        },
    )
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    report: dict[str, Any] = latest_run_file(tmp_path / "crawl")
    return done, report


@pytest.fixture
def growing() -> Iterator[HostileServer]:
    """Every article links three articles never seen before: a site without end."""
    server = HostileServer(related=3)
    server.start_in_thread()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.integration
def test_related_links_are_followed_to_a_bounded_depth_from_the_lists(
    growing: HostileServer, tmp_path: Path
) -> None:
    done, report = _crawl_site(
        growing, tmp_path, QPTD_MAX_RELATED_DEPTH="2", QPTD_MAX_RELATED_NEW="1000"
    )
    # 10 listed, 30 one link away, 90 two links away; the 270 three links away are not
    # fetched, and counted (not a failed limit: on the portal, such links are dead links
    # and articles a list page shows later, and the depth alone bounds the crawl).
    assert report["articles"]["exported"] == 10 + 30 + 90
    assert report["articles"]["beyond_lists"] == 30 + 90
    assert report["articles"]["related_too_deep"] == 270
    assert report["limits"] == {"list_pages": 1}
    assert report["finish_reason"] == "finished"
    assert "QPTD_MAX_RELATED_DEPTH" in done.stderr


@pytest.mark.integration
def test_related_links_add_a_bounded_number_of_articles_beyond_the_lists(
    growing: HostileServer, tmp_path: Path
) -> None:
    done, report = _crawl_site(
        growing, tmp_path, QPTD_MAX_RELATED_DEPTH="1000", QPTD_MAX_RELATED_NEW="50"
    )
    # 10 listed + 50 beyond them; the 60 fetched pages link 180 new articles, 50 taken.
    assert report["articles"]["exported"] == 10 + 50
    assert report["articles"]["beyond_lists"] == 50
    assert report["limits"] == {"list_pages": 1, "related_new": 180 - 50}
    assert done.returncode == 3, done.stderr[-2000:]
    assert "QPTD_MAX_RELATED_NEW" in done.stderr


@pytest.mark.integration
def test_a_huge_crawl_delay_is_capped_warned_and_recorded(tmp_path: Path) -> None:
    server = HostileServer(related=0, crawl_delay=100_000)  # robots.txt asks for 28 hours
    server.start_in_thread()
    try:
        started = time.monotonic()
        done, report = _crawl_site(server, tmp_path, QPTD_MAX_CRAWL_DELAY="0.2")
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert elapsed < 60, "the robots.txt delay was obeyed uncapped"
    assert report["articles"]["exported"] == 10
    record: dict[str, Any] = latest_run_file(tmp_path / "crawl", "run.json")
    politeness = record["politeness"]
    assert isinstance(politeness, dict)
    assert (politeness["crawl_delay"], politeness["crawl_delay_asked"]) == (0.2, 100_000.0)
    assert report["politeness"] == {"crawl_delay": 0.2, "crawl_delay_asked": 100_000.0}
    assert "Crawl-delay of 100000 s" in done.stderr and "QPTD_MAX_CRAWL_DELAY" in done.stderr


def test_the_crawl_delay_cap_defaults_to_a_minute() -> None:
    from qptd_spider import settings as project_settings

    assert project_settings.QPTD_MAX_CRAWL_DELAY == 60


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.integration
@pytest.mark.parametrize(
    ("wait", "signum"),
    [
        ("crawl_delay", signal.SIGTERM),
        ("crawl_delay", signal.SIGINT),  # Ctrl-C
        ("retry_backoff", signal.SIGTERM),
    ],
)
def test_a_signal_stops_a_crawl_within_seconds_whatever_it_waits_for(
    tmp_path: Path, wait: str, signum: int
) -> None:
    # A crawl waiting 10 minutes between requests (robots.txt), or 10 minutes before a
    # retry (Retry-After), is stopped by one signal in seconds, its run recorded.
    server = HostileServer(related=0, crawl_delay=600 if wait == "crawl_delay" else None)
    server.start_in_thread()
    settings = {
        **isolated_crawl_settings(tmp_path),
        "QPTD_MAX_CRAWL_DELAY": "600",
        "QPTD_RETRY_BACKOFF_MAX": "600",
        "QPTD_URL_TIME_BUDGET": "3600",
    }
    args = {"base_url": server.base_url}
    if wait == "retry_backoff":
        listed = tmp_path / "slow.failures.jsonl"
        listed.write_text(
            json.dumps({"url": server.base_url + "/slow/bai.html", "page": "article"}) + "\n"
        )
        args["retry_failed"] = str(listed)
    process = subprocess.Popen(
        crawl_command(None, args, settings),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a signal to the crawl alone, as a scheduler sends it
    )
    try:
        first = "/slow/bai.html" if wait == "retry_backoff" else "/robots.txt"
        assert _wait_for(lambda: first in server.paths, 60), "the crawl did not start"
        time.sleep(2)  # now it waits: 600 s for its next request, or its next try
        sent = time.monotonic()
        process.send_signal(signum)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the crawl did not stop within 30 s of the signal")
        took = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.shutdown()
        server.server_close()
    assert took < 10, f"stopping took {took:.1f} s"
    record: dict[str, Any] = latest_run_file(tmp_path / "crawl", "run.json")
    assert (record["status"], record["finish_reason"]) == ("stopped", "shutdown"), stderr[-2000:]
    # Its locks are free: the next crawl (or a merge) may start.
    for lock in (
        tmp_path / "crawl" / "crawl-state.sqlite.lock",
        *(tmp_path / "crawl").glob("runs/*/.lock.lock"),
    ):
        FileLock(lock, is_singleton=False).acquire(timeout=0)
    stats = json.loads((tmp_path / "crawl.stats.json").read_text(encoding="utf-8"))
    if wait == "crawl_delay":
        # The home page and both sitemaps waited for their turn: failed at once, not fetched.
        assert stats["qptd/stopped/not_fetched"] == 3
    else:
        # The retry gave up its wait: the page is recorded (the next crawl fetches it first).
        failures = (next((tmp_path / "crawl" / "runs").iterdir()) / "failures.jsonl").read_text()
        [failure] = [json.loads(line) for line in failures.splitlines()]
        assert (failure["kind"], failure["attempts"]) == ("http_503", 1)


@pytest.mark.integration
def test_an_article_dated_only_by_lists_gets_the_finest_reading_whichever_list_comes_first(
    tmp_path: Path,
) -> None:
    from qptd_spider.dataset import merge_pending, read_dataset
    from qptd_spider.layout import ExportsLayout

    exports = tmp_path / "crawl"
    orders: list[str] = []
    for lists in [("ngay-gio", "chi-ngay"), ("chi-ngay", "ngay-gio")]:
        server = HostileServer(related=0, dated_lists=lists)
        server.start_in_thread()
        try:
            command = crawl_command(
                None,
                {"base_url": server.base_url, "full": "1"},  # fetched again each time
                # One request at a time: the article is read between the two lists.
                {
                    **isolated_crawl_settings(tmp_path),
                    "CONCURRENT_REQUESTS": "1",
                    "QPTD_HEALTH_MIN_SAMPLE": "1000",
                },
            )
            done = subprocess.run(
                command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr[-2000:]
            # Which list was read first; and whether the article was read before the other
            # (then it is dated again once the finer list is read).
            names = [p.strip("/") for p in server.paths]
            second = max(lists, key=names.index)
            early = names.index(DATED_ARTICLE.strip("/")) < names.index(second)
            orders.append(min(lists, key=names.index))
            stats = json.loads((tmp_path / "crawl.stats.json").read_text(encoding="utf-8"))
            refined = stats.get("qptd/dates/list_date_refined", 0)
            assert refined == (1 if early and second == "ngay-gio" else 0)
            merge_pending(exports)
        finally:
            server.shutdown()
            server.server_close()
        [row] = read_dataset(ExportsLayout(exports)).to_pylist()
        when = row["published_at"].isoformat()
        assert (when, row["published_at_precision"], row["revision"]) == (
            "2025-10-25T08:15:00+07:00",
            "minute",
            1,  # the same text, the same date: not a revision
        )
    assert sorted(orders) == ["chi-ngay", "ngay-gio"]  # each list came first once
