"""Pages that could not be crawled: how a failure is named, whether the spider tries again,
and where it is written (the run's failures file, and the crawl state, from which the next
crawl fetches the page first).

The failures file is JSON Lines, one object per failed page::

    {"url": "...", "kind": "http_503", "error": "...", "attempts": 5,
     "page": "article" | "listing", "category_path": "...", "listing_page": 3,
     "failed_at": "2026-11-25T18:00:00+00:00"}
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import Spider
from scrapy.statscollectors import StatsCollector
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectError,
    ConnectionLost,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed

from ..clock import utc_now_iso
from ..fileio import JsonLinesError, JsonLinesWriter, read_json_lines
from .state import CarriedFailure, CrawlState

# Failures Scrapy's retry middleware does not retry, which the spider retries itself.
RETRIED_BY_SPIDER = frozenset(
    {"truncated", "soft_404", "not_article", "offsite", "redirect_loop", "too_large"}
)


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
        if "the crawl is stopping" in text:
            return "stopped"  # waiting for its turn when the crawl was stopped
        if "download_maxsize" in text:
            # Scrapy's decompression stops a gzip/brotli bomb past the size limit this way.
            return "too_large"
        if "time budget" in text:
            return "time_budget"
        if "request limit" in text:
            return "limit"
        if "offsite" in text or "allowed" in text:
            return "offsite"
        if "redirect" in text:
            return "redirect_loop"
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


class FailureLog:
    """Writes failure records to the run's failures file and to the crawl state."""

    def __init__(
        self,
        path: Path | None,
        state: CrawlState | None = None,
        run_id: str = "",
        truncate: bool = False,
    ):
        self.path = path
        self.state = state
        self.run_id = run_id
        self._writer = JsonLinesWriter(path, truncate=truncate) if path is not None else None

    @property
    def count(self) -> int:
        return self._writer.count if self._writer is not None else 0

    def record(
        self, url: str, kind: str, error: str, attempts: int, listed: bool = False, **context: Any
    ) -> None:
        """Write one failure, to the file and to the crawl state (for the next crawls to
        fetch first); ``listed``: an article seen on a list page, worth insisting on."""
        entry = {
            "url": url,
            "kind": kind,
            "error": error[:500],
            "attempts": attempts,
            **context,
            "failed_at": utc_now_iso(),
        }
        if self._writer is not None:
            self._writer.write(entry)
        if self.state is not None:
            self.state.record_failure(
                url,
                str(context.get("page", "article")),
                kind,
                self.run_id,
                context.get("category_path"),
                context.get("listing_page"),
                listed,
            )

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class FailurePolicy:
    """What happens to a page that failed: another try (for what Scrapy does not retry
    itself), or a failure record. Never silent: every page ends fetched or recorded."""

    def __init__(
        self,
        log: FailureLog,
        stats: StatsCollector | None,
        retry_times: int,
        insist: bool = False,
        is_listed: Callable[[str], bool] = lambda url: False,
        canonical: Callable[[str], str] = lambda url: url,
    ):
        self.log = log
        self.stats = stats
        # A run that exists to fetch failed pages again insists twice as long.
        self.retry_times = retry_times * 2 if insist else retry_times
        self.insist = insist
        self.is_listed = is_listed
        self.canonical = canonical
        # Pages with a failure record in the crawl state (from earlier runs or this one).
        self._unresolved: set[str] = set()
        # Articles given up on as "not found" links, before any list page had shown them.
        self._unlisted_not_found: set[str] = set()

    def listed(self, request: Request) -> bool:
        """An article seen on a list page (this crawl or the one that failed it before)."""
        hint = request.cb_kwargs.get("hint")
        return (
            (hint is not None and bool(hint.article_id or hint.published_at_raw))
            or bool(request.meta.get("qptd_listed"))
            or self.is_listed(self.canonical(request.url))
        )

    def worth_retrying(self, request: Request, kind: str) -> bool:
        if kind not in RETRIED_BY_SPIDER:
            return False
        if kind in ("soft_404", "not_article") and request.meta.get("qptd_page") == "article":
            # A listed article that says "not found" is likely a passing fault; a related
            # link to a removed article is just gone (the portal has many): don't insist.
            return self.listed(request) or self.insist
        return True

    def relisted(self, key: str) -> bool:
        """A list page now shows an article given up on as a dead link earlier in this
        crawl: True once, and the spider tries it again, as a listed article."""
        if key in self._unlisted_not_found:
            self._unlisted_not_found.discard(key)
            return True
        return False

    def handle(
        self, request: Request | None, kind: str, error: str, spider: Spider
    ) -> Request | None:
        """A retry request to schedule, or None once the failure is recorded."""
        if request is not None and self.worth_retrying(request, kind):
            retry = self._retry(request, kind, spider)
            if retry is not None:
                self._inc(f"qptd/retries/{kind}")
                return retry
        self.record(request, kind, error)
        return None

    def record(self, request: Request | None, kind: str, error: str) -> None:
        self._inc("qptd/failures/total")
        self._inc(f"qptd/failures/{kind}")
        if request is None:
            return
        meta = request.meta
        page = meta.get("qptd_page", "article")
        context: dict[str, Any] = {"page": page}
        if page == "listing":
            context["category_path"] = meta.get("category_path")
            context["listing_page"] = meta.get("listing_page")
        url = request.url
        if meta.get("redirect_urls"):
            url = meta["redirect_urls"][0]  # the page we asked for, not a hop of a chain
        url = self.canonical(url) if page == "article" else url
        # Carried to the next crawls (up to QPTD_FAILURE_RETRY_RUNS of them), even a "not
        # found" answer to a link: a passing fault looks the same as a removed article, and
        # an incremental crawl may never page far enough to find the article again.
        self._unresolved.add(url)
        listed = page == "article" and self.listed(request)
        if page == "article" and kind in ("soft_404", "not_article") and not listed:
            self._unlisted_not_found.add(url)
        self.log.record(
            url,
            kind,
            error,
            attempts=meta.get("retry_times", 0) + 1,
            listed=listed,
            **context,
        )

    def carried(self, max_runs: int) -> list[CarriedFailure]:
        """Pages earlier crawls could not get (and did not give up on): fetched first."""
        state = self.log.state
        carried = state.carried_failures(max_runs) if state is not None else []
        self._unresolved.update(c.url for c in carried)
        return carried

    def resolved(self, url: str) -> None:
        """A page that had failed was fetched: the next crawl need not try it again."""
        if url in self._unresolved and self.log.state is not None:
            self.log.state.clear_failure(url)
            self._unresolved.discard(url)

    def _retry(self, request: Request, kind: str, spider: Spider) -> Request | None:
        """Another try at a page that failed in a way Scrapy does not retry (a truncated or
        "not found" page, a redirect loop or off-site hop, a page over the size limit):
        such faults are often passing, like a 503. Redirects restart from the first URL."""
        original = request
        if request.meta.get("redirect_urls"):
            meta = {k: v for k, v in request.meta.items() if not k.startswith("redirect_")}
            original = request.replace(url=request.meta["redirect_urls"][0], meta=meta)
        return get_retry_request(
            original,
            spider=spider,
            reason=kind,
            max_retry_times=self.retry_times,
            # Giving up is not a crawler error: the page goes to the failures file.
            give_up_log_level=logging.WARNING,
        )

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


class FailuresFileError(ValueError):
    """A failures file cannot be read."""


def read_failures(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Failure records of one or more files, the last record per URL."""
    records: dict[str, dict[str, Any]] = {}
    for path in paths:
        if not path.is_file():
            raise FailuresFileError(f"failures file {path} does not exist")
        found = 0
        try:
            for number, entry in read_json_lines(path):
                if not isinstance(entry.get("url"), str):
                    raise FailuresFileError(f"{path}, line {number}: a record without a url")
                records[entry["url"]] = entry
                found += 1
        except JsonLinesError as exc:
            raise FailuresFileError(f"not a failures file: {exc}") from None
        except OSError as exc:
            raise FailuresFileError(f"cannot read {path}: {exc.strerror}") from None
        if not found and path.stat().st_size > 0:
            # One unfinished line and nothing else: not what a crawl writes.
            raise FailuresFileError(f"not a failures file: {path}, line 1 is no failure record")
    return list(records.values())
