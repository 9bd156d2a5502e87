"""``qptd probe``: a first look at a site before crawling it.

A crawl that meets markup it does not know fails quietly (no article found, empty bodies).
The probe fetches, politely, what tells whether the crawler reads a site: robots.txt, the
home page, ``/page/sitemap``, a few list pages and a few articles, and says per field which
rule read it and what it read, the categories and list layouts found, and a verdict. It
uses the crawler's own page parsers, so what the probe reads is what a crawl reads.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from protego import Protego
from w3lib.encoding import html_to_unicode

from .clock import utc_now_iso
from .extract import read_article
from .pages import ListingPage
from .settings import DOWNLOAD_MAXSIZE, USER_AGENT
from .urls import (
    DEFAULT_BASE_URL,
    SITEMAP_PAGE,
    PortalUrls,
    category_path_of,
    is_article_url,
    is_category_url,
)

# Fields an article must have for a crawl to be worth running; a probe that reads none of
# them on any article says "not ready".
REQUIRED_FIELDS = ("title", "body", "published_at")
# Fields reported without deciding the verdict: many articles legitimately lack them.
REPORTED_FIELDS = ("lead", "category", "authors", "images", "article_id", "keywords")
# Which entry of ``ArticlePage.rules`` names the rule of each reported field.
_RULE_OF = {"authors": "signature"}
# robots.txt may ask for any delay; the probe waits at most this long between requests.
MAX_PROBE_DELAY = 10.0


@dataclass(frozen=True)
class Fetched:
    """One answer: status, decoded text (None when the answer has no usable body)."""

    url: str
    status: int
    text: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.text is not None


Fetch = Callable[[str], Fetched]


class PoliteFetcher:
    """GET with the crawler's User-Agent, a size limit, and a pause between requests."""

    def __init__(self, delay: float = 1.0, timeout: float = 30.0):
        self.delay = delay
        self.timeout = timeout
        self.requests = 0
        self._last = 0.0

    def __call__(self, url: str) -> Fetched:
        wait = self._last + self.delay - time.monotonic()
        if self.requests and wait > 0:
            time.sleep(wait)
        self.requests += 1
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read(DOWNLOAD_MAXSIZE + 1)
                status, content_type = answer.status, answer.headers.get("Content-Type")
                final_url = answer.url
        except urllib.error.HTTPError as exc:
            return Fetched(url, exc.code, None, f"HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Fetched(url, 0, None, f"cannot fetch: {reason}")
        finally:
            self._last = time.monotonic()
        if len(body) > DOWNLOAD_MAXSIZE:
            return Fetched(final_url, status, None, "larger than the crawl's size limit")
        # The same decoding rules as Scrapy's responses: header, then BOM and <meta>.
        _, text = html_to_unicode(content_type, body)
        return Fetched(final_url, status, text)


@dataclass
class FieldTally:
    """How the probed articles read one field."""

    found: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    example: str = ""


@dataclass
class ProbeResult:
    """What the probe saw, and the lines it prints."""

    base_url: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    list_layouts: Counter[str] = field(default_factory=Counter)
    articles_read: int = 0
    fields: dict[str, FieldTally] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.problems

    def say(self, label: str, text: str) -> None:
        self.lines.append(f"{label:<14}{text}")


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
        if isinstance(value, dict):
            value = value.get("name") or value.get("caption") or value.get("url") or ""
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _rules_text(rules: Counter[str]) -> str:
    return ", ".join(f"{rule} ×{n}" for rule, n in rules.most_common()) or "-"


def _spread(urls: Iterable[str], limit: int) -> list[str]:
    """Up to ``limit`` URLs, one per top-level section first (layouts differ by section)."""
    urls = list(dict.fromkeys(urls))
    first: dict[str, str] = {}
    for url in urls:
        first.setdefault(category_path_of(url).split("/")[0], url)
    chosen = list(first.values())[:limit]
    chosen += [u for u in urls if u not in chosen][: limit - len(chosen)]
    return chosen


def probe(
    base_url: str = DEFAULT_BASE_URL,
    *,
    fetch: Fetch | None = None,
    list_pages: int = 4,
    articles: int = 3,
    delay: float = 1.0,
) -> ProbeResult:
    """Probe the site at ``base_url``; never raises for what the site answers."""
    urls = PortalUrls(base_url)
    fetcher = fetch or PoliteFetcher(delay)
    result = ProbeResult(urls.base_url)
    home_url = urls.base_url + "/"

    robots = _read_robots(urls, fetcher, result)
    if isinstance(fetcher, PoliteFetcher) and robots is not None:
        asked = robots.crawl_delay(USER_AGENT)
        if asked:
            fetcher.delay = max(fetcher.delay, min(float(asked), MAX_PROBE_DELAY))

    def allowed(url: str) -> bool:
        return robots is None or robots.can_fetch(url, USER_AGENT)

    home = fetcher(home_url) if allowed(home_url) else None
    if home is None or not home.ok:
        why = "disallowed by robots.txt" if home is None else home.error or f"HTTP {home.status}"
        result.say("home", why)
        result.problems.append(f"the home page could not be read ({why})")
        return _concluded(result)
    home_page = ListingPage(home.text or "", home.url)
    menu = [u for u in home_page.menu_urls() if is_category_url(u)]
    links = home_page.content_links()
    home_articles = [u for u in links if is_article_url(u)]
    home_categories = [u for u in links if is_category_url(u)]
    result.say(
        "home",
        f"{home.status}; menus: {len(menu)} category links; links: "
        f"{len(home_articles)} articles, {len(home_categories)} categories",
    )
    if not menu:
        result.warnings.append("no menu of a known kind on the home page")

    sitemap_categories: list[str] = []
    sitemap_url = urljoin(home_url, SITEMAP_PAGE)
    sitemap = fetcher(sitemap_url) if allowed(sitemap_url) else None
    if sitemap is not None and sitemap.ok:
        sitemap_page = ListingPage(sitemap.text or "", sitemap.url)
        if not sitemap_page.is_soft_404():
            sitemap_categories = [u for u in sitemap_page.menu_urls() if is_category_url(u)]
    result.say(
        "sitemap page",
        f"{len(sitemap_categories)} categories"
        if sitemap_categories
        else "none (categories come from menus and links only)",
    )

    categories = [
        fetched
        for u in [*menu, *sitemap_categories, *home_categories]
        if (fetched := urls.to_fetch(u)) is not None
    ]
    result.categories = sorted({category_path_of(u) for u in categories})
    shown = ", ".join(result.categories[:6]) + (" …" if len(result.categories) > 6 else "")
    result.say("categories", f"{len(result.categories)}: {shown}")
    if not result.categories:
        result.problems.append("no category found (menus, /page/sitemap, home links)")

    # Categories that hold the home page's articles first: menus also link pages that are
    # not lists (contact, booking, introductions). Read on until enough lists gave entries.
    holding = {category_path_of(u) for u in home_articles}
    ordered = [u for u in categories if category_path_of(u) in holding]
    ordered = _spread(ordered, list_pages) + _spread(categories, len(categories))
    listed: list[list[str]] = []
    not_lists: list[str] = []
    tried = 0
    for url in dict.fromkeys(ordered):
        if len(listed) >= list_pages or tried >= list_pages * 3:
            break
        if not allowed(url):
            continue
        tried += 1
        answer = fetcher(url)
        path = "/" + category_path_of(url)
        if not answer.ok:
            result.say("list page", f"{path}: {answer.error or f'HTTP {answer.status}'}")
            continue
        page = ListingPage(answer.text or "", answer.url)
        entries = page.entries()
        if not entries:
            not_lists.append(path)
            continue
        layout = (
            (page.main_module.layout or "module, layout unnamed")
            if page.main_module
            else "section.section-list"
        )
        pages = page.pagination()
        total = f", totalItems {pages.total_items}" if pages.total_items is not None else ""
        result.say("list page", f"{path}: {layout}, {len(entries)} items{total}")
        result.list_layouts[layout] += 1
        listed.append([e.url for e in entries])
    if not_lists:
        more = " …" if len(not_lists) > 4 else ""
        result.say("not lists", f"{len(not_lists)}: " + ", ".join(not_lists[:4]) + more)
    layouts = ", ".join(f"{k} ×{n}" for k, n in result.list_layouts.most_common())
    result.say("list layouts", layouts or "none read")
    if not result.list_layouts:
        result.problems.append("no list page gave article entries")

    # Articles: the first entries of each list in turn, then the home page's links.
    candidates = [u for column in zip(*listed, strict=False) for u in column]
    candidates += [u for row in listed for u in row] + home_articles
    to_read = [
        fetched
        for u in dict.fromkeys(candidates)
        if (fetched := urls.to_fetch(u)) is not None and allowed(fetched)
    ]
    for name in (*REQUIRED_FIELDS, *REPORTED_FIELDS):
        result.fields[name] = FieldTally()
    not_articles: Counter[str] = Counter()
    fetched_articles = 0
    # Read on past links that are not articles (profiles, removed pages), within a budget.
    for url in to_read[: articles * 3]:
        if result.articles_read >= articles:
            break
        fetched_articles += 1
        answer = fetcher(url)
        if not answer.ok:
            not_articles[answer.error or f"HTTP {answer.status}"] += 1
            continue
        article, item = read_article(answer.text or "", answer.url, utc_now_iso())
        if item is None:
            not_articles[article.problem() or "not an article"] += 1
            continue
        result.articles_read += 1
        for name, tally in result.fields.items():
            value = item.get(name)
            if value:
                tally.found += 1
                tally.rules[article.rules.get(_RULE_OF.get(name, name), "?")] += 1
                tally.example = tally.example or _short(value)
    skipped = "; not read: " + _rules_text(not_articles) if not_articles else ""
    result.say("articles", f"{result.articles_read} read of {fetched_articles} fetched{skipped}")
    for name, tally in result.fields.items():
        example = f'  "{tally.example}"' if tally.example else ""
        counts = f"{tally.found:>3}/{result.articles_read:<3}"
        result.lines.append(f"  {name:<14}{counts} {_rules_text(tally.rules)}{example}")
    if not result.articles_read:
        result.problems.append("no article page could be read")
    else:
        empty = [n for n in REQUIRED_FIELDS if not result.fields[n].found]
        if empty:
            result.problems.append("these fields found nothing: " + ", ".join(empty))
        quiet = [n for n in ("authors",) if not result.fields[n].found]
        if quiet:
            result.warnings.append(
                "no author on the probed articles (some articles are unsigned; "
                "probe more with --articles)"
            )
    return _concluded(result)


def _concluded(result: ProbeResult) -> ProbeResult:
    for warning in result.warnings:
        result.say("warning", warning)
    verdict = "ready to crawl" if result.ready else "NOT READY: " + "; ".join(result.problems)
    result.say("verdict", verdict)
    return result


def _read_robots(urls: PortalUrls, fetch: Fetch, result: ProbeResult) -> Protego | None:
    """robots.txt, whatever type the server calls it (some serve it as text/html)."""
    answer = fetch(urls.base_url + "/robots.txt")
    if not answer.ok:
        result.say("robots.txt", f"{answer.error or answer.status}: everything allowed")
        return None
    robots = Protego.parse(answer.text or "")
    delay = robots.crawl_delay(USER_AGENT)
    allowed = robots.can_fetch(urls.base_url + "/", USER_AGENT)
    result.say(
        "robots.txt",
        f"read; home {'allowed' if allowed else 'DISALLOWED'}; crawl-delay "
        f"{delay if delay is not None else 'none'}",
    )
    return robots
