"""Two crawler processes share one frontier through a real Redis on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from qptd_harness.runner import PROJECT_ROOT, crawl_command
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.layout import ExportsLayout
from tests.conftest import StartReplica, isolated_crawl_settings, replica_articles

pytestmark = pytest.mark.integration


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed (.ci/run installs it: apt-get install redis-server)"
        )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=20)


def _workers(
    redis_url: str, base_url: str, tmp_path: Path, exports: Path, crawl_id: str, names: list[str]
) -> dict[str, dict[str, Any]]:
    """Run crawl workers side by side; their stats by name."""
    workers = []
    for name in names:
        settings = {
            **isolated_crawl_settings(tmp_path, name),
            "QPTD_EXPORTS": str(exports),
            "QPTD_REDIS_URL": redis_url,
            "QPTD_REDIS_CRAWL_ID": crawl_id,
            "QPTD_REDIS_IDLE_SECONDS": "3",
            "LOG_FILE": str(tmp_path / f"{name}.log"),
            "LOG_LEVEL": "INFO",
            # Polite enough that the crawl lasts past the engine's 5 s idle heartbeat, so
            # the worker that did not get the home page picks up its share too.
            "CONCURRENT_REQUESTS": "2",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
            "DOWNLOAD_DELAY": "0.05",
            "DOWNLOAD_DELAY_JITTER": "0",
        }
        command = crawl_command(tmp_path / f"{name}.parquet", {"base_url": base_url}, settings)
        workers.append(
            subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        for worker in workers:
            _, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err[-3000:]
    finally:
        for worker in workers:  # one failed: the others must not outlive the test
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    return {
        name: json.loads((tmp_path / f"{name}.stats.json").read_text(encoding="utf-8"))
        for name in names
    }


def test_two_workers_export_every_article_exactly_once_and_share_what_is_known(
    redis_url: str, start_replica: StartReplica, tmp_path: Path
) -> None:
    replica = start_replica(150)
    exports = tmp_path / "exports"
    stats = _workers(redis_url, replica.base_url, tmp_path, exports, "test", ["a", "b"])
    exported = {name: s.get("item_scraped_count", 0) for name, s in stats.items()}
    assert all(n > 0 for n in exported.values()), exported  # both did a share
    # Each worker drops the second-path copies it meets after the first; two workers can
    # each export one copy of such an article, and merge makes it one row.
    aliases = sum(1 for i in range(150) if replica.portal.alias_of(i))
    assert 150 <= sum(exported.values()) <= 150 + aliases
    result = merge_pending(exports)
    assert result is not None and [r["run_id"] for r in result.runs] == ["test"]  # one run
    paths = [
        urlsplit(u).path for u in read_dataset(ExportsLayout(exports)).column("url").to_pylist()
    ]
    assert replica_articles(replica.portal, paths) == list(range(150))
    # A re-crawl by two workers costs about what it costs one: both read what the dataset
    # holds from Redis (seeded from the crawl state), so neither fetches a known article.
    one = _workers(redis_url, replica.base_url, tmp_path, exports, "again-1", ["solo"])["solo"]
    two = _workers(redis_url, replica.base_url, tmp_path, exports, "again-2", ["c", "d"])
    assert one.get("qptd/articles/parsed", 0) == 0
    assert sum(s.get("qptd/articles/parsed", 0) for s in two.values()) == 0
    requests_two = sum(s["downloader/request_count"] for s in two.values())
    assert requests_two <= one["downloader/request_count"] + 2  # + the second robots.txt
