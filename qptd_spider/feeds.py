"""Where the files that accompany a crawl's output go."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def beside_feed(setting: str | None, feeds: dict[str, Any], suffix: str) -> Path | None:
    """The file named by ``setting``, else ``<first local feed's name>.<suffix>`` beside it,
    else None (no local feed). ``-O exports/runs/x.parquet`` → ``exports/runs/x.<suffix>``."""
    if setting:
        return Path(setting)
    for uri in feeds:
        local = uri.removeprefix("file://")
        if "://" not in local:
            feed = Path(local)
            return feed.with_name(f"{feed.stem.split('.')[0]}.{suffix}")
    return None
