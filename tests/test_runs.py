"""Runs end to end: their records, their files, what merge does with them, and the ways a
run used to lose articles in silence (issue 11) or land where it does not belong (issue 12)."""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq
import pytest

from qptd_harness.replica import Portal
from qptd_harness.runner import PROJECT_ROOT, crawl_command
from qptd_spider.cli import main
from qptd_spider.crawl.state import CrawlState
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.fileio import read_json_lines
from qptd_spider.layout import ExportsLayout
from qptd_spider.runs import list_runs
from tests.conftest import StartReplica, isolated_crawl_settings, latest_run_file

pytestmark = pytest.mark.integration


def _command(server: Any, exports: Path, output: Path | None = None, **settings: str) -> list[str]:
    return crawl_command(
        output,
        {"base_url": server.base_url},
        {**isolated_crawl_settings(exports.parent), "QPTD_EXPORTS": str(exports), **settings},
    )


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, **kwargs
    )


def _paths(exports: Path) -> set[str]:
    return {
        urlsplit(u).path for u in read_dataset(ExportsLayout(exports)).column("url").to_pylist()
    }


def _articles(exports: Path, portal: Portal) -> list[int | None]:
    """The replica article of each dataset row, sorted (a row's URL may be either of the
    two paths the portal serves some articles under)."""
    return sorted(
        (portal.index_of(p) for p in _row_paths(exports)), key=lambda i: -1 if i is None else i
    )


def _row_paths(exports: Path) -> list[str]:
    return [
        urlsplit(u).path for u in read_dataset(ExportsLayout(exports)).column("url").to_pylist()
    ]


def test_a_merge_during_a_crawl_takes_nothing_of_it_and_loses_nothing(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    """Issue 11: `qptd merge` moved a running crawl's journal away; what the crawl wrote
    afterwards was never merged, and later crawls skipped those articles for ever."""
    server = start_replica(300)
    exports = tmp_path / "exports"
    slow = {
        "CONCURRENT_REQUESTS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "DOWNLOAD_DELAY": "0.01",
    }
    crawl = subprocess.Popen(
        _command(server, exports, **slow),
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while sum(p.read_bytes().count(b"\n") for p in exports.glob("runs/*/journal.jsonl")) < 30:
        assert crawl.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    assert main(["merge", "--exports", str(exports)]) == 0  # mid-crawl
    assert not (exports / "dataset").exists()  # the running crawl's journal was left alone
    _, err = crawl.communicate(timeout=300)
    assert crawl.returncode == 0, err[-2000:]
    result = merge_pending(exports)
    assert result is not None and result.added == 300
    # And a later incremental crawl finds nothing missing.
    again = _run(_command(server, exports))
    assert again.returncode == 0
    later = merge_pending(exports)
    assert later is None or later.added == 0
    # Every article exactly once.
    assert _articles(exports, server.portal) == list(range(300))


def test_a_run_that_failed_its_health_check_is_held_back_and_its_articles_fetched_again(
    start_replica: StartReplica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_replica(60)
    exports = tmp_path / "exports"
    # An impossible threshold: the run fails its health check (exit 3).
    failed = _run(_command(server, exports, QPTD_HEALTH_MIN_ARTICLES_FOUND="100000"))
    assert failed.returncode == 3
    [run] = list_runs(ExportsLayout(exports))
    assert run.status == "failed"
    assert main(["merge", "--exports", str(exports)]) == 0
    out = capsys.readouterr().out
    assert f"held back: run {run.run_id} failed (health checks articles_found)" in out
    assert not (exports / "dataset").exists()
    # Its articles are not "known": the next crawl fetches them again.
    again = _run(_command(server, exports))
    assert again.returncode == 0
    stats = json.loads((exports.parent / "crawl.stats.json").read_text(encoding="utf-8"))
    assert stats["item_scraped_count"] == 60
    result = merge_pending(exports)
    assert result is not None and result.added == 60 and len(result.runs) == 1
    # ... unless asked: --include-failed takes the failed run too.
    # Its 60 articles were crawled before the run already merged: each is older than the
    # dataset's copy and changes nothing, so no version is made.
    assert main(["merge", "--include-failed", "--exports", str(exports)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "no new version: nothing added or updated (0 added, 0 updated, 0 unchanged, "
        f"60 older than the dataset's copy; runs: {run.run_id})"
    )


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_disk_that_cannot_take_more_stops_the_crawl_loudly(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    """Issue 11: a full disk dropped items with exit 0. Python ignores SIGXFSZ, so a file
    size limit makes every write past it fail like a full disk (EFBIG)."""
    server = start_replica(300)
    exports = tmp_path / "exports"
    done = _run(_command(server, exports), preexec_fn=_limit_file_size(150_000))
    assert done.returncode == 4, done.stderr[-2000:]
    # The first file that cannot grow (here the crawl state's write-ahead log, or the
    # journal) is named in one line at the end.
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"qptd crawl: cannot write {exports}")
    assert "parse_error" not in "".join(
        p.read_text() for p in exports.glob("runs/*/failures.jsonl")
    )
    record = latest_run_file(exports, "run.json")
    assert record["status"] == "failed" and str(record["output_error"]) in last
    # What was written stays valid: every whole line of the journal is an article (the
    # archive or the state may be the first file to hit the limit, before any journal).
    rows = [
        row
        for journal in exports.glob("runs/*/journal.jsonl")
        for _, row in read_json_lines(journal)
    ]
    assert len(rows) < 300 and all(row["url"].endswith(".html") for row in rows)
    # The articles that did not make it are not marked as journaled: fetched next time.
    state = CrawlState(exports / "crawl-state.sqlite")
    journaled = {u for u in (state.get(r["url"]) for r in rows) if u and u.journaled_run}
    state.close()
    assert len(journaled) <= len(rows)


def test_a_feed_that_cannot_be_written_stops_the_crawl_loudly(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(40)
    done = _run(_command(server, tmp_path / "exports", output=Path("/dev/full:jsonl")))
    assert done.returncode == 4, done.stderr[-2000:]
    assert "cannot write the feed" in done.stderr.strip().splitlines()[-1]
    assert latest_run_file(tmp_path / "exports", "run.json")["status"] == "failed"


def test_a_parquet_feed_is_never_appended_to(start_replica: StartReplica, tmp_path: Path) -> None:
    server = start_replica(20)
    exports, feed = tmp_path / "exports", tmp_path / "x.parquet"
    command = _command(server, exports)
    assert _run([*command, "-o", str(feed)]).returncode == 0
    size = feed.stat().st_size
    second = _run([*command, "-o", str(feed)])
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        f"qptd crawl: cannot append to the Parquet file {feed} (-o): a Parquet file is "
        "written whole; use -O to replace it, or another file name"
    ]
    assert feed.stat().st_size == size and pq.read_table(feed).num_rows == 20
    assert _run([*command, "-O", str(feed)]).returncode == 0


def test_merging_a_feed_retires_its_runs_journal(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(20)
    exports, feed = tmp_path / "exports", tmp_path / "x.parquet"
    assert _run(_command(server, exports, output=feed)).returncode == 0
    assert main(["merge", str(feed), "--exports", str(exports)]) == 0
    [run] = list_runs(ExportsLayout(exports))
    assert run.status == "merged"
    assert merge_pending(exports) is None  # the journal is not merged a second time


def test_a_replica_run_is_refused_by_a_dataset_of_the_live_portal(
    start_replica: StartReplica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: three replica crawls, then `qptd merge`, put 19,700 replica articles into
    the live dataset under https://quocphongthudo.vn URLs."""
    server = start_replica(20)
    live = tmp_path / "exports"
    (live / "runs").mkdir(parents=True)
    # A live dataset (its manifest says so), then a replica crawl into the same root.
    from qptd_spider.dataset import merge_files
    from tests.test_dataset import items, write_run

    merge_files(live, [write_run(tmp_path / "live.parquet", items()[:3])], "live-1")
    manifest_path = live / "versions" / "live-1" / "_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["target"] = "portal"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert _run(_command(server, live)).returncode == 0
    assert main(["merge", "--exports", str(live)]) == 2
    err = capsys.readouterr().err
    assert "the dataset holds articles from 'portal'" in err and "'replica'" in err
    assert read_dataset(ExportsLayout(live)).num_rows == 3  # nothing written
    assert main(["merge", "--allow-mixed-targets", "--exports", str(live)]) == 0


def test_a_replica_crawl_without_an_exports_root_gets_its_own(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(10)
    # A project of its own: scrapy.cfg marks the root; the crawl runs from a subfolder.
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = qptd_spider.settings\n")
    command = crawl_command(None, {"base_url": server.base_url}, {"LOG_LEVEL": "WARNING"})
    done = subprocess.run(command, cwd=project / "sub" / "deeper", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not (project / "sub" / "deeper" / "exports").exists()  # no orphan exports
    runs = list((project / "exports" / "replica" / "runs").iterdir())
    assert len(runs) == 1 and (runs[0] / "journal.jsonl").exists()
    assert not (project / "exports" / "runs").exists()  # the live root stays clean


def test_scrapy_parse_writes_nothing_and_gives_normalized_items(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(10)
    url = server.base_url + server.portal.path_of(0)
    env_root = tmp_path / "exports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "parse",
            "--spider",
            "qptd",
            "-s",
            f"QPTD_EXPORTS={env_root}",
            "-a",
            f"base_url={server.base_url}",
            url,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "health check" not in done.stderr
    truth = server.portal.truth(0)
    assert f"'author': '{truth['author']}'" in done.stdout  # normalized by the pipelines
    assert not env_root.exists()


def test_a_crawl_that_finds_only_known_articles_says_so(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(portal=Portal(40, seed=4))
    exports = tmp_path / "exports"
    assert _run(_command(server, exports)).returncode == 0
    merge_pending(exports)
    again = _run(_command(server, exports, LOG_LEVEL="INFO"))
    assert again.returncode == 0
    # 40 articles, and the second paths of some of them that the lists show.
    known = re.search(r"0 articles fetched and parsed, (\d+) article URLs already in", again.stderr)
    aliases = sum(1 for i in range(40) if server.portal.alias_of(i))
    assert known is not None and 40 <= int(known.group(1)) <= 40 + aliases
    assert (
        "WARNING: nothing exported: every article found is already in the dataset" in again.stderr
    )
    report = latest_run_file(exports)
    assert report["incremental"]["already_known"] == int(known.group(1))


def test_robots_crawl_delay_is_obeyed_and_on_record(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    server = start_replica(12, crawl_delay=0.25)
    exports = tmp_path / "exports"
    started = time.monotonic()
    # No delay of our own and high concurrency: only robots.txt slows the crawl down.
    done = _run(_command(server, exports, CONCURRENT_REQUESTS="16", DOWNLOAD_DELAY="0"))
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    record = latest_run_file(exports, "run.json")
    requests = record["counts"]["requests"]
    assert seconds >= 0.25 * (requests - 2)  # one request per Crawl-delay, at most
    politeness = record["politeness"]
    assert politeness["crawl_delay"] == 0.25
    assert "Crawl-delay: 0.25" in politeness["robots_txt"]
    assert len(politeness["robots_txt_sha256"]) == 64
    assert 0 < politeness["requests_per_second_avg"] <= 4.5
    assert politeness["requests_per_second_peak"] <= 5
    assert politeness["share_304"] == 0.0


@pytest.mark.parametrize("name", ["QPTD_RUN_ID", "QPTD_REDIS_CRAWL_ID"])
def test_a_run_id_that_is_a_path_is_a_bad_setting(
    start_replica: StartReplica, tmp_path: Path, name: str
) -> None:
    exports = tmp_path / "exports"
    done = _run(_command(start_replica(5), exports, **{name: "../../x"}))
    # One line, before anything starts, and no traceback.
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"qptd crawl: bad setting {name}: run id '../../x' must be 1-100 letters, digits, "
        "'.', '-' or '_' (no path)"
    ]
    assert not (tmp_path / "x").exists() and not (exports / "runs").exists()


def test_nothing_to_merge_names_the_roots_where_runs_wait(
    start_replica: StartReplica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: a replica crawl's run went to exports/replica/, and `qptd merge` of the
    default root said only "nothing to merge"."""
    server = start_replica(5)
    root = tmp_path / "exports"
    (root / "runs").mkdir(parents=True)
    replica_root = root / "replica"
    assert _run(_command(server, replica_root)).returncode == 0
    assert main(["merge", "--exports", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"nothing to merge: no run waiting in {root / 'runs'}",
        f"  1 run(s) waiting in the exports root {replica_root}: "
        f"qptd merge --exports {replica_root}",
    ]


def test_a_damaged_crawl_state_at_crawl_start_is_one_line(
    start_replica: StartReplica, tmp_path: Path
) -> None:
    """Issue 22, point 17: a corrupted crawl-state.sqlite ended the crawl in a traceback."""
    server = start_replica(5)
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "crawl-state.sqlite").write_bytes(b"this is not a database" * 100)
    done = _run(_command(server, exports))
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"qptd crawl: the crawl state {exports / 'crawl-state.sqlite'} is damaged"
    )


def test_a_feed_crawl_says_it_waits_for_merge_and_dataset_0_keeps_it_out(
    start_replica: StartReplica, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: a one-off `scrapy crawl qptd -O out.csv` was merged into the dataset by
    the next `qptd merge` without a word."""
    server = start_replica(5)
    exports = tmp_path / "exports"
    feed = _run(_command(server, exports, output=tmp_path / "one.jsonl"))
    assert feed.returncode == 0, feed.stderr[-2000:]
    last = feed.stderr.strip().splitlines()[-1]
    assert "article(s) of this crawl's feed also wait for `qptd merge`" in last
    assert last.endswith("`-a dataset=0` for a crawl no merge takes")
    own = crawl_command(
        tmp_path / "two.jsonl",
        {"base_url": server.base_url, "dataset": "0", "full": "1"},
        {**isolated_crawl_settings(tmp_path), "QPTD_EXPORTS": str(exports)},
    )
    alone = _run(own)
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert "not for the dataset (-a dataset=0)" in alone.stderr.strip().splitlines()[-1]
    assert main(["merge", "--exports", str(exports)]) == 0
    merged = read_dataset(ExportsLayout(exports))
    assert merged.num_rows == 5  # the first crawl's articles, once
    runs = sorted(p.name for p in (exports / "runs").iterdir())
    assert main(["merge", "--exports", str(exports)]) == 0
    out = capsys.readouterr().out
    assert f"skipped: run {runs[-1]} is not for the dataset (-a dataset=0)" in out
