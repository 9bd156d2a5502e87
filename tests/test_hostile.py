"""Hostile pages through a real crawl (``qptd_harness.hostile``): what a broken or hostile
server sends is either read, or recorded as a failure with a kind; it never becomes a row
without a body, a hung crawl or an endless one."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from qptd_harness.hostile import DEEP_TEXT, HostileServer
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
    # fetched, and say so: the limit fails the health check.
    assert report["articles"]["exported"] == 10 + 30 + 90
    assert report["articles"]["beyond_lists"] == 30 + 90
    assert report["limits"] == {"list_pages": 1, "related_depth": 270}
    assert report["finish_reason"] == "finished"
    assert done.returncode == 3, done.stderr[-2000:]
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
