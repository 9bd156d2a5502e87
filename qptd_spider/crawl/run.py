"""The run of one crawl: its id, its files, its record, and the crawl state it reads.

``RunExtension`` is made once per crawl. It names the run, opens its files in
``runs/<run id>/`` (or where the ``QPTD_*_FILE`` settings say), holds the run's lock while
the crawl runs (so ``qptd merge`` leaves its journal alone), owns the crawl state and the
incremental and failure policies built on it, and at the end writes the report and the run
record. The spider and the pipelines get all of it from the crawler
(``RunExtension.of(crawler)``), never from each other.

``scrapy parse``, ``scrapy shell`` and ``scrapy check`` set ``QPTD_DRY_RUN``: such a run
writes nothing and remembers nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from filelock import FileLock, Timeout
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro

from .. import __version__
from ..clock import new_run_id, utc_now_iso
from ..fileio import JsonLinesWriter, OutputWriteError, atomic_write_json
from ..layout import ENV_EXPORTS, ExportsLayout, RunFiles, project_root, resolve_exports
from ..parser_version import parser_version
from ..runs import RECORD_FORMAT, check_run_id, git_revision, journal_waiting_run_ids, list_runs
from ..urls import PortalUrls
from .failures import FailureLog
from .incremental import DEFAULT_RECHECK_DAYS, IncrementalPolicy
from .monitoring import HEALTH_FAILED, build_report, format_report, incremental_summary
from .state import CrawlState

logger = logging.getLogger(__name__)

# Settings that change what a crawl exports: kept in the run record.
OUTPUT_SETTINGS = (
    "QPTD_CANONICAL_BASE",
    "QPTD_RECHECK_DAYS",
    "QPTD_WARC",
    "QPTD_MAX_LIST_PAGES",
    "QPTD_MAX_LINKS_PER_PAGE",
    "QPTD_MAX_REQUESTS",
    "QPTD_MAX_RELATED_DEPTH",
    "QPTD_MAX_RELATED_NEW",
    "QPTD_URL_TIME_BUDGET",
    "QPTD_MAX_CRAWL_DELAY",
    "DOWNLOAD_MAXSIZE",
    "RETRY_TIMES",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
    "DOWNLOAD_DELAY",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED",
)
# Ways a crawl can end that make its output untrustworthy.
FAILED_REASONS = frozenset({"output_failed", "disk_full", "feed_write_failed", "redis_lost"})
STOPPED_REASONS = frozenset({"shutdown", "cancelled"})


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the crawl with ``reason`` (the engine finishes what is in flight first)."""
    assert crawler.engine is not None
    _pending_stops.append(deferred_from_coro(crawler.engine.close_spider_async(reason=reason)))


_pending_stops: list[Any] = []  # keeps the scheduled closes alive until they run


class OutputStop:
    """What the crawl does when a file of the run (journal, rejects, failures, crawl state,
    feed) cannot be written: stop, loudly (once), and mark the run failed; what was
    written stays valid."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    def __call__(self, exc: OutputWriteError) -> None:
        stats = self.crawler.stats
        assert stats is not None
        if stats.get_value("qptd/output/failed"):
            return
        logger.error("%s: stopping the crawl (what was written stays valid)", exc)
        stats.set_value("qptd/output/failed", str(exc))
        stop_crawl(self.crawler, "disk_full" if exc.disk_full else "output_failed")


class CrawlSetupError(RuntimeError):
    """The crawl cannot start as configured (its exports root is in use, not writable...)."""


def exports_root_for(settings: BaseSettings, target: PortalUrls) -> Path:
    """``QPTD_EXPORTS``, else ``$QPTD_EXPORTS``, else ``exports`` in the project root; a
    target other than the live portal gets its own root inside it, ``exports/<target>``."""
    value = settings.get("QPTD_EXPORTS")
    if value or os.environ.get(ENV_EXPORTS):
        return resolve_exports(value)
    base = resolve_exports(None)
    return base if target.is_live else base / target.target_id


def _feeds_overwrite(settings: BaseSettings) -> bool:
    return any(opts.get("overwrite") for opts in settings.getdict("FEEDS").values())


@dataclass
class CrawlRun:
    """Everything a crawl knows about itself."""

    run_id: str
    worker: str
    kind: str
    layout: ExportsLayout
    files: RunFiles
    target: PortalUrls
    dry_run: bool
    truncate: bool
    paths: dict[str, Path]
    distributed: bool = False
    state: CrawlState | None = None
    policy: IncrementalPolicy = field(default_factory=lambda: IncrementalPolicy(None))
    failures: FailureLog = field(default_factory=lambda: FailureLog(None))
    journal: JsonLinesWriter | None = None
    rejects: JsonLinesWriter | None = None
    record: dict[str, Any] = field(default_factory=dict)
    resumed_queue: bool = False

    def relative(self, path: Path) -> str:
        """A path as the record keeps it: relative to the run folder when inside the root."""
        try:
            return (
                os.path.relpath(path, self.files.folder)
                if path.is_relative_to(self.layout.root)
                else str(path)
            )
        except ValueError:
            return str(path)


class RunExtension:
    """Names the run, owns its files, state and policies, writes its record and report."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        target = PortalUrls.from_settings(settings)
        layout = ExportsLayout(exports_root_for(settings, target))
        distributed = bool(settings.get("QPTD_REDIS_URL"))
        run_id = check_run_id(
            settings.get("QPTD_RUN_ID")
            or (settings.get("QPTD_REDIS_CRAWL_ID") if distributed else "")
            or new_run_id()
        )
        worker = f"{socket.gethostname()}-{os.getpid()}" if distributed else ""
        files = layout.run(run_id, worker)
        overwrite = _feeds_overwrite(settings)

        def chosen(setting: str, default: Path) -> Path:
            value = settings.get(setting)
            return Path(value).expanduser().resolve() if value else default

        journal_dir = settings.get("QPTD_JOURNAL_DIR")
        suffix = f".{worker}" if worker else ""
        paths = {
            "journal": (
                Path(journal_dir).expanduser().resolve() / f"{run_id}{suffix}.jsonl"
                if journal_dir
                else files.journal
            ),
            "failures": chosen("QPTD_FAILURES_FILE", files.failures),
            "rejects": chosen("QPTD_REJECTS_FILE", files.rejects),
            "report": chosen("QPTD_REPORT_FILE", files.report),
            "stats": chosen("QPTD_STATS_FILE", files.stats),
            "state": chosen("QPTD_STATE_FILE", layout.state),
        }
        self.run = CrawlRun(
            run_id=run_id,
            worker=worker,
            kind=settings.get("QPTD_RUN_KIND") or "crawl",
            layout=layout,
            files=files,
            target=target,
            dry_run=settings.getbool("QPTD_DRY_RUN"),
            # Files named by a setting are the user's: -O starts them afresh, -o appends.
            truncate=overwrite,
            paths=paths,
            distributed=distributed,
        )
        if not self.run.dry_run:
            # The files open at their first line; a dry run writes none.
            self.run.journal = JsonLinesWriter(paths["journal"], truncate=True)
            self.run.rejects = JsonLinesWriter(paths["rejects"], truncate=overwrite)
        self._locks: list[FileLock] = []
        self._responses_per_second: Counter[int] = Counter()
        self._not_modified = 0
        self._started_monotonic = time.monotonic()
        self._feeds_closed: asyncio.Event | None = None
        self._opened = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.feed_exporter_closed, signal=signals.feed_exporter_closed)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        return ext

    @staticmethod
    def of(crawler: Crawler) -> CrawlRun:
        """The run of ``crawler`` (for the spider, pipelines and middlewares), opened: its
        state and policies are ready (Scrapy may start reading the spider's start requests
        before it sends ``spider_opened``)."""
        ext = crawler.get_extension(RunExtension)
        if ext is None:
            raise RuntimeError("qptd's RunExtension is not enabled in EXTENSIONS")
        if crawler.spider is not None:
            ext.open(crawler.spider)
        return ext.run

    # -- start ---------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        try:
            self.open(spider)
        except (OSError, CrawlSetupError) as exc:
            logger.error("cannot start the run: %s", exc)
            self.crawler.stats.set_value("qptd/output/failed", str(exc))  # type: ignore[union-attr]
            stop_crawl(self.crawler, "output_failed")

    def open(self, spider: Spider) -> None:
        """Open the run once: its folder, lock, crawl state, policies and record."""
        if self._opened or self.run.dry_run:
            return
        self._opened = True
        self._feeds_closed = asyncio.Event()
        self._open(spider)

    def _open(self, spider: Spider) -> None:
        run = self.run
        run.files.folder.mkdir(parents=True, exist_ok=True)
        self._lock(run.files.lock, "run")
        state_path = run.paths["state"]
        if not run.distributed:
            # One crawl at a time per crawl state: two would each skip what the other fetched.
            self._lock(state_path.with_name(state_path.name + ".lock"), "crawl state")
        run.state = self._open_state(state_path)
        waiting = journal_waiting_run_ids(run.layout) | {run.run_id}
        full = bool(getattr(spider, "full", False))
        run.policy = IncrementalPolicy(
            run.state,
            full=full,
            recheck_days=self.crawler.settings.getfloat("QPTD_RECHECK_DAYS", DEFAULT_RECHECK_DAYS),
            waiting_runs=waiting,
            held={} if full else self._held(),
            shrunk_at=self._shrunk_at(),
            held_ids=() if full else self._held_ids(),
        )
        run.failures = FailureLog(
            run.paths["failures"], run.state, run.run_id, truncate=run.truncate
        )
        run.record = self._initial_record(spider)
        atomic_write_json(run.files.record, run.record)
        logger.info(
            "run %s: target %s (%s), exports root %s",
            run.run_id,
            run.target.base_url,
            run.target.target_id,
            run.layout.root,
        )

    def _held(self) -> dict[str, datetime | None]:
        """What the dataset holds, read from its current version (so that a rollback is
        seen: the articles it took out are fetched again)."""
        from ..dataset.held import held_articles
        from ..dataset.versions import DatasetError

        try:
            return held_articles(self.run.layout)
        except (DatasetError, OSError, ValueError) as exc:
            raise CrawlSetupError(f"cannot read what the dataset holds: {exc}") from None

    def _held_ids(self) -> frozenset[str]:
        from ..dataset.held import held_article_ids
        from ..dataset.versions import DatasetError

        try:
            return held_article_ids(self.run.layout)
        except (DatasetError, OSError, ValueError) as exc:
            raise CrawlSetupError(f"cannot read what the dataset holds: {exc}") from None

    def _shrunk_at(self) -> datetime | None:
        from ..dataset.held import shrunk_at
        from ..dataset.versions import DatasetError

        try:
            return shrunk_at(self.run.layout)
        except (DatasetError, OSError, ValueError) as exc:
            raise CrawlSetupError(f"cannot read what the dataset holds: {exc}") from None

    def _open_state(self, path: Path) -> CrawlState:
        if self.run.distributed:
            from .distributed import RedisCrawlState

            return RedisCrawlState.from_settings(  # type: ignore[return-value]
                self.crawler.settings, seed_from=path, crawler=self.crawler
            )
        try:
            return CrawlState(path)
        except sqlite3.DatabaseError as exc:
            # A damaged state file: the crawler's own memory (validators, failures,
            # frontier), never what the dataset holds, which lives in the dataset.
            raise CrawlSetupError(
                f"the crawl state {path} is damaged ({exc}): move it aside and crawl again "
                "(what the dataset holds is read from the dataset; validators and carried "
                "failures start afresh)"
            ) from None

    def _lock(self, path: Path, what: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(path, is_singleton=False)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise CrawlSetupError(
                f"the {what} ({path}) is in use by another crawl; wait for it to end"
            ) from None
        self._locks.append(lock)

    def _initial_record(self, spider: Spider) -> dict[str, Any]:
        run = self.run
        settings = self.crawler.settings
        feeds = list(settings.getdict("FEEDS"))
        return {
            "format": RECORD_FORMAT,
            "run_id": run.run_id,
            "worker": run.worker,
            "kind": run.kind,
            "status": "running",
            "started_at": utc_now_iso(),
            "finished_at": None,
            "finish_reason": None,
            "target": run.target.describe(),
            "qptd_version": __version__,
            "git_revision": git_revision(project_root()),
            "parser_version": parser_version(),
            "spider_args": dict(getattr(spider, "arguments", {})),
            "settings": {name: settings.get(name) for name in OUTPUT_SETTINGS},
            "feeds": feeds,
            "files": {name: run.relative(path) for name, path in run.paths.items()},
            "health": None,
            "counts": {},
            "politeness": {},
            "merged_into": None,
            # `-a dataset=0`: a crawl of one's own, that no `qptd merge` takes.
            "for_dataset": bool(getattr(getattr(spider, "args", None), "dataset", True)),
        }

    # -- during --------------------------------------------------------------------------

    def spider_error(self, failure: Any, response: Response, spider: Spider) -> None:
        """A file that cannot be written, met in a callback or errback, stops the crawl."""
        if isinstance(failure.value, OutputWriteError):
            OutputStop(self.crawler)(failure.value)

    def response_received(self, response: Response, request: Any, spider: Spider) -> None:
        self._responses_per_second[int(time.time())] += 1
        if response.status == 304:
            self._not_modified += 1

    # -- end -----------------------------------------------------------------------------

    def feed_exporter_closed(self) -> None:
        if self._feeds_closed is not None:
            self._feeds_closed.set()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.run.dry_run:
            return
        # Feeds close in parallel with this handler: wait for them, so that a feed that
        # could not be written is in the record and the exit status.
        if self.crawler.get_extension(FeedExporter) is not None and self._feeds_closed:
            try:
                await asyncio.wait_for(self._feeds_closed.wait(), timeout=600)
            except TimeoutError:
                logger.error("the feeds did not close within 10 minutes")
        self._finish(reason)

    def _finish(self, reason: str) -> None:
        run = self.run
        stats = self.crawler.stats
        assert stats is not None
        for writer in (run.journal, run.rejects, run.failures):
            if writer is None:
                continue
            try:
                writer.close()
            except OutputWriteError as exc:
                logger.error("%s", exc)
                stats.set_value("qptd/output/failed", str(exc))
        report = build_report(stats.get_stats(), self.crawler.settings, self._baseline(), reason)
        report["run_id"] = run.run_id
        report["incremental"] = incremental_summary(stats.get_stats())
        failed = [c for c in report["checks"] if not c["ok"]]
        for check in failed:
            logger.error(
                "health check %s failed: %s (threshold %s): %s",
                check["name"],
                check["value"],
                check["threshold"],
                check["detail"],
            )
        if failed:
            stats.set_value(HEALTH_FAILED, len(failed))
        self._say_what_incremental_did(report)
        logger.info("crawl report (run %s):\n%s", run.run_id, format_report(report))
        output_failed = stats.get_value("qptd/output/failed")
        if output_failed or reason in FAILED_REASONS:
            status = "failed"
        elif reason in STOPPED_REASONS:
            status = "stopped"
        else:
            status = "failed" if failed else "finished"
        record = run.record
        record.update(
            status=status,
            finished_at=utc_now_iso(),
            finish_reason=reason,
            health={"ok": not failed, "failed_checks": [c["name"] for c in failed]},
            counts={
                "exported": int(stats.get_value("item_scraped_count", 0)),
                "journaled": run.journal.count if run.journal else 0,
                "failed": run.failures.count,
                "rejected": int(stats.get_value("qptd/validation/rejected", 0)),
                "requests": int(stats.get_value("downloader/request_count", 0)),
            },
            politeness=self._politeness(stats.get_stats()),
        )
        if output_failed:
            record["output_error"] = str(output_failed)
        self._write_quietly(run.paths["report"], report)
        self._write_quietly(run.paths["stats"], _jsonable_stats(stats.get_stats(), reason))
        self._write_quietly(run.files.record, record)
        self._say_where_the_articles_go(record)
        if run.state is not None:
            run.state.close()
        for lock in reversed(self._locks):
            lock.release()

    def _write_quietly(self, path: Path, value: Any) -> None:
        try:
            atomic_write_json(path, value)
        except OutputWriteError as exc:
            logger.error("%s", exc)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("qptd/output/failed", str(exc))

    def _say_where_the_articles_go(self, record: dict[str, Any]) -> None:
        """The crawl's last line: whether its articles join the dataset at the next merge
        (a feed crawl's too, which its user may not expect)."""
        journaled = record["counts"].get("journaled", 0)
        if not record.get("for_dataset", True):
            logger.warning(
                "run %s is not for the dataset (-a dataset=0): no `qptd merge` takes its "
                "%d article(s)",
                record["run_id"],
                journaled,
            )
        elif record.get("feeds") and journaled:
            logger.warning(
                "the %d article(s) of this crawl's feed also wait for `qptd merge` of %s (run "
                "%s): they will join the dataset; `-a dataset=0` for a crawl no merge takes",
                journaled,
                self.run.layout.root,
                record["run_id"],
            )
        elif journaled:
            logger.info("run %s: %d article(s) wait for `qptd merge`", record["run_id"], journaled)

    def _say_what_incremental_did(self, report: dict[str, Any]) -> None:
        summary = report["incremental"]
        logger.info("%s", summary["text"])
        if report["articles"]["exported"] == 0 and summary["already_known"] > 0:
            logger.warning(
                "nothing exported: every article found is already in the dataset or a "
                "journal waiting for `qptd merge` (-a full=1 fetches them again)"
            )

    def _baseline(self) -> dict[str, Any] | None:
        """The report of the newest earlier healthy run of the same target: "normal"."""
        run = self.run
        for earlier in reversed(list_runs(run.layout)):
            if earlier.run_id == run.run_id or earlier.target_id != run.target.target_id:
                continue
            if earlier.status not in ("finished", "merged"):
                continue
            for path in earlier.file_paths("report"):
                try:
                    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if report.get("ok") and report.get("articles", {}).get("exported", 0) > 0:
                    return report
        return None

    def _politeness(self, stats: dict[str, Any]) -> dict[str, Any]:
        seconds = max(time.monotonic() - self._started_monotonic, 1e-9)
        responses = sum(self._responses_per_second.values())
        return {
            "robots_txt_sha256": stats.get("qptd/robots/sha256"),
            "robots_txt": stats.get("qptd/robots/text"),
            "crawl_delay": stats.get("qptd/robots/crawl_delay"),
            # What robots.txt asked for; crawl_delay is what was obeyed (QPTD_MAX_CRAWL_DELAY).
            "crawl_delay_asked": stats.get("qptd/robots/crawl_delay_asked"),
            "download_delay": self.crawler.settings.getfloat("DOWNLOAD_DELAY"),
            "requests_per_second_avg": round(responses / seconds, 3),
            "requests_per_second_peak": max(self._responses_per_second.values(), default=0),
            "share_304": round(self._not_modified / responses, 4) if responses else 0.0,
        }


def _jsonable_stats(stats: dict[str, Any], reason: str) -> dict[str, Any]:
    out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()}
    out["finish_reason"] = reason
    return dict(sorted(out.items()))
