"""Scrapy settings for newswatch. Sites come from the registry, not from spider modules."""

from scrapy.settings import default_settings

from crawler.config import default_config_path, default_db_path

BOT_NAME = "newswatch"
SPIDER_MODULES: list[str] = []
SPIDER_LOADER_CLASS = "crawler.loader.SiteSpiderLoader"

NEWSWATCH_CONFIG = str(default_config_path())
NEWSWATCH_DB = str(default_db_path())
NEWSWATCH_PROGRESS = False

USER_AGENT = "newswatch/0.1 (news change monitor; +https://github.com/newswatch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
# Scrapy 2.19 starts this many asyncio tasks per response to process its output; a response
# yields one article at most (the workers record it), so more buys nothing and cost a third of the calls.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Re-checked articles send their validators; a 304 must reach the spider, not be dropped.
HTTPERROR_ALLOWED_CODES = [304, 404, 410]

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl SITE -O items.jsonl` writes whole article items (the article's fields and how
# the page was fetched), but not the raw page bytes: those stay in the store.
FEED_EXPORT_FIELDS = [
    "site", "article", "fetched_url", "content_type", "etag", "last_modified", "key", "aliases", "extractor",
    "hints", "fetched_on", "link_texts",
]  # fmt: skip
LOG_LEVEL = "INFO"

# Every crawl run (lock, run row, outcomes) is owned by one extension; robots.txt is read
# before any page of a host, re-checks included.
EXTENSIONS = {"crawler.crawlrun.CrawlRun": 0}
# Scrapy imports every component of its lists to read them, even one that is switched off: the
# remote control (off unless enabled; aiohttp with it) and the cookies middleware (cookies are
# off above; tldextract and requests with it) cost every crawl a fifth of a second to start.
EXTENSIONS_BASE = {k: v for k, v in default_settings.EXTENSIONS_BASE.items() if not k.endswith(".RemoteControl")}
DOWNLOADER_MIDDLEWARES_BASE = {
    k: v for k, v in default_settings.DOWNLOADER_MIDDLEWARES_BASE.items() if not k.endswith(".CookiesMiddleware")
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.refresh.BodyMetaRefreshMiddleware": default_settings.DOWNLOADER_MIDDLEWARES_BASE[
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"
    ],
}
# Scrapy's count of request and response bytes renders every request as raw HTTP to measure
# it; newswatch counts its pages itself (crawler.runstatus). With meta refresh skipped on
# answers without a body (above), a 5,000-article re-crawl took 9% less time.
DOWNLOADER_STATS = False
# Request depth is neither limited nor read here (a site's max_pages bounds a crawl), and
# tagging every followed request with it cost a re-crawl a few percent of its time.
SPIDER_MIDDLEWARES_BASE = {
    k: v for k, v in default_settings.SPIDER_MIDDLEWARES_BASE.items() if not k.endswith(".DepthMiddleware")
}
# A response bigger than this (after decompression) fails its page; sites set max_download_mb.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
# Worker processes that extract articles off the reactor thread: None = one per core,
# 0 = extract in the crawl's own process.
NEWSWATCH_EXTRACT_WORKERS = None
