"""``scrapy crawl``: Scrapy's, with its arguments checked first and a truthful exit status.

Exit status: 0 done; 1 the crawl could not start (Scrapy); 2 a bad argument or setting,
said in one line before anything starts; 3 a health check failed (the run is held back from
``qptd merge``); 4 the crawl could not write its output (a full disk...) or lost its Redis.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from ..crawl.distributed import REDIS_LOST_STAT
from ..crawl.feeds import parquet_append_conflicts
from ..crawl.monitoring import HEALTH_FAILED
from ..crawl.run import exports_root_for
from ..runs import RunError, check_run_id
from ..spiders.arguments import SpiderArgumentError, parse_arguments
from ..urls import PortalUrls
from . import EXIT_HEALTH, EXIT_OUTPUT, EXIT_USAGE


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl qptd")
        problem = self._problem(opts)
        if problem:
            print(f"qptd crawl: {problem}", file=sys.stderr)
            self.exitcode = EXIT_USAGE
            return
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif stats.get(REDIS_LOST_STAT):
            self.exitcode = EXIT_OUTPUT  # said in one line when it happened
        elif stats.get("qptd/output/failed"):
            print(f"qptd crawl: {stats['qptd/output/failed']}", file=sys.stderr)
            self.exitcode = EXIT_OUTPUT
        elif stats.get(HEALTH_FAILED):
            self.exitcode = EXIT_HEALTH

    def _problem(self, opts: argparse.Namespace) -> str | None:
        """What stops this crawl before it starts, in one line (None: nothing)."""
        assert self.settings is not None
        try:
            arguments = parse_arguments(dict(opts.spargs))
        except SpiderArgumentError as exc:
            return f"bad spider argument: {exc}"
        # Both name the run's folder (a distributed crawl's id is its run id).
        for name in ("QPTD_RUN_ID", "QPTD_REDIS_CRAWL_ID"):
            value = self.settings.get(name)
            try:
                if value:
                    check_run_id(str(value))
            except RunError as exc:
                return f"bad setting {name}: {exc}"
        conflicts = parquet_append_conflicts(self.settings.getdict("FEEDS"))
        if conflicts:
            return (
                f"cannot append to the Parquet file {conflicts[0]} (-o): a Parquet file is "
                "written whole; use -O to replace it, or another file name"
            )
        if self.settings.get("QPTD_REDIS_URL"):
            try:
                import scrapy_redis  # noqa: F401
            except ImportError:
                return (
                    "QPTD_REDIS_URL is set but scrapy-redis is not installed: "
                    "pip install 'qptd[distributed]'"
                )
            from ..crawl.distributed import redis_problem

            unreachable = redis_problem(self.settings.get("QPTD_REDIS_URL"))
            if unreachable:
                return unreachable
        base = self.settings.get("QPTD_BASE_URL") or arguments.base_url
        target = PortalUrls(
            base, arguments.canonical_base or self.settings.get("QPTD_CANONICAL_BASE") or None
        )
        root = exports_root_for(self.settings, target)
        try:
            root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=root, prefix=".write-test-"):
                pass
        except OSError as exc:
            return f"the exports root {root} is not writable: {exc.strerror or exc}"
        if not os.access(root, os.W_OK):
            return f"the exports root {root} is not writable"
        return damaged_state(root / "crawl-state.sqlite")


def damaged_state(path: Path) -> str | None:
    """Why the crawl state file cannot be read (None: absent or readable). It is the
    crawler's own memory; what the dataset holds is read from the dataset."""
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return (
            f"the crawl state {path} is damaged ({exc}): move it aside and crawl again (what "
            "the dataset holds is read from the dataset; validators and carried failures "
            "start afresh)"
        )
    return None
