"""The end-of-crawl report and health checks: did the site's layout change under us?

Every crawl ends with a report in the log and a JSON file (beside the first local feed, or
``QPTD_REPORT_FILE``): requests, responses by status, articles found / exported / rejected /
not modified / skipped, field fill rates, duration, and the health checks with their
thresholds. A failed check makes ``scrapy crawl`` exit with status 3 (see
``qptd_spider.commands.crawl``), so a scheduler notices.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings

from .feeds import beside_feed
from .pipelines import StatsPipeline

FILL_FIELDS = ("title", "published_at", "author", "position", "lead", "body")
HEALTH_FAILED = "qptd/health/failed"


class FillRatePipeline(StatsPipeline):
    """Counts exported items and, per key field, those with a value (for the report)."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self.stats.inc_value("qptd/fill/items")
        for name in FILL_FIELDS:
            if adapter.get(name) not in (None, "", []):
                self.stats.inc_value(f"qptd/fill/{name}")
        return item


@dataclass
class Check:
    name: str
    value: float
    threshold: float
    ok: bool
    detail: str


def report_path_for(setting: str | None, feeds: dict[str, Any]) -> Path | None:
    return beside_feed(setting, feeds, "report.json")


def _baseline(path: Path | None) -> dict[str, Any] | None:
    """The newest earlier healthy report in the same folder: what "normal" looks like."""
    if path is None or not path.parent.is_dir():
        return None
    for candidate in sorted(path.parent.glob("*.report.json"), reverse=True):
        if candidate.resolve() == path.resolve():
            continue
        try:
            report: dict[str, Any] = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if report.get("ok") and report.get("articles", {}).get("exported", 0) > 0:
            return report
    return None


def build_report(
    stats: dict[str, Any], settings: BaseSettings, baseline: dict[str, Any] | None, reason: str
) -> dict[str, Any]:
    """The report dict, checks included; pure over the stats so it can be tested alone."""
    exported = int(stats.get("qptd/fill/items", 0))
    fill = {
        n: (stats.get(f"qptd/fill/{n}", 0) / exported if exported else 0.0) for n in FILL_FIELDS
    }
    with_title_and_date = min(fill["title"], fill["published_at"])
    # Distributed workers also parse articles that another worker scheduled.
    found = max(
        int(stats.get("qptd/articles/scheduled", 0)), int(stats.get("qptd/articles/parsed", 0))
    ) + int(stats.get("qptd/incremental/skipped_known", 0))
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
    fetched = int(stats.get("qptd/articles/parsed", 0)) + int(
        stats.get("qptd/articles/not_article", 0)
    )
    if fetched:
        unparsed = int(stats.get("qptd/articles/not_article", 0)) / fetched
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
        rejected = int(stats.get("qptd/validation/rejected", 0))
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
            "rejected": stats.get("qptd/validation/rejected", 0),
            "not_modified": stats.get("qptd/incremental/not_modified", 0),
            "skipped_known": stats.get("qptd/incremental/skipped_known", 0),
            "soft_404": stats.get("qptd/articles/soft_404", 0),
            "not_article": stats.get("qptd/articles/not_article", 0),
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
        "fill_rates": {k: round(v, 4) for k, v in fill.items()},
        "checks": [asdict(c) for c in checks],
        "ok": all(c.ok for c in checks),
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class CrawlReportExtension:
    """Writes the report at the end of every crawl and flags a failed health check."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.path = report_path_for(
            crawler.settings.get("QPTD_REPORT_FILE"), crawler.settings.getdict("FEEDS")
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        if stats is None:
            return
        report = build_report(
            stats.get_stats(), self.crawler.settings, _baseline(self.path), reason
        )
        failed = [c for c in report["checks"] if not c["ok"]]
        spider.logger.info("crawl report: %s", json.dumps(report, ensure_ascii=False))
        for check in failed:
            spider.logger.error(
                "health check %s failed: %s (threshold %s): %s",
                check["name"],
                check["value"],
                check["threshold"],
                check["detail"],
            )
        if failed:
            stats.set_value(HEALTH_FAILED, len(failed))
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            tmp.replace(self.path)
