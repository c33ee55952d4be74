"""robots.txt obeyed for every request, the first ones of a crawl included."""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, without its hole for requests that wait for robots.txt.

    Scrapy 2.19 hands every request that arrives while robots.txt is downloading the same
    Deferred; once it fires, the first waiter gets the parser and the others get None (a
    Deferred passes each callback's return value to the next), so they are let through
    unchecked. A crawl with known articles sends its re-checks at once and lost exactly
    those. Reading the parser the middleware stored once the download settled gives every
    waiter the same answer.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        """The parsed robots.txt of the request's host (None when it could not be read)."""
        parser = await super().robot_parser(request)
        stored = self._parsers.get(urlparse_cached(request).netloc)
        return parser if isinstance(stored, Deferred) else stored
