"""The `newswatch` command line."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import click

from crawler.config import ConfigError, default_config_path, default_db_path
from crawler.extract import extract

from . import __version__
from .context import Context
from .desk_commands import check, export, notify, serve
from .monitor_commands import demo, run, samples
from .params import LOG_LEVELS, HttpUrl, NewswatchGroup
from .queue_commands import worker, writer
from .read_commands import diff_cmd, digest, history, search, sites
from .store_commands import compact, migrate, reextract


@click.group(cls=NewswatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="NEWSWATCH_CONFIG",
    help="Site registry (TOML). Env NEWSWATCH_CONFIG; default ~/.config/newswatch/sites.toml if it "
    "exists, else the bundled registry. A named registry that is missing or wrong is an error.",
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
    # expanduser: a "~" in NEWSWATCH_CONFIG or NEWSWATCH_DB reaches us unexpanded by the shell.
    config = config_path.expanduser() if config_path else default_config_path()
    ctx.obj = Context(config, db_path.expanduser() if db_path else default_db_path())


@main.command()
@click.argument("sites", nargs=-1)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary, not each page.")
@click.option("--log-level", type=LOG_LEVELS, default="WARNING", show_default=True, help="Scrapy's log level.")
@click.option(
    "--recheck-all",
    is_flag=True,
    help="Re-fetch every known article, not only those due, and read every listing page whole.",
)
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
    total = [0] * 9
    for s in summaries:
        counts = (s.pages, s.new, s.edited, s.unchanged, s.failed, s.not_modified, s.missing, s.skipped, s.attachments)
        click.echo(_summary_line(s.site, s.status, counts))
        total = [a + b for a, b in zip(total, counts, strict=True)]
    click.echo(_summary_line("total", "", tuple(total)))
    for s in summaries:
        if s.status == "busy":
            click.echo(f"{s.site}: skipped, another crawl of this site is running", err=True)
        elif s.error:
            click.echo(f"{s.site}: {s.status}: {s.error}", err=True)
    # Non-zero when a crawl failed, timed out or did not finish; a partial crawl stored what it could.
    if any(s.status not in {"ok", "partial", "busy"} for s in summaries):
        sys.exit(1)


def _summary_line(site: str, status: str, counts: tuple[int, ...]) -> str:
    pages, new, edited, unchanged, failed, not_modified, missing, skipped, files = counts
    by_304 = f" ({not_modified} by 304)" if not_modified else ""
    gone = f", {missing} missing" if missing else ""
    passed = f", {skipped} skipped" if skipped else ""
    documents = f"; {files} attachment{'s' if files != 1 else ''} checked" if files else ""
    return (
        f"{site:<12} {status:<10} {pages:>4} pages: {new} new, {edited} edited, {unchanged} unchanged{by_304}, "
        f"{failed} failed{gone}{passed}{documents}"
    )


@main.command("extract")
@click.argument("source")
@click.option(
    "--url", type=HttpUrl(), help="The page's URL (for its date and canonical link). Default: SOURCE if it is a URL."
)
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


for command in (
    run,
    digest,
    sites,
    search,
    history,
    diff_cmd,
    migrate,
    reextract,
    compact,
    demo,
    samples,
    check,
    notify,
    export,
    serve,
    worker,
    writer,
):
    main.add_command(command)
