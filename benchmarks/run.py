"""`make bench`: qptd's own overhead, measured side by side in one run, printed as ratios.

    python benchmarks/run.py                       # everything, about 8 minutes
    BENCH_SIZES=1000,10000 BENCH_LONG_ARTICLES=10000 python benchmarks/run.py   # ~2 minutes

Everything runs against the replica on 127.0.0.1. Timings on a shared 2-core machine are
noisy: read the ratios, which compare runs made minutes apart on the same machine.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
QPTD = str(Path(sys.executable).with_name("qptd"))  # the project's command, beside python
sys.path.insert(0, str(ROOT))

from qptd_harness.replica import REPLICA_CRAWL_SETTINGS, Portal, ReplicaServer  # noqa: E402
from qptd_harness.replica.render import article_page  # noqa: E402
from qptd_harness.runner import crawl_command  # noqa: E402
from qptd_spider.extract import extract_item  # noqa: E402

# Runs a command as a child; prints the child's peak RSS (kB) and CPU seconds (user + system)
# on stderr's last line.
_USAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                continue
    return found


def _pss_kb(pids: list[int]) -> int:
    """Proportional set size of processes together: shared pages (a fork server's preloaded
    modules) counted once, unlike a sum of RSS."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total


def _run_measured(command: list[str]) -> tuple[float, int, float, int]:
    """(wall seconds, peak RSS in MB of its largest process, CPU seconds, peak PSS in MB of
    its whole process tree) of a command run from the project root."""
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", _USAGE_WRAPPER, *command],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
        peak_pss = 0
        while child.poll() is None:
            peak_pss = max(peak_pss, _pss_kb(_tree(child.pid)))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read()
    if child.returncode not in (0, 3):
        raise RuntimeError(f"{command[:6]} failed:\n{stderr[-3000:]}")
    rss_kb, cpu = stderr.strip().splitlines()[-1].split()
    return seconds, int(rss_kb) // 1024, float(cpu), peak_pss // 1024


def _bytes_under(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern) if p.is_file())


def _settings(work: Path) -> dict[str, str]:
    return {
        **REPLICA_CRAWL_SETTINGS,
        "LOG_LEVEL": "ERROR",
        "QPTD_EXPORTS": str(work / "exports"),
        "QPTD_STATS_FILE": str(work / "stats.json"),
    }


def crawl_qptd(base_url: str, work: Path, name: str, **extra: str) -> dict[str, Any]:
    settings = {**_settings(work), **extra}
    seconds, rss, cpu, _ = _run_measured(
        crawl_command(work / f"{name}.parquet", {"base_url": base_url}, settings)
    )
    stats = json.loads((work / "stats.json").read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "rss_mb": rss,
        "requests": stats.get("downloader/request_count", 0),
        "articles": stats.get("item_scraped_count", 0),
        # pages that failed in an earlier run (dead links: soft 404s), asked again
        "carried": stats.get("qptd/carried_failures/requested", 0),
        # dead links the portal redirects to its "not found" page (fetched once for each)
        "redirects": stats.get("downloader/response_status_count/302", 0),
    }


def crawl_bare(base_url: str, work: Path, lean: bool) -> dict[str, Any]:
    stats_file = work / "bare-stats.json"
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        str(ROOT / "benchmarks" / "bare_spider.py"),
        "-a",
        f"base_url={base_url}",
        "-a",
        f"lean={int(lean)}",
        "-s",
        f"QPTD_STATS_FILE={stats_file}",
        "-s",
        "LOG_LEVEL=ERROR",
    ]
    for key, value in REPLICA_CRAWL_SETTINGS.items():
        if key != "LOG_LEVEL":
            command += ["-s", f"{key}={value}"]
    seconds, rss, cpu, _ = _run_measured(command)
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "rss_mb": rss,
        "requests": stats.get("downloader/request_count", 0),
        "articles": stats.get("bare/articles", 0),
    }


BASELINES = ("bare", "lean")
SIDES = ("qptd", "qptd_nowarc", *BASELINES)  # qptd_nowarc: the archive off (QPTD_WARC=0)


def bench_throughput(articles: int, rounds: int = 3) -> dict[str, Any]:
    """``rounds`` rounds of three crawls of one replica (qptd, the idiomatic bare spider, the
    lean bare spider), the order rotating so that a neighbour's load on this shared machine
    hits every side alike; the medians are the figures."""
    server = ReplicaServer(Portal(articles, seed=11))
    server.start_in_thread()
    sides = SIDES
    results: list[dict[str, Any]] = []
    try:
        for round_no in range(rounds):
            crawls: dict[str, Any] = {}
            turn = round_no % len(sides)
            for side in sides[turn:] + sides[:turn]:
                with tempfile.TemporaryDirectory() as tmp:
                    if side == "qptd":
                        crawls[side] = crawl_qptd(server.base_url, Path(tmp), "run")
                    elif side == "qptd_nowarc":
                        crawls[side] = crawl_qptd(server.base_url, Path(tmp), "run", QPTD_WARC="0")
                    else:
                        crawls[side] = crawl_bare(server.base_url, Path(tmp), side == "lean")
            result = {
                "crawls": crawls,
                **{base: _compare(crawls["qptd"], crawls[base]) for base in BASELINES},
                "archive": _compare(crawls["qptd"], crawls["qptd_nowarc"]),
            }
            results.append(result)
            print(
                f"  round {round_no + 1}: pages/s qptd {result['bare']['qptd_pages_per_s']}, "
                f"bare {result['bare']['base_pages_per_s']}, "
                f"lean {result['lean']['base_pages_per_s']}: ratio {result['bare']['ratio']} "
                f"(lean {result['lean']['ratio']}); CPU ms/page qptd "
                f"{result['bare']['qptd_cpu_ms_per_page']}, bare "
                f"{result['bare']['base_cpu_ms_per_page']}, lean "
                f"{result['lean']['base_cpu_ms_per_page']}; archive on/off "
                f"{result['archive']['ratio']}",
                flush=True,
            )
    finally:
        server.shutdown()
        server.server_close()
    summary: dict[str, Any] = {"rounds": results}
    for base in (*BASELINES, "archive"):
        summary[base] = {
            key: statistics.median(r[base][key] for r in results) for key in results[0][base]
        }
    return summary


def _compare(ours: dict[str, Any], base: dict[str, Any]) -> dict[str, float]:
    # Both fetch the same pages (the bare spider would also count the dead related links
    # as articles), so compare pages per second, and CPU seconds per page of the crawler.
    ours_rate = ours["requests"] / ours["seconds"]
    base_rate = base["requests"] / base["seconds"]
    ours_cpu = ours["cpu_seconds"] / ours["requests"]
    base_cpu = base["cpu_seconds"] / base["requests"]
    return {
        "qptd_pages_per_s": round(ours_rate, 1),
        "base_pages_per_s": round(base_rate, 1),
        "qptd_articles_per_s": round(ours["articles"] / ours["seconds"], 1),
        "ratio": round(ours_rate / base_rate, 3),
        "qptd_cpu_ms_per_page": round(ours_cpu * 1000, 2),
        "base_cpu_ms_per_page": round(base_cpu * 1000, 2),
        "cpu_ratio": round(base_cpu / ours_cpu, 3),
    }


def bench_parsing(pages: int = 300, rounds: int = 3) -> dict[str, Any]:
    """Parse + normalize vs ``trafilatura.extract(with_metadata=True)``, on the same pages.

    Each round reads ``pages`` pages no round has read before, ours then trafilatura's: a
    page is met once, as in a re-parse, so no cache keyed by a page's URL or text helps (an
    earlier version timed the same pages three times). The ratio is taken per round (both
    sides timed on the same pages within seconds of each other) and the median reported.
    """
    portal = Portal(pages * rounds, seed=12)
    docs = [(article_page(portal, i), portal.truth(i)["url"]) for i in range(pages * rounds)]
    try:
        import trafilatura
    except ImportError:
        trafilatura = None

    def ms_per_page(fn: Any, chunk: list[tuple[str, str]]) -> float:
        started = time.perf_counter()
        for html, url in chunk:
            fn(html, url)
        return (time.perf_counter() - started) * 1000 / len(chunk)

    ours, theirs = [], []
    for r in range(rounds):
        chunk = docs[r * pages : (r + 1) * pages]
        ours.append(
            ms_per_page(lambda h, u: extract_item(h, u, "2099-01-01T00:00:00+00:00"), chunk)
        )
        if trafilatura is not None:
            theirs.append(
                ms_per_page(
                    lambda h, u: trafilatura.extract(
                        h, url=u, with_metadata=True, output_format="json"
                    ),
                    chunk,
                )
            )
    result: dict[str, Any] = {
        "pages": pages,
        "rounds": rounds,
        "qptd_ms_per_page": round(statistics.median(ours), 3),
    }
    if not theirs:
        result["trafilatura"] = "not installed"
        return result
    ratios = [t / o for t, o in zip(theirs, ours, strict=True)]
    result.update(
        trafilatura_ms_per_page=round(statistics.median(theirs), 3),
        speedup=round(statistics.median(ratios), 2),
        speedup_per_round=[round(x, 2) for x in ratios],
    )
    return result


def bench_sizes(sizes: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        server = ReplicaServer(Portal(n, seed=13))
        server.start_in_thread()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            try:
                first = crawl_qptd(server.base_url, work, "first")
                # `qptd merge` (the crawl's journal) and `qptd export`, as a user runs them.
                merge_seconds, merge_rss, _, _ = _run_measured(
                    [QPTD, "merge", "--exports", str(work / "exports")]
                )
                export_seconds, export_rss, _, _ = _run_measured(
                    [QPTD, "export", "--no-check", "--exports", str(work / "exports")]
                )
                dataset_bytes = _bytes_under(work / "exports" / "dataset", "year=*/*")
                hf_bytes = _bytes_under(work / "exports" / "hf", "**/*")
                warc_bytes = _bytes_under(work / "exports" / "warc", "*.warc.gz")
                reparse_seconds, reparse_rss, _, reparse_pss = _run_measured(
                    [QPTD, "reparse", "--all", "--exports", str(work / "exports")]
                )
                reparsed = _last_run_report(work / "exports")
                again = crawl_qptd(server.base_url, work, "again")
            finally:
                server.shutdown()
                server.server_close()
        out[str(n)] = {
            "crawl": first,
            "merge_seconds": round(merge_seconds, 2),
            "merge_rss_mb": merge_rss,
            "export_seconds": round(export_seconds, 2),
            "export_rss_mb": export_rss,
            "dataset_bytes": dataset_bytes,
            "hf_bytes": hf_bytes,
            "warc_bytes": warc_bytes,
            "warc_bytes_per_article": round(warc_bytes / max(first["articles"], 1)),
            "reparse_seconds": round(reparse_seconds, 2),
            "reparse_rss_mb": reparse_rss,
            "reparse_tree_pss_mb": reparse_pss,
            "reparse_articles": reparsed["articles"]["exported"],
            "reparse_pages_per_s": round(reparsed["articles"]["exported"] / reparse_seconds, 1),
            "recrawl": again,
            "recrawl_request_ratio": round(again["requests"] / first["requests"], 4),
            "recrawl_new_request_ratio": round(
                (again["requests"] - again["carried"]) / first["requests"], 4
            ),
        }
        print(
            f"  {n:>7} articles: crawl {first['seconds']} s, peak RSS {first['rss_mb']} MB; "
            f"merge {merge_seconds:.1f} s ({merge_rss} MB), export {export_seconds:.1f} s "
            f"({export_rss} MB), dataset {dataset_bytes:,} bytes, HF folder {hf_bytes:,} bytes; "
            f"archive {warc_bytes:,} bytes ({warc_bytes // max(first['articles'], 1):,} per "
            f"article), reparse {reparse_seconds:.1f} s ({reparse_rss} MB largest process, "
            f"{reparse_pss} MB PSS with its workers, "
            f"{reparsed['articles']['exported'] / reparse_seconds:.0f} articles/s); "
            f"re-crawl {again['requests']} of {first['requests']} "
            f"requests ({again['requests'] / first['requests']:.1%}; "
            f"{again['carried']} of them retries of pages that failed in the first)",
            flush=True,
        )
    return out


def _last_run_report(exports: Path) -> dict[str, Any]:
    runs = sorted(p for p in (exports / "runs").iterdir() if p.is_dir())
    report: dict[str, Any] = json.loads((runs[-1] / "report.json").read_text(encoding="utf-8"))
    return report


def bench_long_merge(articles: int = 100_000, body_copies: int = 3) -> dict[str, Any]:
    """`qptd merge` and `qptd export` of a journal of long articles (replica articles are
    short: their bodies are repeated to ~7 KB of text, the length of a real one)."""
    portal = Portal(300, seed=14)
    templates = [
        extract_item(article_page(portal, i), portal.truth(i)["url"], "2026-11-25T00:00:00+00:00")
        for i in range(300)
    ]
    rows = [t for t in templates if t is not None]
    with tempfile.TemporaryDirectory() as tmp:
        exports = Path(tmp) / "exports"
        journal = exports / "journal" / "long.jsonl"
        journal.parent.mkdir(parents=True)
        with journal.open("w", encoding="utf-8") as fh:
            for k in range(articles):
                row = dict(rows[k % len(rows)])
                row["url"] = row["url"].replace(".html", f"-{k}.html")
                row["article_id"] = f"{k:024x}"  # one article per row, not copies of 300
                row["body"] = "\n\n".join([row["body"]] * body_copies)
                row["published_at"] = f"{2010 + k % 16}-{1 + k % 12:02d}-15T08:00:00+07:00"
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        journal_bytes = journal.stat().st_size
        merge_seconds, merge_rss, _, _ = _run_measured(
            [QPTD, "merge", str(journal), "--exports", str(exports)]
        )
        export_seconds, export_rss, _, _ = _run_measured(
            [QPTD, "export", "--no-check", "--exports", str(exports)]
        )
        dataset_bytes = _bytes_under(exports / "dataset", "year=*/*")
        rows = sum(
            pq.read_metadata(p).num_rows for p in (exports / "dataset").glob("year=*/*.parquet")
        )
    return {
        "articles": articles,
        "dataset_rows": rows,
        "journal_bytes": journal_bytes,
        "merge_seconds": round(merge_seconds, 2),
        "merge_rss_mb": merge_rss,
        "export_seconds": round(export_seconds, 2),
        "export_rss_mb": export_rss,
        "dataset_bytes": dataset_bytes,
    }


def main() -> int:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",") if s]
    started = time.perf_counter()
    print("1. end-to-end throughput, 2,000 articles (qptd vs bare spiders on the same links)")
    throughput = bench_throughput(2000)
    bare, lean = throughput["bare"], throughput["lean"]
    print(
        f"  median of {len(throughput['rounds'])}: qptd {bare['qptd_pages_per_s']} pages/s "
        f"({bare['qptd_articles_per_s']} articles/s); bare Scrapy {bare['base_pages_per_s']} "
        f"pages/s: ratio {bare['ratio']} (target >= 0.8); lean bare {lean['base_pages_per_s']} "
        f"pages/s: ratio {lean['ratio']}; archive on vs off: ratio "
        f"{throughput['archive']['ratio']} (target >= 0.9)",
        flush=True,
    )
    print("2. parsing + normalization per page (3 rounds of 300 stored replica pages)")
    parsing = bench_parsing()
    print(
        f"  qptd {parsing['qptd_ms_per_page']} ms/page, trafilatura "
        f"{parsing.get('trafilatura_ms_per_page', '-')} ms/page: "
        f"{parsing.get('speedup', '-')}x (target >= 10x; rounds "
        f"{parsing.get('speedup_per_round', '-')})",
        flush=True,
    )
    print(f"3-5. crawls of {', '.join(map(str, sizes))} articles: peak RSS, export, re-crawl")
    by_size = bench_sizes(sizes)
    rss = [by_size[str(n)]["crawl"]["rss_mb"] for n in sizes]
    if len(sizes) >= 2:
        print(
            f"  peak RSS growth {sizes[-2]:,} -> {sizes[-1]:,}: {rss[-1] / rss[-2] - 1:.0%} "
            "(target <= 20% from 10,000 to 100,000)"
        )
    long_articles = int(os.environ.get("BENCH_LONG_ARTICLES", "100000"))
    print(f"6. merge and export of {long_articles:,} long articles (~7 KB of text each)")
    long_merge = bench_long_merge(long_articles)
    print(
        f"  journal {long_merge['journal_bytes']:,} bytes: merge {long_merge['merge_seconds']} s "
        f"({long_merge['merge_rss_mb']} MB), export {long_merge['export_seconds']} s "
        f"({long_merge['export_rss_mb']} MB), dataset {long_merge['dataset_bytes']:,} bytes",
        flush=True,
    )
    report = {
        "throughput": throughput,
        "parsing": parsing,
        "sizes": by_size,
        "long_merge": long_merge,
        "seconds": round(time.perf_counter() - started, 1),
    }
    out = ROOT / "exports" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"total {report['seconds']} s; full numbers in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
