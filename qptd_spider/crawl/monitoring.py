"""The end-of-crawl report and health checks: did the site's layout change under us, did the
crawl hit a limit, did it write its output?

``build_report`` is pure over the crawl's stats, so it is tested alone; the run extension
(``qptd_spider.crawl.run``) calls it at the end of every crawl, logs it as a short table and
writes it as JSON (``runs/<run id>/report.json``). A failed check makes ``scrapy crawl``
exit with status 3, so a scheduler notices, and holds the run back from ``qptd merge``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from scrapy.settings import BaseSettings

FILL_FIELDS = ("title", "published_at", "author", "position", "lead", "body")
HEALTH_FAILED = "qptd/health/failed"
# Finish reasons that mean the crawl was cut short by a limit of its own.
LIMIT_REASONS = frozenset({"limit_requests", "memusage_exceeded", "closespider_timeout"})


@dataclass
class Check:
    name: str
    value: float
    threshold: float
    ok: bool
    detail: str


def _int(stats: dict[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def limit_hits(stats: dict[str, Any]) -> dict[str, int]:
    """How often each limit of the crawl was hit (``qptd/limits/<name>``)."""
    return {
        k.removeprefix("qptd/limits/"): int(v)
        for k, v in sorted(stats.items())
        if k.startswith("qptd/limits/") and v
    }


def incremental_summary(stats: dict[str, Any]) -> dict[str, Any]:
    """What the incremental crawl did, in numbers and in plain words."""
    new = _int(stats, "qptd/articles/parsed")
    # Held under the URL met, or (by the CMS's id) under another of the article's URLs.
    known = _int(stats, "qptd/incremental/skipped_known") + _int(
        stats, "qptd/incremental/skipped_known_id"
    )
    journaled = _int(stats, "qptd/incremental/skipped_journaled")
    not_modified = _int(stats, "qptd/incremental/not_modified")
    text = (
        f"{new} articles fetched and parsed, {known + journaled} article URLs already in the "
        f"dataset or a journal waiting for merge (not fetched; `-a full=1` to fetch them)"
    )
    if not_modified:
        text += f", {not_modified} re-checked and unchanged (304)"
    return {
        "fetched": new,
        "already_known": known + journaled,
        "known_in_dataset": known,
        "waiting_in_journal": journaled,
        "not_modified": not_modified,
        "text": text,
    }


def field_rules(stats: dict[str, Any], parsed: int) -> dict[str, dict[str, float]]:
    """Per field, the share of parsed articles each rule filled (``qptd/rules/<field>/<rule>``):
    ``{"body": {"div.content-detail": 1.0}, "published_at": {"header": 0.8, "meta": 0.2}}``."""
    rules: dict[str, dict[str, float]] = {}
    for key, value in sorted(stats.items()):
        if key.startswith("qptd/rules/") and parsed:
            name, _, rule = key.removeprefix("qptd/rules/").partition("/")
            rules.setdefault(name, {})[rule] = round(int(value) / parsed, 4)
    return rules


def build_report(
    stats: dict[str, Any], settings: BaseSettings, baseline: dict[str, Any] | None, reason: str
) -> dict[str, Any]:
    """The report dict, checks included; pure over the stats so it can be tested alone."""
    exported = _int(stats, "qptd/fill/items")
    fill = {n: (_int(stats, f"qptd/fill/{n}") / exported if exported else 0.0) for n in FILL_FIELDS}
    with_title_and_date = min(fill["title"], fill["published_at"])
    # Distributed workers also parse articles that another worker scheduled.
    found = max(
        max(_int(stats, "qptd/articles/scheduled"), _int(stats, "qptd/articles/parsed"))
        + _int(stats, "qptd/incremental/skipped_known")
        + _int(stats, "qptd/incremental/skipped_journaled"),
        # A worker of a distributed crawl: what all workers found together.
        _int(stats, "qptd/distributed/articles_known"),
    )
    checks: list[Check] = []
    minimum = settings.getint("QPTD_HEALTH_MIN_ARTICLES_FOUND", 1)
    checks.append(
        Check(
            "articles_found",
            found,
            minimum,
            found >= minimum,
            "articles linked from the menu, lists and related panels (new or known)",
        )
    )
    fetched = _int(stats, "qptd/articles/parsed") + _int(stats, "qptd/articles/not_article")
    if fetched:
        unparsed = _int(stats, "qptd/articles/not_article") / fetched
        limit = settings.getfloat("QPTD_HEALTH_MAX_UNPARSED_RATE", 0.2)
        checks.append(
            Check(
                "unparsed_rate",
                round(unparsed, 4),
                limit,
                unparsed <= limit,
                "share of fetched article pages with no article on them (layout change?)",
            )
        )
    sample = settings.getint("QPTD_HEALTH_MIN_SAMPLE", 20)
    if exported >= sample:
        rate = settings.getfloat("QPTD_HEALTH_MIN_TITLE_DATE_RATE", 0.9)
        checks.append(
            Check(
                "title_and_date_rate",
                round(with_title_and_date, 4),
                rate,
                with_title_and_date >= rate,
                "share of exported articles with a title and date",
            )
        )
        rejected = _int(stats, "qptd/validation/rejected")
        reject_rate = rejected / (exported + rejected)
        limit = settings.getfloat("QPTD_HEALTH_MAX_REJECT_RATE", 0.05)
        checks.append(
            Check(
                "reject_rate",
                round(reject_rate, 4),
                limit,
                reject_rate <= limit,
                "share of items that failed the schema",
            )
        )
        if baseline is None:
            # A first crawl has nothing to compare with: a site it cannot read at all (no
            # body or no author on any article) is a layout it does not know.
            for name in ("body", "author"):
                checks.append(
                    Check(
                        f"first_crawl_{name}",
                        round(fill[name], 4),
                        0.0,
                        fill[name] > 0,
                        f"share of exported articles with a {name} (first crawl: no earlier "
                        "healthy run to compare with; none at all means an unknown layout)",
                    )
                )
        if baseline is not None:
            before = float(baseline.get("fill_rates", {}).get("author", 0.0))
            drop = before - fill["author"]
            limit = settings.getfloat("QPTD_HEALTH_MAX_AUTHOR_RATE_DROP", 0.3)
            checks.append(
                Check(
                    "author_rate_drop",
                    round(drop, 4),
                    limit,
                    drop <= limit,
                    f"author fill rate fell from {before:.1%} (last healthy run) "
                    f"to {fill['author']:.1%}",
                )
            )
    limits = limit_hits(stats)
    hit = sum(limits.values()) + (1 if reason in LIMIT_REASONS else 0)
    checks.append(
        Check(
            "limits",
            hit,
            0,
            hit == 0,
            "times a limit of the crawl was reached: "
            + (", ".join(f"{k} {v}" for k, v in limits.items()) or "none")
            + (f"; finished by {reason}" if reason in LIMIT_REASONS else ""),
        )
    )
    output_error = stats.get("qptd/output/failed")
    checks.append(
        Check(
            "output_written",
            0 if output_error else 1,
            1,
            not output_error,
            f"could not write the crawl's output: {output_error}"
            if output_error
            else "journal, feed and run files written",
        )
    )
    statuses = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    return {
        "finish_reason": reason,
        "started": _iso(stats.get("start_time")),
        "finished": _iso(stats.get("finish_time")),
        "duration_seconds": stats.get("elapsed_time_seconds"),
        "requests": stats.get("downloader/request_count", 0),
        "responses_by_status": dict(sorted(statuses.items())),
        "articles": {
            "found": found,
            "exported": exported,
            "rejected": _int(stats, "qptd/validation/rejected"),
            "not_modified": _int(stats, "qptd/incremental/not_modified"),
            "skipped_known": _int(stats, "qptd/incremental/skipped_known"),
            "skipped_journaled": _int(stats, "qptd/incremental/skipped_journaled"),
            "soft_404": _int(stats, "qptd/articles/soft_404"),
            "not_article": _int(stats, "qptd/articles/not_article"),
            "not_news": _int(stats, "qptd/articles/not_news"),
            # Reached only through related links (QPTD_MAX_RELATED_NEW bounds them), and
            # related links not followed past QPTD_MAX_RELATED_DEPTH (no list showed them).
            "beyond_lists": _int(stats, "qptd/articles/beyond_lists"),
            "related_too_deep": _int(stats, "qptd/related/too_deep"),
        },
        "failures_by_kind": {
            k.removeprefix("qptd/failures/"): v
            for k, v in sorted(stats.items())
            if k.startswith("qptd/failures/") and k != "qptd/failures/total"
        },
        "retries_by_kind": {
            k.removeprefix("qptd/retries/"): v
            for k, v in sorted(stats.items())
            if k.startswith("qptd/retries/")
        },
        "limits": limits,
        "politeness": {
            "crawl_delay": stats.get("qptd/robots/crawl_delay"),
            "crawl_delay_asked": stats.get("qptd/robots/crawl_delay_asked"),
        },
        "archive": {
            "bytes": _int(stats, "qptd/warc/bytes"),
            "records": _int(stats, "qptd/warc/records"),
            "bytes_per_article": round(_int(stats, "qptd/warc/bytes") / exported)
            if exported
            else None,
        },
        "fill_rates": {k: round(v, 4) for k, v in fill.items()},
        "rules": field_rules(stats, _int(stats, "qptd/articles/parsed")),
        "furniture": {
            k.removeprefix("qptd/furniture/"): v
            for k, v in sorted(stats.items())
            if k.startswith("qptd/furniture/")
        },
        "dates_displayed_machine_apart": _int(stats, "qptd/dates/displayed_machine_apart"),
        "checks": [asdict(c) for c in checks],
        "ok": all(c.ok for c in checks),
    }


def format_report(report: dict[str, Any]) -> str:
    """The report as a short table for the log (the JSON file has everything)."""
    articles = report["articles"]
    failures = report.get("failures_by_kind", {})
    lines = [
        f"  finished:  {report['finish_reason']} after {report.get('duration_seconds') or 0:.0f} s,"
        f" {report['requests']} requests",
        f"  articles:  {articles['exported']} exported, {articles['found']} found, "
        f"{articles['skipped_known'] + articles.get('skipped_journaled', 0)} already known, "
        f"{articles['not_modified']} not modified, {articles['rejected']} rejected",
        "  failures:  "
        + (", ".join(f"{k} {v}" for k, v in failures.items()) if failures else "none"),
        "  fill:      " + ", ".join(f"{k} {v:.0%}" for k, v in report["fill_rates"].items()),
    ]
    if report.get("archive", {}).get("records"):
        archive = report["archive"]
        lines.append(
            f"  archive:   {archive['bytes']:,} bytes in {archive['records']} WARC records"
            + (
                f", {archive['bytes_per_article']:,} bytes per article"
                if archive.get("bytes_per_article")
                else ""
            )
        )
    for name, by_rule in report.get("rules", {}).items():
        lines.append(
            f"  {name + ':':<13}"
            + ", ".join(f"{rule} {share:.0%}" for rule, share in by_rule.items())
        )
    if report.get("dates_displayed_machine_apart"):
        lines.append(
            f"  dates:     {report['dates_displayed_machine_apart']} articles whose displayed "
            "and machine dates are more than an hour apart (published_at is the displayed one)"
        )
    lines.append(
        "  checks:    "
        + ", ".join(f"{c['name']} {'ok' if c['ok'] else 'FAILED'}" for c in report["checks"])
    )
    return "\n".join(lines)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
