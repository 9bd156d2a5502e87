"""The ``qptd`` spider. It only navigates: which pages to fetch and in what order. What a
page says is the page parsers' business (``qptd_spider.pages``); what the crawl remembers
and what it does with failures are the run's policies (``qptd_spider.crawl``).

Discovery: the pages earlier crawls could not get and the articles they found but did not
reach; the home page and main menu → category list pages (paged with ``?page=N``) →
articles → their related-article panels and breadcrumbs; ``/sitemap.xml`` when the site
has one. Every URL is canonicalized first, so host aliases and tracking queries never
cause a second fetch.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from ..clock import utc_now_iso
from ..crawl.archive import FETCHED_AT_META, REF_META
from ..crawl.failures import FailurePolicy, failure_kind, read_failures
from ..crawl.incremental import IncrementalPolicy
from ..crawl.run import CrawlRun, RunExtension
from ..items import ArticleItem
from ..normalize.dates import first_plausible_date
from ..pages import ArticlePage, ListingEntry, ListingHint, ListingPage
from ..urls import (
    SITEMAP_PAGE,
    PortalUrls,
    canonicalize_item_urls,
    category_path_of,
    is_article_url,
    is_category_url,
    is_soft_404_url,
)
from .arguments import SpiderArguments, parse_arguments
from .discovery import Discovered, RelatedBounds
from .paging import CategoryPaging, stop_reason
from .requests import (
    ARTICLE_PRIORITY,
    CARRIED_PRIORITY,
    DEPTH_META,
    LISTING_PRIORITY,
    article_request,
    listing_request,
)
from .responses import asked_url, header, page_text, was_conditional
from .scope import CrawlScope

# Items dated by list pages alone kept for re-dating (pages normally carry their date).
MAX_LIST_DATED = 10_000
# Paging ended because the list did: the category was read to its end.
NATURAL_ENDS = frozenset({"empty", "repeat", "last_page", "page_mismatch"})
SKIPPED = {
    "known": "qptd/incremental/skipped_known",
    "journaled": "qptd/incremental/skipped_journaled",
}


class QptdSpider(scrapy.Spider):
    """Crawls the QPTĐ portal (or a replica of it) for articles.

    Arguments (``-a name=value``, see ``spiders/arguments.py``): ``base_url``, ``since``,
    ``max_articles``, ``categories``, ``full``, ``retry_failed``, ``canonical_base``.
    """

    name = "qptd"

    def __init__(self, **kwargs: Any):
        own = {k: kwargs.pop(k) for k in list(kwargs) if k in SpiderArguments.NAMES}
        extra = {k: v for k, v in kwargs.items() if k != "name"}
        super().__init__(**{k: v for k, v in kwargs.items() if k == "name"})
        self.args = parse_arguments({**own, **extra})
        self.arguments = self.args.given  # as the run record keeps them
        self.full = self.args.full
        self.urls = PortalUrls(self.args.base_url, self.args.canonical_base)
        self.scope = CrawlScope(self.args, count=self._inc)
        self.distributed = False
        self.dedup = True
        self.failure_retry_runs = 3
        self.discovered = Discovered()
        self.related = RelatedBounds(0, 0, self._add)
        self._paging: dict[str, CategoryPaging] = {}
        # Items dated by a list page alone, as first yielded: re-dated (and yielded again)
        # if another list page dates them more finely later in the crawl.
        self._list_dated: dict[str, ArticleItem] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> QptdSpider:
        spider: QptdSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        # The crawl target is a setting: middlewares and the run read it from there.
        settings.set("QPTD_BASE_URL", spider.args.base_url, priority="spider")
        if spider.args.canonical_base:
            settings.set("QPTD_CANONICAL_BASE", spider.args.canonical_base, priority="spider")
        spider.urls = PortalUrls.from_settings(settings)
        spider.scope.max_list_pages = settings.getint("QPTD_MAX_LIST_PAGES", 5000)
        spider.scope.max_links = settings.getint("QPTD_MAX_LINKS_PER_PAGE", 200)
        spider.failure_retry_runs = settings.getint("QPTD_FAILURE_RETRY_RUNS", 3)
        spider.related = RelatedBounds(
            settings.getint("QPTD_MAX_RELATED_DEPTH", 20),
            settings.getint("QPTD_MAX_RELATED_NEW", 10_000),
            spider._add,
        )
        spider.distributed = bool(settings.get("QPTD_REDIS_URL"))
        # Alone, the spider de-duplicates itself (it knows canonical URLs); distributed, the
        # shared duplicate filter does it across workers.
        spider.dedup = not spider.distributed
        return spider

    # -- the run's policies (ready once the crawl is open) --------------------------------

    @cached_property
    def run(self) -> CrawlRun:
        return RunExtension.of(self.crawler)

    @cached_property
    def incremental(self) -> IncrementalPolicy:
        return self.run.policy

    @cached_property
    def failures(self) -> FailurePolicy:
        return FailurePolicy(
            self.run.failures,
            self.crawler.stats,
            retry_times=self.crawler.settings.getint("RETRY_TIMES"),
            insist=bool(self.args.retry_failed),
            is_listed=self.discovered.is_listed,
            canonical=self.urls.canonical,
        )

    # -- entry points --------------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        requests = self._retry_requests() if self.args.retry_failed else self.rediscovery_requests()
        for request in requests:
            yield request

    def rediscovery_requests(self) -> Iterator[scrapy.Request]:
        """Pages earlier crawls could not get, articles they found but did not reach, then
        the home page and the sitemap. After a clean stop of a JOBDIR job the saved queue
        holds the rest of the work; otherwise everything is discovered again, and what a
        journal already holds is skipped."""
        rediscover = not self.distributed and not self.run.resumed_queue
        for carried in self.failures.carried(self.failure_retry_runs):
            self._inc("qptd/carried_failures/requested")
            if carried.page == "listing" and carried.category_path is not None:
                self.discovered.new_category(carried.category_path)
                page = carried.listing_page or 1
                self.discovered.new_page(carried.category_path, page)
                yield self._listing_request(carried.category_path, page, CARRIED_PRIORITY)
            else:
                self.discovered.carry(carried.url)
                for request in self._article_request(carried.url, None, CARRIED_PRIORITY):
                    yield request.replace(meta={**request.meta, "qptd_listed": carried.listed})
        for url, hint in self.incremental.pending():
            self._inc("qptd/frontier/resumed")
            yield from self._article_request(url, None, hint=ListingHint(**(hint or {})))
        yield scrapy.Request(self.urls.base_url + "/", self.parse_home, dont_filter=rediscover)
        yield scrapy.Request(
            self.urls.base_url + "/sitemap.xml",
            callback=self.parse_sitemap,
            errback=self.sitemap_failed,
            meta={"handle_httpstatus_list": [404, 410]},
            priority=-1,
            dont_filter=rediscover,
        )
        # The CMS's HTML sitemap: a tree of every category, the menu's hidden ones too.
        yield scrapy.Request(
            self.urls.base_url + SITEMAP_PAGE,
            callback=self.parse_sitemap_page,
            errback=self.sitemap_failed,
            meta={"handle_httpstatus_list": [404, 410]},
            priority=-1,
            dont_filter=rediscover,
        )

    def _retry_requests(self) -> Iterator[scrapy.Request]:
        """`-a retry_failed=FILE`: exactly the pages a failures file lists, nothing else;
        they failed before, so Scrapy's retries insist twice as long too."""
        insist = {"max_retry_times": 2 * self.crawler.settings.getint("RETRY_TIMES")}
        for entry in read_failures(self.args.retry_failed):
            self._inc("qptd/retry_failed/requested")
            if entry.get("page") == "listing" and entry.get("category_path") is not None:
                self.discovered.new_category(entry["category_path"])
                page = int(entry.get("listing_page") or 1)
                requests = iter([self._listing_request(entry["category_path"], page)])
            else:
                requests = self._article_request(entry["url"], None)
            for request in requests:
                yield request.replace(meta={**request.meta, **insist})

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """Any page of the portal, routed to its callback by its URL (``scrapy parse URL``)."""
        if is_article_url(response.url):
            yield from self.parse_article(response)
        elif is_category_url(response.url):
            page = parse_qs(urlsplit(response.url).query).get("page", ["1"])[0]
            path = category_path_of(response.url)
            yield from self.parse_listing(response, path, int(page) if page.isdigit() else 1)
        else:
            yield from self.parse_home(response)

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        """Home page: the menus' categories, and every category and article it links (its
        modules link both straight, outside any list).

        @url https://quocphongthudo.vn/
        @stored_page tests/fixtures/listing/home.html
        @returns requests 10
        @returns items 0 0
        """
        if not isinstance(response, TextResponse):
            return
        page = ListingPage(page_text(response), response.url)
        menu = self.scope.capped(page.menu_urls(), "menu links")
        self.scope.note_menu(category_path_of(u) for u in menu if is_category_url(u))
        if not any(is_category_url(u) for u in menu):
            self._inc("qptd/discovery/home_without_menu")
            self.logger.warning("no menu of a known kind on the home page %s", response.url)
        links = self.scope.capped(page.content_links(), "home links")
        for url in [*menu, *(u for u in links if is_category_url(u))]:
            yield from self._category_request(url)
        for entry in self.scope.capped(page.entries(), "home entries"):
            yield from self._article_request(entry.url, entry)
        for url in links:
            if is_article_url(url):
                yield from self._article_request(url, None)

    def parse_sitemap_page(self, response: Response) -> Iterator[scrapy.Request]:
        """``/page/sitemap``: the HTML tree of every category."""
        if response.status != 200 or not isinstance(response, TextResponse):
            self._inc("qptd/sitemap_page/missing")
            return
        page = ListingPage(page_text(response), response.url)
        if page.is_soft_404():
            self._inc("qptd/sitemap_page/missing")
            return
        self._inc("qptd/sitemap_page/read")
        for url in self.scope.capped(page.menu_urls(), "sitemap links"):
            yield from self._category_request(url)

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
        """One page of a category list: its articles, then the next page if it is worth it.

        @url https://quocphongthudo.vn/thoi-su-chinh-tri
        @stored_page tests/fixtures/listing/thoi-su-chinh-tri.html
        @cb_kwargs {"category_path": "thoi-su-chinh-tri", "page": 1}
        @returns requests 3
        @returns items 0 0
        """
        if not isinstance(response, TextResponse):
            return
        self._inc("qptd/listing/pages")
        listing = ListingPage(page_text(response), response.url)
        if listing.is_soft_404() or is_soft_404_url(response.url):
            # A list page that says "not found" is a server fault, not the end of a category.
            yield from self._failed(
                response.request, "soft_404", f"soft_404 page at {response.url}"
            )
            return
        self.failures.resolved(asked_url(response.request) if response.request else response.url)
        entries = self.scope.capped(listing.entries(), "list entries")
        keys = [self.urls.canonical(e.url) for e in entries]
        new_keys = self._paging.setdefault(category_path, CategoryPaging()).new_keys(keys)
        self.discovered.found_listed(keys)
        for entry in entries:
            if self.scope.listed_before_since(entry.published_at_raw):
                self._inc("qptd/articles/skipped_before_since")
                continue
            yield from self._article_request(entry.url, entry)
        # Breadcrumb and menu links can name subcategories the home menu did not show.
        for url in self.scope.capped(listing.menu_urls(), "menu links"):
            yield from self._category_request(url)
        stop = stop_reason(
            page,
            entries,
            new_keys,
            listing.pagination(),
            all_before_since=self.args.since is not None
            and all(self.scope.listed_before_since(e.published_at_raw) for e in entries),
            limit_reached=self.scope.limit_reached(),
            all_known_and_old=self.incremental.category_complete(category_path)
            and all(self.incremental.is_known_and_old(k) for k in keys)
            and not self.discovered.carried_in(category_path),
            max_pages=self.scope.max_list_pages,
        )
        if stop == "limit":
            self._inc("qptd/limits/list_pages")
            self.logger.warning(
                "stopped paging %s at page %d (QPTD_MAX_LIST_PAGES)", category_path, page
            )
        if stop in NATURAL_ENDS:
            self.incremental.mark_category_complete(category_path, self.run.run_id)
        if stop:
            self._inc(f"qptd/pagination/stop/{stop}")
            return
        yield from self._next_listing(category_path, page + 1)

    def _next_listing(self, category_path: str, page: int) -> Iterator[scrapy.Request]:
        if self.discovered.new_page(category_path, page):
            yield self._listing_request(category_path, page)

    # -- articles ------------------------------------------------------------------------

    def parse_article(self, response: Response, hint: ListingHint | None = None) -> Iterator[Any]:
        """An article page: one item, then the articles and categories it links to.

        @url https://quocphongthudo.vn/thoi-su-chinh-tri/thanh-pho-ha-noi/hoc-tap-va-lam-theo-bac.html
        @stored_page tests/fixtures/pages/handwritten-two-line-signature-mixed-tones.html
        @returns items 1 1
        @scrapes url title body published_at published_at_source signature_raw crawled_at
        """
        key = self.urls.canonical(response.url)
        self.incremental.forget_pending(key)
        self.related.fetched(key)
        if response.status == 304:
            self._inc("qptd/incremental/not_modified")
            self.incremental.record_not_modified(key)
            return
        if not isinstance(response, TextResponse):
            self._inc("qptd/articles/not_text")
            return
        if not was_conditional(response) and self.incremental.is_journaled(
            self.incremental.known(key)
        ):
            # Fetched twice (queued again on a resumed job): the first copy is journaled.
            self._inc("qptd/incremental/duplicate_fetch")
            return
        if "partial" in response.flags:
            # The connection closed before the server said the page was over.
            yield from self._failed(response.request, "truncated", "response ended early")
            return
        best = self.discovered.list_date(key)
        if (
            hint is not None
            and hint.published_at_raw is not None
            and best is not None
            and best != hint.published_at_raw
        ):
            # Another list page dated it more finely than the one that scheduled it. A page
            # scheduled without a list date (a home or related link) keeps none: its archived
            # record has none, and a re-parse must give the row the crawl gave.
            hint = ListingHint(best, hint.article_id)
        page = ArticlePage(page_text(response), response.url, hint)
        kind = "soft_404" if is_soft_404_url(response.url) else page.problem()
        if kind:
            self._inc(f"qptd/articles/{kind}")
            # A listed article that answers "not found" may be a passing server fault.
            yield from self._failed(response.request, kind, f"{kind} page at {response.url}")
            return
        # The archived record's date when there is one: a re-parse rebuilds the same item.
        item = page.to_item(crawled_at=response.meta.get(FETCHED_AT_META) or utc_now_iso())
        canonicalize_item_urls(item, self.urls)
        if self.discovered.same_article(item.article_id, item.url) is not None:
            self._inc("qptd/articles/same_id_other_path")
        item.other_urls = self.discovered.aliases_of(item.url)
        if self.scope.published_before_since(item.published_at):
            self._inc("qptd/articles/skipped_before_since")
            return
        if self.args.since and item.published_at is None:
            self._inc("qptd/articles/since_unknown_date")  # nothing proves it old: kept
        self._inc("qptd/articles/parsed")
        self._count_reading(page, item.crawled_at)
        self.failures.resolved(key)
        self.incremental.record_fetch(
            key,
            item.published_at,
            header(response, b"ETag"),
            header(response, b"Last-Modified"),
            response.meta.get(REF_META),
        )
        if item.published_at_source == "listing" and len(self._list_dated) < MAX_LIST_DATED:
            self._list_dated[key] = copy.deepcopy(item)  # pipelines change what is yielded
        yield item
        depth = int(response.meta.get(DEPTH_META, 0)) + 1
        for url in self.scope.capped(page.related_urls(), "related links"):
            yield from self._article_request(url, None, related_depth=depth)
        for url in self.scope.capped(page.category_urls(), "category links"):
            yield from self._category_request(url)

    # -- requests ------------------------------------------------------------------------

    def _article_request(
        self,
        url: str,
        entry: ListingEntry | None,
        priority: int = ARTICLE_PRIORITY,
        hint: ListingHint | None = None,
        related_depth: int | None = None,
    ) -> Iterator[Any]:
        """``related_depth``: found through related links, this many from a list page."""
        target = self.urls.to_fetch(url)
        if target is None or not is_article_url(target) or not self.scope.wanted(target):
            return
        key = self.urls.canonical(target)
        if entry is not None:
            self.discovered.mark_listed(key)
            self.related.listed(key)
            if self.discovered.note_list_date(key, entry.published_at_raw):
                yield from self._redated(key)
            hint = ListingHint(entry.published_at_raw, entry.article_id)
            if self.failures.relisted(key):
                self.discovered.unsee(key)  # a "dead link" that is listed after all
            if self.discovered.same_article(entry.article_id, key) is not None:
                # The CMS's id says it is an article already met under another path: one
                # row, this path kept among its other URLs.
                self._inc("qptd/articles/same_id_other_path")
                return
            if self.incremental.held_under_another_url(key, entry.article_id):
                self._inc("qptd/incremental/skipped_known_id")
                return
        if self.scope.limit_reached() or not self.discovered.first_sight(key):
            return
        decision = self.incremental.decide(key)
        if not decision.fetch:
            # In the dataset and past re-checking, or safe in a journal waiting for merge.
            self._inc(SKIPPED[decision.reason])
            return
        beyond_lists = (
            related_depth is not None
            and decision.reason == "new"
            and not self.discovered.is_listed(key)
        )
        if beyond_lists and self.related.refuse(key, related_depth or 0):
            self.discovered.unsee(key)  # a list page showing it later still gets it
            return
        if beyond_lists:
            self.related.scheduled(key)
        self._inc("qptd/articles/scheduled")
        if decision.reason == "recheck":
            self._inc("qptd/incremental/rechecked")
        self.scope.scheduled += 1
        hint = hint or ListingHint()
        if entry is None and priority < CARRIED_PRIORITY:
            # Found through a link, not a list page: remembered until fetched.
            self.incremental.remember_pending(key, self.run.run_id, hint.as_record())
        yield article_request(
            target,
            hint,
            decision,
            self.parse_article,
            self.request_failed,
            priority,
            self.dedup,
            depth=related_depth or 0,
        )

    def _redated(self, key: str) -> Iterator[ArticleItem]:
        """An article already exported with a list page's date, dated more finely by
        another list page: the same item again with the finer date (the merge keeps the
        journal's last copy of a URL), so that which list is read first does not matter."""
        item = self._list_dated.get(key)
        text = self.discovered.list_date(key)
        if item is None or text is None:
            return
        limit = datetime.fromisoformat(item.crawled_at) if item.crawled_at else None
        finer = first_plausible_date([("listing", text)], limit)
        if finer is None:
            return
        item = copy.deepcopy(item)
        item.published_at = finer.isoformat()
        item.published_at_precision = finer.precision
        item.published_at_raw = finer.text
        self._list_dated[key] = copy.deepcopy(item)
        self._inc("qptd/dates/list_date_refined")
        yield item

    def _category_request(self, url: str) -> Iterator[scrapy.Request]:
        target = self.urls.to_fetch(url)
        if target is None or not is_category_url(target) or not self.scope.wanted(target):
            return
        path = category_path_of(target)
        if self.discovered.new_category(path):
            yield from self._next_listing(path, 1)

    def _listing_request(self, path: str, page: int, priority: int = LISTING_PRIORITY) -> Any:
        return listing_request(
            self.urls.base_url,
            path,
            page,
            self.parse_listing,
            self.request_failed,
            priority,
            self.dedup,
        )

    # -- failures ------------------------------------------------------------------------

    def request_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Errback of article and list requests: another try, or the failures file."""
        request = getattr(failure, "request", None)
        response = getattr(failure.value, "response", None)
        request = request or (response.request if response is not None else None)
        if request is None:
            self.logger.error("request failed without a request: %s", failure.getErrorMessage())
            return
        if request.meta.get("qptd_page") == "article":
            self.incremental.forget_pending(self.urls.canonical(asked_url(request)))
        yield from self._failed(request, failure_kind(failure), failure.getErrorMessage())

    def _failed(
        self, request: scrapy.Request | None, kind: str, error: str
    ) -> Iterator[scrapy.Request]:
        retry = self.failures.handle(request, kind, error, self)
        if retry is not None:
            yield retry
        elif request is not None and request.meta.get("qptd_page") == "article":
            self.related.failed(self.urls.canonical(asked_url(request)))

    def record_unschedulable(self, request: scrapy.Request, error: str) -> None:
        """A request the scheduler could not take (see ``crawl.scheduler``)."""
        self.failures.record(request, "unschedulable", error)

    def record_parse_error(self, response: Response, error: str) -> None:
        """A page a parser could not read (see ``crawl.spidermiddlewares``)."""
        self.failures.record(response.request, "parse_error", error)

    def _count_reading(self, page: ArticlePage, crawled_at: str) -> None:
        """Which rule read each field, and what furniture the body held: a layout change
        shows in the report as the field whose rule moved."""
        for name, rule in page.rules.items():
            self._inc(f"qptd/rules/{name}/{rule}")
        for kind, _ in page.body_reading.furniture:
            self._inc(f"qptd/furniture/{kind}")
        if page.dates_disagree(datetime.fromisoformat(crawled_at) if crawled_at else None):
            self._inc("qptd/dates/displayed_machine_apart")

    def _inc(self, key: str) -> None:
        self._add(key, 1)

    def _add(self, key: str, count: int) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, count)
