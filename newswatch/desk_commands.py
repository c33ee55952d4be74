"""The analyst's desk: `check` a site before adding it, `notify --test`, `export`, `serve`."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime

import click

from crawler.config import ConfigError, Site

from .context import Context
from .params import HttpUrl, IsoDateTime

NO_PATTERN = "(?!)"  # matches nothing: `check --url` without --article-pattern lists link shapes instead


@click.command()
@click.argument("site", required=False)
@click.option("--url", "start_url", type=HttpUrl(), help="Check this start page instead of a registry site's.")
@click.option("--article-pattern", help="With --url: the regex of article pages (default: guess from the links).")
@click.option("--follow-pattern", help="With --url: the regex of listing pages to follow.")
@click.option("--articles", type=click.IntRange(min=0), default=2, show_default=True, help="Extract this many.")
@click.pass_obj
def check(
    obj: Context,
    site: str | None,
    start_url: str | None,
    article_pattern: str | None,
    follow_pattern: str | None,
    articles: int,
) -> None:
    """Show how newswatch reads SITE (or a new --url) without writing the store.

    \b
    Fetches the start pages, lists which links match article_pattern and follow_pattern,
    and extracts the first articles, printing their fields. Use it to write a registry
    entry with confidence: `newswatch check --url https://example.org/news/`.
    """
    from .check import CheckError, fetch, page_links, read_article, shapes, sort_links

    entry = _site_to_check(obj, site, start_url, article_pattern, follow_pattern)
    found: list[str] = []
    tracking = obj.config().crawl.tracking_params  # the crawl's own, so check lists what it would
    try:
        for url in entry.start_urls:
            page, content_type, final = fetch(url)
            found += page_links(page, final, content_type, tracking)
            click.echo(f"{url}: {len(page):,} bytes")
        links = sort_links(entry, list(dict.fromkeys(found)))
        if entry.article_pattern == NO_PATTERN:
            click.echo("\nno article_pattern: the commonest link shapes on the site (counts) are")
            for shape, count in shapes(links.other):
                click.echo(f"  {count:>4}  '{shape}$'")
        for name, group in (("article", links.articles), ("follow", links.follow)):
            click.echo(f"\n{len(group)} links match {name}_pattern")
            for link in group[:15]:
                click.echo(f"  {link}")
            if len(group) > 15:
                click.echo(f"  … {len(group) - 15} more")
        click.echo(f"\n{len(links.other)} other links on the site are not followed")
        for link in links.articles[:articles]:
            article = read_article(link)
            click.echo(f"\n--- {link}")
            for key, value in article.to_dict().items():
                shown = value if key != "body" else f"{len(article.paragraphs)} paragraphs, {len(article.body)} chars"
                click.echo(f"{key + ':':<11}{shown}")
            click.echo(f"{'starts:':<11}{article.body[:200]}")
    except CheckError as exc:
        raise click.ClickException(str(exc)) from exc
    if not links.articles:
        raise click.ClickException("no link matches article_pattern: the crawl would find no article")


def _site_to_check(obj: Context, site: str | None, url: str | None, article: str | None, follow: str | None) -> Site:
    import re

    if bool(site) == bool(url):
        raise click.UsageError("give a SITE of the registry or --url, one of the two")
    if site:
        try:
            return obj.config().site(site)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    assert url is not None
    for name, pattern in (("--article-pattern", article), ("--follow-pattern", follow)):
        try:
            re.compile(pattern or "")
        except re.error as exc:
            raise click.UsageError(f"{name} is not a valid regular expression: {exc}") from exc
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname or ""
    return Site("check", (url,), (host.removeprefix("www."),), article or NO_PATTERN, follow)


@click.command()
@click.option("--test", "test", is_flag=True, help="Send one test message now (the only action so far).")
@click.option("--url", "urls", multiple=True, help="Send to this Apprise URL instead of [monitor] notify.")
@click.pass_obj
def notify(obj: Context, test: bool, urls: tuple[str, ...]) -> None:
    """Send a test message to every [monitor] notify URL (or --url) and say how each went."""
    from monitor.notify import send

    if not test:
        raise click.UsageError("say --test to send a test message")
    targets = urls or obj.config().monitor.notify
    if not targets:
        raise click.ClickException('no notify URLs: add notify = ["ntfy://…"] to [monitor], or give --url')
    results = send(targets, "newswatch: test message", "If you read this, newswatch can reach you here.")
    for sent in results:
        click.echo(f"{sent.target}: " + ("sent" if sent.ok else f"failed after {sent.tries} tries: {sent.error}"))
    if not all(s.ok for s in results):
        sys.exit(1)


@click.command()
@click.option("--site", help="Only this site's articles.")
@click.option("--since", type=IsoDateTime(), help="Only versions fetched since this ISO date or time.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--all-versions", is_flag=True, help="Every stored version, not only each article's current one.")
@click.pass_obj
def export(obj: Context, site: str | None, since: datetime | None, fmt: str, all_versions: bool) -> None:
    """Write articles (current versions, or all) to standard output as JSON lines or CSV."""
    from monitor.digest import iso
    from store.export import EXPORT_FIELDS, export_rows

    config = obj.config()
    if site:
        try:
            config.site(site)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    moment = iso(since if since.tzinfo else since.replace(tzinfo=config.monitor.zone())) if since else None
    rows = export_rows(obj.store(), site, moment, all_versions)
    out = sys.stdout
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (only this machine by default)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Port to listen on.")
@click.pass_obj
def serve(obj: Context, host: str, port: int) -> None:
    """Serve the read-only web view: sites, digests, articles and their versions, diffs, search, the feed.

    The store is opened read-only for every request; nothing on the pages can change it.
    Set [monitor] base_url to this address so digests and the feed link to its pages.
    """
    import uvicorn

    from web.app import create_app

    config = obj.config()
    obj.store().close()  # fail now, with the fix, if there is no store to show
    click.echo(f"Serving {obj.db_path} read-only at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(create_app(config, obj.db_path), host=host, port=port, log_level="warning", access_log=False)
