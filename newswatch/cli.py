"""The `newswatch` command line."""

from __future__ import annotations

import json
import sys
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from crawler.config import Config, ConfigError, default_config_path, default_db_path, load_config
from crawler.extract import extract
from store import StoreError, open_db
from store.queries import article_by_url, events_of, version, versions_of

from . import __version__


class IsoDateTime(click.ParamType):
    """An ISO 8601 date-time such as 2026-11-21T08:00 or 2026-11-21T08:00:00+08:00."""

    name = "ISO-DATETIME"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO date-time such as 2026-11-21T08:00:00+08:00", param, ctx)


class Context:
    """Paths chosen on the command line or by environment, opened lazily."""

    def __init__(self, config_path: Path, db_path: Path):
        self.config_path = config_path
        self.db_path = db_path

    def config(self) -> Config:
        """The site registry, or a clean CLI error."""
        try:
            return load_config(self.config_path)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc

    def db(self):  # type: ignore[no-untyped-def]
        """The opened store, or a clean CLI error."""
        try:
            return open_db(self.db_path)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NEWSWATCH_CONFIG",
    help="Site registry (TOML). Env NEWSWATCH_CONFIG; default ~/.config/newswatch/sites.toml if it "
    "exists, else the bundled registry.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NEWSWATCH_DB",
    help="SQLite store. Env NEWSWATCH_DB; default ~/.local/share/newswatch/newswatch.db.",
)
@click.version_option(__version__, prog_name="newswatch")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, db_path: Path | None) -> None:
    """Watch news sites, keep every version of every article, report what is new and what was edited.

    \b
    Quick start:
      newswatch demo                 # the whole loop on bundled sample sites, offline
      newswatch crawl                # crawl every site of the registry
      newswatch digest               # today's new and edited articles
    """
    ctx.obj = Context(config_path or default_config_path(), db_path or default_db_path())


@main.command()
@click.argument("sites", nargs=-1)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary, not each page.")
@click.option("--log-level", default="WARNING", show_default=True, help="Scrapy's log level.")
@click.option("--recheck-all", is_flag=True, help="Re-fetch every known article, not only those due.")
@click.pass_obj
def crawl(obj: Context, sites: tuple[str, ...], quiet: bool, log_level: str, recheck_all: bool) -> None:
    """Crawl SITES (default: all in the registry) into the store, then summarise.

    Listing pages are read for new articles; known articles are re-fetched (conditionally)
    when their re-check is due. Each page is reported as new, edited, unchanged, 304,
    missing or failed; the summary counts them. Re-running is safe: unchanged pages add
    nothing to the store.
    """
    from crawler.run import crawl_sites

    config = obj.config()
    names = list(sites) or [s.name for s in config.sites]
    try:
        for name in names:
            config.site(name)
        obj.db().close()  # fail early, with the fix, if the store cannot be opened
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Crawling {', '.join(names)} into {obj.db_path}", err=True)
    summaries = crawl_sites(
        config, names, obj.db_path, progress=not quiet, log_level=log_level, recheck_all=recheck_all
    )
    total = [0] * 7
    for s in summaries:
        counts = (s.pages, s.new, s.edited, s.unchanged, s.failed, s.not_modified, s.missing)
        click.echo(_summary_line(s.site, s.status, counts))
        total = [a + b for a, b in zip(total, counts, strict=True)]
    click.echo(_summary_line("total", "", tuple(total)))
    for s in summaries:
        if s.status == "busy":
            click.echo(f"{s.site}: skipped, another crawl of this site is running", err=True)
    # Non-zero when a crawl did not finish, or every page it tried failed (the site is down).
    if any(s.status not in {"ok", "busy"} or (s.pages == 0 and s.failed > 0) for s in summaries):
        sys.exit(1)


def _summary_line(site: str, status: str, counts: tuple[int, ...]) -> str:
    pages, new, edited, unchanged, failed, not_modified, missing = counts
    by_304 = f" ({not_modified} by 304)" if not_modified else ""
    gone = f", {missing} missing" if missing else ""
    return (
        f"{site:<12} {status:<10} {pages:>4} pages: {new} new, {edited} edited, {unchanged} unchanged{by_304}, "
        f"{failed} failed{gone}"
    )


@main.command("extract")
@click.argument("source")
@click.option("--url", help="The page's URL (for its date and canonical link). Default: SOURCE if it is a URL.")
@click.option("--json", "as_json", is_flag=True, help="Print the fields as JSON.")
@click.option("--content-type", help="The page's Content-Type header, if known (names its charset).")
def extract_cmd(source: str, url: str | None, as_json: bool, content_type: str | None) -> None:
    """Extract the article from SOURCE (a local file, or an http(s) URL) and print its fields.

    Reading a local file needs no network: use it to check how a new site's pages parse.
    """
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as response:
                page, content_type = response.read(), content_type or response.headers.get("Content-Type")
        except OSError as exc:
            raise click.ClickException(f"cannot fetch {source}: {exc}") from exc
        url = url or source
    else:
        try:
            page = Path(source).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {source}: {exc.strerror}") from exc
        url = url or Path(source).resolve().as_uri()
    article = extract(page, url, content_type)
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    for key in ("title", "published", "origin", "language", "url"):
        click.echo(f"{key + ':':<11}{article.to_dict()[key]}")
    click.echo(f"body:      {len(article.paragraphs)} paragraphs\n")
    click.echo(article.body or "(no article text found)")


@main.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day to report (default: today).")
@click.option("--since", type=IsoDateTime(), help="Report everything since this ISO datetime instead of one day.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True
)
@click.option("--timezone", "tz_name", help="Time zone of --date and today (default: [monitor] timezone, else local).")
@click.pass_obj
def digest(obj: Context, day: datetime | None, since: datetime | None, fmt: str, tz_name: str | None) -> None:
    """New and edited articles of a day (default today), edits with a word-level diff.

    Also lists articles gone (404/410 several checks in a row) or back, and what needs
    attention (sites failing run after run, extraction drift). Keywords of [monitor]
    watchlist are marked and listed first.
    """
    from monitor.digest import build_digest, day_window, iso
    from monitor.render import render

    tz = _timezone(obj, tz_name)
    if day and since:
        raise click.UsageError("give --date or --since, not both")
    if since:
        moment = since if since.tzinfo else since.replace(tzinfo=tz)
        start, end, label = iso(moment), "9999", f"since {moment.isoformat()}"
    else:
        the_day = day.date() if day else datetime.now(tz).date()
        start, end = day_window(the_day, tz)
        label = f"{the_day.isoformat()} ({tz.key})"
    db = obj.db()
    result = build_digest(db, start, end, label)
    try:
        config = load_config(obj.config_path)
    except ConfigError:
        config = None  # a digest needs only the store
    if config is not None:
        from monitor.attention import needs_attention

        result.attention = needs_attention(db, [s.name for s in config.sites])
        result.apply_watchlist([str(k) for k in config.monitor.get("watchlist", [])])
    click.echo(render(result, fmt), nl=False)


def _timezone(obj: Context, name: str | None) -> ZoneInfo:
    if not name:
        try:
            name = load_config(obj.config_path).monitor.get("timezone")
        except ConfigError:
            name = None
    if not name:
        local = datetime.now().astimezone().tzinfo
        name = getattr(local, "key", None) or "UTC"
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise click.ClickException(f"unknown time zone {name!r}; use a name such as Asia/Shanghai or UTC") from exc


@main.command()
@click.argument("url")
@click.pass_obj
def history(obj: Context, url: str) -> None:
    """List every stored version of the article at URL, and its events."""
    db = obj.db()
    article = _article(db, url)
    click.echo(f"{article['url']}  [{article['site']}, {article['status']}]")
    click.echo(f"first seen {article['first_seen']}, last checked {article['last_checked']}")
    for v in versions_of(db, article["id"]):
        current = " (current)" if v["id"] == article["current_version_id"] else ""
        click.echo(
            f"  v{v['id']:<5} {v['fetched_at']}  {v['fingerprint'][:12]}  {v['published'] or '-':<10}  "
            f"{v['body_chars']} chars  {v['title']}{current}"
        )
    for e in events_of(db, article["id"]):
        fields = f" ({', '.join(json.loads(e['changed_fields']))})" if e["changed_fields"] else ""
        click.echo(f"  {e['at']}  {e['kind']}{fields}")


@main.command("diff")
@click.argument("url")
@click.pass_obj
def diff_cmd(obj: Context, url: str) -> None:
    """Show the last change of the article at URL, word by word."""
    from monitor.diff import field_diffs
    from monitor.render import render_change

    db = obj.db()
    article = _article(db, url)
    edits = [e for e in events_of(db, article["id"]) if e["kind"] == "edited"]
    if not edits:
        click.echo(f"{article['url']}\nno change recorded: one version since {article['first_seen']}")
        return
    last = edits[-1]
    before, after = version(db, last["previous_version_id"]) or {}, version(db, last["version_id"]) or {}
    fields = json.loads(last["changed_fields"] or "[]")
    click.echo(render_change(article["url"], fields, field_diffs(before, after, fields), last["at"]), nl=False)


def _article(db, url: str) -> dict:  # type: ignore[no-untyped-def]
    article = article_by_url(db, url)
    if article is None:
        raise click.ClickException(f"no stored article at {url}; `newswatch crawl` first, or check the URL")
    return article


def _digest_dir(obj: Context, config: Config, option: Path | None) -> Path:
    if option:
        return option
    configured = config.monitor.get("digest_dir")
    if configured:
        path = Path(str(configured)).expanduser()
        return path if path.is_absolute() else config.path.parent / path
    return obj.db_path.parent / "digests"


@main.command()
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where digests and feed.atom go (default: [monitor] digest_dir, else 'digests' next to the database).",
)
@click.pass_obj
def run(obj: Context, digest_dir: Path | None) -> None:
    """Run the monitor until SIGTERM or Ctrl-C: crawl each site on its schedule, write the digest daily.

    \b
    Each site crawls every interval_minutes (or on its cron expression) in a child process
    with a time limit (timeout_minutes); two crawls of one site never overlap. Known
    articles are re-checked by age with conditional requests. The digest (Markdown, HTML,
    Atom feed, optional email) is written at [monitor] digest_time in [monitor] timezone.
    Runs missed while the monitor was down are caught up at start.
    """
    import logging

    from monitor.service import Monitor

    config = obj.config()
    obj.db().close()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    folder = _digest_dir(obj, config, digest_dir)
    names = ", ".join(s.name for s in config.sites)
    click.echo(f"Monitoring {names}; store {obj.db_path}; digests in {folder}", err=True)
    try:
        code = Monitor(config, obj.db_path, folder).run()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sys.exit(code)


@main.command()
@click.pass_obj
def sites(obj: Context) -> None:
    """One line per site: last crawl and its result, articles, versions, failed runs in a row."""
    from store.queries import site_states

    config = obj.config()
    states = site_states(obj.db())
    click.echo(f"{'site':<12} {'last crawl':<20} {'result':<40} {'articles':>8} {'versions':>8} {'failing':>7}")
    for site in config.sites:
        state = states.get(site.name, {})
        last = state.get("last")
        when = last["started_at"][:19].replace("T", " ") if last else "never"
        result = (
            f"{last['status']}: {last['new']} new, {last['edited']} edited, {last['failed']} failed" if last else "-"
        )
        click.echo(
            f"{site.name:<12} {when:<20} {result:<40} {state.get('articles', 0):>8} "
            f"{state.get('versions', 0):>8} {state.get('failures_in_a_row', 0):>7}"
        )


@main.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, help="At most this many results.")
@click.pass_obj
def search(obj: Context, text: str, limit: int) -> None:
    """Full-text search over the current version of every article (SQLite FTS5 query syntax)."""
    import sqlite3

    from store.queries import search_current

    try:
        rows = search_current(obj.db(), text, limit)
    except sqlite3.OperationalError as exc:
        raise click.ClickException(f"cannot search for {text!r}: {exc}. Put phrases in double quotes.") from exc
    for row in rows:
        click.echo(f"{row['published'] or '-':<10}  [{row['site']}] {row['title']}")
        click.echo(f"            {row['url']}")
        click.echo(f"            {row['snippet']}")
    click.echo(f"{len(rows)} result(s)", err=True)


@main.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo's registry and database in this folder (default: a temporary one).",
)
def demo(keep: Path | None) -> None:
    """Run the whole loop offline on the bundled sample sites and print the digest.

    Serves the sample sites on 127.0.0.1, crawls them, publishes one article, edits one and
    changes only the 'Hot Spots' box, crawls again, and prints what the digest reports.
    """
    from newswatch.demo import run_demo

    sys.exit(run_demo(keep))


@main.command()
@click.option(
    "--port-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the registry for these servers to this file.",
)
def samples(port_file: Path | None) -> None:
    """Serve the sample sites on 127.0.0.1 until Ctrl-C, and print a registry for them.

    Change them while they run with POST /__control__/publish|edit|delete|chrome (JSON body).
    """
    from newswatch.samples import SampleSites

    with SampleSites() as sites:
        registry = sites.registry_toml()
        if port_file:
            port_file.write_text(registry, encoding="utf-8")
        click.echo(registry)
        click.echo("Serving the sample sites; Ctrl-C stops.", err=True)
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            pass
