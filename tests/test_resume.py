"""A crawl killed mid-way (SIGTERM or SIGKILL) and started again with the same JOBDIR ends
with every article exactly once in the dataset."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from qptd_spider.dataset.store import merge_run, pending_journals, read_dataset
from qptd_spider.runner import PROJECT_ROOT, crawl_command
from qptd_spider.state import STATE_FILE
from tests.conftest import StartReplica, isolated_crawl_settings

pytestmark = pytest.mark.integration


def _journal_lines(journal: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in journal.glob("*.jsonl"))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_crawl_resumes_and_loses_nothing(
    start_replica: StartReplica, tmp_path: Path, sig: signal.Signals
) -> None:
    server = start_replica(200)
    exports = tmp_path / "exports"
    settings = {
        **isolated_crawl_settings(tmp_path),
        "QPTD_STATE_FILE": str(exports / STATE_FILE),
        "QPTD_JOURNAL_DIR": str(exports / "journal"),
        "JOBDIR": str(tmp_path / "job"),
        # Slow enough that the kill lands in the middle of the crawl.
        "CONCURRENT_REQUESTS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "DOWNLOAD_DELAY": "0.01",
    }

    def command(n: int) -> list[str]:
        return crawl_command(tmp_path / f"run{n}.parquet", {"base_url": server.base_url}, settings)

    first = subprocess.Popen(
        command(1), cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while _journal_lines(exports / "journal") < 40:
        assert first.poll() is None, "the crawl ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(sig)
    first.wait(timeout=60)
    done_before = _journal_lines(exports / "journal")
    assert done_before < 200

    second = subprocess.run(
        command(2), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr[-2000:]

    result = merge_run(exports, pending_journals(exports))
    table = read_dataset(exports)
    paths = [urlsplit(u).path for u in table.column("url").to_pylist()]
    assert len(paths) == len(set(paths)) == 200
    assert set(paths) == {server.portal.path_of(i) for i in range(200)}
    assert result.added == 200
    # Each article was journaled once: the second run exported only what the first had not.
    assert _journal_lines(exports / "journal" / "merged") == 200
