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


def _start_redis(tmp_path: Path, port: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server on 127.0.0.1 (a free port unless given), answering; and its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed (.ci/run installs it: apt-get install redis-server)"
        )
    tmp_path.mkdir(parents=True, exist_ok=True)
    if not port:
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
    return server, f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    server, url = _start_redis(tmp_path)
    yield url
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


def _worker_settings(tmp_path: Path, exports: Path, url: str, name: str) -> dict[str, str]:
    return {
        **isolated_crawl_settings(tmp_path, name),
        "QPTD_EXPORTS": str(exports),
        "QPTD_REDIS_URL": url,
        "QPTD_REDIS_CRAWL_ID": "lost",
        "QPTD_REDIS_IDLE_SECONDS": "3",
        "CONCURRENT_REQUESTS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "DOWNLOAD_DELAY": "0.05",
        "DOWNLOAD_DELAY_JITTER": "0",
    }


def test_redis_killed_mid_crawl_stops_the_worker_in_one_line_and_the_crawl_resumes(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    replica = start_replica(150)
    exports = tmp_path / "exports"
    redis, url = _start_redis(tmp_path / "r1")
    settings = _worker_settings(tmp_path, exports, url, "a")
    worker = subprocess.Popen(
        crawl_command(None, {"base_url": replica.base_url}, settings),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        journals = exports / "runs" / "lost"
        deadline = time.monotonic() + 120
        while sum(len(p.read_text().splitlines()) for p in journals.glob("journal.*.jsonl")) < 20:
            assert time.monotonic() < deadline and worker.poll() is None, "no progress"
            time.sleep(0.2)
        redis.kill()  # Redis dies mid-crawl
        redis.wait(timeout=20)
        killed = time.monotonic()
        try:
            _, stderr = worker.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the worker went on for a minute without its Redis")
        took = time.monotonic() - killed
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        if redis.poll() is None:
            redis.kill()
    assert took < 15, f"the worker took {took:.0f} s to stop"
    assert "Traceback" not in stderr, stderr[-3000:]
    lost = [line for line in stderr.splitlines() if "lost the connection to Redis" in line]
    assert len(lost) == 1, stderr[-3000:]
    assert worker.returncode == 4
    [record] = [json.loads(p.read_text()) for p in journals.glob("run.*.json")]
    assert (record["status"], record["finish_reason"]) == ("failed", "redis_lost")
    # Resumable: with Redis back (empty: it kept nothing), the same command completes the
    # crawl, and the merge holds every article once.
    redis, url = _start_redis(tmp_path / "r2")
    try:
        again = subprocess.run(
            crawl_command(
                None, {"base_url": replica.base_url}, _worker_settings(tmp_path, exports, url, "b")
            ),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        redis.terminate()
        redis.wait(timeout=20)
    assert again.returncode == 0, again.stderr[-3000:]
    # The run keeps the failed worker's record (held back from a plain merge); what it
    # journaled is whole, and merged when asked for.
    assert merge_pending(exports) is None
    merge_pending(exports, include_failed=True)
    paths = [
        urlsplit(u).path for u in read_dataset(ExportsLayout(exports)).column("url").to_pylist()
    ]
    assert len(paths) == len(set(paths)) == 150


def test_redis_unreachable_at_start_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    url = f"redis://127.0.0.1:{port}/0"
    done = subprocess.run(
        crawl_command(
            None,
            {"base_url": "http://127.0.0.1:9"},
            _worker_settings(tmp_path, tmp_path / "exports", url, "a"),
        ),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"qptd crawl: cannot reach Redis at {url} (QPTD_REDIS_URL): Error 111 connecting to "
        f"127.0.0.1:{port}. Connection refused."
    ]
