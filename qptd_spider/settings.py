"""Scrapy settings for qptd. Defaults are polite to the live portal; replica runs raise
concurrency from the command line (the test harness's ``REPLICA_CRAWL_SETTINGS``)."""

import qptd_spider
from qptd_spider import __version__

BOT_NAME = "qptd"
SPIDER_MODULES = ["qptd_spider.spiders"]
NEWSPIDER_MODULE = "qptd_spider.spiders"
COMMANDS_MODULE = "qptd_spider.commands"

# Who we are and how to reach us: the portal's operators should be able to ask us to stop.
QPTD_CONTACT_URL = qptd_spider.PROJECT_URL
USER_AGENT = f"qptd/{__version__} (research crawler; +{QPTD_CONTACT_URL})"

# -- where things go ------------------------------------------------------------------------
# The exports root (dataset, runs, crawl state, archive); empty: `exports` in the project
# root (the folder with scrapy.cfg), and `exports/<target>` for a target other than the
# live portal. See qptd_spider/layout.py.
QPTD_EXPORTS = ""
# The crawl target (set from `-a base_url=...` by the spider) and the canonical scheme and
# host of exported URLs, whatever host was crawled.
QPTD_BASE_URL = ""
QPTD_CANONICAL_BASE = "https://quocphongthudo.vn"
# A run's files live in runs/<run id>/; these settings put one elsewhere (empty: there).
QPTD_RUN_ID = ""  # empty: the start time, e.g. 20261125T181500123456Z
QPTD_STATE_FILE = ""  # empty: crawl-state.sqlite in the exports root
QPTD_JOURNAL_DIR = ""  # a folder: the journal is then <folder>/<run id>.jsonl
QPTD_FAILURES_FILE = ""
QPTD_REJECTS_FILE = ""
QPTD_REPORT_FILE = ""
QPTD_STATS_FILE = ""
# The archive: every response as WARC records in <exports>/warc/<run id>-NNNNN.warc.gz.
QPTD_WARC = True
QPTD_WARC_MAX_BYTES = 1024**3  # a file rolls over past this size
# QPTD_DRY_RUN: set by `scrapy parse`, `check` and `shell`: nothing is written or
# remembered (not set here, so that those commands can set it).

# -- politeness for the live site ------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False

# -- faults and limits ------------------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 4  # retries after the first attempt: 5 attempts in all
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait: Retry-After when the server gives it (at most QPTD_RETRY_BACKOFF_MAX), else
# exponential backoff with jitter; one page gets at most QPTD_URL_TIME_BUDGET seconds.
QPTD_RETRY_BACKOFF_BASE = 1.0
QPTD_RETRY_BACKOFF_MAX = 60.0
QPTD_URL_TIME_BUDGET = 300.0
# A robots.txt Crawl-delay above this (seconds) is capped to it, with a warning (0: no cap).
QPTD_MAX_CRAWL_DELAY = 60.0
DOWNLOAD_TIMEOUT = 60
# Article pages are small; anything this large is not an article page.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# A hostile or broken site must not keep a crawl going for ever or fill the memory: each
# limit hit is logged, counted in the report and fails the health check.
QPTD_MAX_LIST_PAGES = 5000  # list pages per category
QPTD_MAX_LINKS_PER_PAGE = 200  # links of one kind taken from one page
QPTD_MAX_REQUESTS = 2_000_000  # requests per crawl (0: no limit)
# Related links: followed at most this many links away from a list page, and to at most
# this many new articles per crawl that no list page shows (0: no limit). A site that makes
# up related articles without end is then bounded; what was not followed is counted.
# 20: when the portal ignores ?page=N, related links are how the crawl reaches everything.
QPTD_MAX_RELATED_DEPTH = 20
QPTD_MAX_RELATED_NEW = 10_000
MEMUSAGE_ENABLED = True
MEMUSAGE_WARNING_MB = 1024
MEMUSAGE_LIMIT_MB = 2048
# A page that failed is fetched first by the next crawls, until it failed in this many.
QPTD_FAILURE_RETRY_RUNS = 3

# -- performance ------------------------------------------------------------------------------
# Scrapy starts this many asyncio workers for the output of every callback; a page of this
# portal yields at most one item and a few dozen requests, and the default (100) costs
# ~100 tasks per response.
CONCURRENT_ITEMS = 8
# Scrapy re-reads a callback's source (inspect + ast) to warn about `return value` in a
# generator, often once per response because its cache is keyed by bound method; a test
# runs the same check on every callback of the spider instead (tests/test_spider.py).
WARN_ON_GENERATOR_RETURN_VALUE = False

# -- consoles: off (enable them only on a machine you trust) -------------------------------
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 runs an HTTP endpoint that executes Python code sent to it, and leaves its
# token files behind after a kill. `-s REMOTE_CONTROL_ENABLED=True` turns it on.
REMOTE_CONTROL_ENABLED = False

# -- components -------------------------------------------------------------------------------
SCHEDULER = "qptd_spider.crawl.scheduler.ResumeSafeScheduler"
DOWNLOADER_MIDDLEWARES = {
    "qptd_spider.crawl.contracts.StoredPageMiddleware": 40,
    "qptd_spider.crawl.middlewares.PortalOnlyMiddleware": 50,
    "qptd_spider.crawl.middlewares.RequestLimitMiddleware": 60,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "qptd_spider.crawl.middlewares.BackoffRetryMiddleware": 550,
    # Next to the downloader: every response as it came, before retries and redirects.
    "qptd_spider.crawl.archive.WarcMiddleware": 950,
}
SPIDER_MIDDLEWARES = {
    "qptd_spider.crawl.spidermiddlewares.ParseErrorMiddleware": 50,
    "qptd_spider.crawl.spidermiddlewares.ProvenanceMiddleware": 60,
}
SPIDER_CONTRACTS = {"qptd_spider.crawl.contracts.StoredPageContract": 10}
ITEM_PIPELINES = {
    "qptd_spider.crawl.pipelines.TextNormalizationPipeline": 100,
    "qptd_spider.crawl.pipelines.DateNormalizationPipeline": 200,
    "qptd_spider.crawl.pipelines.PublishedDatePipeline": 250,
    "qptd_spider.crawl.pipelines.SignaturePipeline": 300,
    "qptd_spider.crawl.pipelines.ContentHashPipeline": 800,
    "qptd_spider.crawl.pipelines.ValidationPipeline": 900,
    "qptd_spider.crawl.pipelines.JournalPipeline": 920,
    "qptd_spider.crawl.pipelines.SameArticlePipeline": 940,
    "qptd_spider.crawl.pipelines.FillRatePipeline": 950,
}
EXTENSIONS = {
    # Feeds that cannot be written stop the crawl (Scrapy's own only logs it).
    "scrapy.extensions.feedexport.FeedExporter": None,
    "qptd_spider.crawl.feeds.SafeFeedExporter": 0,
    "qptd_spider.crawl.run.RunExtension": 500,
    "qptd_spider.crawl.politeness.PolitenessExtension": 510,
    "qptd_spider.crawl.progress.ProgressExtension": 520,
}
# A progress line (articles found, exported, skipped, failed, pages/min, time left).
QPTD_PROGRESS_INTERVAL = 30.0
# Distributed crawls: set QPTD_REDIS_URL (e.g. redis://host:6379/0) on every worker
# (needs `pip install 'qptd[distributed]'`).
ADDONS = {"qptd_spider.crawl.distributed.RedisAddon": 0}
QPTD_REDIS_URL = ""
QPTD_REDIS_CRAWL_ID = "default"
QPTD_REDIS_IDLE_SECONDS = 15

# `scrapy crawl qptd -O out.parquet` picks the Parquet exporter.
FEED_EXPORTERS = {
    "parquet": "qptd_spider.exporters.ParquetItemExporter",
    "csv": "qptd_spider.exporters.JsonFieldsCsvItemExporter",
}
FEED_EXPORT_ENCODING = "utf-8"

# -- incremental crawls and health checks ---------------------------------------------------
# Articles younger than this are re-checked (conditional requests) even when merged.
QPTD_RECHECK_DAYS = 7
# A failed check makes `scrapy crawl` exit with status 3 and holds the run back from merge.
QPTD_HEALTH_MIN_ARTICLES_FOUND = 1
QPTD_HEALTH_MIN_SAMPLE = 20  # rates are judged only on at least this many exported articles
QPTD_HEALTH_MIN_TITLE_DATE_RATE = 0.9
QPTD_HEALTH_MAX_REJECT_RATE = 0.05
QPTD_HEALTH_MAX_UNPARSED_RATE = 0.2
QPTD_HEALTH_MAX_AUTHOR_RATE_DROP = 0.3

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
