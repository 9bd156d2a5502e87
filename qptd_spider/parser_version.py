"""``parser_version``: which parsers made a row, so a row can be traced and re-derived.

The qptd version plus a short hash of the source of the page parsers and normalizers: a
change to either gives new rows a new parser version, even between two releases.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

from . import __version__

PARSER_PACKAGES = ("qptd_spider.pages", "qptd_spider.normalize")


@cache
def parser_version() -> str:
    """E.g. ``0.1.0+3f2a9c1d0b7e``."""
    digest = hashlib.sha256()
    for package in PARSER_PACKAGES:
        root = resources.files(package)
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith((".py", ".json", ".txt")):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"
