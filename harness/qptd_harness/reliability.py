"""Crawls under injected faults, and the accounting of every article.

    python -m qptd_spider.reliability --articles 1000 --rates 0.1,0.3 \\
        [--markdown docs/RELIABILITY.md]

For each fault rate: serve the replica with faults (every kind of ``replica.faults``), crawl
it, merge; then run ``retry-failed`` on the failures file, merge again; then count, against
the replica's ground truth, the articles exported correct, exported wrong (corrupted),
failed-then-recovered, and lost (in neither the dataset nor a failures file). Goal: zero
wrong, zero lost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qptd_spider.crawl.failures import read_failures
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.layout import ExportsLayout

from .replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer
from .replica.faults import FAULT_KINDS, FaultPlan
from .runner import run_crawl

# Tight limits so faults show within seconds: a slow page (3 s) passes the 2 s timeout, an
# oversized one (2 MiB) the 1 MiB limit; 4 attempts per run while faults last up to 6.
FAULT_CRAWL_SETTINGS = {
    **REPLICA_CRAWL_SETTINGS,
    "LOG_LEVEL": "WARNING",
    "DOWNLOAD_TIMEOUT": "2",
    "DOWNLOAD_MAXSIZE": str(1024 * 1024),
    "DOWNLOAD_WARNSIZE": "0",
    "RETRY_TIMES": "3",
    "REDIRECT_MAX_TIMES": "6",
    "QPTD_RETRY_BACKOFF_BASE": "0.05",
    "QPTD_RETRY_BACKOFF_MAX": "1",
    "QPTD_HEALTH_MAX_UNPARSED_RATE": "1",  # faults are the point here, not a layout change
}


@dataclass
class RunCount:
    exported: int = 0
    failed: int = 0
    failures_by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    exit_code: int = 0


@dataclass
class ReliabilityResult:
    articles: int
    rate: float
    injected: dict[str, int]
    first: RunCount
    retry: RunCount
    in_dataset: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    recovered: int = 0
    lost: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _crawl(base_url: str, workdir: Path, name: str, extra_args: dict[str, str]) -> RunCount:
    exports = workdir / "exports"
    settings = {
        **FAULT_CRAWL_SETTINGS,
        "QPTD_EXPORTS": str(exports),
        "QPTD_FAILURES_FILE": str(workdir / f"{name}.failures.jsonl"),
        "QPTD_STATS_FILE": str(workdir / f"{name}.stats.json"),
    }
    started = time.monotonic()
    count = RunCount()
    done = run_crawl(
        workdir / f"{name}.parquet",
        {"base_url": base_url, **extra_args},
        settings,
        log_file=workdir / f"{name}.log",
        check=False,
    )
    count.exit_code = done.returncode  # 3: a health check failed; the counts still hold
    count.seconds = round(time.monotonic() - started, 1)
    stats = json.loads((workdir / f"{name}.stats.json").read_text(encoding="utf-8"))
    count.exported = int(stats.get("item_scraped_count", 0))
    failures_file = workdir / f"{name}.failures.jsonl"
    failures = read_failures([failures_file]) if failures_file.exists() else []
    count.failed = len(failures)
    count.failures_by_kind = dict(Counter(f["kind"] for f in failures))
    return count


def run_once(articles: int, rate: float, workdir: Path, seed: int = 1) -> ReliabilityResult:
    portal = Portal(articles, seed=seed)
    plan = FaultPlan(rate=rate, kinds=FAULT_KINDS, seed=seed)
    server = ReplicaServer(portal, faults=plan)
    server.start_in_thread()
    exports = workdir / "exports"
    try:
        first = _crawl(server.base_url, workdir, "first", {})
        merge_pending(exports, include_failed=True)
        failures = workdir / "first.failures.jsonl"
        retry = (
            _crawl(server.base_url, workdir, "retry", {"retry_failed": str(failures)})
            if failures.exists()
            else RunCount()
        )
        merge_pending(exports, include_failed=True)
    finally:
        server.shutdown()
        server.server_close()
    result = ReliabilityResult(articles, rate, dict(plan.injected), first, retry)
    truth = {portal.path_of(i): portal.truth(i) for i in range(articles)}
    rows = read_dataset(ExportsLayout(exports)).to_pylist()
    by_path = {urlsplit(r["url"]).path: r for r in rows}
    result.in_dataset = len(by_path)
    for path, row in by_path.items():
        expected = truth.get(path)
        if expected is None:
            result.wrong.append(f"{path}: not an article of the replica")
        elif any(row[k] != expected[k] for k in ("title", "lead", "body", "authors")):
            result.wrong.append(path)
        else:
            result.correct += 1
    first_failed = (
        {urlsplit(f["url"]).path for f in read_failures([workdir / "first.failures.jsonl"])}
        if (workdir / "first.failures.jsonl").exists()
        else set()
    )
    result.recovered = len(first_failed & set(by_path))
    result.lost = sorted(set(truth) - set(by_path))
    return result


def markdown(results: list[ReliabilityResult], command: str) -> str:
    lines = [
        "# Reliability under faults",
        "",
        f"Generated by `{command}` (the replica injects the faults; see "
        "`qptd_spider/replica/faults.py`). Each fault heals after 1 to 6 attempts; a crawl "
        "makes 4 attempts per page (3 retries, backoff with jitter or Retry-After), so the "
        "pages still failing go to the failures file and `qptd retry-failed` fetches them.",
        "",
        "| fault rate | articles | injected faults | first run: exported / failed "
        "| retry run: exported / failed | in dataset | correct | wrong | recovered by retry "
        "| lost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r.rate:.0%} | {r.articles} | {sum(r.injected.values())} | "
            f"{r.first.exported} / {r.first.failed} ({r.first.seconds} s) | "
            f"{r.retry.exported} / {r.retry.failed} ({r.retry.seconds} s) | {r.in_dataset} | "
            f"{r.correct} | {len(r.wrong)} | {r.recovered} | {len(r.lost)} |"
        )
    lines += ["", "Faults injected, by kind (server side):", ""]
    lines += [
        "| kind | " + " | ".join(f"{r.rate:.0%}" for r in results) + " |",
        "|" + " --- |" * (len(results) + 1),
    ]
    for kind in FAULT_KINDS:
        lines.append(
            f"| `{kind}` | " + " | ".join(str(r.injected.get(kind, 0)) for r in results) + " |"
        )
    lines += ["", "Failures recorded by the first run, by kind (crawler side):", ""]
    kinds = sorted({k for r in results for k in r.first.failures_by_kind})
    lines += [
        "| kind | " + " | ".join(f"{r.rate:.0%}" for r in results) + " |",
        "|" + " --- |" * (len(results) + 1),
    ]
    for kind in kinds:
        lines.append(
            f"| `{kind}` | "
            + " | ".join(str(r.first.failures_by_kind.get(kind, 0)) for r in results)
            + " |"
        )
    lines += [
        "",
        "Benign faults (malformed or unclosed HTML, a wrong or missing charset header) are "
        "not failures: those pages must come out right on the first try, and they are "
        "counted in *correct* above. Soft-404 failures include the replica's dead related "
        "links, which are not articles and stay failed.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rates", default="0.1,0.3")
    parser.add_argument("--markdown", help="write the report here (e.g. docs/RELIABILITY.md)")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)
    results = []
    for rate in (float(r) for r in args.rates.split(",")):
        with tempfile.TemporaryDirectory(prefix="qptd-faults-") as tmp:
            result = run_once(args.articles, rate, Path(tmp))
        results.append(result)
        print(
            f"rate {rate:.0%}: {result.in_dataset}/{args.articles} in dataset, "
            f"{result.correct} correct, {len(result.wrong)} wrong, {len(result.lost)} lost; "
            f"first run {result.first.exported} exported / {result.first.failed} failed, "
            f"retry {result.retry.exported} / {result.retry.failed}",
            flush=True,
        )
    command = "python -m qptd_spider.reliability " + " ".join(argv or sys.argv[1:])
    if args.markdown:
        Path(args.markdown).write_text(markdown(results, command.strip()), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(
            json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2), "utf-8"
        )
    return 0 if all(not r.lost and not r.wrong for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
