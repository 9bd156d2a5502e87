"""Serve a folder of stored server responses at their original paths, on loopback.

A stored site is a folder of ``NAME.html`` bodies, each with a ``NAME.html.headers`` file
that records the original response (``X-Fil:`` its path, ``X-StatusCode:``, ``Content-Type:``,
``Last-Modified:``), as a web mirror saves them: ``../shared/portal/real-cms/pkbichdao.com``.
The crawler then meets real pages of the portal's CMS exactly as their server sent them.
A path the folder lacks answers 404, or, like the CMS itself, a redirect to ``/page/404``
(``missing="redirect"``).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .loopback import LoopbackServer
from .shared_evidence import REAL_CMS, SHARED_PORTAL

__all__ = ["REAL_CMS", "SHARED_PORTAL", "StoredSiteServer", "load_site"]


@dataclass(frozen=True)
class StoredResponse:
    path: str
    status: int
    content_type: str
    last_modified: str | None
    body_file: Path


def read_headers(path: Path) -> dict[str, str]:
    """The ``Name: value`` lines of a ``.headers`` file (the status line skipped)."""
    headers: dict[str, str] = {}
    for line in path.read_text("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep and not name.startswith("HTTP/"):
            headers[name.strip().lower()] = value.strip()
    return headers


def load_site(folder: Path) -> dict[str, StoredResponse]:
    """Every stored response of ``folder`` by its original path."""
    site: dict[str, StoredResponse] = {}
    for headers_file in sorted(folder.glob("*.headers")):
        body = headers_file.with_suffix("")
        headers = read_headers(headers_file)
        path = headers.get("x-fil")
        if not path or not body.exists():
            continue
        site[path] = StoredResponse(
            path=path,
            status=int(headers.get("x-statuscode", "200")),
            content_type=headers.get("content-type", "text/html"),
            last_modified=headers.get("last-modified"),
            body_file=body,
        )
    if not site:
        raise ValueError(f"no stored responses (NAME.headers with X-Fil) in {folder}")
    return site


class StoredSiteServer(LoopbackServer):
    """Serves one stored site; ``port=0`` picks a free port (see ``.base_url``)."""

    thread_name = "stored-site"

    def __init__(
        self, folder: Path, host: str = "127.0.0.1", port: int = 0, missing: str = "404"
    ) -> None:
        if missing not in ("404", "redirect"):
            raise ValueError(f"missing must be '404' or 'redirect', not {missing!r}")
        self.site = load_site(folder)
        self.missing = missing
        self.requested: list[str] = []
        self._lock = threading.Lock()
        super().__init__(host, port, _Handler)

    def note(self, path: str) -> None:
        with self._lock:
            self.requested.append(path)


class _Handler(BaseHTTPRequestHandler):
    server: StoredSiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path) or "/"
        self.server.note(self.path)
        stored = self.server.site.get(path)
        if stored is None and self.server.missing == "redirect" and "/page/404" in self.server.site:
            self.send_response(302)
            self.send_header("Location", "/page/404")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if stored is None:
            body = b"<html><body><h1>404 Not Found</h1></body></html>"
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        data = stored.body_file.read_bytes()
        self.send_response(stored.status)
        self.send_header("Content-Type", stored.content_type)
        self.send_header("Content-Length", str(len(data)))
        if stored.last_modified:
            self.send_header("Last-Modified", stored.last_modified)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)
