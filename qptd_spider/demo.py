"""``make demo``: crawl the bundled replica end to end, offline: crawl → merge into the
dataset → Hugging Face folder → report, then summarize."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from .dataset.hf import export_hf
from .dataset.report import render_report
from .dataset.stats import KEY_FIELDS, version_stats
from .dataset.store import (
    JOURNAL_DIR,
    current_version,
    merge_run,
    new_run_id,
    pending_journals,
)
from .replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer
from .runner import run_crawl
from .state import STATE_FILE

SYNTHETIC_NOTE = (
    "**Demo data.** These articles come from qptd's bundled synthetic replica of the "
    "Quốc phòng Thủ đô portal (`make demo`): the structure is the portal's, the texts and "
    "names are generated. Crawl the live portal for real data."
)


def run_demo(articles: int, seed: int, exports: Path, quiet: bool = False) -> int:
    exports.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    run_file = exports / "runs" / f"{run_id}.parquet"
    run_file.parent.mkdir(parents=True, exist_ok=True)
    stats_file = exports / "crawl-stats.json"
    log_file = exports / "crawl.log"
    server = ReplicaServer(Portal(articles, seed=seed))
    server.start_in_thread()
    print(f"replica: {articles} articles on {server.base_url}")
    started = time.monotonic()
    try:
        run_crawl(
            run_file.resolve(),
            spider_args={"base_url": server.base_url},
            settings={
                **REPLICA_CRAWL_SETTINGS,
                "QPTD_STATS_FILE": str(stats_file.resolve()),
                "QPTD_STATE_FILE": str((exports / STATE_FILE).resolve()),
                "QPTD_JOURNAL_DIR": str((exports / JOURNAL_DIR).resolve()),
                "QPTD_RUN_ID": run_id,
            },
            log_file=log_file.resolve(),
        )
    except subprocess.CalledProcessError as exc:
        print(f"crawl failed (exit {exc.returncode}); see {log_file}", file=sys.stderr)
        return 1
    finally:
        server.shutdown()
        server.server_close()
    crawl_seconds = time.monotonic() - started
    # The journal is the run's durable record (it is also what a killed crawl leaves).
    merged = merge_run(exports, pending_journals(exports) or [run_file], run_id=run_id)
    hf = export_hf(exports, note=SYNTHETIC_NOTE)
    stats = version_stats(current_version(exports))
    (exports / "report.html").write_text(render_report(stats, run_id), encoding="utf-8")
    crawl = json.loads(stats_file.read_text(encoding="utf-8"))
    errors = crawl.get("log_count/ERROR", 0)
    exported = crawl.get("item_scraped_count", 0)
    skipped = crawl.get("qptd/incremental/skipped_known", 0)
    print(f"articles exported: {exported} of {articles} in the replica", end="")
    print(f" ({skipped} already in the dataset, not fetched again)" if skipped else "")
    print(f"pages fetched:     {crawl.get('downloader/response_count', 0)}")
    print(
        f"errors:            {errors}; rejected items: {crawl.get('qptd/validation/rejected', 0)}"
    )
    print(f"crawl time:        {crawl_seconds:.1f} s")
    print(
        f"dataset:           {merged.added} added, {merged.updated} updated, "
        f"{merged.unchanged} unchanged; {merged.total} articles (version {run_id})"
    )
    print("fill rates:        " + ", ".join(f"{k} {stats.fill_rates[k]:.0%}" for k in KEY_FIELDS))
    print(f"dataset files:     {exports / 'dataset'}/ (Parquet by year, zstd)")
    print(f"Hugging Face:      {hf.folder}/ ({hf.bytes:,} bytes of Parquet, README.md card)")
    print(f"report, logs:      {exports / 'report.html'}, {stats_file}, {log_file}")
    print(f'load it:           datasets.load_dataset("{hf.folder}", split="train")')
    return 0 if merged.total > 0 and errors == 0 else 1
