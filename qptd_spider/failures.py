"""Pages that could not be crawled: classified, written where a person (and the next run)
can read them.

The failures file is JSON Lines, one object per failed page::

    {"url": "...", "kind": "http_503", "error": "...", "attempts": 5,
     "page": "article" | "listing", "category_path": "...", "listing_page": 3,
     "failed_at": "2026-11-25T18:00:00+00:00"}

``qptd retry-failed`` (``scrapy crawl qptd -a retry_failed=FILE``) fetches exactly those
pages again; an incremental run fetches failed articles anyway, as they never reached the
dataset.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from .feeds import beside_feed


def failure_kind(failure: Failure) -> str:
    """A short name for why a request failed (counted in stats and written to failures)."""
    value = failure.value
    if isinstance(value, HttpError):
        return f"http_{value.response.status}"
    if isinstance(value, TimeoutError | TCPTimedOutError):
        return "timeout"
    if isinstance(value, ResponseFailed):
        reasons = " ".join(type(r.value).__name__ for r in value.reasons)
        return "data_loss" if "DataLoss" in reasons else "connection_lost"
    if isinstance(value, ConnectionLost):
        return "connection_lost"
    if isinstance(value, DNSLookupError):
        return "dns"
    if isinstance(value, ConnectError):
        return "connect"
    if isinstance(value, CancelledError):
        return "too_large"  # Scrapy cancels downloads over DOWNLOAD_MAXSIZE this way
    if isinstance(value, IgnoreRequest):
        text = str(value).lower()
        if "redirect" in text:
            return "redirect_loop"
        if "offsite" in text or "allowed" in text:
            return "offsite"
        return "ignored"
    # Scrapy's own wrappers of the same conditions (newer versions raise these).
    name = type(value).__name__
    for marker, kind in (
        ("Timeout", "timeout"),
        ("DataLoss", "data_loss"),
        ("Cancelled", "too_large"),
        ("ConnectionLost", "connection_lost"),
        ("ConnectionRefused", "connect"),
        ("DownloadFailed", "connection_lost"),  # e.g. a connection reset mid-response
    ):
        if marker in name:
            return kind
    return name


def failures_path_for(setting: str | None, feeds: dict[str, Any]) -> Path:
    """The setting, else beside the first local feed, else exports/failures.jsonl."""
    return beside_feed(setting, feeds, "failures.jsonl") or Path("exports") / "failures.jsonl"


class FailureLog:
    """Appends failure records; the file appears only when something failed."""

    def __init__(self, path: Path):
        self.path = path
        self._file: IO[str] | None = None
        self._lock = threading.Lock()
        self.count = 0

    def record(self, url: str, kind: str, error: str, attempts: int, **context: Any) -> None:
        entry = {
            "url": url,
            "kind": kind,
            "error": error[:500],
            "attempts": attempts,
            **context,
            "failed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        }
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def read_failures(paths: list[Path]) -> list[dict[str, Any]]:
    """Failure records of one or more files, the last record per URL."""
    records: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"failures file {path} does not exist")
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line of a killed crawl
                if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                    records[entry["url"]] = entry
    return list(records.values())
