"""A hostile portal on loopback: pages made up without end, to test the crawl's limits.

- every category page ``?page=N`` exists, says it is page N of a million, and lists ten
  articles never seen before;
- every article has a related panel of ``related`` links, all to new articles;
- ``/slow/...`` answers ``Retry-After: 999999`` with a 503, for ever;
- ``/sau/font-N.html`` is an article whose text sits inside N unclosed ``<font>`` tags, and
  ``/sau/div-N.html`` one whose text sits inside N nested ``<div>`` (deeper than libxml2
  reads);
- ``/bom/...html`` is a gzip bomb: a few kilobytes that inflate to ``bomb_bytes``;
- robots.txt asks for ``crawl_delay`` seconds between requests, when one is given;
- with ``dated_lists`` (names of ``DATED_LISTS``), the site is those lists alone: the home
  menu links the first, each list links them all and shows the one article
  ``DATED_ARTICLE`` (a page without a date) with its own date text: the same instant to the
  minute, or only its day.

It is not the portal (that is ``qptd_harness.replica``): it is what a broken or hostile
server could send.
"""

from __future__ import annotations

import gzip
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .loopback import LoopbackServer

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


# The text of the deep articles, and the author line after it.
DEEP_TEXT = "Nội dung bài viết nằm rất sâu."


def _deep_page(kind: str, depth: int) -> str:
    if kind == "font":
        inner = "<p>" + "<font>" * depth + DEEP_TEXT + "</p>"  # never closed, as found
    else:
        inner = "<div>" * depth + f"<p>{DEEP_TEXT}</p>" + "</div>" * depth
    body = (
        '<article class="news-detail-layout-type-2"><h1 class="title-detail" '
        f'itemprop="headline">Bài sâu {kind} {depth}</h1>'
        f'<div class="content-detail" itemprop="articleBody">{inner}</div>'
        '<div class="rating">0</div></article>'
    )
    # No menu: the page leads nowhere else.
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>sau-{kind}-{depth}</title></head><body>{body}</body></html>"
    )


# Two lists that date the same article differently: the minute, or the day alone.
DATED_LISTS = {"ngay-gio": "08:15 25/10/2025", "chi-ngay": "25/10/25"}
DATED_ARTICLE = "/tin-ngay/bai-co-ngay.html"


def _menu(names: tuple[str, ...]) -> str:
    items = "".join(f'<li><a href="/{name}">{name}</a></li>' for name in names)
    return f'<nav class="main-menu"><ul>{items}</ul></nav>'


def _dated_home(lists: tuple[str, ...]) -> str:
    # Only the first list: the second is found on it, after its article, and so is read
    # after the article.
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Trang chủ</title>'
        f"</head><body>{_menu(lists[:1])}</body></html>"
    )


def _dated_list(name: str, lists: tuple[str, ...]) -> str:
    item = (
        f'<article class="item-block" data-id="{"a" * 24}"><h4 class="entry-title">'
        f'<a href="{DATED_ARTICLE}">Bài có ngày</a></h4>'
        f'<span class="time-news">{DATED_LISTS[name]}</span></article>'
    )
    script = "<script>x({totalItems: 1, pageNo: 1, itemsPerPage: 10});</script>"
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{name}</title></head><body>{_menu(lists)}"
        f'<section class="section-list">{item}</section>'
        f"{script}</body></html>"
    )


def _dated_article() -> str:
    body = (
        '<article class="news-detail-layout-type-2"><h1 class="title-detail" '
        'itemprop="headline">Bài có ngày</h1><div class="content-detail" '
        'itemprop="articleBody"><p>Bài viết mà chỉ danh sách cho biết ngày.</p></div>'
        '<div class="rating">0</div></article>'
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Bài có ngày'
        f"</title></head><body>{body}</body></html>"
    )


@cache
def _bomb(size: int) -> bytes:
    """``size`` bytes of spaces, gzipped (1 MB of them weighs about 1 KB)."""
    return gzip.compress(b" " * size, compresslevel=9)


class HostileServer(LoopbackServer):
    thread_name = "hostile-site"

    def __init__(
        self,
        related: int = 2000,
        host: str = "127.0.0.1",
        port: int = 0,
        crawl_delay: float | None = None,
        bomb_bytes: int = 64 * 1024 * 1024,
        dated_lists: tuple[str, ...] = (),
    ):
        self.related = related
        self.dated_lists = dated_lists
        self.crawl_delay = crawl_delay
        self.bomb_bytes = bomb_bytes
        self.paths: list[str] = []  # every path asked for, in order
        super().__init__(host, port, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.paths.append(parts.path)
        if parts.path.startswith("/slow/"):
            self._send(503, "busy", {"Retry-After": "999999"})
        elif parts.path == "/robots.txt":
            robots = "User-agent: *\nAllow: /\n"
            if self.server.crawl_delay is not None:
                robots += f"Crawl-delay: {self.server.crawl_delay:g}\n"
            self._send(200, robots, {"Content-Type": "text/plain"})
        elif self.server.dated_lists and parts.path == DATED_ARTICLE:
            self._send(200, _dated_article())
        elif self.server.dated_lists and parts.path.strip("/") in DATED_LISTS:
            self._send(200, _dated_list(parts.path.strip("/"), self.server.dated_lists))
        elif self.server.dated_lists and parts.path == "/":
            self._send(200, _dated_home(self.server.dated_lists))
        elif self.server.dated_lists and parts.path != "/robots.txt":
            self._send(404, "not found")  # the dated site has nothing else
        elif parts.path.startswith("/sau/") and parts.path.endswith(".html"):
            kind, _, depth = parts.path[5:].removesuffix(".html").partition("-")
            self._send(200, _deep_page(kind, int(depth)))
        elif parts.path.startswith("/bom/"):
            self._send_bytes(
                200,
                _bomb(self.server.bomb_bytes),
                {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            )
        elif parts.path.endswith(".html"):
            slug = parts.path.rsplit("/", 1)[-1].removesuffix(".html")
            self._send(200, _article_page(slug, self.server.related))
        elif parts.path.startswith("/vo-tan"):
            page = parse_qs(parts.query).get("page", ["1"])[0]
            self._send(200, _list_page(int(page) if page.isdigit() else 1))
        else:
            self._send(200, _PAGE.format(title="Trang chủ", body=""))

    def _send(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        self._send_bytes(status, text.encode("utf-8"), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
