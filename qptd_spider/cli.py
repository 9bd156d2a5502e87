"""The ``qptd`` command: crawl, merge and publish the dataset, and the tools around them.

Every user or environment error is one line on stderr naming what is wrong, and a non-zero
exit status (2; 3 when another process holds the dataset's lock); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from . import __version__
from .layout import ExportsLayout
from .urls import DEFAULT_BASE_URL

EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_NOT_READY = 1  # `qptd probe`: the crawler would not read the site


def _layout(args: argparse.Namespace) -> ExportsLayout:
    return ExportsLayout.at(args.exports)


def _require_dataset(layout: ExportsLayout) -> Path:
    from .dataset.versions import DatasetError, current_version

    if not layout.root.is_dir():
        raise DatasetError(f"no exports root at {layout.root}: crawl and `qptd merge` first")
    version = current_version(layout)
    if version is None:
        raise DatasetError(f"no dataset in {layout.root} yet: crawl, then `qptd merge`")
    return version


# -- crawling ----------------------------------------------------------------------------------


def run_scrapy_crawl(arguments: Sequence[str]) -> int:
    """``scrapy crawl qptd ARGUMENTS`` in this process, with qptd's settings wherever it
    runs (an installed qptd has no scrapy.cfg around it); returns the exit status."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "qptd_spider.settings")
    from scrapy.cmdline import execute

    try:
        execute(["scrapy", "crawl", "qptd", *arguments])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _settings_pairs(values: Sequence[str]) -> list[str]:
    out = []
    for value in values:
        name, sep, _ = value.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"a setting is NAME=VALUE, got {value!r}")
        out += ["-s", value]
    return out


def _target_of_failures(entries: Sequence[dict[str, Any]], base_url: str | None) -> str:
    """The crawl target a failures file belongs to: the one its URLs name (every host of
    the live portal is one target); a file of several targets, or one that is not of
    ``--base-url``, is refused."""
    from .urls import PortalUrls, origin_of

    targets: dict[str, str] = {}
    for entry in entries:
        origin = origin_of(entry["url"])
        if origin:
            urls = PortalUrls(origin)
            targets.setdefault(urls.target_id, DEFAULT_BASE_URL if urls.is_live else origin)
    if len(targets) > 1:
        raise ValueError(
            "the failures name several crawl targets ("
            + ", ".join(sorted(targets.values()))
            + "): retry the failures of each target alone"
        )
    found = next(iter(targets.values()), None)
    if base_url is None:
        return found or DEFAULT_BASE_URL
    if found is not None and PortalUrls(base_url).target_id != PortalUrls(found).target_id:
        raise ValueError(f"these are failures of {found}, not of --base-url {base_url}")
    return base_url


def cmd_retry_failed(args: argparse.Namespace) -> int:
    """Crawl exactly the pages of failures files again (then `qptd merge` as usual), on the
    target the files name, into the exports root of that target (or ``--exports``)."""
    from .crawl.failures import read_failures

    failures = [Path(p).resolve() for p in args.failures]
    entries = read_failures(failures)  # a clear error for a missing or unreadable file
    target = _target_of_failures(entries, args.base_url)
    crawl_args = ["-a", "retry_failed=" + ",".join(str(p) for p in failures)]
    crawl_args += ["-a", f"base_url={target}"]
    if args.exports:
        crawl_args += ["-s", f"QPTD_EXPORTS={Path(args.exports).resolve()}"]
    if args.output:
        crawl_args += ["-O", str(Path(args.output).resolve())]
    crawl_args += ["-s", "QPTD_RUN_KIND=retry", *_settings_pairs(args.setting)]
    print(
        f"retrying {len(entries)} page(s) of {target} from {len(failures)} failures file(s)",
        flush=True,
    )
    return run_scrapy_crawl(crawl_args)


def cmd_probe(args: argparse.Namespace) -> int:
    """Fetch a few pages of a site and say what the crawler reads there (exit 1: not ready)."""
    from .probe import probe

    result = probe(args.url, list_pages=args.lists, articles=args.articles, delay=args.delay)
    print(f"qptd probe {result.base_url}")
    for line in result.lines:
        print(line)
    return 0 if result.ready else EXIT_NOT_READY


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the item of one stored page as JSON, exactly as a crawl would export it."""
    from .clock import utc_now_iso
    from .extract import canonical_url_of, extract_item
    from .pages import ArticlePage

    path = Path(args.page)
    try:
        html = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        print(f"qptd extract: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    url = args.url or canonical_url_of(html)
    if not url:
        print(
            f"qptd extract: {path} has no canonical link; give the URL it came from with --url",
            file=sys.stderr,
        )
        return EXIT_USAGE
    item = extract_item(html, url, crawled_at=args.crawled_at or utc_now_iso())
    if item is None:
        page = ArticlePage(html, url)
        kind = "a 'page not found' page" if page.is_soft_404() else "not an article page"
        print(f"qptd extract: {path} is {kind} (no article root or headline)", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(item, ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_schema_docs(args: argparse.Namespace) -> int:
    """Write docs/FIELDS.md from the schema (or check that it is current)."""
    from .schema import fields_markdown

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


# -- the dataset --------------------------------------------------------------------------------


def cmd_merge(args: argparse.Namespace) -> int:
    """Merge runs (all waiting ones, or the files given) into the dataset as a new version."""
    from .dataset.merge import inputs_from_paths, inputs_from_runs, merge
    from .runs import list_runs, pending_runs

    layout = _layout(args)
    if args.runs:
        inputs = inputs_from_paths(layout, [Path(p) for p in args.runs])
    else:
        runs = list_runs(layout)
        chosen = pending_runs(layout, include_failed=args.include_failed)
        for run in runs:
            if run.status == "failed" and not args.include_failed:
                print(
                    f"held back: run {run.run_id} failed ({_why_failed(run)}); "
                    "`qptd merge --include-failed` takes it anyway"
                )
            elif run.status == "running":
                print(f"skipped: run {run.run_id} is still running")
            elif not run.for_dataset and not run.merged_into:
                print(f"skipped: run {run.run_id} is not for the dataset (-a dataset=0)")
        if not chosen:
            print(f"nothing to merge: no run waiting in {layout.runs}")
            for root, waiting in _other_roots_waiting(layout):
                print(
                    f"  {waiting} run(s) waiting in the exports root {root}: "
                    f"qptd merge --exports {root}"
                )
            return 0
        inputs = inputs_from_runs(chosen)
    result = merge(
        layout,
        inputs,
        version_id=args.version,
        keep_versions=args.keep,
        allow_mixed_targets=args.allow_mixed_targets,
    )
    runs_text = ", ".join(r["run_id"] for r in result.runs) or "files given"
    counts = f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged" + (
        f", {result.stale} older than the dataset's copy" if result.stale else ""
    )
    if result.version is None:
        print(f"no new version: nothing added or updated ({counts}; runs: {runs_text})")
    else:
        print(
            f"version {result.version}: {counts}; {result.total} articles in the dataset "
            f"(runs: {runs_text})"
        )
    return 0


def _other_roots_waiting(layout: ExportsLayout) -> list[tuple[Path, int]]:
    """Exports roots beside or inside this one (each crawl target has its own, such as
    ``exports/replica``) with runs waiting for a merge."""
    from .runs import pending_runs

    candidates = {
        child
        for folder in (layout.root, layout.root.parent)
        if folder.is_dir()
        for child in folder.iterdir()
        if child.is_dir() and (child / "runs").is_dir() and child != layout.root
    }
    found = []
    for root in sorted(candidates):
        waiting = len(pending_runs(ExportsLayout.at(str(root))))
        if waiting:
            found.append((root, waiting))
    return found


def _why_failed(run: Any) -> str:
    record = run.records[0] if run.records else {}
    health = record.get("health") or {}
    if record.get("output_error"):
        return str(record["output_error"])
    if health.get("failed_checks"):
        return "health checks " + ", ".join(health["failed_checks"])
    return str(record.get("finish_reason") or "unknown")


def cmd_versions(args: argparse.Namespace) -> int:
    """List every version the dataset has had, oldest first, with their counts and runs;
    versions whose files were pruned are marked so."""
    from .dataset.versions import current_version, read_history, version_ids

    layout = _layout(args)
    versions = read_history(layout)
    kept = set(version_ids(layout))
    for manifest in versions:
        manifest["kept"] = manifest["version"] in kept
    if args.json:
        sys.stdout.write(json.dumps(versions, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not versions:
        print(f"no versions in {layout.versions}")
        return 0
    try:
        current = current_version(layout)
    except Exception:
        current = None
    for manifest in versions:
        mark = "*" if current is not None and manifest["version"] == current.name else " "
        runs = ", ".join(r.get("run_id", "?") for r in manifest.get("runs", [])) or "-"
        kind = manifest.get("kind", "merge")
        extra = f" → {manifest['rolled_back_to']}" if kind == "rollback" else ""
        pruned = "" if manifest["kept"] else "  (files pruned)"
        print(
            f"{mark} {manifest['version']}  {manifest.get('merged_at', '?')}  {kind}{extra}  "
            f"+{manifest.get('added', 0)} ~{manifest.get('updated', 0)} "
            f"={manifest.get('unchanged', 0)}  total {manifest.get('total', 0)}  runs: {runs}"
            f"{pruned}"
        )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    """Point the dataset at an older kept version (a new version that says so)."""
    from .dataset.versions import rollback

    manifest = rollback(_layout(args), args.version, keep=args.keep)
    print(
        f"version {manifest['version']}: the dataset is back at version "
        f"{manifest['rolled_back_to']} ({manifest['total']} articles)"
    )
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """What changed between two versions (default: the two newest)."""
    from .dataset.diff import diff_versions, format_diff

    diff = diff_versions(_layout(args), args.old, args.new)
    if args.json:
        sys.stdout.write(json.dumps(diff.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print(format_diff(diff))
    return 0


def _print_then_merge(args: argparse.Namespace) -> None:
    """The next step after an offline run, with the same exports root."""
    print(f"then: qptd merge{' --exports ' + args.exports if args.exports else ''}")


def cmd_reparse(args: argparse.Namespace) -> int:
    """Today's parsers over archived responses: a new run, to merge like a crawl."""
    from .offline.reparse import reparse

    result = reparse(_layout(args), args.sources, everything=args.all, jobs=args.jobs)
    print(
        f"run {result.run_id}: {result.items} articles re-parsed from {len(result.files)} "
        f"WARC file(s) in {result.seconds:.1f} s ({result.per_second:.0f} pages/s); "
        f"{result.failed} failed, {result.rejected} rejected"
        + (f", {result.torn_records} torn record(s) skipped" if result.torn_records else "")
        + (
            f", {result.damaged_records} damaged record(s) skipped"
            if result.damaged_records
            else ""
        )
    )
    for problem in result.unreadable_files:
        print(f"qptd reparse: {problem}", file=sys.stderr)
    _print_then_merge(args)
    return 2 if result.unreadable_files and not result.files else 0


def cmd_renormalize(args: argparse.Namespace) -> int:
    """Today's normalizers over the stored rows: a new run, to merge like a crawl."""
    from .offline.renormalize import renormalize

    result, runner = renormalize(_layout(args))
    changes = ", ".join(f"{k} {v}" for k, v in sorted(runner.changes.items())) or "none"
    print(
        f"run {result.run_id}: {runner.rows} rows read, {result.items} changed "
        f"({changes}), {result.rejected} rejected, in {result.seconds:.1f} s"
    )
    if result.items:
        _print_then_merge(args)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Rebuild the Hugging Face folder from the current dataset version."""
    from .dataset.hf import export_hf

    done = export_hf(_layout(args), note=args.note or None, check=args.check)
    checked = ", loads with datasets" if args.check else ""
    print(
        f"{done.folder}: {done.articles} articles, {done.bytes:,} bytes "
        f"(version {done.version}{checked})"
    )
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print the dataset's numbers."""
    from .dataset.stats import format_stats, version_stats

    stats = version_stats(_require_dataset(_layout(args)))
    if args.json:
        sys.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print(format_stats(stats))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write an HTML report with charts of the dataset."""
    from .dataset.report import render_report
    from .dataset.stats import version_stats
    from .fileio import atomic_write_text

    layout = _layout(args)
    version = _require_dataset(layout)
    out = Path(args.output) if args.output else layout.report_html
    atomic_write_text(out, render_report(version_stats(version), version.name))
    print(f"wrote {out}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Push the Hugging Face folder to the Hub in one commit."""
    from .dataset.card import is_portal_target
    from .dataset.publish import PublishError, publish
    from .dataset.versions import dataset_target

    layout = _layout(args)
    target = dataset_target(layout)
    if not is_portal_target(target) and not args.not_the_portal:
        raise PublishError(
            f"the dataset in {layout.root} was crawled from {target!r}, not the live portal: "
            "its card says so; pass --not-the-portal to publish it all the same"
        )
    url = publish(layout.hf, args.repo_id, private=args.private)
    print(f"published: {url}")
    return 0


# -- the parser -------------------------------------------------------------------------------


def bounded(kind: type[int] | type[float], low: float, high: float | None = None) -> Any:
    """An argparse type: a number of ``kind`` within [low, high], said in one line if not."""

    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {kind.__name__}: {value!r}") from None
        if number < low or (high is not None and number > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {number}")
        return number

    return parse


_positive = bounded(int, 1)


# What the test harness adds (``pip install ./harness``): named here only to say so.
HARNESS_COMMANDS = ("demo", "replica")


def _plugin_commands() -> list[Any]:
    return list(entry_points(group="qptd.commands"))


def _add_plugin_commands(sub: Any) -> None:
    """Subcommands of installed plugins (group ``qptd.commands``): the test harness adds
    ``qptd demo`` and ``qptd replica`` this way, so the product never imports it."""
    for entry in _plugin_commands():
        entry.load()(sub)


def build_parser() -> argparse.ArgumentParser:
    from .dataset.versions import keep_versions_default

    parser = argparse.ArgumentParser(prog="qptd", description=__doc__)
    parser.add_argument("--version", action="version", version=f"qptd {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    exports = argparse.ArgumentParser(add_help=False)
    exports.add_argument(
        "--exports",
        help="the exports root (default: $QPTD_EXPORTS, else `exports` in the project root)",
    )
    keep = argparse.ArgumentParser(add_help=False)
    keep.add_argument(
        "--keep",
        type=_positive,
        default=keep_versions_default(),
        help="versions to keep (default: $QPTD_KEEP_VERSIONS, else 5)",
    )

    sub.add_parser(
        "crawl",
        help="crawl the portal: `scrapy crawl qptd` from any folder (same options: -O, -a, -s)",
    )

    p = sub.add_parser("probe", help="try the crawler on a few pages of a site; say what matched")
    p.add_argument(
        "url", nargs="?", default=DEFAULT_BASE_URL, help="the site (default: the portal)"
    )
    p.add_argument("--lists", type=_positive, default=4, help="list pages to read (default 4)")
    p.add_argument("--articles", type=_positive, default=3, help="articles to read (default 3)")
    p.add_argument(
        "--delay",
        type=float,
        default=1.0,
        help="seconds between requests (default 1; robots.txt may ask more)",
    )
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("extract", help="print the article item of one stored HTML page")
    p.add_argument("page", help="path of the stored HTML page")
    p.add_argument("--url", help="the URL the page was fetched from (default: its canonical link)")
    p.add_argument("--crawled-at", help="ISO time to record as crawled_at (default: now, UTC)")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("schema-docs", help="write docs/FIELDS.md from schemas/")
    p.add_argument("-o", "--output", default="docs/FIELDS.md")
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")
    p.set_defaults(func=cmd_schema_docs)

    p = sub.add_parser(
        "merge", parents=[exports, keep], help="merge crawl runs into the dataset (a new version)"
    )
    p.add_argument(
        "runs",
        nargs="*",
        help="Parquet feeds (`qptd crawl -O`) or journals; default: every run waiting in "
        "EXPORTS/runs/",
    )
    p.add_argument("--version", dest="version", help="version id (default: the newest run's id)")
    p.add_argument("--include-failed", action="store_true", help="merge runs that failed too")
    p.add_argument(
        "--allow-mixed-targets",
        action="store_true",
        help="merge runs of another target (e.g. a replica) into this dataset",
    )
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("versions", parents=[exports], help="list the kept dataset versions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser(
        "rollback", parents=[exports, keep], help="make an older kept version current again"
    )
    p.add_argument("version", help="a version id from `qptd versions`")
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("diff", parents=[exports], help="what changed between two versions")
    p.add_argument("old", nargs="?", help="a version id (default: the one before the newest)")
    p.add_argument("new", nargs="?", help="a version id (default: the newest)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "reparse", parents=[exports], help="today's parsers over the archive (WARC), offline"
    )
    p.add_argument("sources", nargs="*", help="WARC files or run ids")
    p.add_argument("--all", action="store_true", help="every WARC file of the exports root")
    p.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        help="worker processes that parse (default: one per core)",
    )
    p.set_defaults(func=cmd_reparse)

    p = sub.add_parser(
        "renormalize",
        parents=[exports],
        help="today's normalizers over the dataset's rows (signatures, dates), offline",
    )
    p.set_defaults(func=cmd_renormalize)

    p = sub.add_parser("export", parents=[exports], help="rebuild the Hugging Face folder (hf/)")
    p.add_argument("--note", help="first paragraph of the dataset card")
    p.add_argument(
        "--check",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the result with datasets.load_dataset before publishing it (default: on)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", parents=[exports], help="print the dataset's numbers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("report", parents=[exports], help="write an HTML report with charts")
    p.add_argument("-o", "--output", help="default: EXPORTS/report.html")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("publish", parents=[exports], help="push hf/ to the Hugging Face Hub")
    p.add_argument("--repo-id", required=True, help="ORG/NAME of the dataset repository")
    p.add_argument("--private", action="store_true")
    p.add_argument(
        "--not-the-portal",
        action="store_true",
        help="publish a dataset of another target than the live portal (a replica...)",
    )
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("retry-failed", help="crawl again the pages listed in failures files")
    p.add_argument("failures", nargs="+", help="failures files (JSON Lines) of earlier crawls")
    p.add_argument(
        "--base-url", help="crawl target (default: the one the failures name); must agree"
    )
    p.add_argument(
        "--exports", help="the exports root (default: the target's, as for `qptd crawl`)"
    )
    p.add_argument("-O", "--output", help="also write the articles to this feed file")
    p.add_argument(
        "-s",
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy setting, as with scrapy crawl -s",
    )
    p.set_defaults(func=cmd_retry_failed)

    _add_plugin_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .crawl.failures import FailuresFileError
    from .dataset.publish import PublishError
    from .dataset.run_files import RunFileError
    from .dataset.versions import DatasetError, DatasetLockedError
    from .fileio import OutputWriteError
    from .runs import RunError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] and argv[0] in HARNESS_COMMANDS and not _plugin_commands():
        print(
            f"qptd: `qptd {argv[0]}` comes with the test harness: from a clone of the "
            "repository, pip install ./harness",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if argv[:1] == ["crawl"]:
        # Scrapy parses the rest (-O, -o, -a, -s, -L...): `qptd crawl` is `scrapy crawl qptd`.
        return run_scrapy_crawl(argv[1:])
    try:
        args = build_parser().parse_args(argv)
        code: int = args.func(args)
    except BrokenPipeError:
        # `qptd extract page.html | head`: the reader left; not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except DatasetLockedError as exc:
        print(f"qptd: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except (
        DatasetError,
        RunError,
        RunFileError,
        FailuresFileError,
        PublishError,
        OutputWriteError,
        ValueError,
    ) as exc:
        print(f"qptd: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"qptd: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
