"""Scheduled crawls on Scrapyd: a real scrapyd on 127.0.0.1, `scrapyd-deploy`, the HTTP API."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qptd_harness.runner import PROJECT_ROOT
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.layout import ExportsLayout
from tests.conftest import StartReplica

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(base + path, data=body, timeout=30) as response:
        result: dict[str, Any] = json.load(response)
    return result


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    if shutil.which("scrapyd", path=str(BIN)) is None:
        pytest.fail("scrapyd is not installed: it is a dev dependency (pip install -e '.[dev]')")
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = _free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\neggs_dir = eggs\nlogs_dir = logs\nitems_dir =\n"
        "dbs_dir = dbs\nmax_proc = 2\npoll_interval = 0.5\n",
        encoding="utf-8",
    )
    errors = (home / "scrapyd.err").open("w")
    server = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=errors
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            if _api(base, "daemonstatus.json")["status"] == "ok":
                break
        except OSError:
            pass
        assert server.poll() is None, (home / "scrapyd.err").read_text()
        assert time.monotonic() < deadline, "scrapyd did not start"
        time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)
    errors.close()


def test_deploy_schedule_and_collect(
    scrapyd: str, start_replica: StartReplica, tmp_path: Path
) -> None:
    replica = start_replica(40)
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "env", "-p", "qptd", "-v", "test"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SCRAPYD_URL": scrapyd},
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert _api(scrapyd, "listspiders.json?project=qptd")["spiders"] == ["qptd"]
    exports = tmp_path / "exports"
    job = _api(
        scrapyd,
        "schedule.json",
        [
            ("project", "qptd"),
            ("spider", "qptd"),
            ("base_url", replica.base_url),
            ("setting", f"QPTD_EXPORTS={exports}"),
            ("setting", f"QPTD_STATS_FILE={tmp_path / 'stats.json'}"),
            ("setting", "AUTOTHROTTLE_ENABLED=False"),
            ("setting", "DOWNLOAD_DELAY=0"),
            ("setting", "CONCURRENT_REQUESTS_PER_DOMAIN=8"),
        ],
    )
    assert job["status"] == "ok", job
    deadline = time.monotonic() + 180
    while True:
        jobs = _api(scrapyd, "listjobs.json?project=qptd")
        if any(j["id"] == job["jobid"] for j in jobs["finished"]):
            break
        assert time.monotonic() < deadline, jobs
        time.sleep(0.5)
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["finish_reason"] == "finished"
    assert stats["item_scraped_count"] == 40
    result = merge_pending(exports)
    assert result is not None and result.runs[0]["target"]["id"] == "replica"
    table = read_dataset(ExportsLayout(exports))
    assert table.num_rows == 40
    assert set(table.column("title").to_pylist()) == {
        replica.portal.truth(i)["title"] for i in range(40)
    }
