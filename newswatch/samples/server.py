"""Serve the sample sites from 127.0.0.1 and change them while they run."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from . import render

_CHROME = {
    "hot_spot": "2022 China EMC Week",
    "footer_en": "Copyright © China Quality Certification Centre. 京ICP备05053335号-1",
    "footer_zh": "版权所有：中国质量认证中心 京ICP备05053335号-1",
}
_STARTED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def load_sample_data() -> dict[str, Any]:
    """The bundled articles and the demo's planned changes."""
    text = resources.files(__package__).joinpath("articles.json").read_text(encoding="utf-8")
    return json.loads(text)


class SampleSites:
    """The three sample sites on two loopback servers (CQC's two languages share a host)."""

    def __init__(self) -> None:
        self.data = load_sample_data()
        self.articles: dict[str, dict[str, Any]] = {a["path"]: copy.deepcopy(a) for a in self.data["articles"]}
        self.modified = {path: _STARTED for path in self.articles}
        # attached documents: path -> [size, revision, last modified]
        self.files: dict[str, list[Any]] = {
            f["path"]: [f["size"], 0, _STARTED] for a in self.articles.values() for f in a.get("attachments", [])
        }
        self.chrome = dict(_CHROME)
        self.overrides: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (host, path, headers)
        self.lock = threading.Lock()
        self.servers: dict[str, ThreadingHTTPServer] = {}

    # ---- lifecycle
    def start(self) -> SampleSites:
        """Start both servers on free loopback ports, each in a daemon thread."""
        for host in ("cqc", "cspress"):
            server = _Server(("127.0.0.1", 0), _handler(self, host))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"samples-{host}", daemon=True).start()
            self.servers[host] = server
        return self

    def stop(self) -> None:
        """Shut both servers down."""
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> SampleSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def base_url(self, site: str) -> str:
        """http://127.0.0.1:PORT of the server a site lives on."""
        port = self.servers[render.SITE_HOST[site]].server_address[1]
        return f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        """Absolute URL of an article path."""
        return self.base_url(self.articles[path]["site"]) + path

    def registry_toml(self, download_delay: float = 0.0, interval_minutes: float = 60) -> str:
        """A site registry pointing at these servers, with the bundled patterns."""
        from crawler.config import BUNDLED_CONFIG, load_config

        bundled = load_config(BUNDLED_CONFIG)
        entries = []
        for site in bundled.sites:
            start = self.base_url(site.name) + render.LISTING_ROOT[site.name]
            entries.append(
                "[[sites]]\n"
                f'name = "{site.name}"\nstart_urls = ["{start}"]\nallowed_domains = ["127.0.0.1"]\n'
                f"article_pattern = '{site.article_pattern}'\nfollow_pattern = '{site.follow_pattern}'\n"
                f"download_delay = {download_delay}\ninterval_minutes = {interval_minutes}\n"
            )
        return "\n".join(entries)

    # ---- what is served
    def live(self, site: str) -> list[dict[str, Any]]:
        """A site's published articles, newest first."""
        items = [a for a in self.articles.values() if a["site"] == site and not a["pending"]]
        return sorted(items, key=lambda a: (a["published"], a["path"]), reverse=True)

    def respond(self, host: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a GET, honouring conditional request headers."""
        with self.lock:
            self.requests.append((host, path, headers))
            if path in self.overrides:
                status, content_type, body = self.overrides[path]
                return status, {"Content-Type": content_type}, body
            found = self._page(host, path)
        if found is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body><h1>404 Not Found</h1></body></html>"
        body, content_type, modified = found
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        out = {"Content-Type": content_type, "ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if _not_modified(headers, etag, modified):
            return 304, out, b""
        return 200, out, body

    def _page(self, host: str, path: str) -> tuple[bytes, str, datetime] | None:
        for site, _root in render.LISTING_ROOT.items():
            if render.SITE_HOST[site] != host:
                continue
            items = self.live(site)
            pages = max(1, -(-len(items) // render.PAGE_SIZE))
            for page in range(pages):
                if path == render.listing_path(site, page):
                    chunk = items[page * render.PAGE_SIZE : (page + 1) * render.PAGE_SIZE]
                    html = render.listing(site, chunk, page, pages)
                    return html.encode("utf-8"), "text/html; charset=utf-8", datetime.now(UTC)
        if path in self.files and host == "cqc":
            size, revision, modified = self.files[path]
            return render.document(path, size, revision), "application/pdf", modified
        article = self.articles.get(path)
        if article is None or article["pending"] or render.SITE_HOST[article["site"]] != host:
            return None
        html = render.RENDERERS[article["site"]](article, self.chrome)
        if article["site"] == "cqc-zh":
            # GBK bytes; the header names no charset, so only the page's <meta> (if any) tells.
            return html.encode("gbk"), "text/html", self.modified[path]
        return html.encode("utf-8"), "text/html; charset=utf-8", self.modified[path]

    # ---- changes while running
    def publish(self, path: str | None = None) -> str:
        """Publish a pending article (the first one when no path is given); return its path."""
        with self.lock:
            pending = [p for p, a in self.articles.items() if a["pending"] and (path is None or p == path)]
            if not pending:
                raise KeyError(f"no pending article {path or ''}".strip())
            self.articles[pending[0]]["pending"] = False
            self.modified[pending[0]] = datetime.now(UTC)
            return pending[0]

    def edit(self, path: str, old: str, new: str) -> None:
        """Replace text in an article's paragraphs (a silent edit)."""
        with self.lock:
            article = self.articles[path]
            paragraphs = [p.replace(old, new) for p in article["paragraphs"]]
            if paragraphs == article["paragraphs"]:
                raise ValueError(f"{old!r} is not in {path}")
            article["paragraphs"] = paragraphs
            self.modified[path] = datetime.now(UTC)

    def demo_edit(self) -> str:
        """Apply the bundled demo edit; return the edited path."""
        edit = self.data["edits"]
        self.edit(edit["path"], edit["old"], edit["new"])
        return str(edit["path"])

    def replace_document(self, path: str | None = None, size: int | None = None) -> str:
        """Put a new file behind an attachment's URL (the bundled demo change by default); return its path."""
        change = self.data["attachment_edit"]
        path = path or change["path"]
        with self.lock:
            entry = self.files[path]
            entry[0] = size or (change["size"] if path == change["path"] else entry[0] + 1000)
            entry[1] += 1
            entry[2] = datetime.now(UTC)
        return path

    def delete(self, path: str) -> None:
        """Take an article down: its URL answers 404 and listings drop it."""
        with self.lock:
            self.articles[path]["pending"] = True

    def set_chrome(self, key: str, text: str) -> None:
        """Change page chrome only (the 'Hot Spots' link, a footer): no article changes."""
        with self.lock:
            self.chrome[key] = text

    def override(self, path: str, status: int, body: bytes, content_type: str = "text/html") -> None:
        """Serve fixed bytes at a path, e.g. a 500 or a broken page, until cleared."""
        with self.lock:
            self.overrides[path] = (status, content_type, body)

    def clear_override(self, path: str) -> None:
        """Serve the path normally again."""
        with self.lock:
            self.overrides.pop(path, None)

    def control(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """Apply a change sent over HTTP (POST /__control__/<action>) by another process."""
        if action == "publish":
            return {"published": self.publish(params.get("path"))}
        if action == "edit":
            self.edit(params["path"], params["old"], params["new"])
        elif action == "delete":
            self.delete(params["path"])
        elif action == "document":
            return {"replaced": self.replace_document(params.get("path"), params.get("size"))}
        elif action == "chrome":
            self.set_chrome(params.get("key", "hot_spot"), params["text"])
        else:
            raise KeyError(f"unknown action {action!r}")
        return {"ok": True}


class _Server(ThreadingHTTPServer):
    # socketserver's default listen backlog of 5 drops bursts of connections (a dropped SYN
    # is retried a second later); real web servers allow hundreds.
    request_queue_size = 128


def _not_modified(headers: dict[str, str], etag: str, modified: datetime) -> bool:
    if "if-none-match" in headers:
        return etag in [t.strip() for t in headers["if-none-match"].split(",")]
    if "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return modified.replace(microsecond=0) <= since
    return False


def _handler(sites: SampleSites, host: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, body = sites.respond(host, self.path.split("?")[0], headers)
            self._send(status, out, body)

        def do_POST(self) -> None:
            if not self.path.startswith("/__control__/"):
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                params = json.loads(self.rfile.read(length) or b"{}")
                result = sites.control(self.path.rsplit("/", 1)[1], params)
            except (KeyError, ValueError) as exc:
                self._send(400, {"Content-Type": "application/json"}, json.dumps({"error": str(exc)}).encode())
                return
            self._send(200, {"Content-Type": "application/json"}, json.dumps(result).encode())

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests and the demo read the request log instead

    return Handler
