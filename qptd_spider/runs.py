"""Runs: one crawl (or re-parse) and everything it wrote, under one run id.

A run is made at crawl start and named once: its journal, failures, rejects and report sit
in ``runs/<run id>/``, and the dataset version that merges it carries its id. Its record,
``run.json``, says where it came from (target, arguments, qptd version, git revision), how
it ended, and whether it is merged. While the crawl runs it holds the run's lock: ``qptd
merge`` never takes a journal that is still being written.

Status, as ``qptd merge`` sees it:

- ``running``: the lock is held by a live crawl;
- ``interrupted``: the record says running but nobody holds the lock (the crawl was
  killed): its journal holds valid articles and is merged;
- ``finished``: ended and healthy;
- ``stopped``: stopped by the operator (SIGTERM, Ctrl-C): what it journaled is valid;
- ``failed``: a health check failed (also when a signal stopped the crawl: its record says
  ``stopped`` with a failed health check), the crawl could not write its output, or a
  re-parse broke off; held back from merge unless asked (``--include-failed``);
- ``merged``: in a dataset version already.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .fileio import atomic_write_json
from .layout import ExportsLayout, RunFiles

RECORD_FORMAT = 1
MERGEABLE = ("finished", "interrupted", "stopped")

# Run ids name folders and files: letters, digits, dot, dash and underscore only, so a run
# id from the command line can never point outside the exports folder.
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class RunError(ValueError):
    """A run cannot be used as asked (unknown id, bad record, still running...)."""


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id) or ".." in run_id:
        raise RunError(
            f"run id {run_id!r} must be 1-100 letters, digits, '.', '-' or '_' (no path)"
        )
    return run_id


def is_locked(lock: Path) -> bool:
    """True when another process holds ``lock`` (a crawl that is still running)."""
    if not lock.exists():
        return False
    probe = FileLock(lock, is_singleton=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        return True
    probe.release()
    return False


def git_revision(folder: Path) -> str | None:
    """The git commit of ``folder`` when it is a checkout (None for an installed package)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    revision = done.stdout.strip()
    return revision if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{40}", revision) else None


@dataclass
class Run:
    """A run folder as found on disk: one record per process that worked on it."""

    run_id: str
    folder: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    record_paths: list[Path] = field(default_factory=list)

    @property
    def status(self) -> str:
        statuses = [
            self._status_of(r, p) for r, p in zip(self.records, self.record_paths, strict=True)
        ]
        if not statuses:
            return "empty"
        for status in ("running", "merged", "failed", "interrupted", "stopped"):
            if status in statuses:
                return status
        return "finished"

    def _status_of(self, record: dict[str, Any], path: Path) -> str:
        if record.get("merged_into"):
            return "merged"
        status = str(record.get("status", "running"))
        if status == "running":
            worker = str(record.get("worker") or "")
            return "running" if is_locked(RunFiles(path.parent, worker).lock) else "interrupted"
        health = record.get("health") or {}
        if status == "stopped" and health.get("ok") is False:
            # A cron timeout stops a crawl of a hostile site as surely as Ctrl-C stops a
            # good one: what failed its checks is held back either way.
            return "failed"
        return status

    @property
    def target_id(self) -> str | None:
        ids = {(r.get("target") or {}).get("id") for r in self.records}
        ids.discard(None)
        return next(iter(ids)) if len(ids) == 1 else None

    @property
    def for_dataset(self) -> bool:
        """False for a crawl made with ``-a dataset=0``: no merge takes it."""
        return all(r.get("for_dataset", True) is not False for r in self.records)

    @property
    def target(self) -> dict[str, Any]:
        return dict(self.records[0].get("target") or {}) if self.records else {}

    @property
    def merged_into(self) -> str | None:
        for record in self.records:
            if record.get("merged_into"):
                return str(record["merged_into"])
        return None

    def file_paths(self, name: str) -> list[Path]:
        """Absolute paths of a kind of file of every process (``journal``, ``failures``...)."""
        out = []
        for record, path in zip(self.records, self.record_paths, strict=True):
            value = (record.get("files") or {}).get(name)
            if value:
                candidate = Path(value)
                out.append(candidate if candidate.is_absolute() else path.parent / candidate)
        return out

    @property
    def journals(self) -> list[Path]:
        return [p for p in self.file_paths("journal") if p.exists()]

    def summary(self) -> dict[str, Any]:
        """What a version's manifest keeps of each run it merged (its provenance)."""
        first = self.records[0] if self.records else {}
        keys = (
            "kind",
            "started_at",
            "finished_at",
            "finish_reason",
            "target",
            "qptd_version",
            "git_revision",
            "parser_version",
            "spider_args",
            "settings",
            "feeds",
            "politeness",
        )
        summary: dict[str, Any] = {"run_id": self.run_id, "status": self.status}
        summary.update({k: first.get(k) for k in keys})
        if len(self.records) > 1:
            summary["workers"] = [r.get("worker") for r in self.records]
            summary["finished_at"] = max(str(r.get("finished_at") or "") for r in self.records)
        summary["counts"] = _sum_counts(r.get("counts") or {} for r in self.records)
        return summary

    def mark_merged(self, version_id: str) -> None:
        for record, path in zip(self.records, self.record_paths, strict=True):
            record["merged_into"] = version_id
            atomic_write_json(path, record)


def _sum_counts(counts: Iterable[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in counts:
        for key, value in part.items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
    return total


# The fields of a record that are read, and the JSON types they may have (None: absent).
_RECORD_TYPES: dict[str, tuple[type, ...]] = {
    "status": (str,),
    "worker": (str,),
    "merged_into": (str,),
    "target": (dict,),
    "counts": (dict,),
    "files": (dict,),
    "health": (dict,),
}


def _load_record(path: Path) -> dict[str, Any]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(f"run record {path} is not readable JSON: {exc}") from None
    if not isinstance(record, dict):
        raise RunError(f"run record {path} is not a JSON object")
    for name, types in _RECORD_TYPES.items():
        value = record.get(name)
        if value is not None and not isinstance(value, types):
            raise RunError(
                f"run record {path}: {name} must be a JSON "
                f"{'object' if types == (dict,) else 'string'}, not {type(value).__name__} "
                f"({json.dumps(value, ensure_ascii=False)[:60]}); fix or move the record"
            )
    return record


def load_run(folder: Path) -> Run:
    run = Run(run_id=folder.name, folder=folder)
    for path in sorted(folder.glob("run*.json")):
        run.records.append(_load_record(path))
        run.record_paths.append(path)
    return run


def list_runs(layout: ExportsLayout) -> list[Run]:
    """Every run of an exports root, oldest first (run ids sort by start time)."""
    if not layout.runs.is_dir():
        return []
    return [
        load_run(folder)
        for folder in sorted(layout.runs.iterdir())
        if folder.is_dir() and not folder.name.startswith(".") and any(folder.glob("run*.json"))
    ]


def find_run(layout: ExportsLayout, run_id: str) -> Run:
    check_run_id(run_id)
    folder = layout.run_folder(run_id)
    if not folder.is_dir() or not any(folder.glob("run*.json")):
        known = ", ".join(r.run_id for r in list_runs(layout)[-5:]) or "none"
        raise RunError(f"no run {run_id!r} in {layout.runs} (latest: {known})")
    return load_run(folder)


def pending_runs(layout: ExportsLayout, include_failed: bool = False) -> list[Run]:
    """Runs whose articles are waiting for ``qptd merge``, oldest first."""
    wanted = (*MERGEABLE, "failed") if include_failed else MERGEABLE
    return [r for r in list_runs(layout) if r.status in wanted and r.journals and r.for_dataset]


def journal_waiting_run_ids(layout: ExportsLayout) -> set[str]:
    """Runs whose journal holds articles the dataset will get at the next merge: a crawl
    need not fetch those articles again (running, interrupted or finished, not failed)."""
    return {
        r.run_id
        for r in list_runs(layout)
        if r.status in ("running", *MERGEABLE) and not r.merged_into and r.for_dataset
    }
