"""The ``qptd`` spider. It only navigates: which pages to fetch and in what order. What a
page says is the page parsers' business (``qptd_spider.pages``).

Discovery: home page and main menu → category list pages (paged with ``?page=N``) →
articles → their related-article panels and breadcrumbs; ``/sitemap.xml`` when the site
has one. Every URL is canonicalized first, so host aliases and tracking queries never
cause a second fetch.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from ..extract import canonicalize_item_urls
from ..failures import FailureLog, failure_kind, failures_path_for, read_failures
from ..normalize.article import utc_now
from ..normalize.dates import VIETNAM, parse_date
from ..pages import ArticlePage, ListingEntry, ListingHint, ListingPage, Pagination
from ..state import CrawlState, KnownArticle
from ..urls import DEFAULT_BASE_URL, PortalUrls, category_path_of, is_article_url, is_category_url


@dataclass
class _CategoryPaging:
    """The previous list page of one category (pages are fetched one after another).

    Only that page is kept: out-of-range pages repeat the last one, so comparing with the
    previous page finds the end, and memory does not grow with the category's length.
    """

    previous: frozenset[str] = frozenset()


def _parse_since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"since must be YYYY-MM-DD, got {value!r}") from exc


def _parse_positive_int(name: str, value: str | int | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from exc
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number


class QptdSpider(scrapy.Spider):
    """Crawls the QPTĐ portal (or a replica of it) for articles.

    Arguments (``-a name=value``): ``base_url`` (crawl target, default the live portal),
    ``since`` (YYYY-MM-DD: stop paging a category once its items are older),
    ``max_articles`` (stop after scheduling this many articles), ``categories``
    (comma-separated category paths to limit the crawl to), ``full=1`` (fetch every article
    again, ignoring what earlier crawls merged into the dataset).

    Incremental by default: with a crawl state (``QPTD_STATE_FILE``), articles already in
    the dataset are not fetched again unless younger than ``QPTD_RECHECK_DAYS``; those are
    re-checked with conditional requests.
    """

    name = "qptd"
    allowed_domains: Sequence[str] = ()  # set from the crawl target in from_crawler

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        since: str | None = None,
        max_articles: str | int | None = None,
        categories: str | None = None,
        canonical_base: str | None = None,
        full: str | bool = False,
        retry_failed: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.base_url_arg = base_url
        self.canonical_base_arg = canonical_base
        self.urls = PortalUrls(base_url)
        self.since = _parse_since(since)
        self.max_articles = _parse_positive_int("max_articles", max_articles)
        self.categories = tuple(
            c.strip().strip("/") for c in (categories or "").split(",") if c.strip().strip("/")
        )
        self.full = str(full).lower() in ("1", "true", "yes")
        self.retry_failed = [Path(p) for p in (retry_failed or "").split(",") if p.strip()]
        self.failures: FailureLog | None = None
        # 8-byte digests of canonical URLs: a 100,000-article crawl keeps ~5 MB, not ~20.
        self._seen_articles: set[bytes] = set()
        self._listed_articles: set[bytes] = set()  # seen on a list page (not just linked)
        self._requested_categories: set[str] = set()
        self._scheduled_count = 0
        self._paging: dict[str, _CategoryPaging] = {}
        self.crawl_state: CrawlState | None = None
        self.jobdir: Path | None = None
        self.distributed = False
        self.recheck_after = datetime.now(UTC) - timedelta(days=7)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> QptdSpider:
        spider: QptdSpider = super().from_crawler(crawler, *args, **kwargs)
        canonical = spider.canonical_base_arg or crawler.settings.get("QPTD_CANONICAL_BASE")
        spider.urls = PortalUrls(spider.base_url_arg, canonical)
        # Off-site redirects are dropped by Scrapy's offsite middleware with this list.
        spider.allowed_domains = sorted({h.split(":")[0] for h in spider.urls.allowed_hosts})
        spider.failures = FailureLog(
            failures_path_for(
                crawler.settings.get("QPTD_FAILURES_FILE"), crawler.settings.getdict("FEEDS")
            )
        )
        state_file = crawler.settings.get("QPTD_STATE_FILE")
        if state_file:
            spider.crawl_state = CrawlState(Path(state_file))
        # Distributed (scrapy-redis): the shared duplicate filter de-duplicates across workers,
        # so requests go through it; alone, the spider de-duplicates itself (see start()).
        spider.distributed = bool(crawler.settings.get("QPTD_REDIS_URL"))
        jobdir = crawler.settings.get("JOBDIR")
        spider.jobdir = Path(jobdir) if jobdir else None
        days = crawler.settings.getfloat("QPTD_RECHECK_DAYS", 7)
        spider.recheck_after = datetime.now(UTC) - timedelta(days=days)
        return spider

    def closed(self, reason: str) -> None:
        if self.crawl_state is not None:
            self.crawl_state.close()
        if self.failures is not None:
            self.failures.close()
        if self.jobdir is not None:
            (self.jobdir / CLEAN_STOP_MARKER).touch()

    def _resuming_after_clean_stop(self) -> bool:
        """True when this JOBDIR's last run stopped cleanly; the marker is used up at once,
        so a hard kill of this run is never mistaken for a clean stop next time."""
        if self.jobdir is None:
            return False
        marker = self.jobdir / CLEAN_STOP_MARKER
        if not marker.exists():
            return False
        marker.unlink()
        return True

    # -- entry points --------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Resuming a JOBDIR after a clean stop (SIGTERM, Ctrl-C, close): the saved queue
        # holds all the work left. After a hard kill, the requests that were in flight are
        # in no queue: discover again (the spider de-duplicates articles itself, against the
        # crawl state, so nothing is exported twice).
        if self.retry_failed:
            for request in self._retry_requests():
                yield request
            return
        rediscover = not self.distributed and not self._resuming_after_clean_stop()
        yield scrapy.Request(
            f"{self.urls.base_url}/", callback=self.parse_home, dont_filter=rediscover
        )
        yield scrapy.Request(
            f"{self.urls.base_url}/sitemap.xml",
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            meta={"handle_httpstatus_list": [404, 410]},
            priority=-1,
        )

    def _retry_requests(self) -> Iterator[scrapy.Request]:
        """`-a retry_failed=FILE`: exactly the pages a failures file lists, nothing else."""
        # These pages failed before: give Scrapy's retries twice the usual attempts too.
        insist = {"max_retry_times": 2 * self.crawler.settings.getint("RETRY_TIMES")}
        for entry in read_failures(self.retry_failed):
            self._inc("qptd/retry_failed/requested")
            if entry.get("page") == "listing" and entry.get("category_path") is not None:
                self._requested_categories.add(entry["category_path"])
                listing = self._listing_request(
                    entry["category_path"], int(entry.get("listing_page", 1))
                )
                yield listing.replace(meta={**listing.meta, **insist})
            else:
                for request in self._article_request(entry["url"], None):
                    yield request.replace(meta={**request.meta, **insist})

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        """Home page: main menu categories, and the articles it features."""
        if not isinstance(response, TextResponse):
            return
        page = ListingPage(response.text, response.url)
        for url in page.menu_urls():
            yield from self._category_request(url)
        for entry in page.entries():
            yield from self._article_request(entry.url, entry)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """``/sitemap.xml`` (or a nested sitemap): article and category URLs."""
        if response.status != 200 or not response.body.lstrip().startswith(b"<"):
            self._inc("qptd/sitemap/missing")
            return
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # lxml raises several kinds on non-XML bodies
            self._inc("qptd/sitemap/unreadable")
            return
        self._inc("qptd/sitemap/read")
        for entry in sitemap:
            loc = entry.get("loc", "")
            if sitemap.type == "sitemapindex":
                target = self.urls.to_fetch(loc)
                if target:
                    yield scrapy.Request(target, callback=self.parse_sitemap, priority=-1)
            elif is_article_url(loc):
                yield from self._article_request(loc, None)
            elif is_category_url(loc):
                yield from self._category_request(loc)

    def sitemap_failed(self, failure: Failure) -> None:
        self._inc("qptd/sitemap/failed")
        self.logger.info("no sitemap: %s", failure.getErrorMessage())

    # -- category lists ------------------------------------------------------------------

    def parse_listing(
        self, response: Response, category_path: str, page: int
    ) -> Iterator[scrapy.Request]:
        """One page of a category list: its articles, then the next page if it is worth it."""
        if not isinstance(response, TextResponse):
            return
        self._inc("qptd/listing/pages")
        listing = ListingPage(_page_text(response), response.url)
        if listing.is_soft_404():
            # A list page that says "not found" is a server fault, not the end of a category.
            self._record_failure(response.request, "soft_404", f"soft_404 page at {response.url}")
            return
        entries = listing.entries()
        pagination = listing.pagination()
        paging = self._paging.setdefault(category_path, _CategoryPaging())
        keys = [self.urls.canonical(e.url) for e in entries]
        new_keys = [k for k in keys if k not in paging.previous]
        paging.previous = frozenset(keys)

        for entry in entries:
            if self._older_than_since(entry.published_at_raw):
                self._inc("qptd/articles/skipped_before_since")
                continue
            yield from self._article_request(entry.url, entry)

        # Breadcrumb and menu links can name subcategories the home menu did not show.
        for url in listing.menu_urls():
            yield from self._category_request(url)

        stop = self._paging_stop_reason(page, entries, new_keys, pagination)
        if stop is None and entries and all(self._is_known_and_old(k) for k in keys):
            # Incremental: everything on this page is in the dataset and past re-checking.
            stop = "known"
        if stop:
            self._inc(f"qptd/pagination/stop/{stop}")
            return
        yield self._listing_request(category_path, page + 1)

    def _paging_stop_reason(
        self, page: int, entries: list[ListingEntry], new_keys: list[str], pagination: Pagination
    ) -> str | None:
        """Why paging this category ends after ``page``; None to go on."""
        if not entries:
            return "empty"
        if page > 1 and pagination.page_no is not None and pagination.page_no != page:
            # The server ignored ?page=N and sent another page: paging does not work here.
            return "page_mismatch"
        if page > 1 and not new_keys:
            # Out-of-range pages repeat the last page.
            return "repeat"
        if self.since and all(self._older_than_since(e.published_at_raw) for e in entries):
            return "since"
        if self._limit_reached():
            return "max_articles"
        last = pagination.last_page or _last_linked_page(pagination)
        if last is not None and page >= last:
            return "last_page"
        return None

    # -- articles ------------------------------------------------------------------------

    def parse_article(self, response: Response, hint: ListingHint | None = None) -> Iterator[Any]:
        """An article page: one item, then the articles and categories it links to."""
        key = self.urls.canonical(response.url)
        if response.status == 304:
            self._inc("qptd/incremental/not_modified")
            if self.crawl_state is not None:
                self.crawl_state.record_fetch(key, None, None, None, changed=False)
            return
        if not isinstance(response, TextResponse):
            self._inc("qptd/articles/not_text")
            return
        known = self._known(key)
        conditional = response.request is not None and (
            b"If-None-Match" in response.request.headers
            or b"If-Modified-Since" in response.request.headers
        )
        if known is not None and not known.merged and not conditional:
            # Fetched twice (a job resumed after a hard kill): the first copy is journaled.
            self._inc("qptd/incremental/duplicate_fetch")
            return
        if "partial" in response.flags:
            # The connection closed before the server said the page was over.
            self._record_failure(response.request, "truncated", "response ended early")
            return
        page = ArticlePage(_page_text(response), response.url, hint)
        if not page.is_article():
            kind = "soft_404" if page.is_soft_404() else "not_article"
            self._inc(f"qptd/articles/{kind}")
            self.logger.warning("%s: %s", kind, response.url)
            # A listed article that answers "not found" may be a passing server fault:
            # keep it in the failures file, where the next run picks it up.
            self._record_failure(response.request, kind, f"{kind} page at {response.url}")
            return
        if not page.is_complete():
            self._record_failure(response.request, "truncated", "page ends before its end")
            return
        item = page.to_item(crawled_at=utc_now())
        canonicalize_item_urls(item, self.urls)
        if self.since:
            if self._older_than_since(item.published_at_raw):
                self._inc("qptd/articles/skipped_before_since")
                return
            if parse_date(item.published_at_raw) is None:
                # Nothing proves it old: keep it rather than lose it, and count it.
                self._inc("qptd/articles/since_unknown_date")
        self._inc("qptd/articles/parsed")
        if self.crawl_state is not None:
            parsed = parse_date(item.published_at_raw)
            self.crawl_state.record_fetch(
                key,
                parsed.isoformat() if parsed else None,
                _header(response, b"ETag"),
                _header(response, b"Last-Modified"),
            )
        yield item
        for url in page.related_urls():
            yield from self._article_request(url, None)
        for url in page.category_urls():
            yield from self._category_request(url)

    # -- requests ------------------------------------------------------------------------

    def _article_request(self, url: str, entry: ListingEntry | None) -> Iterator[scrapy.Request]:
        target = self.urls.to_fetch(url)
        if target is None or not is_article_url(target) or not self._wanted(target):
            return
        key = self.urls.canonical(target)
        digest = _digest(key)
        if entry is not None:
            self._listed_articles.add(digest)
        if digest in self._seen_articles or self._limit_reached():
            return
        self._seen_articles.add(digest)
        known = self._known(key)
        if known is not None and (self._past_recheck(known) or not known.merged):
            # In the dataset and past re-checking, or fetched by an earlier (interrupted)
            # run and safe in its journal, waiting for `qptd merge`.
            self._inc("qptd/incremental/skipped_known")
            return
        self._inc("qptd/articles/scheduled")
        self._scheduled_count += 1
        hint = ListingHint(
            published_at_raw=entry.published_at_raw if entry else None,
            article_id=entry.article_id if entry else None,
        )
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {}
        if known is not None:
            # In the dataset but young: ask whether it changed since we fetched it.
            self._inc("qptd/incremental/rechecked")
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta["handle_httpstatus_list"] = [304]
        yield scrapy.Request(
            target,
            callback=self.parse_article,
            errback=self.request_failed,
            cb_kwargs={"hint": hint},
            headers=headers,
            meta={**meta, "qptd_page": "article"},
            dont_filter=not self.distributed,
            # Articles before more list pages: the frontier then holds a few pages of
            # articles, not the whole site (memory stays flat however large the portal).
            priority=2,
        )

    def _category_request(self, url: str) -> Iterator[scrapy.Request]:
        target = self.urls.to_fetch(url)
        if target is None or not is_category_url(target) or not self._wanted(target):
            return
        path = category_path_of(target)
        if path in self._requested_categories:
            return
        self._requested_categories.add(path)
        yield self._listing_request(path, 1)

    def _listing_request(self, category_path: str, page: int) -> scrapy.Request:
        url = f"{self.urls.base_url}/{category_path}"
        if page > 1:
            url += f"?page={page}"
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.request_failed,
            meta={"qptd_page": "listing", "category_path": category_path, "listing_page": page},
            cb_kwargs={"category_path": category_path, "page": page},
            # Finish paging a category before wandering: keeps the frontier small.
            priority=1,
            # Each (category, page) is requested once by this process (see the callers).
            dont_filter=not self.distributed,
        )

    def request_failed(self, failure: Failure) -> None:
        """Errback of article and list requests: the page goes to the failures file."""
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        if request is None and response is not None:
            request = response.request
        if request is None:
            self.logger.error("request failed without a request: %s", failure.getErrorMessage())
            return
        self._record_failure(request, failure_kind(failure), failure.getErrorMessage())

    def _worth_retrying(self, request: scrapy.Request, kind: str) -> bool:
        if kind not in RETRIED_BY_SPIDER:
            return False
        if kind in ("soft_404", "not_article") and request.meta.get("qptd_page") == "article":
            # A listed article that says "not found" is likely a passing fault; a related
            # link to a removed article is just gone (the portal has many): don't insist.
            hint = request.cb_kwargs.get("hint")
            listed = hint is not None and (hint.article_id or hint.published_at_raw)
            listed = listed or _digest(self.urls.canonical(request.url)) in self._listed_articles
            return bool(listed) or bool(self.retry_failed)
        return True

    def _record_failure(self, request: scrapy.Request | None, kind: str, error: str) -> None:
        if request is not None and self._worth_retrying(request, kind):
            retry = self._retry(request, kind)
            if retry is not None:
                self._inc(f"qptd/retries/{kind}")
                assert self.crawler.engine is not None
                self.crawler.engine.crawl(retry)
                return
        self._inc("qptd/failures/total")
        self._inc(f"qptd/failures/{kind}")
        if request is None or self.failures is None:
            return
        meta = request.meta
        context: dict[str, Any] = {"page": meta.get("qptd_page", "article")}
        if meta.get("qptd_page") == "listing":
            context["category_path"] = meta.get("category_path")
            context["listing_page"] = meta.get("listing_page")
        url = request.url
        if meta.get("redirect_urls"):
            url = meta["redirect_urls"][0]  # the page we asked for, not a hop of a chain
        self.failures.record(
            self.urls.canonical(url) if context["page"] == "article" else url,
            kind,
            error,
            attempts=meta.get("retry_times", 0) + 1,
            **context,
        )

    def _retry(self, request: scrapy.Request, kind: str) -> scrapy.Request | None:
        """Another try at a page that failed in a way Scrapy does not retry (a truncated or
        "not found" page, a redirect loop or off-site hop, a page over the size limit):
        such faults are often passing, like a 503. Redirects restart from the first URL."""
        original = request
        if request.meta.get("redirect_urls"):
            meta = {k: v for k, v in request.meta.items() if not k.startswith("redirect_")}
            original = request.replace(url=request.meta["redirect_urls"][0], meta=meta)
        retries = self.crawler.settings.getint("RETRY_TIMES")
        return get_retry_request(
            original,
            spider=self,
            reason=kind,
            # A retry-failed run exists to get those pages: it insists twice as long.
            max_retry_times=retries * 2 if self.retry_failed else retries,
            # Giving up is not a crawler error: the page goes to the failures file.
            give_up_log_level=logging.WARNING,
        )

    def _known(self, key: str) -> KnownArticle | None:
        """What the crawl state knows of a merged article (None: fetch it normally)."""
        if self.crawl_state is None or self.full:
            return None
        known = self.crawl_state.get(key)
        return known if known is not None and (known.merged or known.journaled) else None

    def _is_known_and_old(self, key: str) -> bool:
        return self._past_recheck(self._known(key))

    def _past_recheck(self, known: KnownArticle | None) -> bool:
        """In the dataset and older than the re-check window."""
        return (
            known is not None
            and known.merged
            and known.published_at is not None
            and known.published_at < self.recheck_after
        )

    def _wanted(self, url: str) -> bool:
        if not self.categories:
            return True
        path = category_path_of(url)
        return any(path == c or path.startswith(c + "/") for c in self.categories)

    def _limit_reached(self) -> bool:
        return self.max_articles is not None and self._scheduled_count >= self.max_articles

    def _older_than_since(self, raw: str | None) -> bool:
        if self.since is None:
            return False
        parsed = parse_date(raw)
        return parsed is not None and parsed.value.astimezone(VIETNAM).date() < self.since

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


CLEAN_STOP_MARKER = "qptd-clean-stop"


def _digest(key: str) -> bytes:
    """8 bytes standing for a canonical URL in the spider's de-duplication sets."""
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


# Failures Scrapy's retry middleware does not retry, which the spider retries itself.
RETRIED_BY_SPIDER = frozenset(
    {"truncated", "soft_404", "not_article", "offsite", "redirect_loop", "too_large"}
)


def _page_text(response: TextResponse) -> str:
    """The page as text. The portal writes UTF-8; a header that says otherwise (a
    misconfigured proxy) would garble every Vietnamese letter, so valid UTF-8 wins."""
    try:
        return response.body.decode("utf-8")
    except UnicodeDecodeError:
        return response.text


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _last_linked_page(pagination: Pagination) -> int | None:
    """The highest ``?page=N`` among rendered pagination links, if any."""
    pages = [
        int(value)
        for link in pagination.page_links
        for value in parse_qs(urlsplit(link).query).get("page", [])
        if value.isdigit()
    ]
    return max(pages) if pages else None
