"""The generic site spider: follow listings, hand whole article pages to the extraction core."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlparse

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.link import Link
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from twisted.python.failure import Failure

from common.urls import clean_url, url_key
from crawler.config import CrawlConfig, Site
from crawler.crawlrun import CrawlRun, settle
from crawler.evidence import SiteEvidence
from crawler.extract import extract_keyed, page_title
from crawler.extract import version as extract_version
from crawler.extract.profile import read_sample
from crawler.files import file_item, file_requests
from crawler.integrity import is_unclosed, text_damage, transfer_damage
from crawler.items import ArticleItem, FileItem
from crawler.outcomes import PageOutcome, Verb
from crawler.recheck import RecheckPolicy
from crawler.siteview import SiteView
from crawler.spiders.reasons import conditional_headers, failure_reason, header
from crawler.workers import reset_pool, shared_pool
from store.listings import Listing
from store.record import now_iso

_MiB = 1024 * 1024
# A listing page is read whole at least this often, whatever its validators say.
LISTING_READ_WHOLE_EVERY = timedelta(hours=24)


# Links to files a listing never leads to as a page: Scrapy's default list (images, documents, archives …).
_FILE_SUFFIXES = tuple(f".{extension}" for extension in IGNORED_EXTENSIONS)


class ListingLinks:
    """Scrapy's link extractor with its default extensions skipped, in one check per link:
    its own filter tries the 90 extensions one by one in Python, a third of its time on a
    listing of 120 links. Same links, same order (tests/test_check.py)."""

    def __init__(self) -> None:
        self._extractor = LinkExtractor(allow=(), deny_extensions=[], unique=True)

    def extract_links(self, response: TextResponse) -> list[Link]:
        """The page's links to pages, once each, in page order."""
        links = self._extractor.extract_links(response)
        return [link for link in links if not urlparse(link.url).path.lower().endswith(_FILE_SUFFIXES)]


# Links whose kind a crawl remembers (about 300 bytes each); past this they are worked out each time.
MAX_LINK_KINDS = 100_000


@dataclasses.dataclass(frozen=True, slots=True)
class LinkKind:
    """Where a listing's link leads: its clean URL, on the site or not, an article (by key) or a listing page."""

    url: str
    owned: bool
    key: str | None = None  # the article's key, when the link is to one of the site's articles
    listing: bool = False  # a listing or pagination page of the site worth following


def link_kind(site: Site, link: str, tracking: tuple[str, ...]) -> LinkKind:
    """Classify a link by the registry entry: off the site, an article, a listing page, or none of these."""
    url = clean_url(link, tracking)
    if not site.owns(url):
        return LinkKind(url, owned=False)
    if site.is_article(url):
        return LinkKind(url, owned=True, key=url_key(url, tracking))
    return LinkKind(url, owned=True, listing=site.is_listing(url))


def link_extractor() -> ListingLinks:
    """How a listing page's links are read (`newswatch check` reads them the same way)."""
    return ListingLinks()


class SiteSpider(scrapy.Spider):
    """Crawl one site's listing pages and read every article page they link to."""

    name = "site"
    site: ClassVar[Site]
    policy: ClassVar[RecheckPolicy] = RecheckPolicy()
    crawl: ClassVar[CrawlConfig] = CrawlConfig()

    @classmethod
    def for_site(
        cls, site: Site, policy: RecheckPolicy | None = None, crawl: CrawlConfig | None = None
    ) -> type[SiteSpider]:
        """A subclass bound to one registry entry, named after it, with the entry's limits."""
        attrs = {
            "name": site.name,
            "site": site,
            "policy": policy or RecheckPolicy(),
            "crawl": crawl or CrawlConfig(),
            "allowed_domains": list(site.allowed_domains),
            "custom_settings": {
                "DOWNLOAD_DELAY": site.download_delay,
                "CLOSESPIDER_PAGECOUNT": site.max_pages,
                "CLOSESPIDER_TIMEOUT": site.timeout_minutes * 60,
                "DOWNLOAD_TIMEOUT": site.download_timeout,
                "RETRY_TIMES": site.retries,
                "DOWNLOAD_MAXSIZE": int(site.max_download_mb * _MiB),
                "DOWNLOAD_WARNSIZE": int(site.max_download_mb * _MiB / 2),
            },
        }
        return type(f"SiteSpider_{site.name.replace('-', '_')}", (cls,), attrs)

    def __init__(self, *args: Any, recheck: str = "due", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links = link_extractor()
        self.recheck = recheck  # "due" (the policy decides) or "all" (`-a recheck=all`)
        self.known: set[str] = set()  # URL keys of the site's stored articles and their aliases
        self.requested: set[str] = set()  # article and file keys requested in this crawl
        self.listings = 0  # listing pages requested and not answered yet
        self.listing_urls: set[str] = set()  # each listing page is requested once
        self.remembered: dict[str, Listing] = {}  # listing pages as last read whole, by URL
        self.with_files: set[str] = set()  # keys of known articles with attachments, when the crawl began
        self.evidence = SiteEvidence(None)
        self._link_kinds: dict[str, LinkKind] = {}  # what each link read so far leads to

    @property
    def run(self) -> CrawlRun:
        """The crawl run this spider reports outcomes to."""
        return CrawlRun.of(self.crawler)

    @property
    def tracking(self) -> tuple[str, ...]:
        """Query parameters that never name a page."""
        return self.crawl.tracking_params

    async def start(self) -> AsyncIterator[Any]:
        """Re-check the known articles that are due, then start from the listing pages."""
        view = self.run.view()
        self.evidence = SiteEvidence.from_view(view)  # the run re-learns it when it closes
        self.remembered = view.listings() if view is not None else {}
        for request in self._rechecks():
            yield request
        for url in self.site.start_urls:
            if self.site.is_article(url):
                yield self._article_request(clean_url(url, self.tracking), recheck=False, dont_filter=True)
            else:  # always read whole: a new article shows first on a start page, whatever its validators say
                yield self._listing_request(url, dont_filter=True, conditional=False)

    def _rechecks(self) -> list[scrapy.Request]:
        """Conditional requests for the known articles the re-check policy says are due."""
        view = self.run.view()
        if view is None:
            self.logger.warning("no open store: known articles are not re-checked")
            return []
        self.known = view.known_keys()
        self.with_files = view.with_attachments()
        now = datetime.now(UTC)
        requests = []
        for row in view.known_articles():
            for text in row["link_texts"]:
                self.evidence.add_link(row["key"], text)
            due = self.recheck == "all" or self.policy.is_due(
                datetime.fromisoformat(row["first_seen"]), datetime.fromisoformat(row["last_checked"]), now
            )
            if due:
                request = self._article_request(row["url"], recheck=True, key=row["key"])
                request.headers.update(conditional_headers(row["etag"], row["last_modified"]))
                requests.append(request)
        self.crawler.stats.set_value("newswatch/rechecks", len(requests))
        return requests

    def _article_request(
        self, url: str, recheck: bool, key: str | None = None, dont_filter: bool = False
    ) -> scrapy.Request:
        key = key or url_key(url, self.tracking)
        self.requested.add(key)
        meta = {"article_key": key, "article_url": url, "recheck": recheck}
        return scrapy.Request(
            url, callback=self.parse_article, errback=self.on_error, meta=meta, dont_filter=dont_filter
        )

    def _listing_request(self, url: str, dont_filter: bool = False, conditional: bool = True) -> scrapy.Request:
        clean = clean_url(url, self.tracking)
        self.listing_urls.add(clean)
        self.listings += 1
        meta = {"listing": clean}
        request = scrapy.Request(
            url, callback=self.parse_listing, errback=self.on_error, meta=meta, dont_filter=dont_filter
        )
        remembered = self.remembered.get(clean)
        if conditional and remembered is not None and self._trusted(remembered):
            validators = conditional_headers(remembered.etag, remembered.last_modified)
            if validators:  # (a page that gave none is read whole each time)
                request.headers.update(validators)
                request.meta["conditional"] = True
        return request

    def _trusted(self, remembered: Listing) -> bool:
        """Whether to ask for a listing page with its validators: not under --recheck-all, and
        only while what was remembered of it is younger than LISTING_READ_WHOLE_EVERY, so a
        server whose validators lie (a stale Last-Modified) hides a new link a day at most."""
        if self.recheck == "all" or remembered.read_at is None:
            return False
        return datetime.now(UTC) - datetime.fromisoformat(remembered.read_at) < LISTING_READ_WHOLE_EVERY

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Queue the article and listing pages a listing links to (each article once, by its key);
        on a 304, the links it held when last read whole."""
        self.listings -= 1
        clean = response.meta.get("listing") or ""
        # The page itself answered, not one it redirected to (which got its validators too).
        itself = not response.meta.get("redirect_urls") and clean_url(response.url, self.tracking) == clean
        remembered = self.remembered.get(clean)
        if response.status == 304 and remembered is not None and itself and response.meta.get("conditional"):
            self.evidence.add_listing_title(remembered.title)
            yield from self._follow(remembered.links)
            return
        if response.status == 304 and response.meta.get("conditional"):
            # A page it now redirects to, asked with the validators Scrapy carried over: read it whole.
            self.listing_urls.discard(clean_url(response.url, self.tracking))
            yield self._listing_request(response.url, dont_filter=True, conditional=False)
            return
        if response.status >= 300 or not isinstance(response, TextResponse):
            self._fail(response.url, None, response.status, f"listing page answered HTTP {response.status}")
            return
        title = page_title(response.body, response.url, header(response, "Content-Type"))
        self.evidence.add_listing_title(title)
        # Every link as the extractor read it: a 304 later replays them through the registry
        # as it is then (patterns, domains and tracking parameters may have changed meanwhile).
        links = [(link.url, link.text) for link in self._links.extract_links(response)]
        # Only a page read whole is remembered: a cut one would hide the links after the cut
        # at every 304 to come (its links are still followed now, as before); nor one that
        # links to no other page of the site (an error page sent as a 200).
        if itself and not transfer_damage(response.body, response.flags, True) and self._leads_on(links, clean):
            etag, modified = header(response, "ETag"), header(response, "Last-Modified")
            self.run.listing_read(Listing(clean, etag, modified, title, tuple(links), read_at=now_iso()))
        yield from self._follow(links)

    def _leads_on(self, links: list[tuple[str, str]], page: str) -> bool:
        """True when some link is to another page of the site (whatever the registry's patterns
        say now: they may say more at the next crawl, which replays the links through them)."""
        return any(kind.owned and kind.url != page for kind in (self._kind(link) for link, _ in links))

    def _follow(self, links: Iterable[tuple[str, str]]) -> Iterator[scrapy.Request]:
        for link, text in links:
            kind = self._kind(link)
            if kind.key is not None:
                self.evidence.add_link(kind.key, text)
                if kind.key not in self.known and kind.key not in self.requested:  # known ones have their schedule
                    yield self._article_request(kind.url, recheck=False, key=kind.key)
            elif kind.listing and kind.url not in self.listing_urls:
                yield self._listing_request(kind.url)

    def _kind(self, link: str) -> LinkKind:
        """What a link leads to under the registry, worked out once per crawl: a site's listing
        pages repeat their menus and article links (30,000 links, 5,000 distinct, on a site of
        5,000 articles), and a re-crawl replays every remembered one."""
        kind = self._link_kinds.get(link)
        if kind is None:
            kind = link_kind(self.site, link, self.tracking)
            if len(self._link_kinds) < MAX_LINK_KINDS:
                self._link_kinds[link] = kind
        return kind

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        """Read a whole article page into an item, then its attachments; other answers are settled."""
        meta = response.meta
        key, url = meta["article_key"], meta["article_url"]
        if response.status == 304:
            settle(self.crawler, PageOutcome(Verb.NOT_MODIFIED, url, key, status=304))
            for request in self._known_files(key):  # a document can be replaced behind an unchanged page
                yield request
            return
        if response.status in (404, 410) and meta.get("recheck"):
            settle(self.crawler, PageOutcome(Verb.MISSING, url, key, status=response.status))
            return
        if response.status >= 400:
            self._fail(url, key, response.status, f"HTTP {response.status}")
            return
        item = await self._read(response, key, url)
        if item is None:
            return
        yield item
        for request in self._files(key, item):
            yield request

    async def _read(self, response: Response, key: str, url: str) -> ArticleItem | None:
        content_type = header(response, "Content-Type")
        is_html = "text/plain" not in (content_type or "").lower()
        damage = transfer_damage(response.body, response.flags, is_html)
        today = date.today()
        workers = self.settings.get("NEWSWATCH_EXTRACT_WORKERS")
        pool = shared_pool(None if workers in (None, "") else int(workers))
        try:
            hints = await self.evidence.hints(
                key,
                response.body,
                response.url,
                content_type,
                self._nothing_else_coming,
                read=lambda page, kind, rank: pool.run(read_sample, page, kind, rank),
            )
            article, hints_key = await pool.run(extract_keyed, response.body, response.url, content_type, today, hints)
        except Exception as exc:  # a bug the page found, or a worker that died: this page fails, with why
            if isinstance(exc, BrokenProcessPool):
                reset_pool(pool)  # the next page gets fresh workers
            self.logger.debug("extraction of %s failed", url, exc_info=True)  # the traceback, for --log-level debug
            self._fail(url, key, response.status, f"extraction failed: {type(exc).__name__}: {exc}")
            return None
        damage = damage or text_damage(article) or self._cut_short(key, response.body, is_html)
        if damage:
            self._fail(url, key, response.status, damage)
            return None
        if article.is_empty:
            self._fail(url, key, response.status, "no article text found on the page")
            return None
        identity, aliases = self._identity(article.url, key, response)
        return ArticleItem(
            site=self.name,
            article=dataclasses.replace(article, url=clean_url(article.url, self.tracking)),
            raw=response.body,
            fetched_url=response.url,
            content_type=content_type,
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            key=identity,
            aliases=aliases,
            extractor=extract_version.EXTRACTOR_VERSION,
            hints=hints_key or None,
            fetched_on=today,
            link_texts=self.evidence.links_of(key),
        )

    def _nothing_else_coming(self) -> bool:
        """True when every page still owed an answer is one held for the site profile."""
        return self.listings <= 0 and len(self.run.pending) <= self.evidence.held

    def _identity(self, page_url: str, key: str, response: Response) -> tuple[str, tuple[str, ...]]:
        """The article's key: the requested one for a known article, else the page's own
        canonical URL when it is one of the site's articles; every other form is an alias."""
        forms = [url_key(u, self.tracking) for u in (page_url, response.url, *response.meta.get("redirect_urls", []))]
        if key in self.known or not self.site.is_article(clean_url(page_url, self.tracking)):
            identity = key
        else:
            identity = forms[0]
        aliases = tuple(dict.fromkeys(k for k in (key, *forms) if k != identity))
        return identity, aliases

    def _cut_short(self, key: str, body: bytes, is_html: bool) -> str | None:
        """An unclosed document is cut short when the stored page of the same article was whole."""
        if not is_html or not is_unclosed(body):
            return None
        view = self.run.view()
        if view is not None and view.stored_page_whole(key):
            return "the page ends mid-document (no </body> or </html>), though its stored version was whole"
        return None

    def _files(self, key: str, item: ArticleItem) -> list[scrapy.Request]:
        """Requests for the article's attachments not yet requested in this crawl (with known validators)."""
        if not item.article.attachments:
            return []  # (no need to read which files the store knows)
        stored = {row["url"]: row for row in self._stored_files(item.key)}
        files = [{**stored.get(a.url, {}), "url": a.url, "text": a.text} for a in item.article.attachments]
        return self._new_file_requests(item.key, files)

    def _known_files(self, key: str) -> list[scrapy.Request]:
        if key not in self.with_files:  # (no query for the many articles without any)
            return []
        return self._new_file_requests(key, self._stored_files(key))

    def _stored_files(self, key: str) -> list[dict[str, Any]]:
        view: SiteView | None = self.run.view()
        return view.attachments(key) if view is not None else []

    def _new_file_requests(self, key: str, files: list[dict[str, Any]]) -> list[scrapy.Request]:
        requests = []
        for request in file_requests(key, files, self.parse_file, self.on_error):
            if request.meta["article_key"] not in self.requested:
                self.requested.add(request.meta["article_key"])
                requests.append(request)
        return requests

    def parse_file(self, response: Response) -> Iterator[FileItem]:
        """An attachment's answer: a file to digest, a 304, or a failure with its reason."""
        meta = response.meta
        key, url = meta["article_key"], meta["article_url"]
        if response.status == 304:
            settle(self.crawler, PageOutcome(Verb.NOT_MODIFIED, url, key, status=304, file_of=meta["file_of"]))
        elif response.status >= 400:
            self._fail(url, key, response.status, f"attachment answered HTTP {response.status}", meta["file_of"])
        else:
            yield file_item(self.name, response, self.crawl.keep_attachments)

    def on_error(self, failure: Failure) -> None:
        """A request that failed outright: timeout, refused, 5xx after retries, filtered, too big."""
        request = failure.request  # type: ignore[attr-defined]
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        meta = request.meta
        if meta.get("listing"):
            self.listings -= 1
        url = meta.get("article_url", request.url)
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            outcome = PageOutcome(Verb.SKIPPED, url, meta.get("article_key"), reason="forbidden by robots.txt")
            settle(self.crawler, outcome)
            return
        reason = failure_reason(failure, request, status, self.site.max_download_mb)
        self._fail(url, meta.get("article_key"), status, reason, meta.get("file_of"))

    def _fail(self, url: str, key: str | None, status: int | None, reason: str, file_of: str | None = None) -> None:
        """Settle a request as failed; an attachment's (file_of: its article's key) is counted as one."""
        self.logger.warning("failed %s: %s", url, reason)
        settle(self.crawler, PageOutcome(Verb.FAILED, url, key, status=status, reason=reason, file_of=file_of))
