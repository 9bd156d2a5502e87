"""Scrapy's scheduler, made safe to resume after a hard kill.

With ``JOBDIR``, Scrapy keeps its queue on disk, but writes the queue's bookkeeping only when
the crawl closes: after a SIGKILL (or a reboot) the queue files end in a torn record and
their counters are stale, and reading them raises ``struct.error`` for every request Scrapy
then tries to take, while the crawl ends with status 0 (issue 11).

So a queue is trusted only when the previous run closed it (a marker written after the
queue was saved). Otherwise it is moved aside (``JOBDIR/damaged-<time>/``), the duplicate
filter forgets what it saw, and the spider discovers again from the home page, the crawl
state's frontier and the pages that failed before; articles already journaled are not
fetched twice. A queue that still cannot be read, or a request that cannot be queued, never
vanishes: the first makes the crawl rediscover, the second becomes a failure record.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from scrapy import Request, Spider
from scrapy.core.scheduler import Scheduler

from ..clock import new_run_id

logger = logging.getLogger(__name__)

CLEAN_STOP_MARKER = "qptd-clean-stop"


class ResumeSafeScheduler(Scheduler):
    def open(self, spider: Spider) -> Any:
        self.resumed_queue = False
        if self.dqdir:
            self._check_saved_queue(Path(self.dqdir))
        self._spider = spider
        if self.crawler is not None:
            from .run import RunExtension

            RunExtension.of(self.crawler).resumed_queue = self.resumed_queue
        return super().open(spider)

    def _check_saved_queue(self, queue_dir: Path) -> None:
        jobdir = queue_dir.parent
        marker = jobdir / CLEAN_STOP_MARKER
        seen = jobdir / "requests.seen"
        saved = any(queue_dir.iterdir())
        if marker.exists():
            # Used up at once: a hard kill of this run is never mistaken for a clean stop.
            marker.unlink()
            self.resumed_queue = saved
            if saved:
                self._inc("qptd/resume/queue_resumed")
            return
        if not saved and not seen.exists():
            return  # a new job
        aside = jobdir / f"damaged-{new_run_id()}"
        aside.mkdir()
        shutil.move(str(queue_dir), aside / queue_dir.name)
        queue_dir.mkdir()
        if seen.exists():
            shutil.copy2(seen, aside / seen.name)
        fingerprints = getattr(self.df, "_fingerprints", None)
        if isinstance(fingerprints, set):
            fingerprints.clear()
        self._inc("qptd/resume/queue_discarded")
        logger.warning(
            "JOBDIR %s was not closed cleanly (the crawl was killed?): its saved queue cannot "
            "be trusted and was moved to %s; discovering again from the home page, the crawl "
            "state and the pages that failed before (articles already journaled are skipped)",
            jobdir,
            aside,
        )

    def close(self, reason: str) -> Any:
        result = super().close(reason)
        if self.dqdir:
            (Path(self.dqdir).parent / CLEAN_STOP_MARKER).touch()
        return result

    def next_request(self) -> Request | None:
        try:
            return super().next_request()
        except Exception as exc:  # struct.error, pickle errors, EOFError... of a bad queue
            self._inc("qptd/resume/queue_unreadable")
            logger.error(
                "the saved queue cannot be read (%s: %s); it is dropped and the crawl "
                "discovers again from the home page",
                type(exc).__name__,
                exc,
            )
            self._drop_disk_queue()
            rediscover = getattr(self._spider, "rediscovery_requests", None)
            for request in rediscover() if rediscover else ():
                self.enqueue_request(request)
            return super().next_request()

    def _drop_disk_queue(self) -> None:
        if self.dqs is None or not self.dqdir:
            return
        queue_dir = Path(self.dqdir)
        aside = queue_dir.parent / f"damaged-{new_run_id()}"
        self.dqs = None
        shutil.move(str(queue_dir), aside)
        queue_dir.mkdir()
        self.dqs = self._dq()

    def enqueue_request(self, request: Request) -> bool:
        try:
            return super().enqueue_request(request)
        except Exception as exc:
            # Never dropped in silence: the page goes to the failures file.
            self._inc("qptd/scheduler/unschedulable")
            record = getattr(self._spider, "record_unschedulable", None)
            if record is not None:
                record(request, f"{type(exc).__name__}: {exc}")
            else:
                logger.error("could not schedule %s: %s", request.url, exc)
            return False

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
