"""Open the database and own its schema: the only module that creates or alters tables."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .searchtext import index_text


class StoreError(Exception):
    """The database cannot be opened or written; the message says how to fix it."""


MIGRATIONS = Migrations("newswatch")
# How long a write waits for another process's write to finish before it fails.
BUSY_TIMEOUT_SECONDS = 60


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    """Articles, their versions, crawl runs, fetch failures and events."""
    db.executescript(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            site TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            last_checked TEXT NOT NULL,
            current_version_id INTEGER,
            status TEXT NOT NULL DEFAULT 'live',
            misses INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT
        );
        CREATE INDEX articles_site ON articles(site);
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            fingerprint TEXT NOT NULL,
            title TEXT,
            published TEXT,
            origin TEXT,
            language TEXT,
            body TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            crawl_id INTEGER REFERENCES crawls(id),
            fetched_url TEXT,
            content_type TEXT,
            raw BLOB,
            UNIQUE(article_id, fingerprint)
        );
        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',
            pages INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            edited INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            error TEXT
        );
        CREATE INDEX crawls_site ON crawls(site, started_at);
        CREATE TABLE failures (
            id INTEGER PRIMARY KEY,
            crawl_id INTEGER REFERENCES crawls(id),
            site TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            at TEXT NOT NULL,
            site TEXT NOT NULL,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            version_id INTEGER REFERENCES versions(id),
            previous_version_id INTEGER REFERENCES versions(id),
            crawl_id INTEGER REFERENCES crawls(id),
            changed_fields TEXT
        );
        CREATE INDEX events_at ON events(at);
        """
    )


@MIGRATIONS()
def m002_monitor(db: Database) -> None:
    """Digest runs, full-text search over versions, and how an article was last answered."""
    db.executescript(
        """
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            written_at TEXT NOT NULL,
            new INTEGER NOT NULL,
            edited INTEGER NOT NULL,
            paths TEXT
        );
        ALTER TABLE articles ADD COLUMN last_status INTEGER;
        ALTER TABLE crawls ADD COLUMN not_modified INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawls ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
        """
    )
    db.table("versions").enable_fts(["title", "body"], create_triggers=True, tokenize="unicode61")


@MIGRATIONS()
def m003_identity_and_provenance(db: Database) -> None:
    """One article per URL identity (duplicates from URL variants merge), the URL forms that
    lead to an article, and which extractor (and site hints) produced each version."""
    from .identity import merge_duplicate_articles

    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN key TEXT;
        ALTER TABLE articles ADD COLUMN last_error TEXT;
        CREATE TABLE article_urls (
            key TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id)
        );
        CREATE INDEX article_urls_article ON article_urls(article_id);
        ALTER TABLE versions ADD COLUMN extractor TEXT;
        ALTER TABLE versions ADD COLUMN hints TEXT;
        ALTER TABLE versions ADD COLUMN derived_from INTEGER REFERENCES versions(id);
        ALTER TABLE crawls ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE failures ADD COLUMN outcome TEXT NOT NULL DEFAULT 'failed';
        CREATE INDEX events_article ON events(article_id, id);
        CREATE INDEX failures_crawl ON failures(crawl_id);
        """
    )
    merge_duplicate_articles(db)
    db.execute("CREATE UNIQUE INDEX articles_key ON articles(key)")


@MIGRATIONS()
def m004_search_current(db: Database) -> None:
    """Full-text search over the current version of each article only. Its text goes in spaced
    out by `nw_index_text` (store/searchtext.py: every CJK character a word, letters apart from
    digits), so `CCC` inside `年度CCC认证`, standard numbers (`GB/T 19001-2016`) and Chinese
    substrings are found with the unicode61 tokenizer. The index reads its text through the
    `search_text` view (no second copy of the bodies) and triggers on `articles` keep it
    current whenever `current_version_id` changes."""
    if db.table("versions").detect_fts():
        db.table("versions").disable_fts()  # the old index over every version, and its triggers
    db.executescript(
        """
        CREATE VIEW search_text AS
            SELECT a.id AS article_id, nw_index_text(v.title) AS title, nw_index_text(v.body) AS body
            FROM articles a JOIN versions v ON v.id = a.current_version_id;
        CREATE VIRTUAL TABLE search_fts USING fts5(
            title, body, content='search_text', content_rowid='article_id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_search_insert AFTER INSERT ON articles
        WHEN new.current_version_id IS NOT NULL BEGIN
            INSERT INTO search_fts(rowid, title, body)
                SELECT new.id, nw_index_text(title), nw_index_text(body) FROM versions
                WHERE id = new.current_version_id;
        END;
        CREATE TRIGGER articles_search_update AFTER UPDATE OF current_version_id ON articles
        WHEN new.current_version_id IS NOT old.current_version_id BEGIN
            INSERT INTO search_fts(search_fts, rowid, title, body)
                SELECT 'delete', old.id, nw_index_text(title), nw_index_text(body) FROM versions
                WHERE id = old.current_version_id;
            INSERT INTO search_fts(rowid, title, body)
                SELECT new.id, nw_index_text(title), nw_index_text(body) FROM versions
                WHERE id = new.current_version_id;
        END;
        CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
            INSERT INTO search_fts(search_fts, rowid, title, body)
                SELECT 'delete', old.id, nw_index_text(title), nw_index_text(body) FROM versions
                WHERE id = old.current_version_id;
        END;
        INSERT INTO search_fts(search_fts) VALUES ('rebuild');
        """
    )


@MIGRATIONS()
def m005_digest_store(db: Database) -> None:
    """Word diffs computed once per pair of versions (the digest reads them back), and every
    attempt to send a notification (failures show under "needs attention")."""
    db.executescript(
        """
        CREATE TABLE diffs (
            old_version_id INTEGER NOT NULL REFERENCES versions(id),
            new_version_id INTEGER NOT NULL REFERENCES versions(id),
            algorithm TEXT NOT NULL,
            hunks TEXT NOT NULL,
            PRIMARY KEY (old_version_id, new_version_id, algorithm)
        );
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            target TEXT NOT NULL,
            ok INTEGER NOT NULL,
            tries INTEGER NOT NULL,
            error TEXT
        );
        CREATE INDEX notifications_target ON notifications(target, id);
        CREATE INDEX events_kind_at ON events(kind, at);
        """
    )


@MIGRATIONS()
def m006_site_evidence(db: Database) -> None:
    """What a monitor knows beyond one page: listing link texts, site profiles, and the
    documents articles link to (each distinct file of an attachment is kept as a row)."""
    db.executescript(
        """
        ALTER TABLE articles ADD COLUMN link_texts TEXT;
        ALTER TABLE versions ADD COLUMN attachments TEXT;
        ALTER TABLE events ADD COLUMN details TEXT;
        ALTER TABLE crawls ADD COLUMN attachments INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE site_profiles (
            site TEXT PRIMARY KEY,
            profile TEXT NOT NULL,
            pages INTEGER NOT NULL,
            built_at TEXT NOT NULL
        );
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            url TEXT NOT NULL,
            text TEXT,
            first_seen TEXT NOT NULL,
            last_checked TEXT,
            etag TEXT,
            last_modified TEXT,
            status INTEGER,
            current_file_id INTEGER,
            UNIQUE(article_id, url)
        );
        CREATE TABLE attachment_files (
            id INTEGER PRIMARY KEY,
            attachment_id INTEGER NOT NULL REFERENCES attachments(id),
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            content_type TEXT,
            fetched_at TEXT NOT NULL,
            crawl_id INTEGER REFERENCES crawls(id),
            data BLOB,
            UNIQUE(attachment_id, sha256)
        );
        """
    )


@MIGRATIONS()
def m007_remote_runs(db: Database) -> None:
    """Crawl runs that ran on a worker (distributed mode): the writer's map from a run's token
    to its crawl row, the last observation of the run it applied (so a replay is skipped), the
    site profile the run read pages with, and what the stored observations counted."""
    db.executescript(
        """
        CREATE TABLE remote_runs (
            token TEXT PRIMARY KEY,
            crawl_id INTEGER NOT NULL REFERENCES crawls(id),
            site TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            profile TEXT,
            tally TEXT NOT NULL DEFAULT '{}',
            worker TEXT
        );
        """
    )


@contextmanager
def write(db: Database) -> Iterator[Database]:
    """A write transaction that waits its turn for the store's write lock.

    `BEGIN IMMEDIATE` takes the lock up front, waiting up to the busy timeout. A plain
    `BEGIN` that reads first cannot wait when it later needs to write (another process
    committed in between, in WAL mode), and fails at once with "database is locked".
    Nested calls become savepoints of the outer transaction.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        # A COMMIT that fails (a full disk, an I/O error) leaves the transaction open: roll it
        # back, or every later write would become a savepoint of it and never be committed.
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise


def _set_up(db: Database) -> None:
    """WAL, foreign keys and the schema; several processes may do it at once on a new store.

    Switching a new file to WAL needs its exclusive lock, and SQLite answers "database is
    locked" at once, without waiting out the busy timeout, when another process is creating the
    same store (three crawls started together by `newswatch run`): try again until it is done.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            # WAL lets the digest read while a crawl writes; a crash mid-write leaves the
            # last committed state intact.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            _migrate(db)
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05 + random.random() * 0.1)


# Migrations a released newswatch applied under other names before they were renumbered in
# order (m004–m007 then; m008–m011 now): the same migrations, so a store that has the old name
# has it applied. Without this, opening such a store ran them again and failed
# ("table version_sites already exists"), so nothing could be recorded or read.
RENAMED_MIGRATIONS = {
    "m004_read_indexes": "m008_read_indexes",
    "m005_raw_dicts": "m009_raw_dicts",
    "m006_site_totals": "m010_site_totals",
    "m007_current_versions": "m011_current_versions",
}


def _migrate(db: Database) -> None:
    """Apply pending migrations under a write lock, so processes opening a new store at once
    (the monitor's crawls of several sites) do not both create its tables."""
    if not MIGRATIONS.pending(db):
        return
    with write(db):
        _rename_applied(db)
        MIGRATIONS.apply(db)  # each migration nests as a savepoint inside this transaction


def _rename_applied(db: Database) -> None:
    if not db["_sqlite_migrations"].exists():
        return
    for old, new in RENAMED_MIGRATIONS.items():
        db.execute(
            "UPDATE _sqlite_migrations SET name = ? WHERE migration_set = ? AND name = ?"
            " AND NOT EXISTS (SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? AND name = ?)",
            [new, MIGRATIONS.name, old, MIGRATIONS.name, new],
        )


def open_readonly(path: str | Path) -> Database:
    """Open an existing store for reading only: never creates, migrates or locks it for writing.

    Works on a store file the user may only read. StoreError, saying how to fix it, when
    there is no store at path or its schema is older than this newswatch.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(
            f"no store at {path}: check --db or NEWSWATCH_DB, or run `newswatch crawl` first to create one."
        )
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        db = Database(conn)
        register_functions(conn)
        db.execute("PRAGMA query_only=ON")
        pending = MIGRATIONS.pending(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot read the store {path}: {exc}. Is it a newswatch database?") from exc
    if pending:
        db.close()
        raise StoreError(
            f"the store {path} was written by an older newswatch; run `newswatch migrate` once to upgrade it."
        )
    return db


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the schema's triggers call: every connection that writes registers them."""
    conn.create_function("nw_index_text", 1, index_text, deterministic=True)


def open_db(path: str | Path) -> Database:
    """Open (creating if needed) the store at path and bring its schema up to date."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        db = Database(conn)
        register_functions(conn)
        _set_up(db)
    except (sqlite3.DatabaseError, OSError) as exc:
        raise StoreError(
            f"cannot open the database {path}: {exc}. Check the path (NEWSWATCH_DB or --db), "
            "its permissions and free disk space."
        ) from exc
    return db


@MIGRATIONS()
def m008_read_indexes(db: Database) -> None:
    """What the read commands look up, indexed: each version's site (kept by triggers) for the
    drift check and the counts of `sites`, and crawl runs by site in run order."""
    db.executescript(
        """
        CREATE TABLE version_sites (
            version_id INTEGER PRIMARY KEY,
            site TEXT NOT NULL
        );
        INSERT INTO version_sites (version_id, site)
            SELECT v.id, a.site FROM versions v JOIN articles a ON a.id = v.article_id;
        CREATE INDEX version_sites_site ON version_sites(site, version_id);
        CREATE TRIGGER version_sites_ai AFTER INSERT ON versions BEGIN
            INSERT INTO version_sites (version_id, site) SELECT new.id, site FROM articles WHERE id = new.article_id;
        END;
        CREATE TRIGGER version_sites_au AFTER UPDATE OF id, article_id ON versions BEGIN
            DELETE FROM version_sites WHERE version_id = old.id;
            INSERT INTO version_sites (version_id, site) SELECT new.id, site FROM articles WHERE id = new.article_id;
        END;
        CREATE TRIGGER version_sites_ad AFTER DELETE ON versions BEGIN
            DELETE FROM version_sites WHERE version_id = old.id;
        END;
        CREATE TRIGGER version_sites_site AFTER UPDATE OF site ON articles BEGIN
            UPDATE version_sites SET site = new.site
            WHERE version_id IN (SELECT id FROM versions WHERE article_id = new.id);
        END;
        CREATE INDEX crawls_site_run ON crawls(site, id);
        """
    )


@MIGRATIONS()
def m009_raw_dicts(db: Database) -> None:
    """Raw pages packed with zstd and a dictionary per site (`store/raw.py`): the dictionaries, and
    an index of the versions whose page is still zlib (all of them in an older store)."""
    from .raw import ZLIB_ROWS

    db.executescript(
        f"""
        CREATE TABLE raw_dicts (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            seq INTEGER NOT NULL,
            trained_at TEXT NOT NULL,
            pages INTEGER NOT NULL,
            ratio REAL NOT NULL,
            content BLOB NOT NULL
        );
        CREATE INDEX raw_dicts_site ON raw_dicts(site, seq);
        CREATE INDEX versions_zlib ON versions(id) WHERE {ZLIB_ROWS};
        """
    )


@MIGRATIONS()
def m010_site_totals(db: Database) -> None:
    """Articles and versions per site, kept by triggers, so `sites` reads one row per site."""
    bump = (
        "INSERT INTO site_totals (site, {col}) VALUES ({row}.site, 1)"
        " ON CONFLICT(site) DO UPDATE SET {col} = {col} + 1;"
    )
    drop = "UPDATE site_totals SET {col} = {col} - 1 WHERE site = {row}.site;"
    script = """
        CREATE TABLE site_totals (
            site TEXT PRIMARY KEY,
            articles INTEGER NOT NULL DEFAULT 0,
            versions INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO site_totals (site, articles) SELECT site, count(*) FROM articles GROUP BY site;
        INSERT INTO site_totals (site, versions) SELECT site, count(*) FROM version_sites GROUP BY site
            ON CONFLICT(site) DO UPDATE SET versions = excluded.versions;
    """
    for table, col in (("articles", "articles"), ("version_sites", "versions")):
        up, down = bump.format(col=col, row="new"), drop.format(col=col, row="old")
        script += f"""
        CREATE TRIGGER site_totals_{table}_ai AFTER INSERT ON {table} BEGIN {up} END;
        CREATE TRIGGER site_totals_{table}_ad AFTER DELETE ON {table} BEGIN {down} END;
        CREATE TRIGGER site_totals_{table}_au AFTER UPDATE OF site ON {table} BEGIN {down} {up} END;
        """
    db.executescript(script)


@MIGRATIONS()
def m011_current_versions(db: Database) -> None:
    """Articles by their current version: a full-text match finds versions, then asks which
    article each one is current for (without it, every match scanned all articles)."""
    db.execute("CREATE INDEX articles_current ON articles(current_version_id)")


@MIGRATIONS()
def m012_packed_bodies(db: Database) -> None:
    """Old versions' bodies kept as their difference from a newer version (store/bodies.py);
    crawls and `newswatch compact` pack a store's existing old versions."""
    db.executescript(
        """
        ALTER TABLE versions ADD COLUMN body_z BLOB;
        ALTER TABLE versions ADD COLUMN body_base INTEGER;
        CREATE INDEX versions_plain_bodies ON versions(article_id) WHERE body_z IS NULL;
        """
    )


@MIGRATIONS()
def m013_listings(db: Database) -> None:
    """What each listing page linked to when last read whole, with its validators, so the next
    crawl can ask for it conditionally and follow the same links on a 304 (store/listings.py)."""
    db.executescript(
        """
        CREATE TABLE listings (
            site TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            title TEXT,
            links TEXT NOT NULL,
            read_at TEXT NOT NULL,
            PRIMARY KEY (site, url)
        );
        """
    )


@MIGRATIONS()
def m014_digest_events_upto(db: Database) -> None:
    """The newest event each delivered digest had read. An event is stamped before its
    transaction commits, so one can commit after a digest whose time it falls in was read;
    the next digest finds it by its id (newer than what the last digest read) and lists it
    (monitor.compose.since_last_digest). Digests delivered before this know no id."""
    db.execute("ALTER TABLE digests ADD COLUMN events_upto INTEGER")
