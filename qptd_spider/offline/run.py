"""Runs made without the network (``qptd reparse``, ``qptd renormalize``): the same files as
a crawl's run (``runs/<run id>/`` with a record, a journal, failures, rejects and a report),
so that ``qptd merge`` takes them like any crawl and the dataset's history says which run,
of which kind, changed a row."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from filelock import FileLock

from .. import __version__
from ..clock import new_run_id, utc_now_iso
from ..crawl.failures import FailureLog
from ..fileio import JsonLinesWriter, atomic_write_json
from ..layout import ExportsLayout, project_root
from ..parser_version import parser_version
from ..runs import RECORD_FORMAT, check_run_id, git_revision
from ..schema import validation_errors


@dataclass
class OfflineResult:
    """What an offline run did."""

    run_id: str
    kind: str
    items: int = 0
    rejected: int = 0
    failed: int = 0
    seconds: float = 0.0
    failures_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return (self.items + self.rejected + self.failed) / self.seconds if self.seconds else 0.0


class OfflineRun:
    """Writes one run of ``kind`` into an exports root; subclasses feed it items."""

    kind = "offline"

    def __init__(self, layout: ExportsLayout, run_id: str | None = None):
        self.layout = layout
        self.run_id = check_run_id(run_id or new_run_id())
        self.files = layout.run(self.run_id)
        self.journal = JsonLinesWriter(self.files.journal, truncate=True)
        self.failures = FailureLog(self.files.failures, run_id=self.run_id, truncate=True)
        self.rejects = JsonLinesWriter(self.files.rejects, truncate=True)
        self.reasons: Counter[str] = Counter()
        self.target: dict[str, Any] = {}

    def new_result(self) -> OfflineResult:
        return OfflineResult(self.run_id, self.kind)

    def execute(self, sources: list[str], result: OfflineResult) -> None:
        """Run ``self.produce`` with the run's files open, its record kept up to date."""
        started = time.monotonic()
        self.files.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.files.lock, is_singleton=False)
        lock.acquire(timeout=0)
        record = self._record(sources)
        atomic_write_json(self.files.record, record)
        error: BaseException | None = None
        try:
            self.produce(result)
        except BaseException as exc:
            error = exc
            raise
        finally:
            for writer in (self.journal, self.failures, self.rejects):
                writer.close()
            result.seconds = round(time.monotonic() - started, 2)
            result.failures_by_reason = dict(self.reasons)
            # A run that broke off is held back from merge (``failed``): what it journaled
            # is valid, but it is not the whole of what it was asked to do.
            broke_off = (
                f"{type(error).__name__}: {error}"
                if error is not None
                else self.failed_reason(result)
            )
            record.update(
                status="failed" if broke_off else "finished",
                finished_at=utc_now_iso(),
                finish_reason=broke_off or "finished",
                target=self.target or record["target"],
                health={
                    "ok": broke_off is None,
                    "failed_checks": [f"broke off: {broke_off}"] if broke_off else [],
                },
                counts={
                    "exported": result.items,
                    "journaled": result.items,
                    "failed": result.failed,
                    "rejected": result.rejected,
                    "requests": 0,
                },
            )
            atomic_write_json(self.files.report, self.report(result))
            atomic_write_json(self.files.record, record)
            lock.release()

    def produce(self, result: OfflineResult) -> None:
        raise NotImplementedError

    def failed_reason(self, result: OfflineResult) -> str | None:
        """Why a run that ended without an error still failed (None: it did not)."""
        return None

    def write_item(self, row: dict[str, Any], result: OfflineResult) -> None:
        """Journal a valid item; write an invalid one whole, with its reasons, to rejects."""
        reasons = validation_errors(row)
        if reasons:
            result.rejected += 1
            self.rejects.write({"url": row["url"], "reasons": reasons, "item": row})
            return
        self.journal.write(row)
        result.items += 1

    def fail(
        self, url: str, reason: str, where: str, result: OfflineResult, kind: str | None = None
    ) -> None:
        """One failure: of ``kind`` (default: the run's kind, ``reparse``...)."""
        result.failed += 1
        self.reasons[reason] += 1
        # The crawl's own failure records (no crawl state: nothing here is fetched again).
        self.failures.record(
            url, kind or self.kind, f"{reason} ({where})", attempts=1, page="article"
        )

    def report(self, result: OfflineResult) -> dict[str, Any]:
        return {
            "run_id": result.run_id,
            "kind": self.kind,
            "articles": {
                "exported": result.items,
                "rejected": result.rejected,
                "failed": result.failed,
            },
            "failures_by_reason": result.failures_by_reason,
            "duration_seconds": result.seconds,
            "items_per_second": round(result.per_second, 1),
            "ok": True,
        }

    def _record(self, sources: list[str]) -> dict[str, Any]:
        return {
            "format": RECORD_FORMAT,
            "run_id": self.run_id,
            "worker": "",
            "kind": self.kind,
            "status": "running",
            "started_at": utc_now_iso(),
            "finished_at": None,
            "finish_reason": None,
            "target": {},
            "qptd_version": __version__,
            "git_revision": git_revision(project_root()),
            "parser_version": parser_version(),
            "spider_args": {},
            "settings": {},
            "feeds": [],
            "sources": sources,
            "files": {
                "journal": self.files.journal.name,
                "failures": self.files.failures.name,
                "rejects": self.files.rejects.name,
                "report": self.files.report.name,
            },
            "health": None,
            "counts": {},
            "politeness": {},
            "merged_into": None,
        }
