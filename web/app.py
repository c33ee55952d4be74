"""The web view: a small read-only Starlette app over the store (`newswatch serve`).

Each request opens the store with store.open_readonly(), so the web view can never write
it and answers while a crawl writes. Pages are Jinja2 templates with autoescaping; every
response carries a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlite_utils import Database
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from crawler.config import Config
from monitor.compose import Window, compose_digest
from monitor.digest import day_window
from monitor.feed import build_feed
from monitor.html import STYLE, digest_body, lang_attr
from store import StoreError, open_readonly
from store.pages import article_row, digest_run, digest_runs, failed_runs, version_of
from store.queries import events_of, feed_events, site_states, versions_of
from store.search import SearchError, SearchQuery, search

from .diffview import field_diffs

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CSS = STYLE + (HERE / "static" / "web.css").read_text(encoding="utf-8")


class Desk:
    """The pages, bound to one registry and one store."""

    def __init__(self, config: Config, db_path: Path):
        self.config = config
        self.db_path = db_path
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals["lang"] = lambda language: Markup(lang_attr(language))  # already escaped
        self.titles = {s.name: s.display_name for s in config.sites}

    @contextmanager
    def store(self) -> Iterator[Database]:
        """The store, read-only, for one request."""
        try:
            db = open_readonly(self.db_path)
        except StoreError as exc:
            raise HTTPException(503, str(exc)) from exc
        try:
            yield db
        finally:
            db.close()

    def page(self, request: Request, name: str, **context: Any) -> Response:
        """A rendered template with the security headers."""
        context.setdefault("titles", self.titles)
        response = self.templates.TemplateResponse(request, name, context)
        response.headers.update(HEADERS)
        return response

    def sites(self, request: Request) -> Response:
        """Each site's state, the newest failed runs and the newest changes."""
        with self.store() as db:
            states = site_states(db)
            rows = [{"site": s, "state": states.get(s.name, {})} for s in self.config.sites]
            failed = failed_runs(db)
            changes = feed_events(db, 20, self.config.monitor.new_window_days)
        return self.page(request, "sites.html", rows=rows, failed=failed, changes=changes)

    def digest(self, request: Request) -> Response:
        """The latest digest (else today's), or one of the archive."""
        tz = self.config.monitor.zone("UTC")
        now = datetime.now(tz)
        with self.store() as db:
            if "digest_id" in request.path_params:
                run = digest_run(db, _path_id(request, "digest_id"))
                if run is None:
                    raise HTTPException(404, "no such digest")
            else:
                runs = digest_runs(db, 1)
                run = runs[0] if runs else None
            if run:
                window = Window(run["start"], run["end"], f"{run['start'][:16]} – {run['end'][:16]} (UTC)")
            else:
                window = Window(*day_window(now.date(), tz), f"{now.date().isoformat()} ({tz.key}), so far")
            digest = compose_digest(db, self.config, window, now)
        digest.base_url = str(request.base_url).rstrip("/")  # items link to this server's pages
        return self.page(request, "digest.html", digest=digest, body=digest_body(digest), run=run)

    def digests(self, request: Request) -> Response:
        """Every digest written, newest first."""
        with self.store() as db:
            runs = digest_runs(db)
        return self.page(request, "digests.html", runs=runs)

    def article(self, request: Request) -> Response:
        """An article: every version with its time, and its events."""
        with self.store() as db:
            article = self._article(db, request)
            versions = versions_of(db, article["id"])
            events = events_of(db, article["id"])
            current = version_of(db, article["id"], article["current_version_id"] or 0) or {}
        for event in events:
            event["fields"] = ", ".join(json.loads(event["changed_fields"] or "[]"))
        return self.page(request, "article.html", article=article, versions=versions, events=events, current=current)

    def diff(self, request: Request) -> Response:
        """Two versions (?a=&b=, default: the last change) side by side and inline."""
        with self.store() as db:
            article = self._article(db, request)
            ids = [v["id"] for v in versions_of(db, article["id"])]
            current = article["current_version_id"] or (ids[-1] if ids else 0)
            before = current if len(ids) < 2 else [i for i in ids if i != current][-1]
            a, b = _int(request, "a", before), _int(request, "b", current)
            old, new = version_of(db, article["id"], a), version_of(db, article["id"], b)
        if old is None or new is None:
            raise HTTPException(404, "no such version of this article")
        return self.page(request, "diff.html", article=article, old=old, new=new, fields=field_diffs(old, new), ids=ids)

    def search(self, request: Request) -> Response:
        """The same search as `newswatch search`."""
        params = request.query_params
        text, site, since = params.get("q", "").strip(), params.get("site") or None, params.get("since") or None
        hits, error = [], None
        if text:
            query = SearchQuery(text, params.get("fts") == "1", site, since, 50)
            try:
                with self.store() as db:
                    hits = search(db, query)
            except SearchError as exc:
                error = str(exc)
        return self.page(request, "search.html", q=text, site=site, since=since, fts=params.get("fts"), hits=hits,
                         error=error)  # fmt: skip

    def feed(self, request: Request) -> Response:
        """The Atom feed, as `newswatch run` writes it."""
        with self.store() as db:
            atom = build_feed(db, self.config)
        return Response(atom, media_type="application/atom+xml; charset=utf-8", headers=HEADERS)

    def style(self, request: Request) -> Response:
        """The one stylesheet (the CSP allows no inline style)."""
        return Response(CSS, media_type="text/css; charset=utf-8", headers={"Cache-Control": "max-age=300"})

    def _article(self, db: Database, request: Request) -> dict[str, Any]:
        article = article_row(db, _path_id(request, "article_id"))
        if article is None:
            raise HTTPException(404, "no such article")
        article["site_title"] = self.titles.get(article["site"], article["site"])
        return article


def _int(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name, "")
    # ASCII digits only ("²" is a digit to str.isdigit), and no more than SQLite's integers hold.
    return int(value) if value.isascii() and value.isdigit() and int(value) <= _MAX_ID else default


def _path_id(request: Request, name: str) -> int:
    """An id from the path; 404 past what SQLite's integers hold (no row has it)."""
    value = int(request.path_params[name])
    if value > _MAX_ID:
        raise HTTPException(404, f"no such {name.removesuffix('_id')}")
    return value


_MAX_ID = 2**63 - 1


def create_app(config: Config, db_path: Path) -> Starlette:
    """The web view's ASGI app."""
    desk = Desk(config, db_path)

    async def error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
        response = desk.templates.TemplateResponse(
            request, "error.html", {"status": status, "detail": detail, "titles": desk.titles}, status_code=status
        )
        response.headers.update(HEADERS)
        return response

    routes = [
        Route("/", desk.sites, name="sites"),
        Route("/digest", desk.digest, name="digest"),
        Route("/digests", desk.digests, name="digests"),
        Route("/digests/{digest_id:int}", desk.digest, name="digest_run"),
        Route("/article/{article_id:int}", desk.article, name="article"),
        Route("/article/{article_id:int}/diff", desk.diff, name="diff"),
        Route("/search", desk.search, name="search"),
        Route("/feed.atom", desk.feed, name="feed"),
        Route("/style.css", desk.style, name="style"),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: error, Exception: error})
