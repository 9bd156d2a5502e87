"""Every path of an exports root, in one place.

An exports root holds one dataset and everything that feeds it::

    dataset -> versions/<version id>   the current version (a symlink, swapped atomically)
    versions/<version id>/             year=YYYY/part-0.parquet, _manifest.json and
                                       _index.parquet (what the version holds)
    runs/<run id>/                     one crawl (or re-parse): run.json, journal.jsonl,
                                       failures.jsonl, rejects.jsonl, report.json
    warc/<run id>-NNNNN.warc.gz        every response a crawl received
    crawl-state.sqlite                 what earlier crawls fetched (the crawler's memory)
    hf -> hf-builds/<version id>       the Hugging Face folder
    report.html                        the dataset report
    .lock                              held by the one process that writes the dataset

The root is ``QPTD_EXPORTS`` (setting or environment), by default ``exports`` in the project
root: the folder with ``scrapy.cfg``, wherever the command runs from (else the current
folder, for an installed qptd used outside a checkout). A crawl of any target other than the
live portal (the replica, a mirror) gets a root of its own, ``exports/<target>``, so its
articles never reach the live dataset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg

DEFAULT_EXPORTS = "exports"
ENV_EXPORTS = "QPTD_EXPORTS"


def project_root(start: Path | None = None) -> Path:
    """The folder with the closest ``scrapy.cfg`` at or above ``start`` (default: the current
    folder), else ``start`` itself."""
    here = (start or Path.cwd()).resolve()
    cfg = closest_scrapy_cfg(str(here))
    return Path(cfg).parent if cfg else here


def resolve_exports(value: str | os.PathLike[str] | None = None) -> Path:
    """An exports root: ``value``, else ``$QPTD_EXPORTS``, else ``exports``; a relative path is
    taken from the project root, not from the current folder."""
    chosen = Path(value or os.environ.get(ENV_EXPORTS) or DEFAULT_EXPORTS).expanduser()
    return chosen if chosen.is_absolute() else project_root() / chosen


@dataclass(frozen=True)
class RunFiles:
    """The files of one run (``worker`` names one process of a distributed run)."""

    folder: Path
    worker: str = ""

    def _named(self, stem: str, suffix: str) -> Path:
        middle = f".{self.worker}" if self.worker else ""
        return self.folder / f"{stem}{middle}.{suffix}"

    @property
    def record(self) -> Path:
        return self._named("run", "json")

    @property
    def journal(self) -> Path:
        return self._named("journal", "jsonl")

    @property
    def failures(self) -> Path:
        return self._named("failures", "jsonl")

    @property
    def rejects(self) -> Path:
        return self._named("rejects", "jsonl")

    @property
    def report(self) -> Path:
        return self._named("report", "json")

    @property
    def stats(self) -> Path:
        return self._named("stats", "json")

    @property
    def lock(self) -> Path:
        return self._named(".lock", "lock")


@dataclass(frozen=True)
class ExportsLayout:
    """The paths of one exports root."""

    root: Path

    @classmethod
    def at(cls, value: str | os.PathLike[str] | None = None) -> ExportsLayout:
        return cls(resolve_exports(value))

    @property
    def dataset(self) -> Path:
        return self.root / "dataset"

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    def version(self, version_id: str) -> Path:
        return self.versions / version_id

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    def run_folder(self, run_id: str) -> Path:
        return self.runs / run_id

    def run(self, run_id: str, worker: str = "") -> RunFiles:
        return RunFiles(self.run_folder(run_id), worker)

    @property
    def state(self) -> Path:
        return self.root / "crawl-state.sqlite"

    @property
    def warc(self) -> Path:
        return self.root / "warc"

    @property
    def hf(self) -> Path:
        return self.root / "hf"

    @property
    def hf_builds(self) -> Path:
        return self.root / "hf-builds"

    @property
    def history(self) -> Path:
        """Every version ever made, one summary line each: pruning never touches it."""
        return self.root / "history.jsonl"

    @property
    def report_html(self) -> Path:
        return self.root / "report.html"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"
