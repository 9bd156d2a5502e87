"""The one kind of server the harness runs: an HTTP server bound to loopback only, started
in a thread of its own (the replica, the stored real site, the hostile site, test proxies).
"""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def require_loopback(host: str) -> None:
    """Refuse any address a machine other than this one could reach."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the replica binds to loopback only, not {host!r}")


class LoopbackServer(ThreadingHTTPServer):
    """``port=0`` picks a free port (see ``.base_url``)."""

    daemon_threads = True
    allow_reuse_address = True
    thread_name = "qptd-harness-server"

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        require_loopback(host)
        super().__init__((host, port), handler)

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
            name=self.thread_name,
            daemon=True,
        )
        thread.start()
        return thread
