"""A fault-injecting news site on 127.0.0.1: cut responses, garbage bytes, redirect loops,
off-site redirects, compression bombs, hanging pages, robots.txt rules — one path at a time."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from common.urls import DEFAULT_TRACKING_PARAMS

_WORDS = [
    "certification",
    "quality",
    "standard",
    "conformity",
    "assessment",
    "notice",
    "product",
    "rules",
    "market",
    "regulation",
    "safety",
    "compulsory",
    "mark",
    "enterprise",
    "factory",
    "inspection",
    "sampling",
    "report",
    "energy",
    "efficiency",
    "low-carbon",
    "environmental",
    "label",
    "testing",
    "laboratory",
    "accreditation",
    "audit",
    "scheme",
    "revision",
]
_MODIFIED = "Mon, 05 Jan 2026 08:00:00 GMT"


def paragraphs(seed: int, count: int = 4) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = [rng.choice(_WORDS) for _ in range(rng.randrange(40, 60))]
        out.append(" ".join(words).capitalize() + ".")
    return out


@dataclass
class Page:
    """One article of the fault site."""

    title: str
    published: str
    paragraphs: list[str]


@dataclass
class Fault:
    """How one path misbehaves: kind is status, cut, nolength, inject, truncate, redirect, refresh
    (a 200 page whose meta refresh sends the reader to `location`), gzip or hang."""

    kind: str
    status: int = 500
    location: str = ""
    body: bytes = b""
    seconds: float = 0.0
    keep: float = 0.5  # share of the body sent before a cut or truncation


@dataclass
class FaultSite:
    """The site's pages and faults; start() serves them from a free loopback port."""

    articles: int = 12
    validators: bool = True
    robots: str = "User-agent: *\nAllow: /\n"
    extra_links: list[str] = field(default_factory=list)
    delay: float = 0.0  # seconds each article takes to answer
    box: str = ""  # a site-wide line at the end of every article's text (a subscription plea)
    more: int = 0  # the last `more` articles are listed only on a second listing page, /news/more/
    pages: dict[str, Page] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for n in range(self.articles):
            self.pages[f"/news/{1000 + n}.html"] = Page(
                f"Notice {1000 + n} on certification rules", f"2026-01-{1 + n % 28:02d}", paragraphs(n)
            )
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    # ---- lifecycle
    def __enter__(self) -> FaultSite:
        self.server = _Server(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on this site."""
        return self.base + path

    def registry(self, name: str = "faulty", anchored: bool = True, **keys: Any) -> str:
        """A registry entry for this site with fast-failing defaults (no delay, no retries)."""
        settings = {"download_delay": 0, "retries": 0, "download_timeout": 3, **keys}
        pattern = r"/news/\d+\.html" + ("$" if anchored else "")
        lines = [
            "[[sites]]",
            f'name = "{name}"',
            f'start_urls = ["{self.base}/news/"]',
            'allowed_domains = ["127.0.0.1"]',
            f"article_pattern = '{pattern}'",
            *([r"follow_pattern = '/news/more/$'"] if self.more else []),
            *(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()),
        ]
        return "\n".join(lines) + "\n"

    def paths(self) -> list[str]:
        """The article paths, in order."""
        return list(self.pages)

    # ---- changes
    def edit(self, path: str, text: str) -> None:
        """Append a sentence to an article's first paragraph (a real edit)."""
        with self.lock:
            self.pages[path].paragraphs[0] += f" {text}"

    def fault(self, path: str, fault: Fault | None) -> None:
        """Make a path misbehave, or behave again (None)."""
        with self.lock:
            if fault is None:
                self.faults.pop(path, None)
            else:
                self.faults[path] = fault

    def hits(self, path: str) -> int:
        """How many requests reached a path."""
        return sum(1 for p, _ in self.requests if p.split("?")[0] == path)

    # ---- rendering
    def listing(self) -> bytes:
        paths = list(self.pages)
        first = paths[: len(paths) - self.more]
        return self._listing_page(first, [*self.extra_links, *(["/news/more/"] if self.more else [])])

    def listing_more(self) -> bytes:
        """The second listing page (with `more`): the last articles only."""
        return self._listing_page(list(self.pages)[len(self.pages) - self.more :], [])

    def _listing_page(self, paths: list[str], extra: list[str]) -> bytes:
        links = [f'<li><a href="{p}">{self.pages[p].title}</a></li>' for p in paths]
        links += [f'<li><a href="{href}">More</a></li>' for href in extra]
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>News - Faulty News</title></head>'
            f'<body><ul class="list">{"".join(links)}</ul></body></html>'
        ).encode()

    def article(self, path: str) -> bytes:
        page = self.pages[path]
        paragraphs = "".join(f"<p>{p}</p>\n" for p in page.paragraphs)
        if self.box:
            paragraphs += f"<p>{self.box}</p>\n"
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{page.title} - Faulty News</title></head>\n<body>\n"
            '<div class="nav"><a href="/">Home</a> / <a href="/news/">News</a></div>\n'
            f'<h1>{page.title}</h1>\n<div class="date">Date : {page.published} Source : Test Desk</div>\n'
            f'<div class="content">\n{paragraphs}</div>\n'
            '<div class="footer">Copyright © 2026 Faulty News. 京ICP备12022416号-1</div>\n</body></html>\n'
        ).encode()


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops a burst of connections; a dropped SYN is
    # retried after a second, longer than the tests' download timeouts. Real servers allow hundreds.
    request_queue_size = 128


def _etag(body: bytes) -> str:
    return f'"{zlib.crc32(body):08x}"'


def gzip_bomb(inflated: int = 1 << 30) -> bytes:
    """A gzip stream of `inflated` zero bytes (1 GiB by default, about 1 MB on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(inflated >> 20)]
    return b"".join(parts) + compressor.flush()


def inject_garbage(body: bytes, seed: int = 7, size: int = 64) -> bytes:
    """body with `size` random bytes between its first two paragraphs."""
    cut = body.index(b"</p>") + len(b"</p>")
    rng = random.Random(seed)
    return body[:cut] + bytes(rng.randrange(256) for _ in range(size)) + body[cut:]


def tracking_variants(path: str) -> list[str]:
    """Links to one article as the wild writes them: tracking queries and fragments."""
    assert "utm_*" in DEFAULT_TRACKING_PARAMS
    return [path, f"{path}?utm_source=x", f"{path}?utm_source=x&utm_medium=rss", f"{path}#content"]


def _handler(site: FaultSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?")[0].split("#")[0]
            with site.lock:
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                fault = site.faults.get(path)
            if path == "/robots.txt":
                self._send(200, site.robots.encode(), "text/plain")
            elif fault is not None:
                self._fault(fault, path)
            elif path == "/news/":
                self._send(200, site.listing())
            elif path == "/news/more/" and site.more:
                self._validated(site.listing_more())
            elif path in site.pages:
                self._article(path)
            else:
                self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>")

        def _article(self, path: str) -> None:
            time.sleep(site.delay)
            self._validated(site.article(path))

        def _validated(self, body: bytes) -> None:
            if not site.validators:
                self._send(200, body)
                return
            etag = _etag(body)
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", headers={"ETag": etag})
                return
            self._send(200, body, headers={"ETag": etag, "Last-Modified": _MODIFIED})

        def _fault(self, fault: Fault, path: str) -> None:
            if path in site.pages:
                body = site.article(path)
            else:
                body = site.listing_more() if path == "/news/more/" else site.listing()
            if fault.kind == "status":  # (an error page sent as a 200 comes with validators, as any page)
                error = b"<html><body>Server Error</body></html>"
                self._send(fault.status, error, headers={"ETag": _etag(error)} if fault.status == 200 else None)
            elif fault.kind == "redirect":
                self._send(
                    fault.status if fault.status in (301, 302, 307, 308) else 301,
                    b"",
                    headers={"Location": fault.location},
                )
            elif fault.kind == "refresh":
                tag = f'<meta http-equiv="refresh" content="0; url={fault.location}">'
                self._send(200, f"<!DOCTYPE html><html><head>{tag}</head><body></body></html>".encode())
            elif fault.kind == "inject":
                self._send(200, inject_garbage(body))
            elif fault.kind == "truncate":
                self._send(200, body[: int(len(body) * fault.keep)])
            elif fault.kind in {"cut", "nolength"}:
                # The validators are those of the whole page, as a server that failed mid-send sends them.
                self._unframed(
                    body if fault.kind == "nolength" else body[: int(len(body) * fault.keep)], {"ETag": _etag(body)}
                )
            elif fault.kind == "gzip":
                self._send(200, fault.body, headers={"Content-Encoding": "gzip"})
            elif fault.kind == "hang":
                time.sleep(fault.seconds)
                self._send(200, body)

        def _unframed(self, body: bytes, headers: dict[str, str]) -> None:
            """No Content-Length: the end of the body is the connection closing (HTTP/1.0 style)."""
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None,
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the crawler gave up on this page (a timeout, a size limit): fine

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
