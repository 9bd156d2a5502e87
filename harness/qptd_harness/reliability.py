"""Crawls under injected faults, and the accounting of every article.

    python -m qptd_harness.reliability --articles 1000 --rates 0.1,0.3 \\
        [--adversarial-rate 0.2] [--markdown docs/RELIABILITY.md]

Three scenarios, against the replica serving faults of every kind (``replica.faults``):

- ``retry``: crawl, merge; ``qptd retry-failed`` on the failures file, merge again;
- ``kill``: a JOBDIR crawl killed with SIGKILL mid-way, the same command again, then the
  next scheduled runs (which fetch the pages earlier runs could not get first), merging
  after each;
- ``merge``: ``qptd merge`` while a crawl is running, the crawl going on, then the next
  scheduled runs, merging after each.

Then count, against the replica's ground truth, the articles exported correct, exported
wrong (corrupted), in the dataset more than once, fetched more than once, and lost (not in
the dataset). Goal: zero wrong, zero duplicated, zero lost.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from qptd_spider.cli import main as qptd
from qptd_spider.crawl.failures import read_failures
from qptd_spider.dataset import merge_pending, read_dataset
from qptd_spider.fileio import read_json_lines
from qptd_spider.layout import ExportsLayout

from .replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer
from .replica.faults import FAULT_KINDS, FaultPlan
from .runner import PROJECT_ROOT, crawl_command, run_crawl

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
FOLLOW_UP_RUNS = 3  # scheduled runs after the first (each fetches earlier failures first)


@dataclass
class RunCount:
    name: str = ""
    exported: int = 0
    failed: int = 0
    failures_by_kind: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    exit_code: int = 0


@dataclass
class ReliabilityResult:
    scenario: str
    articles: int
    rate: float
    injected: dict[str, int]
    runs: list[RunCount] = field(default_factory=list)
    in_dataset: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    duplicated: int = 0  # rows of the dataset beyond one per article
    fetched_twice: int = 0  # articles journaled by more than one run
    recovered: int = 0  # failed in the first run, in the dataset at the end
    lost: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _settings(workdir: Path, name: str, **extra: str) -> dict[str, str]:
    return {
        **FAULT_CRAWL_SETTINGS,
        "QPTD_EXPORTS": str(workdir / "exports"),
        "QPTD_STATS_FILE": str(workdir / f"{name}.stats.json"),
        "QPTD_FAILURES_FILE": str(workdir / f"{name}.failures.jsonl"),
        **extra,
    }


def _count(workdir: Path, name: str, seconds: float, exit_code: int) -> RunCount:
    count = RunCount(name=name, seconds=round(seconds, 1), exit_code=exit_code)
    stats_file = workdir / f"{name}.stats.json"
    if stats_file.exists():  # a killed run writes none
        stats = json.loads(stats_file.read_text(encoding="utf-8"))
        count.exported = int(stats.get("item_scraped_count", 0))
    failures_file = workdir / f"{name}.failures.jsonl"
    failures = read_failures([failures_file]) if failures_file.exists() else []
    count.failed = len(failures)
    count.failures_by_kind = dict(Counter(f["kind"] for f in failures))
    return count


def _crawl(base_url: str, workdir: Path, name: str, extra_args: dict[str, str]) -> RunCount:
    started = time.monotonic()
    done = run_crawl(
        None,
        {"base_url": base_url, **extra_args},
        _settings(workdir, name),
        log_file=workdir / f"{name}.log",
        check=False,
    )
    # 3: a health check failed (faults are the point); the counts still hold.
    return _count(workdir, name, time.monotonic() - started, done.returncode)


def _journal_lines(exports: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in exports.glob("runs/*/journal*.jsonl"))


def _start(base_url: str, workdir: Path, name: str, **extra: str) -> subprocess.Popen[bytes]:
    command = crawl_command(None, {"base_url": base_url}, _settings(workdir, name, **extra))
    command += ["-s", f"LOG_FILE={workdir / f'{name}.log'}"]
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_for_journal(process: subprocess.Popen[bytes], exports: Path, lines: int) -> None:
    deadline = time.monotonic() + 300
    while _journal_lines(exports) < lines:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the crawl ended before the point of the scenario")
        time.sleep(0.05)


def scenario_retry(base_url: str, workdir: Path) -> list[RunCount]:
    """Crawl, merge; retry-failed on the failures file, merge again."""
    exports = workdir / "exports"
    runs = [_crawl(base_url, workdir, "first", {})]
    merge_pending(exports, include_failed=True)
    failures = workdir / "first.failures.jsonl"
    if failures.exists():
        runs.append(_crawl(base_url, workdir, "retry", {"retry_failed": str(failures)}))
        merge_pending(exports, include_failed=True)
    return runs


def _follow_ups(base_url: str, workdir: Path, runs: list[RunCount], job: str = "") -> None:
    exports = workdir / "exports"
    for k in range(FOLLOW_UP_RUNS):
        name = f"next-{k + 1}"
        started = time.monotonic()
        extra = {"JOBDIR": job} if job and k == 0 else {}
        done = run_crawl(
            None,
            {"base_url": base_url},
            _settings(workdir, name, **extra),
            log_file=workdir / f"{name}.log",
            check=False,
        )
        runs.append(_count(workdir, name, time.monotonic() - started, done.returncode))
        merge_pending(exports, include_failed=True)


def scenario_kill(base_url: str, workdir: Path, articles: int) -> list[RunCount]:
    """A JOBDIR crawl killed with SIGKILL a third of the way, the same command again, then
    the next scheduled runs."""
    exports, job = workdir / "exports", str(workdir / "job")
    started = time.monotonic()
    first = _start(base_url, workdir, "killed", JOBDIR=job)
    _wait_for_journal(first, exports, max(1, articles // 3))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    runs = [_count(workdir, "killed", time.monotonic() - started, -9)]
    merge_pending(exports, include_failed=True)
    _follow_ups(base_url, workdir, runs, job=job)
    return runs


def scenario_merge(base_url: str, workdir: Path, articles: int) -> list[RunCount]:
    """`qptd merge` while a crawl runs; the crawl goes on; then the next scheduled runs."""
    exports = workdir / "exports"
    started = time.monotonic()
    crawl = _start(base_url, workdir, "first")
    _wait_for_journal(crawl, exports, max(1, articles // 3))
    merged_mid_crawl = qptd(["merge", "--include-failed", "--exports", str(exports)])
    if merged_mid_crawl != 0:
        raise RuntimeError(f"qptd merge during the crawl exited {merged_mid_crawl}")
    crawl.wait(timeout=900)
    runs = [_count(workdir, "first", time.monotonic() - started, crawl.returncode)]
    merge_pending(exports, include_failed=True)
    _follow_ups(base_url, workdir, runs)
    return runs


def account(result: ReliabilityResult, portal: Portal, workdir: Path) -> ReliabilityResult:
    """Every article of the replica: in the dataset once and right, or lost."""
    exports = workdir / "exports"
    rows = read_dataset(ExportsLayout(exports)).to_pylist()
    # The portal serves some articles under a second path: a row is an article of the
    # replica whichever of its paths the row's URL is.
    articles = Counter(portal.index_of(urlsplit(r["url"]).path) for r in rows)
    result.duplicated = sum(n - 1 for i, n in articles.items() if i is not None)
    result.in_dataset = len(articles)
    for row in rows:
        path = urlsplit(row["url"]).path
        index = portal.index_of(path)
        if index is None:
            result.wrong.append(f"{path}: not an article of the replica")
            continue
        expected = portal.truth(index)
        if any(row[k] != expected[k] for k in ("title", "lead", "body", "authors")):
            result.wrong.append(path)
        else:
            result.correct += 1
    journaled = Counter(
        urlsplit(row["url"]).path
        for journal in exports.glob("runs/*/journal*.jsonl")
        for _, row in read_json_lines(journal)
    )
    result.fetched_twice = sum(1 for n in journaled.values() if n > 1)
    first_failures = workdir / f"{result.runs[0].name}.failures.jsonl"
    first_failed = (
        {portal.index_of(urlsplit(f["url"]).path) for f in read_failures([first_failures])}
        if first_failures.exists()
        else set()
    )
    result.recovered = len((first_failed - {None}) & set(articles))
    result.lost = sorted(portal.path_of(i) for i in range(portal.n_articles) if i not in articles)
    return result


SCENARIOS = ("retry", "kill", "merge")


def run_once(
    articles: int, rate: float, workdir: Path, seed: int = 1, scenario: str = "retry"
) -> ReliabilityResult:
    portal = Portal(articles, seed=seed)
    plan = FaultPlan(rate=rate, kinds=FAULT_KINDS, seed=seed)
    server = ReplicaServer(portal, faults=plan)
    server.start_in_thread()
    try:
        if scenario == "retry":
            runs = scenario_retry(server.base_url, workdir)
        elif scenario == "kill":
            runs = scenario_kill(server.base_url, workdir, articles)
        elif scenario == "merge":
            runs = scenario_merge(server.base_url, workdir, articles)
        else:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    finally:
        server.shutdown()
        server.server_close()
    result = ReliabilityResult(scenario, articles, rate, dict(plan.injected), runs)
    return account(result, portal, workdir)


_SCENARIO_TEXT = {
    "retry": "crawl, then `qptd retry-failed`",
    "kill": "kill -9 a third of the way, same command again (JOBDIR), then scheduled runs",
    "merge": "`qptd merge` during the crawl, then scheduled runs",
}


# Below this line the report holds scenarios measured by their own tests and tools (archive
# re-parse, rollback, hostile sites): a regeneration of the tables above keeps them.
KEPT_MARKER = "<!-- measured elsewhere: kept when the tables above are regenerated -->"


def kept_sections(existing: str) -> str:
    """The part of an existing report from ``KEPT_MARKER`` on ("" when it has none)."""
    at = existing.find(KEPT_MARKER)
    return "\n" + existing[at:] if at >= 0 else ""


def markdown(results: list[ReliabilityResult], command: str) -> str:
    lines = [
        "# Reliability under faults",
        "",
        f"Generated by `{command}` (the replica injects the faults; see "
        "`harness/qptd_harness/replica/faults.py`). Each fault heals after 1 to 6 attempts; a "
        "crawl makes 4 attempts per page (3 retries, backoff with jitter or Retry-After), so "
        "the pages still failing go to the failures file and into the crawl state, from "
        f"which the next scheduled run fetches them first (up to {FOLLOW_UP_RUNS} runs here; "
        "`qptd retry-failed` does the same on demand). Every run is merged as it ends.",
        "",
        "| scenario | fault rate | articles | injected faults | runs: exported / failed "
        "| in dataset | correct | wrong | duplicated | fetched twice | recovered | lost |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        runs = "; ".join(f"{c.name} {c.exported} / {c.failed} ({c.seconds} s)" for c in r.runs)
        lines.append(
            f"| {_SCENARIO_TEXT[r.scenario]} | {r.rate:.0%} | {r.articles} | "
            f"{sum(r.injected.values())} | {runs} | {r.in_dataset} | {r.correct} | "
            f"{len(r.wrong)} | {r.duplicated} | {r.fetched_twice} | {r.recovered} | "
            f"{len(r.lost)} |"
        )
    lines += ["", "Faults injected, by kind (server side):", ""]
    lines += [
        "| kind | " + " | ".join(f"{r.scenario} {r.rate:.0%}" for r in results) + " |",
        "|" + " --- |" * (len(results) + 1),
    ]
    for kind in FAULT_KINDS:
        lines.append(
            f"| `{kind}` | " + " | ".join(str(r.injected.get(kind, 0)) for r in results) + " |"
        )
    lines += ["", "Failures recorded by the first run, by kind (crawler side):", ""]
    kinds = sorted({k for r in results for k in r.runs[0].failures_by_kind})
    lines += [
        "| kind | " + " | ".join(f"{r.scenario} {r.rate:.0%}" for r in results) + " |",
        "|" + " --- |" * (len(results) + 1),
    ]
    for kind in kinds:
        lines.append(
            f"| `{kind}` | "
            + " | ".join(str(r.runs[0].failures_by_kind.get(kind, 0)) for r in results)
            + " |"
        )
    lines += [
        "",
        "*Duplicated*: rows of the dataset beyond one per URL. *Fetched twice*: articles "
        "that more than one run journaled (a page in flight at the kill, fetched again by "
        "the resumed run; the merge keeps one). Benign faults (malformed or unclosed HTML, "
        "a wrong or missing charset header) are not failures: those pages must come out "
        "right on the first try, and they are counted in *correct* above. Failures include "
        "the replica's dead related links (soft-404 pages, not articles), which stay failed.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rates", default="0.1,0.3", help="fault rates of the retry scenario")
    parser.add_argument(
        "--adversarial-rate",
        type=float,
        default=0.2,
        help="fault rate of the kill and merge scenarios (0: skip them)",
    )
    parser.add_argument("--markdown", help="write the report here (e.g. docs/RELIABILITY.md)")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)
    plan = [("retry", float(r)) for r in args.rates.split(",") if r]
    if args.adversarial_rate:
        plan += [("kill", args.adversarial_rate), ("merge", args.adversarial_rate)]
    results = []
    for scenario, rate in plan:
        with tempfile.TemporaryDirectory(prefix="qptd-faults-") as tmp:
            result = run_once(args.articles, rate, Path(tmp), scenario=scenario)
        results.append(result)
        print(
            f"{scenario} at {rate:.0%}: {result.in_dataset}/{args.articles} in dataset, "
            f"{result.correct} correct, {len(result.wrong)} wrong, {result.duplicated} "
            f"duplicated, {len(result.lost)} lost; runs "
            + "; ".join(f"{c.name} {c.exported}/{c.failed}" for c in result.runs),
            flush=True,
        )
    command = "python -m qptd_harness.reliability " + " ".join(argv or sys.argv[1:])
    if args.markdown:
        target = Path(args.markdown)
        kept = kept_sections(target.read_text("utf-8") if target.exists() else "")
        target.write_text(markdown(results, command.strip()) + kept, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(
            json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2), "utf-8"
        )
    return 0 if all(not r.lost and not r.wrong and not r.duplicated for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
