"""``make demo``: crawl the bundled replica end to end, offline, and summarize the result."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from .replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer
from .runner import run_crawl
from .schema import field_names

FILL_RATE_FIELDS = ("title", "published_at", "author", "position", "lead", "body", "images")


def fill_rates(path: Path) -> dict[str, float]:
    """Share of rows where each field is present (non-null, non-empty)."""
    table = pq.read_table(path, columns=[f for f in FILL_RATE_FIELDS if f in field_names()])
    rows = table.num_rows or 1
    rates = {}
    for name in table.column_names:
        values = table.column(name).to_pylist()
        rates[name] = sum(1 for v in values if v not in (None, "", [])) / rows
    return rates


def run_demo(articles: int, seed: int, exports: Path, quiet: bool = False) -> int:
    exports.mkdir(parents=True, exist_ok=True)
    output = exports / "articles.parquet"
    stats_file = exports / "crawl-stats.json"
    log_file = exports / "crawl.log"
    server = ReplicaServer(Portal(articles, seed=seed))
    server.start_in_thread()
    print(f"replica: {articles} articles on {server.base_url}")
    started = time.monotonic()
    try:
        run_crawl(
            output,
            spider_args={"base_url": server.base_url},
            settings={**REPLICA_CRAWL_SETTINGS, "QPTD_STATS_FILE": str(stats_file.resolve())},
            log_file=log_file.resolve(),
        )
    except subprocess.CalledProcessError as exc:
        print(f"crawl failed (exit {exc.returncode}); see {log_file}", file=sys.stderr)
        print(exc.stderr[-2000:], file=sys.stderr)
        return 1
    finally:
        server.shutdown()
        server.server_close()
    seconds = time.monotonic() - started
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    rows = pq.read_metadata(output).num_rows
    errors = stats.get("log_count/ERROR", 0)
    print(f"articles exported: {rows} of {articles} in the replica")
    print(f"pages fetched:     {stats.get('downloader/response_count', 0)}")
    print(
        f"errors:            {errors}; rejected items: {stats.get('qptd/validation/rejected', 0)}"
    )
    print(f"crawl time:        {seconds:.1f} s")
    print("fill rates:        " + ", ".join(f"{k} {v:.0%}" for k, v in fill_rates(output).items()))
    print(
        f"files:             {output} ({output.stat().st_size:,} bytes), {stats_file}, {log_file}"
    )
    return 0 if rows > 0 and errors == 0 else 1
