"""Commands that read the store: digest, history, diff, sites, search."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from store.queries import article_by_url, events_of, version, versions_of

from .context import Context
from .params import IsoDateTime, TimeZone


@click.command()
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="The day to report (default: today).")
@click.option("--since", type=IsoDateTime(), help="Report everything since this ISO datetime instead of one day.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json", "html"]), default="text", show_default=True
)
@click.option(
    "--timezone",
    "zone",
    type=TimeZone(),
    help="Time zone of --date and today (default: [monitor] timezone, else local).",
)
@click.option(
    "--deliver",
    is_flag=True,
    help="Also do what `newswatch run` does with a digest: write the files and the feed, send the email and "
    "notifications, and remember it. Without --date/--since it covers the time since the last delivered digest.",
)
@click.option(
    "--digest-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --deliver: where the files go (default: [monitor] digest_dir, else 'digests' next to the database).",
)
@click.pass_obj
def digest(
    obj: Context,
    day: datetime | None,
    since: datetime | None,
    fmt: str,
    zone: ZoneInfo | None,
    deliver: bool,
    digest_dir: Path | None,
) -> None:
    """New and edited articles of a day (default today), edits shown in their sentence.

    Also lists articles gone (404/410 several checks in a row) or back, sites watched for the
    first time (a baseline, counted, not listed) and what needs attention (sites failing run
    after run, extraction drift, failed notifications). Keywords of [monitor] watchlist are
    marked and listed first.
    """
    from monitor.compose import Window, compose_digest, since_last_digest
    from monitor.digest import day_window, iso
    from monitor.render import render

    if day and since:
        raise click.UsageError("give --date or --since, not both")
    config = obj.config()
    tz = zone or _local_zone(config.monitor.timezone)
    now = datetime.now(tz)
    db = obj.existing_db() if deliver else obj.store()
    if since:
        moment = since if since.tzinfo else since.replace(tzinfo=tz)
        window = Window(iso(moment), iso(now) if deliver else "9999", f"since {moment.isoformat()}")
    elif day or not deliver:
        the_day = day.date() if day else now.date()
        window = Window(*day_window(the_day, tz), f"{the_day.isoformat()} ({tz.key})")
    else:
        window = since_last_digest(db, now, tz.key)
    result = compose_digest(db, config, window, now)
    click.echo(render(result, fmt), nl=False)
    if deliver:
        _deliver(obj, config, db, result, window, now, digest_dir)


def _deliver(obj: Context, config, db, result, window, now: datetime, digest_dir: Path | None) -> None:  # type: ignore[no-untyped-def]
    from monitor.jobs import digest_stamp
    from monitor.publish import publish_digest

    from .monitor_commands import digest_folder

    folder = digest_folder(obj, config, digest_dir)
    tz = now.tzinfo if isinstance(now.tzinfo, ZoneInfo) else ZoneInfo("UTC")
    try:
        done = publish_digest(db, config, result, window, folder, now, digest_stamp(config, now, tz))
    finally:
        db.close()
    if done.skipped:
        click.echo("Nothing to report: no digest written or sent (skip_empty).", err=True)
    for path in done.paths:
        click.echo(f"wrote {path}", err=True)
    for sent in done.sent:
        click.echo(f"notified {sent.target}" if sent.ok else f"could not notify {sent.target}: {sent.error}", err=True)
    if done.errors:
        raise click.ClickException("; ".join(done.errors))


def _local_zone(configured: str | None) -> ZoneInfo:
    """[monitor] timezone (checked at load), else this machine's zone, else UTC."""
    if configured:
        return ZoneInfo(configured)
    return machine_zone()


def machine_zone() -> ZoneInfo:
    """This machine's IANA zone: TZ if it names one, else what /etc/localtime links to, else UTC.

    (`datetime.now().astimezone()` gives only a fixed offset, with no name and no DST rules.)
    """
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "/zoneinfo/" in target:
            candidates.append(target.split("/zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, ZoneInfoNotFoundError):
                continue
    return ZoneInfo("UTC")


@click.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="Print the article, its versions and events as JSON.")
@click.pass_obj
def history(obj: Context, url: str, as_json: bool) -> None:
    """List every stored version of the article at URL, and its events."""
    config = obj.config()  # a registry named but missing or wrong is an error here too
    db = obj.store()
    article = _article(db, url, config.crawl.tracking_params)
    if as_json:
        events = [
            {**e, "changed_fields": json.loads(e["changed_fields"] or "null")} for e in events_of(db, article["id"])
        ]
        data = {"article": article, "versions": versions_of(db, article["id"]), "events": events}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{article['url']}  [{article['site']}, {article['status']}]")
    click.echo(f"first seen {article['first_seen']}, last checked {article['last_checked']}")
    if article["last_error"]:
        click.echo(f"last check failed: {article['last_error']}")
    for v in versions_of(db, article["id"]):
        current = " (current)" if v["id"] == article["current_version_id"] else ""
        read = f"extractor {v['extractor'] or '?'}" + (
            f", re-read from v{v['derived_from']}" if v["derived_from"] else ""
        )
        chars = f"{v['body_chars']} chars" if "body_error" not in v else "body unreadable"
        click.echo(
            f"  v{v['id']:<5} {v['fetched_at']}  {v['fingerprint'][:12]}  {v['published'] or '-':<10}  "
            f"{chars}  [{read}]  {v['title']}{current}"
        )
        if "body_error" in v:
            click.echo(f"         {v['body_error']}")
    for e in events_of(db, article["id"]):
        fields = f" ({', '.join(json.loads(e['changed_fields']))})" if e["changed_fields"] else ""
        click.echo(f"  {e['at']}  {e['kind']}{fields}")


@click.command("diff")
@click.argument("url")
@click.pass_obj
def diff_cmd(obj: Context, url: str) -> None:
    """Show the last change of the article at URL, word by word."""
    from common.diff import DIFF_FIELDS
    from monitor.attachments import attachment_changes
    from monitor.digest import stored_diffs, unreadable
    from monitor.render import render_change

    config = obj.config()
    db = obj.store()
    article = _article(db, url, config.crawl.tracking_params)
    edits = [e for e in events_of(db, article["id"]) if e["kind"] == "edited"]
    if not edits:
        click.echo(f"{article['url']}\nno change recorded: one version since {article['first_seen']}")
        return
    last = edits[-1]
    before, after = version(db, last["previous_version_id"]) or {}, version(db, last["version_id"]) or {}
    fields = json.loads(last["changed_fields"] or "[]")
    # The diff the crawl stored with the edit (the digest's), and a replaced document by its sizes.
    diffs = stored_diffs(db, before, after, [f for f in DIFF_FIELDS if f in fields])
    documents = attachment_changes(before, after, [last])
    notes = unreadable(before, after)
    click.echo(render_change(article["url"], fields, diffs, last["at"], documents, notes), nl=False)


def _article(db, url: str, tracking: tuple[str, ...]) -> dict:  # type: ignore[no-untyped-def]
    article = article_by_url(db, url, tracking)
    if article is None:
        raise click.ClickException(f"no stored article at {url}; `newswatch crawl` first, or check the URL")
    return article


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per site.")
@click.pass_obj
def sites(obj: Context, as_json: bool) -> None:
    """One line per site: last crawl and its result, articles, versions, failed runs in a row."""
    from store.queries import site_states

    config = obj.config()
    states = site_states(obj.store())
    if as_json:
        for site in config.sites:
            state = states.get(site.name, {})
            row = {"site": site.name, "title": site.display_name, "articles": state.get("articles", 0),
                   "versions": state.get("versions", 0), "failures_in_a_row": state.get("failures_in_a_row", 0),
                   "last_crawl": state.get("last")}  # fmt: skip
            click.echo(json.dumps(row, ensure_ascii=False))
        return
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


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--fts", is_flag=True, help='TEXT is an FTS5 query (a OR b, NEAR(a b), "a phrase"), not plain words.')
@click.option("--site", help="Only this site's articles.")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="Only articles published (else first seen) since this day."
)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="At most this many results.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON lines.")
@click.pass_obj
def search(
    obj: Context, text: tuple[str, ...], fts: bool, site: str | None, since: datetime | None, limit: int, as_json: bool
) -> None:
    """Search the current version of every article, best match first.

    \b
    Every word must occur (as a substring, any case): CCC, ISO/TC 292, 认证, GB/T 19001-2016.
    "Quoted words" must occur together. --fts takes SQLite FTS5 syntax instead.
    """
    from store.search import SearchError, SearchQuery, marked
    from store.search import search as run_search

    config = obj.config()
    if site:
        _known_site(config, site)
    query = SearchQuery(" ".join(text), fts, site, since.date().isoformat() if since else None, limit)
    try:
        hits = run_search(obj.store(), query)
    except SearchError as exc:
        raise click.ClickException(f"cannot search for {query.text!r}: {exc}") from exc
    for hit in hits:
        if as_json:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
            continue
        click.echo(f"{hit.published or '-':<10}  [{hit.site}] {hit.title}")
        click.echo(f"            {hit.url}")
        click.echo(f"            {marked(hit.snippet, '[', ']')}")
    click.echo(f"{len(hits)} result(s)", err=True)


def _known_site(config, name: str) -> None:  # type: ignore[no-untyped-def]
    from crawler.config import ConfigError

    try:
        config.site(name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
