"""``make demo``: crawl the bundled replica end to end, offline: crawl → merge into the
dataset → Hugging Face folder (checked by loading it) → report, then summarize.

The demo has an exports root of its own (``exports/demo``): its synthetic articles never
reach the live dataset, and the "Demo data" note is stamped only on its own card.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from qptd_spider.clock import new_run_id
from qptd_spider.dataset.hf import export_hf
from qptd_spider.dataset.merge import inputs_from_runs, merge
from qptd_spider.dataset.report import render_report
from qptd_spider.dataset.stats import KEY_FIELDS, version_stats
from qptd_spider.dataset.versions import current_version
from qptd_spider.fileio import atomic_write_text
from qptd_spider.layout import ExportsLayout
from qptd_spider.runs import pending_runs

from .replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer
from .runner import run_crawl

SYNTHETIC_NOTE = (
    "**Demo data.** These articles come from qptd's bundled synthetic replica of the "
    "Quốc phòng Thủ đô portal (`make demo`): the structure is the portal's, the texts and "
    "names are generated. Crawl the live portal for real data."
)


def _shown(path: Path) -> str:
    """A path as the user typed it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run_demo(articles: int, seed: int, exports: Path, quiet: bool = False) -> int:
    layout = ExportsLayout.at(exports)
    layout.root.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    log_file = layout.root / "crawl.log"
    server = ReplicaServer(Portal(articles, seed=seed))
    server.start_in_thread()
    print(f"replica: {articles} articles on {server.base_url}")
    started = time.monotonic()
    try:
        done = run_crawl(
            None,
            spider_args={"base_url": server.base_url},
            settings={
                **REPLICA_CRAWL_SETTINGS,
                "QPTD_EXPORTS": str(layout.root),
                "QPTD_RUN_ID": run_id,
            },
            log_file=log_file,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    crawl_seconds = time.monotonic() - started
    if done.returncode != 0:
        print(f"crawl failed (exit {done.returncode}); see {_shown(log_file)}", file=sys.stderr)
        sys.stderr.write(done.stderr[-2000:])
        return 1
    runs = pending_runs(layout)
    merged = merge(layout, inputs_from_runs(runs)) if runs else None
    hf = export_hf(layout, note=SYNTHETIC_NOTE, check=True)
    version = current_version(layout)
    stats = version_stats(version)
    atomic_write_text(layout.report_html, render_report(stats, version.name if version else ""))
    files = layout.run(run_id)
    crawl = json.loads(files.stats.read_text(encoding="utf-8"))
    errors = crawl.get("log_count/ERROR", 0)
    exported = crawl.get("item_scraped_count", 0)
    skipped = crawl.get("qptd/incremental/skipped_known", 0)
    print(f"articles exported: {exported} of {articles} in the replica", end="")
    print(f" ({skipped} already in the dataset, not fetched again)" if skipped else "")
    print(f"pages fetched:     {crawl.get('downloader/response_count', 0)}")
    print(
        f"errors:            {errors}; rejected items: {crawl.get('qptd/validation/rejected', 0)}"
    )
    print(f"crawl time:        {crawl_seconds:.1f} s (run {run_id})")
    if merged is not None and merged.version is not None:
        print(
            f"dataset:           {merged.added} added, {merged.updated} updated, "
            f"{merged.unchanged} unchanged; {merged.total} articles (version {merged.version})"
        )
    else:
        print(f"dataset:           nothing new; {stats.articles} articles (version {hf.version})")
    print("fill rates:        " + ", ".join(f"{k} {stats.fill_rates[k]:.0%}" for k in KEY_FIELDS))
    print(f"dataset files:     {_shown(layout.dataset)}/ (Parquet by year, zstd)")
    print(
        f"Hugging Face:      {_shown(hf.folder)}/ ({hf.bytes:,} bytes of Parquet, README.md card)"
    )
    report, run_folder = _shown(layout.report_html), _shown(files.folder)
    print(f"report, logs:      {report}, {run_folder}/, {_shown(log_file)}")
    print(f'load it:           datasets.load_dataset("{_shown(hf.folder)}", split="train")')
    return 0 if stats.articles > 0 and errors == 0 else 1
