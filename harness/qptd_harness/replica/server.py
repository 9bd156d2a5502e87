"""The replica's HTTP server: standard library only, bound to loopback only."""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..loopback import LoopbackServer
from . import real_template, render
from .content import CATEGORY_BY_PATH, Portal
from .faults import FaultPlan
from .render import Variants

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
_NEVER_FAULTED = ("/robots.txt", "/sitemap", "/__truth__")


class ReplicaServer(LoopbackServer):
    """Serves one synthetic portal; ``port=0`` picks a free port (see ``.base_url``)."""

    thread_name = "qptd-replica"

    def __init__(
        self,
        portal: Portal,
        variants: Variants | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
    ):
        self.portal = portal
        self.variants = variants or Variants()
        self.faults = faults
        self.requests_served = 0
        self.served_by_kind: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        super().__init__(host, port, ReplicaHandler)

    def count(self) -> None:
        with self._count_lock:
            self.requests_served += 1
            self.served_by_kind["all"] += 1

    def count_not_modified(self) -> None:
        with self._count_lock:
            self.served_by_kind["not_modified"] += 1

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Injected resets and clients that time out leave broken sockets: expected here.
        pass

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
        self._extra_headers: dict[str, str] = {}  # per request: a connection serves many
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        while "//" in path:
            path = path.replace("//", "/")
        query = parse_qs(parts.query)
        if path.startswith(("/__redirect__/", "/__loop__/")):
            self._redirect_hop(path)
            return
        status, ctype, body = self._route(path, query)
        if status == 302:
            self._send_redirect(302, body)
            return
        fault = None
        plan = self.server.faults
        if plan is not None and not path.startswith(_NEVER_FAULTED):
            fault = plan.fault_for(self.path)
        if fault is not None:
            injected = self._inject(fault, status, ctype, body)
            if injected is None:
                return
            status, ctype, body = injected
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
        for name, value in {**validators, **self._extra_headers}.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            # The client may have given up (a slow page past its timeout).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    def _redirect_hop(self, path: str) -> None:
        """Hops of injected redirect chains (``/__redirect__/N/...``) and loops."""
        kind, _, rest = path.removeprefix("/").partition("/")
        step, _, target = rest.partition("/")
        if kind == "__redirect__":
            location = f"/__redirect__/{int(step) - 1}/{target}" if int(step) > 1 else "/" + target
        else:
            location = f"/__loop__/{'b' if step == 'a' else 'a'}/{target}"
        self._send_redirect(302, location)

    def _send_redirect(self, status: int, location: str) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _inject(
        self, fault: str, status: int, ctype: str, body: str
    ) -> tuple[int, str, str] | None:
        """Apply a fault: the (status, type, body) to send, or None when it was handled."""
        plan = self.server.faults
        assert plan is not None
        raw = self.path.lstrip("/")
        if fault.startswith("http_5"):
            return (
                int(fault[-3:]),
                "text/html; charset=utf-8",
                "<html><body>Lỗi máy chủ</body></html>",
            )
        if fault.startswith("http_429"):
            self._extra_headers = {"Retry-After": "1"} if fault.endswith("retry_after") else {}
            return 429, "text/html; charset=utf-8", "<html><body>Too many requests</body></html>"
        if fault == "slow":
            time.sleep(plan.slow_seconds)
            return status, ctype, body
        if fault == "reset":
            # SO_LINGER 0 then close: the client sees a TCP reset, not a clean end.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        if fault in ("truncated_length", "truncated_close"):
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            if fault == "truncated_length":
                self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        if fault == "malformed":
            broken = body.replace("</p>", "").replace("</li>", "")
            return (
                status,
                ctype,
                broken.replace('<div class="panel', '<div><span><div class="panel', 1),
            )
        if fault == "unclosed":
            return status, ctype, body.replace("</body></html>", "")
        if fault == "charset_wrong":
            return status, "text/html; charset=iso-8859-1", body
        if fault == "charset_missing":
            return status, "text/html", body
        if fault == "soft_404":
            return 200, "text/html; charset=utf-8", render.soft_404_page()
        if fault == "redirect_chain":
            self._send_redirect(301, f"/__redirect__/2/{raw}")
            return None
        if fault == "redirect_loop":
            self._send_redirect(302, f"/__loop__/a/{raw}")
            return None
        if fault == "offsite_redirect":
            # Another loopback address: off the portal, and still never off this machine.
            self._send_redirect(302, f"http://127.0.0.2:{self.server.server_address[1]}/{raw}")
            return None
        if fault == "oversized":
            padding = "<!-- " + "x" * plan.oversized_bytes + " -->"
            return status, ctype, body.replace("</body>", padding + "</body>")
        raise AssertionError(f"unhandled fault {fault}")

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
        real = portal.site_template == "real"
        if path == "/robots.txt":
            if real:  # the real sites serve it as an HTML page
                return 200, "text/html", real_template.robots_txt(variants.crawl_delay)
            return 200, "text/plain; charset=utf-8", render.robots_txt(variants.crawl_delay)
        if real and path == "/page/sitemap":
            return 200, html, real_template.sitemap_page(portal)
        if real and path == "/page/404":
            return 200, html, real_template.not_found_page()
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
        # The CMS answers unknown pages with a small 200 page, not a 404 (the real sites
        # send the browser to /page/404 for it).
        if real:
            return 302, html, "/page/404"
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
