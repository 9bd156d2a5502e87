"""The archive's cost per page at several gzip levels (`qptd_spider.warc.GZIP_LEVEL`).

    python benchmarks/warc_gzip.py

Writes 300 replica article pages as a crawl would (a response, its request and a metadata
record each) and prints milliseconds per page and bytes per page for each setting, best
of five passes, all in one run so that the ratios can be compared.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qptd_harness.replica import Portal  # noqa: E402
from qptd_harness.replica.render import article_page  # noqa: E402
from qptd_spider import warc  # noqa: E402

RESPONSE_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Length", "10000"),
    ("ETag", '"abc"'),
]
REQUEST_HEADERS = [("User-Agent", "qptd"), ("Accept", "text/html")]


@contextmanager
def gzip_level(level: int) -> Iterator[None]:
    saved = warc.GZIP_LEVEL
    warc.GZIP_LEVEL = level
    try:
        yield
    finally:
        warc.GZIP_LEVEL = saved


def measure(pages: list[tuple[bytes, str]], passes: int = 5) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        archive = warc.WarcArchive(Path(tmp), "20260101T000000000000Z", {"bench": 1})
        best = float("inf")
        for _ in range(passes):
            started = time.perf_counter()
            for body, url in pages:
                date = "2026-01-01T00:00:00Z"
                ref = archive.write_exchange(
                    url, "GET", REQUEST_HEADERS, 200, RESPONSE_HEADERS, body, date
                )
                archive.write_metadata(url, date, ref, {"listing_hint": {"article_id": "x"}})
            best = min(best, time.perf_counter() - started)
        archive.close()
        return best * 1000 / len(pages), archive.bytes_written // (passes * len(pages))


def main() -> int:
    portal = Portal(300, seed=12)
    pages = [(article_page(portal, i).encode(), portal.truth(i)["url"]) for i in range(300)]
    print("gzip level: ms per page, bytes per page (response + request + metadata records)")
    for level in (9, 6, 3, 1):
        with gzip_level(level):
            ms, size = measure(pages)
        chosen = " (qptd)" if level == warc.GZIP_LEVEL else ""
        default = " (warcio's default)" if level == 9 else ""
        print(f"  level {level}{chosen}{default}: {ms:.3f} ms, {size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
