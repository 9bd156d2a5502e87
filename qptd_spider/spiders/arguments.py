"""The spider's arguments (``-a name=value``), checked before a crawl starts: a typo or a bad
value is one clear line and exit status 2, never a traceback or a silently ignored word."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..urls import DEFAULT_BASE_URL, PortalUrls

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class SpiderArguments:
    base_url: str = DEFAULT_BASE_URL
    canonical_base: str | None = None
    since: date | None = None
    max_articles: int | None = None
    categories: tuple[str, ...] = ()
    full: bool = False
    retry_failed: tuple[Path, ...] = ()
    # False: a one-off crawl (a feed of one's own) that no `qptd merge` takes.
    dataset: bool = True
    given: dict[str, str] = field(default_factory=dict)

    NAMES = (
        "base_url",
        "canonical_base",
        "since",
        "max_articles",
        "categories",
        "full",
        "retry_failed",
        "dataset",
    )


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise SpiderArgumentError(f"{name} must be 1 or 0 (true/false, yes/no), got {value!r}")


def _since(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SpiderArgumentError(f"since must be YYYY-MM-DD, got {value!r}") from None


def _positive(name: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(f"{name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise SpiderArgumentError(f"{name} must be at least 1, got {number}")
    return number


def _url(name: str, value: Any) -> str:
    try:
        PortalUrls(str(value))
    except ValueError:
        raise SpiderArgumentError(
            f"{name} must be an http(s) URL with a host, got {value!r}"
        ) from None
    return str(value)


def parse_arguments(raw: dict[str, Any]) -> SpiderArguments:
    """Check every argument; raise :class:`SpiderArgumentError` on the first bad one."""
    # Scrapyd adds its own arguments (_job, _version...): not ours to check.
    ours = {k: v for k, v in raw.items() if not k.startswith("_")}
    for name in ours:
        if name not in SpiderArguments.NAMES:
            close = difflib.get_close_matches(name, SpiderArguments.NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpiderArgumentError(
                f"unknown spider argument {name!r}{hint}; known: {', '.join(SpiderArguments.NAMES)}"
            )
    categories = tuple(
        c.strip().strip("/") for c in str(ours.get("categories") or "").split(",") if c.strip("/ ")
    )
    retry = tuple(
        Path(p.strip()) for p in str(ours.get("retry_failed") or "").split(",") if p.strip()
    )
    missing = [str(p) for p in retry if not p.is_file()]
    if missing:
        raise SpiderArgumentError(f"retry_failed: no such failures file: {', '.join(missing)}")
    canonical = ours.get("canonical_base")
    return SpiderArguments(
        base_url=_url("base_url", ours.get("base_url") or DEFAULT_BASE_URL),
        canonical_base=_url("canonical_base", canonical) if canonical else None,
        since=_since(ours.get("since")),
        max_articles=_positive("max_articles", ours.get("max_articles")),
        categories=categories,
        full=_flag("full", ours.get("full", False)),
        retry_failed=retry,
        dataset=_flag("dataset", ours.get("dataset", True)),
        given={k: str(v) for k, v in ours.items()},
    )
