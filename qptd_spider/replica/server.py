"""The replica's HTTP server: standard library only, bound to loopback only."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import render
from .content import CATEGORY_BY_PATH, Portal
from .render import Variants

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _require_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the replica binds to loopback only, not {host!r}")


class ReplicaServer(ThreadingHTTPServer):
    """Serves one synthetic portal; ``port=0`` picks a free port (see ``.base_url``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        portal: Portal,
        variants: Variants | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        _require_loopback(host)
        self.portal = portal
        self.variants = variants or Variants()
        self.requests_served = 0
        self.served_by_kind: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        super().__init__((host, port), ReplicaHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self) -> None:
        with self._count_lock:
            self.requests_served += 1
            self.served_by_kind["all"] += 1

    def count_not_modified(self) -> None:
        with self._count_lock:
            self.served_by_kind["not_modified"] += 1

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="qptd-replica", daemon=True)
        thread.start()
        return thread

    def truth_lines(self) -> Iterator[str]:
        for i in range(self.portal.n_articles):
            yield json.dumps(self.portal.truth(i), ensure_ascii=False) + "\n"


class ReplicaHandler(BaseHTTPRequestHandler):
    server: ReplicaServer
    protocol_version = "HTTP/1.1"
    server_version = "qptd-replica/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a crawl makes thousands of requests; the crawler logs what matters

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        self.server.count()
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        while "//" in path:
            path = path.replace("//", "/")
        query = parse_qs(parts.query)
        status, ctype, body = self._route(path, query)
        data = body.encode("utf-8")
        validators = self._validators(path, data) if status == 200 else {}
        if validators and self._not_modified(validators):
            self.server.count_not_modified()
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in validators.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _validators(self, path: str, data: bytes) -> dict[str, str]:
        """ETag (of the bytes) and Last-Modified for article pages, as the CMS's CDN gives."""
        index = self.server.portal.index_of(path) if path.endswith(".html") else None
        if index is None:
            return {}
        article = self.server.portal.article(index)
        modified = article.published_at + timedelta(days=article.edit_round)
        return {
            "ETag": '"' + hashlib.md5(data).hexdigest()[:20] + '"',
            "Last-Modified": format_datetime(modified.astimezone(UTC), usegmt=True),
        }

    def _not_modified(self, validators: dict[str, str]) -> bool:
        # RFC 9110: If-None-Match wins over If-Modified-Since when both are sent.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return validators["ETag"] in [t.strip() for t in if_none_match.split(",")]
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
            return parsedate_to_datetime(validators["Last-Modified"]) <= since
        return False

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str]:
        portal, variants = self.server.portal, self.server.variants
        html = "text/html; charset=utf-8"
        if path in ("", "/"):
            return 200, html, render.home_page(portal)
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", render.robots_txt()
        if path == "/sitemap.xml":
            if not variants.sitemap:
                return 404, "text/plain; charset=utf-8", "not found"
            return 200, "application/xml", render.sitemap_index(portal, self._base())
        if path.startswith("/sitemap-") and path.endswith(".xml") and variants.sitemap:
            chunk = render.sitemap_chunk(portal, self._base(), int(path[9:-4] or 0))
            if chunk is not None:
                return 200, "application/xml", chunk
        if path.startswith("/__truth__/"):
            return self._truth(path.removeprefix("/__truth__"))
        if path.endswith(".html"):
            index = portal.index_of(path)
            if index is not None:
                return 200, html, render.article_page(portal, index, variants)
        category = path.strip("/")
        if category in CATEGORY_BY_PATH:
            page = query.get("page", ["1"])[0]
            number = int(page) if page.isdigit() else 1
            return 200, html, render.category_page(portal, category, number, variants)
        # The CMS answers unknown pages with a small 200 page, not a 404.
        return 200, html, render.soft_404_page()

    def _truth(self, rest: str) -> tuple[int, str, str]:
        portal = self.server.portal
        if rest == "/index.jsonl":
            return 200, "application/x-ndjson", "".join(self.server.truth_lines())
        index = portal.index_of(rest)
        if index is None:
            return 404, "application/json", json.dumps({"error": "no such article"})
        return 200, "application/json", json.dumps(portal.truth(index), ensure_ascii=False)

    def _base(self) -> str:
        return self.server.base_url
