"""A hostile portal on loopback: pages made up without end, to test the crawl's limits.

- every category page ``?page=N`` exists, says it is page N of a million, and lists ten
  articles never seen before;
- every article has a related panel of ``related`` links, all to new articles;
- ``/slow/...`` answers ``Retry-After: 999999`` with a 503, for ever.

It is not the portal (that is ``qptd_harness.replica``): it is what a broken or hostile
server could send.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_PAGE = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title></head>'
    '<body><nav class="main-menu"><ul><li><a href="/vo-tan">Vô tận</a></li></ul></nav>{body}'
    "</body></html>"
)


def _list_page(page: int) -> str:
    items = "".join(
        f'<article class="item-block" data-id="{page:012d}{k:012d}"><h4 class="entry-title">'
        f'<a href="/vo-tan/bai-{page}-{k}.html">Bài {page}-{k}</a></h4></article>'
        for k in range(10)
    )
    script = f"<script>x({{totalItems: 10000000, pageNo: {page}, itemsPerPage: 10}});</script>"
    return _PAGE.format(
        title=f"Trang {page}",
        body=f'<section class="section-list">{items}</section>{script}',
    )


def _article_page(slug: str, related: int) -> str:
    links = "".join(
        f'<a href="/vo-tan/{slug}-lien-quan-{k}.html">Liên quan {k}</a>' for k in range(related)
    )
    body = (
        '<article class="news-detail-layout-type-2"><h1 class="title-detail" '
        f'itemprop="headline">Bài {slug}</h1><div class="content-detail" itemprop="articleBody">'
        '<p>Nội dung bài viết thử nghiệm.</p></div><div class="rating">0</div></article>'
        '<div class="panel"><div class="panel-title">Tin liên quan</div>'
        f"{links}</div>"
    )
    return _PAGE.format(title=slug, body=body)


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, related: int = 2000, host: str = "127.0.0.1", port: int = 0):
        self.related = related
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_in_thread(self) -> threading.Thread:
        # shutdown() waits for the serve loop to look, once per poll interval: the default
        # 0.5 s was half a second at the end of every test that started a server.
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.startswith("/slow/"):
            self._send(503, "busy", {"Retry-After": "999999"})
        elif parts.path == "/robots.txt":
            self._send(200, "User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        elif parts.path.endswith(".html"):
            slug = parts.path.rsplit("/", 1)[-1].removesuffix(".html")
            self._send(200, _article_page(slug, self.server.related))
        elif parts.path.startswith("/vo-tan"):
            page = parse_qs(parts.query).get("page", ["1"])[0]
            self._send(200, _list_page(int(page) if page.isdigit() else 1))
        else:
            self._send(200, _PAGE.format(title="Trang chủ", body=""))

    def _send(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
