"""Scrapy settings for qptd. Defaults are polite to the live portal; replica runs raise
concurrency from the command line (see ``qptd_spider.replica.REPLICA_CRAWL_SETTINGS``)."""

from qptd_spider import __version__

BOT_NAME = "qptd"
SPIDER_MODULES = ["qptd_spider.spiders"]
NEWSPIDER_MODULE = "qptd_spider.spiders"

# Who we are and how to reach us: the portal's operators should be able to ask us to stop.
QPTD_CONTACT_URL = "https://github.com/qptd-dataset/qptd"
USER_AGENT = f"qptd/{__version__} (research crawler; +{QPTD_CONTACT_URL})"

# Politeness for the live site.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait: Retry-After when the server gives it, else exponential backoff with jitter.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "qptd_spider.middlewares.BackoffRetryMiddleware": 550,
    "qptd_spider.middlewares.PortalOnlyMiddleware": 50,
}
QPTD_RETRY_BACKOFF_BASE = 1.0
QPTD_RETRY_BACKOFF_MAX = 60.0
# Pages that could not be crawled (JSON Lines); empty: beside the first local feed.
QPTD_FAILURES_FILE = ""
DOWNLOAD_TIMEOUT = 60
# Article pages are small; anything this large is not an article page.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# Scrapy starts this many asyncio workers for the output of every callback; a page of this
# portal yields at most one item and a few dozen requests, and the default (100) costs
# ~100 tasks per response.
CONCURRENT_ITEMS = 8
# Scrapy re-reads a callback's source (inspect + ast) to warn about `return value` in a
# generator, often once per response because its cache is keyed by bound method; a test
# runs the same check on every callback of the spider instead (tests/test_spider.py).
WARN_ON_GENERATOR_RETURN_VALUE = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# Where exported articles go: `scrapy crawl qptd -O out.parquet` picks the Parquet exporter.
FEED_EXPORTERS = {"parquet": "qptd_spider.exporters.ParquetItemExporter"}
FEED_EXPORT_ENCODING = "utf-8"

# Canonical scheme and host of exported URLs, whatever host was crawled.
QPTD_CANONICAL_BASE = "https://quocphongthudo.vn"
# Rejected items (JSON Lines); empty: beside the first local feed, else exports/.
QPTD_REJECTS_FILE = ""
# Incremental crawls: state of what was fetched and merged (empty: every crawl is full).
QPTD_STATE_FILE = "exports/crawl-state.sqlite"
# Articles younger than this are re-checked (conditional requests) even when merged.
QPTD_RECHECK_DAYS = 7
# Every valid item is also appended to <journal dir>/<run id>.jsonl (survives a hard kill);
# `qptd merge` without arguments merges the journals waiting there. Empty: no journal.
QPTD_JOURNAL_DIR = "exports/journal"
QPTD_RUN_ID = ""  # empty: the start time, e.g. 20261125T181500123456Z
# Crawl stats as JSON at the end of the crawl; empty: not written.
QPTD_STATS_FILE = ""

ITEM_PIPELINES = {
    "qptd_spider.pipelines.TextNormalizationPipeline": 100,
    "qptd_spider.pipelines.DateNormalizationPipeline": 200,
    "qptd_spider.pipelines.SignaturePipeline": 300,
    "qptd_spider.pipelines.ContentHashPipeline": 800,
    "qptd_spider.pipelines.ValidationPipeline": 900,
    "qptd_spider.pipelines.JournalPipeline": 920,
    "qptd_spider.monitoring.FillRatePipeline": 950,
}
EXTENSIONS = {
    "qptd_spider.extensions.StatsFileExtension": 500,
    "qptd_spider.monitoring.CrawlReportExtension": 510,
    "qptd_spider.distributed.RedisIdleExtension": 520,
}
# Distributed crawls: set QPTD_REDIS_URL (e.g. redis://host:6379/0) on every worker.
ADDONS = {"qptd_spider.distributed.RedisAddon": 0}
QPTD_REDIS_URL = ""
QPTD_REDIS_CRAWL_ID = "default"
QPTD_REDIS_IDLE_SECONDS = 15
COMMANDS_MODULE = "qptd_spider.commands"

# Health checks of the crawl report; a failed one makes `scrapy crawl` exit with status 3.
QPTD_REPORT_FILE = ""  # empty: beside the first local feed, as <name>.report.json
QPTD_HEALTH_MIN_ARTICLES_FOUND = 1
QPTD_HEALTH_MIN_SAMPLE = 20  # rates are judged only on at least this many exported articles
QPTD_HEALTH_MIN_TITLE_DATE_RATE = 0.9
QPTD_HEALTH_MAX_REJECT_RATE = 0.05
QPTD_HEALTH_MAX_UNPARSED_RATE = 0.2
QPTD_HEALTH_MAX_AUTHOR_RATE_DROP = 0.3

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
