"""URLs of the portal: host aliases, canonical form, and what kind of page a URL is.

The portal answers on several host names (quocphongthudo.vn, quocphongthudo.com.vn,
qptd.com.vn, qptd.vn, each with or without www.) and list pages add tracking queries
(``categoryId``, ``utm_*``, ``fbclid``...). All of them are one site: the canonical form maps
every alias to one host, and an article of the CMS is its path (its canonical URL has no
query at all), so an article listed under two categories, linked through two hosts or with
any query string, is one article.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DEFAULT_BASE_URL = "https://quocphongthudo.vn"
PORTAL_HOSTS = frozenset({"quocphongthudo.vn", "quocphongthudo.com.vn", "qptd.com.vn", "qptd.vn"})
# Query keys that only track where a link was clicked; they never change the page.
# Query keys that only say where a reader came from; with every ``utm_*`` key, dropped from
# any URL (an article's query is dropped whole: the CMS serves an article by its path).
TRACKING_QUERY_KEYS = frozenset(
    {"categoryId", "fbclid", "gclid", "dclid", "msclkid", "yclid", "zarsrc", "_ga", "_gl"}
)

_ARTICLE_PATH = re.compile(r"^/[a-z0-9-]+(?:/[a-z0-9-]+)?/[^/]+\.html$")
_CATEGORY_PATH = re.compile(r"^/[a-z0-9-]+(?:/[a-z0-9-]+)?$")
_DUPLICATE_SLASHES = re.compile(r"/{2,}")
# A URL that percent-encoding and w3lib's canonical form leave as it is: an http(s) host,
# path segments of unreserved characters that are no dot segments, no query, no fragment.
_PLAIN_URL = re.compile(
    r"https?://(?P<host>[A-Za-z0-9.-]+(?::[0-9]+)?)(?P<path>(?:/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*)?)*)\Z"
)
# Paths of the CMS that are not content: assets, uploads, thumbnails, its system pages
# (/page/sitemap, /page/404, /page/AccountLink/...), the replica's own endpoints.
_NON_CONTENT_PREFIXES = (
    "/upload/",
    "/images/",
    "/i/",
    "/app/",
    "/common/",
    "/3rdparty/",
    "/publish/",
    "/page/",
    "/__truth__",
)
# The CMS's HTML sitemap (a tree of every category) and the page a missing one leads to.
SITEMAP_PAGE = "/page/sitemap"
SOFT_404_PATH = "/page/404"
# Every page repeats the same menu, breadcrumb and related links: normalizing each link
# once saves most of a crawl's URL work. Bounded, so memory stays flat on any portal size.
URL_CACHE_SIZE = 4096


def _bare_host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].lower()
    return host.removeprefix("www.")


def _is_loopback(host: str) -> bool:
    """``host`` (``name[:port]`` or ``[v6]:port``) is this machine."""
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if ":" in host else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class PortalUrls:
    """Maps URLs between the crawl target (live portal or a replica) and the canonical form.

    ``base_url`` is where requests go; ``canonical_base`` is the scheme and host that
    exported URLs carry, so datasets from different runs and hosts share one key.

    Links to any of the portal's host names are the portal's links, and are fetched from the
    target. Requests themselves (redirects included) go only to the target: for the live
    portal any of its host names, for a replica or a mirror that one host, never the live
    portal.
    """

    def __init__(self, base_url: str = DEFAULT_BASE_URL, canonical_base: str | None = None):
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
        self.base_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self._target_host = _bare_host(parts.netloc)
        canonical = urlsplit((canonical_base or self.base_url).rstrip("/"))
        self.canonical_base = urlunsplit((canonical.scheme, canonical.netloc.lower(), "", "", ""))
        # A target that copies another site (a mirror, stored pages) links that site's host
        # too: its links are the target's.
        self.allowed_hosts = frozenset(
            PORTAL_HOSTS | {self._target_host, _bare_host(canonical.netloc)}
        )
        self.is_live = self._target_host in PORTAL_HOSTS
        # Hosts a request may go to (redirects too).
        self.fetch_hosts = PORTAL_HOSTS if self.is_live else frozenset({self._target_host})
        self._to_fetch = lru_cache(maxsize=URL_CACHE_SIZE)(self._to_fetch_uncached)
        self._canonical = lru_cache(maxsize=URL_CACHE_SIZE)(self._canonical_uncached)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> PortalUrls:
        """The crawl target of a crawl's settings (``QPTD_BASE_URL``, ``QPTD_CANONICAL_BASE``)."""
        return cls(
            settings.get("QPTD_BASE_URL") or DEFAULT_BASE_URL,
            settings.get("QPTD_CANONICAL_BASE") or None,
        )

    @property
    def target_id(self) -> str:
        """What a dataset's rows come from: ``portal`` (the live site, any alias),
        ``replica`` (a site on this machine), or the host of another target."""
        if self.is_live:
            return "portal"
        if _is_loopback(self._target_host):
            return "replica"
        return self._target_host.replace(":", "_")

    def describe(self) -> dict[str, Any]:
        """The target, as run records and manifests keep it."""
        return {
            "id": self.target_id,
            "base_url": self.base_url,
            "canonical_base": self.canonical_base,
            "live": self.is_live,
        }

    def may_fetch(self, url: str) -> bool:
        """True when a request to ``url`` stays on the crawl target."""
        return _bare_host(urlsplit(url).netloc) in self.fetch_hosts

    def is_portal(self, url: str) -> bool:
        """True when ``url`` points at the portal (any alias) or the crawl target."""
        plain = _PLAIN_URL.match(url)
        host = plain.group("host") if plain else urlsplit(url).netloc
        return _bare_host(host) in self.allowed_hosts

    def normalized_path(self, url: str) -> tuple[str, str]:
        """(path, query) of ``url`` with duplicate slashes, trailing slash and tracking
        removed; an article's query is removed whole (the CMS serves an article by its path,
        whatever follows: ``a.html?x=0`` is ``a.html``)."""
        if plain := _PLAIN_URL.match(url):
            # Nothing for w3lib to encode, sort or drop (the portal's article and image URLs).
            path, query = plain.group("path") or "/", ""
        else:
            parts = urlsplit(canonicalize_url(url))
            path = parts.path or "/"
            query = urlencode(
                [
                    (key, value)
                    for key, value in parse_qsl(parts.query, keep_blank_values=True)
                    if key not in TRACKING_QUERY_KEYS and not key.startswith("utm_")
                ]
            )
        path = _DUPLICATE_SLASHES.sub("/", path)
        if len(path) > 1:
            path = path.rstrip("/")
        if query and _ARTICLE_PATH.match(path):
            query = ""
        return path, query

    def to_fetch(self, url: str, base: str | None = None) -> str | None:
        """The URL to request for a link found on a page, or None when it leaves the portal
        (or is not a URL at all: pages hold broken hrefs, and one must not stop a crawl)."""
        return self._to_fetch(url, base)

    def canonical(self, url: str) -> str:
        """The canonical URL: canonical host, normalized path, no tracking query, no fragment."""
        return self._canonical(url)

    def _to_fetch_uncached(self, url: str, base: str | None) -> str | None:
        try:
            absolute = urljoin(base or self.base_url + "/", url.strip())
            if urlsplit(absolute).scheme not in ("http", "https") or not self.is_portal(absolute):
                return None
            path, query = self.normalized_path(absolute)
        except ValueError:
            return None
        return f"{self.base_url}{path}" + (f"?{query}" if query else "")

    def _canonical_uncached(self, url: str) -> str:
        path, query = self.normalized_path(url)
        return f"{self.canonical_base}{path}" + (f"?{query}" if query else "")


def canonicalize_item_urls(item: Any, urls: PortalUrls) -> None:
    """Article and portal image URLs on the canonical host; every URL percent-encoded."""
    item.url = urls.canonical(item.url)
    item.other_urls = [urls.canonical(u) for u in item.other_urls]
    for image in item.images:
        src = image["url"] if _PLAIN_URL.match(image["url"]) else safe_url_string(image["url"])
        image["url"] = urls.canonical(src) if urls.is_portal(src) else src


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL ("" for a relative one)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# What urljoin would change in a root-relative reference: dot segments it resolves, and the
# tab and newline characters it deletes (WHATWG), besides the C0 controls and spaces it trims.
_JOIN_CHANGES = re.compile(r"/\.|[\x00-\x20]")


def join_url(origin: str, page_url: str, href: str) -> str:
    """``urljoin(page_url, href)``; ``origin`` is ``origin_of(page_url)``.

    A root-relative reference with no dot segment and no control character or space joins
    to the origin as it is (RFC 3986 5.2.2), without urljoin's parsing (~10x cheaper):
    every image and link of the portal is one.
    """
    if origin and href[:1] == "/" and href[1:2] != "/" and not _JOIN_CHANGES.search(href):
        return origin + href
    return urljoin(page_url, href)


def absolute_links(page_url: str, hrefs: Iterable[str]) -> list[str]:
    """The absolute URLs of the links found on ``page_url``: each once, in page order,
    blank hrefs skipped."""
    origin = origin_of(page_url)
    out = []
    for href in dict.fromkeys(h.strip() for h in hrefs):
        if href:
            out.append(join_url(origin, page_url, href))
    return out


def path_of(url: str) -> str:
    """The path of ``url`` (``/`` for the root)."""
    return urlsplit(url).path or "/"


def is_soft_404_url(url: str) -> bool:
    """The CMS's "not found" page (a redirect lands there, and it answers 200)."""
    return path_of(url).rstrip("/").lower() == SOFT_404_PATH


def is_article_url(url: str) -> bool:
    """Articles are ``/{category}[/{subcategory}]/{slug}.html``."""
    return bool(_ARTICLE_PATH.match(path_of(url)))


def is_category_url(url: str) -> bool:
    """Category pages are ``/{category}[/{subcategory}]`` without ``.html``."""
    path = path_of(url)
    if path.lower().startswith(_NON_CONTENT_PREFIXES):
        return False
    return bool(_CATEGORY_PATH.match(path))


def category_path_of(url: str) -> str:
    """``thoi-su-chinh-tri/thanh-pho-ha-noi`` for an article or category URL."""
    path = path_of(url).strip("/")
    if path.endswith(".html"):
        path = path.rsplit("/", 1)[0] if "/" in path else ""
    return path
