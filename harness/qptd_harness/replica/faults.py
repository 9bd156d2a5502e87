"""Fault injection for the replica: the ways a real server and network fail.

A page is faulty with probability ``rate`` (decided by a hash of its path, so runs are
repeatable); its fault kind is drawn from the enabled kinds; every fault heals after a few
attempts (1 to ``max_failures``), so a crawl that retries long enough, or a later run,
gets the page. Only content pages fault: robots.txt, sitemaps and the truth endpoints don't.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULT_KINDS = (
    "http_500",
    "http_502",
    "http_503",
    "http_429",
    "http_429_retry_after",
    "slow",
    "reset",
    "truncated_length",
    "truncated_close",
    "malformed",
    "unclosed",
    "charset_wrong",
    "charset_missing",
    "soft_404",
    "redirect_chain",
    "redirect_loop",
    "offsite_redirect",
    "oversized",
)
# Kinds that leave the page readable and whole: the crawler must cope on the first try.
BENIGN_KINDS = frozenset({"malformed", "unclosed", "charset_wrong", "charset_missing"})


def malformed(html: str) -> str:
    """Tag soup as some CMS templates and editors make it: no ``</p>`` or ``</li>`` at all,
    and a ``<div><span>`` left open before the side panels."""
    broken = html.replace("</p>", "").replace("</li>", "")
    return broken.replace('<div class="panel', '<div><span><div class="panel', 1)


def unclosed(html: str) -> str:
    """A page that never closes its body and document."""
    return html.replace("</body></html>", "")


@dataclass
class FaultPlan:
    """Which pages fail, how, and for how many attempts."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    max_failures: int = 6
    slow_seconds: float = 3.0
    oversized_bytes: int = 2 * 1024 * 1024
    seed: int = 1
    attempts: Counter[str] = field(default_factory=Counter)
    injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}; known: {FAULT_KINDS}")
        if not 0 <= self.rate <= 1:
            raise ValueError("fault rate must be between 0 and 1")
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")

    def _hash(self, path: str, salt: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{self.seed}:{salt}:{path}".encode()).digest()[:8])

    def planned(self, path: str) -> tuple[str, int] | None:
        """(fault kind, failing attempts) for ``path``, or None when it never faults."""
        if not self.kinds or (self._hash(path, "rate") % 10_000) / 10_000 >= self.rate:
            return None
        kind = self.kinds[self._hash(path, "kind") % len(self.kinds)]
        failing = 1 + self._hash(path, "heal") % self.max_failures
        if kind in BENIGN_KINDS:
            failing = 1 << 30  # a property of the page, not a passing failure
        return kind, failing

    def fault_for(self, path: str) -> str | None:
        """Count an attempt at ``path``; the fault to inject now, if any."""
        plan = self.planned(path)
        with self._lock:
            self.attempts[path] += 1
            attempt = self.attempts[path]
            if plan is None or attempt > plan[1]:
                return None
            self.injected[plan[0]] += 1
            return plan[0]
