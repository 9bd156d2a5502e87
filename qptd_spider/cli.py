"""The ``qptd`` command: extract one page, serve the replica, run the offline demo, write docs.

``scrapy crawl qptd`` stays the way to crawl; this command holds the tools around it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .extract import extract_item
from .normalize.article import utc_now
from .pages import ArticlePage
from .schema import fields_markdown


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the item of one stored page as JSON, exactly as a crawl would export it."""
    path = Path(args.page)
    try:
        html = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        print(f"qptd extract: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    item = extract_item(html, args.url, crawled_at=args.crawled_at or utc_now())
    if item is None:
        page = ArticlePage(html, args.url)
        kind = "a 'page not found' page" if page.is_soft_404() else "not an article page"
        print(f"qptd extract: {path} is {kind} (no article root or headline)", file=sys.stderr)
        return 1
    json.dump(item, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def cmd_replica_serve(args: argparse.Namespace) -> int:
    """Serve the replica until interrupted; the first line printed is its base URL."""
    from .replica import Portal, ReplicaServer, Variants

    variants = Variants(
        pagination=args.pagination, list_layout=args.list_layout, sitemap=args.sitemap
    )
    portal = Portal(
        args.articles, seed=args.seed, edit_round=args.edit_round, edit_every=args.edit_every
    )
    faults = None
    if args.faults:
        from .replica.faults import FAULT_KINDS, FaultPlan

        kinds = (
            tuple(k for k in args.fault_kinds.split(",") if k) if args.fault_kinds else FAULT_KINDS
        )
        faults = FaultPlan(rate=args.faults, kinds=kinds, max_failures=args.fault_max_failures)
    server = ReplicaServer(portal, variants, host=args.host, port=args.port, faults=faults)
    print(server.base_url, flush=True)
    if args.port_file:
        Path(args.port_file).write_text(server.base_url + "\n", encoding="utf-8")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_replica_truth(args: argparse.Namespace) -> int:
    """Write the ground truth of every replica article as JSON Lines."""
    from .replica import Portal

    portal = Portal(args.articles, seed=args.seed)
    lines = (
        json.dumps(portal.truth(i), ensure_ascii=False) + "\n" for i in range(portal.n_articles)
    )
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        with Path(args.output).open("w", encoding="utf-8") as out:
            out.writelines(lines)
    return 0


def cmd_schema_docs(args: argparse.Namespace) -> int:
    """Write docs/FIELDS.md from the schema (or check that it is current)."""
    target = Path(args.output)
    text = fields_markdown()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run `qptd schema-docs`", file=sys.stderr)
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge crawl output files into the dataset as a new version."""
    from .dataset.store import merge_run, pending_journals

    root = Path(args.exports)
    runs = [Path(p) for p in args.runs] or pending_journals(root)
    if not runs:
        print(f"nothing to merge: no run files given and no journal in {root / 'journal'}")
        return 0
    result = merge_run(root, runs, run_id=args.run_id)
    print(
        f"version {result.run_id}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.total} articles in the dataset"
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Rebuild the Hugging Face folder from the current dataset version."""
    from .dataset.hf import DEFAULT_NOTE, export_hf

    done = export_hf(Path(args.exports), note=args.note or DEFAULT_NOTE)
    print(f"{done.folder}: {done.articles} articles, {done.bytes:,} bytes (version {done.version})")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the dataset's numbers."""
    from .dataset.stats import format_stats, version_stats
    from .dataset.store import current_version

    stats = version_stats(current_version(Path(args.exports)))
    if args.json:
        json.dump(stats.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(format_stats(stats))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write an HTML report with charts of the dataset."""
    from .dataset.report import render_report
    from .dataset.stats import version_stats
    from .dataset.store import current_version

    root = Path(args.exports)
    version = current_version(root)
    stats = version_stats(version)
    out = Path(args.output) if args.output else root / "report.html"
    out.write_text(render_report(stats, version.name if version else "none"), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Push the Hugging Face folder to the Hub in one commit."""
    from .dataset.publish import publish

    url = publish(Path(args.exports) / "hf", args.repo_id, private=args.private)
    print(f"published: {url}")
    return 0


def cmd_retry_failed(args: argparse.Namespace) -> int:
    """Crawl exactly the pages of a failures file again (then `qptd merge` as usual)."""
    import subprocess

    from .runner import run_crawl

    failures = [Path(p) for p in args.failures]
    missing = [str(p) for p in failures if not p.is_file()]
    if missing:
        print(f"qptd retry-failed: no such failures file: {', '.join(missing)}", file=sys.stderr)
        return 2
    spider_args = {"retry_failed": ",".join(str(p.resolve()) for p in failures)}
    if args.base_url:
        spider_args["base_url"] = args.base_url
    output = Path(args.output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        run_crawl(output, spider_args, dict(s.split("=", 1) for s in args.setting))
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr[-3000:])
        return exc.returncode
    print(f"retried the pages of {len(failures)} failures file(s); output {output}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(
        articles=args.articles, seed=args.seed, exports=Path(args.exports), quiet=args.quiet
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qptd", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="print the article item of one stored HTML page")
    p.add_argument("page", help="path of the stored HTML page")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--crawled-at", help="ISO time to record as crawled_at (default: now, UTC)")
    p.set_defaults(func=cmd_extract)

    replica = sub.add_parser("replica", help="the local replica of the portal")
    rsub = replica.add_subparsers(dest="replica_command", required=True)
    p = rsub.add_parser("serve", help="serve the replica on loopback")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    p.add_argument("--port", type=int, default=0, help="port (0: a free one)")
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pagination", choices=["query", "links", "ignored"], default="query")
    p.add_argument(
        "--list-layout", choices=["mixed", "type2", "h3_time_news", "news_title"], default="mixed"
    )
    p.add_argument("--sitemap", action="store_true", help="serve /sitemap.xml")
    p.add_argument("--edit-round", type=int, default=0, help="revise articles (round N > 0)")
    p.add_argument("--edit-every", type=int, default=10, help="revise every K-th article")
    p.add_argument("--faults", type=float, default=0.0, help="share of pages that fail (0-1)")
    p.add_argument("--fault-kinds", help="comma-separated kinds (default: all, see faults.py)")
    p.add_argument(
        "--fault-max-failures", type=int, default=6, help="a fault heals after 1..N attempts"
    )
    p.add_argument("--port-file", help="also write the base URL to this file")
    p.set_defaults(func=cmd_replica_serve)
    p = rsub.add_parser("truth", help="write the replica's ground truth as JSON Lines")
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("-o", "--output", default="-")
    p.set_defaults(func=cmd_replica_truth)

    p = sub.add_parser("schema-docs", help="write docs/FIELDS.md from schemas/")
    p.add_argument("-o", "--output", default="docs/FIELDS.md")
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p.set_defaults(func=cmd_schema_docs)

    p = sub.add_parser("merge", help="merge crawl output into the dataset (a new version)")
    p.add_argument(
        "runs",
        nargs="*",
        help="Parquet feeds (`scrapy crawl qptd -O`) or JSON Lines journals; "
        "default: every journal waiting in EXPORTS/journal/",
    )
    p.add_argument("--exports", default="exports", help="the dataset folder")
    p.add_argument("--run-id", help="version name (default: the current UTC time)")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("export", help="rebuild the Hugging Face folder (exports/hf)")
    p.add_argument("--exports", default="exports")
    p.add_argument("--note", help="first paragraph of the dataset card")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="print the dataset's numbers")
    p.add_argument("--exports", default="exports")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("report", help="write an HTML report with charts")
    p.add_argument("--exports", default="exports")
    p.add_argument("-o", "--output", help="default: EXPORTS/report.html")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("publish", help="push exports/hf to the Hugging Face Hub")
    p.add_argument("--repo-id", required=True, help="ORG/NAME of the dataset repository")
    p.add_argument("--exports", default="exports")
    p.add_argument("--private", action="store_true")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("retry-failed", help="crawl again the pages listed in failures files")
    p.add_argument("failures", nargs="+", help="failures files (JSON Lines) of earlier crawls")
    p.add_argument("--base-url", help="crawl target (default: the live portal)")
    p.add_argument("-O", "--output", default="exports/runs/retry.parquet")
    p.add_argument(
        "-s",
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting, as with scrapy crawl -s",
    )
    p.set_defaults(func=cmd_retry_failed)

    p = sub.add_parser("demo", help="crawl the bundled replica end to end, offline")
    p.add_argument("--articles", type=int, default=300)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--exports", default="exports")
    p.add_argument("--quiet", action="store_true", help="less Scrapy log output")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .dataset.publish import PublishError
    from .dataset.store import DatasetError, DatasetLockedError

    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except DatasetLockedError as exc:
        print(f"qptd: {exc}", file=sys.stderr)
        return 3
    except (ValueError, DatasetError, PublishError) as exc:
        print(f"qptd: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
