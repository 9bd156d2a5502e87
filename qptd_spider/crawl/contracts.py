"""``scrapy check qptd``: Scrapy contracts on stored pages, without the network.

A callback's docstring names a stored page and the URL it stands for::

    @url https://quocphongthudo.vn/quoc-te/some-article.html
    @stored_page tests/fixtures/pages/some-article.html

``StoredPageMiddleware`` answers such a request from the file (path relative to the project
root), under the request's own URL, so the callback sees exactly what a crawl would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.contracts import Contract
from scrapy.http import HtmlResponse, Request

from ..layout import project_root

STORED_PAGE = "qptd_stored_page"


class StoredPageContract(Contract):
    """``@stored_page PATH``: answer the sample request from a stored HTML file."""

    name = "stored_page"

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        path = Path(self.args[0])
        if not path.is_absolute():
            path = project_root() / path
        args["meta"] = {**(args.get("meta") or {}), STORED_PAGE: str(path)}
        args["dont_filter"] = True
        return args


class StoredPageMiddleware:
    """Downloader middleware: a request whose meta names a stored page gets that file."""

    def process_request(self, request: Request) -> HtmlResponse | None:
        stored = request.meta.get(STORED_PAGE)
        if not stored:
            return None
        path = Path(stored)
        if not path.is_file():
            raise FileNotFoundError(f"stored page {path} does not exist (run from a checkout)")
        return HtmlResponse(
            url=request.url, body=path.read_bytes(), encoding="utf-8", request=request
        )
