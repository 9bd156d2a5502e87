"""Crawl state across runs (SQLite, in the exports root): the crawler's own memory. What
was fetched (with its validators), which run's journal holds it, which pages failed and
which were discovered but not fetched yet.

What the dataset holds is not here: it is read from the current version's index
(``dataset/held.py``), so a rollback is seen by the next crawl. An article is skipped by a
later crawl when the dataset holds it and it is past the re-check window, or when the
journal of a run still waiting for ``qptd merge`` holds it (``journaled_run``; a run that
failed its health check does not count, so its articles are fetched again). Articles
younger than the re-check window are fetched again with conditional headers (ETag /
Last-Modified), so an unchanged page costs a 304.

Pages that failed are kept (``failures``) until a later crawl fetches them; pages found
through related links are kept (``frontier``) until fetched, so a crawl killed with them in
its queue does not lose them: list pages are read again on every crawl, related links are not.
Categories whose list a crawl read to its end are kept (``categories``): only for those may a
later crawl stop paging at a page of known articles (a killed crawl never saw the rest).
"""

from __future__ import annotations

import errno
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..clock import utc_now_iso
from ..fileio import OutputWriteError

# Columns beside the URL key. A state file written by an older qptd gets the columns it
# lacks added on open (with their defaults), so an upgrade never breaks a scheduled crawl.
_COLUMNS = {
    "published_at": "TEXT",
    "etag": "TEXT",
    "last_modified": "TEXT",
    "last_fetched": "TEXT",
    # Files of an older qptd also have ``merged`` (what the dataset held): no longer read,
    # the dataset's own index says it.
    "journaled": "INTEGER NOT NULL DEFAULT 0",  # before runs existed: no longer trusted
    "journaled_run": "TEXT",
    "warc_ref": "TEXT",  # JSON: the archived response of the last fetch (for revisits)
}
_TABLES = (
    "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, "
    + ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
    + ")",
    "CREATE TABLE IF NOT EXISTS failures (url TEXT PRIMARY KEY, page TEXT, category_path TEXT, "
    "listing_page INTEGER, kind TEXT, runs INTEGER NOT NULL DEFAULT 1, last_run TEXT, "
    "last_failed TEXT, listed INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS frontier (url TEXT PRIMARY KEY, run_id TEXT, hint TEXT)",
    "CREATE TABLE IF NOT EXISTS categories (path TEXT PRIMARY KEY, completed_run TEXT, "
    "completed_at TEXT)",
)


@dataclass(frozen=True)
class KnownArticle:
    url: str
    published_at: datetime | None
    etag: str | None
    last_modified: str | None
    journaled_run: str | None = None
    # Where its archived copy is (a dict): not part of what the article is, nor of its hash.
    warc_ref: dict[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CarriedFailure:
    """A page an earlier crawl could not get, to be fetched first by the next one."""

    url: str
    page: str
    category_path: str | None
    listing_page: int | None
    kind: str
    runs: int
    listed: bool = False  # an article seen on a list page (not only linked)


class CrawlState:
    """One SQLite file; one crawler process and a merge at a time (WAL mode)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A crash may lose the last writes; they only make the next crawl fetch more.
        self._db.execute("PRAGMA synchronous=NORMAL")
        for table in _TABLES:
            self._db.execute(table)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        for name, kind in _COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
        present = {row[1] for row in self._db.execute("PRAGMA table_info(failures)")}
        if "listed" not in present:
            self._db.execute("ALTER TABLE failures ADD COLUMN listed INTEGER NOT NULL DEFAULT 0")

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """One write; a disk that cannot take it is an OutputWriteError (the crawl stops)."""
        try:
            self._db.execute(sql, params)
        except sqlite3.OperationalError as exc:
            full = "full" in str(exc)
            cause = OSError(errno.ENOSPC if full else errno.EIO, str(exc))
            raise OutputWriteError(self.path, cause) from exc

    # -- articles ----------------------------------------------------------------------------

    def get(self, url: str) -> KnownArticle | None:
        row = self._db.execute(
            "SELECT url, published_at, etag, last_modified, journaled_run, warc_ref "
            "FROM articles WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        published = datetime.fromisoformat(row[1]) if row[1] else None
        warc_ref = json.loads(row[5]) if row[5] else None
        return KnownArticle(row[0], published, row[2], row[3], row[4], warc_ref)

    def record_fetch(
        self,
        url: str,
        published_at: str | None,
        etag: str | None,
        last_modified: str | None,
        changed: bool = True,
        warc_ref: dict[str, Any] | None = None,
    ) -> None:
        """A page was fetched; a changed (200) page is no longer in a journal until the
        crawl journals it."""
        self._write(
            """INSERT INTO articles
                 (url, published_at, etag, last_modified, last_fetched, warc_ref)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET
                 published_at = COALESCE(excluded.published_at, published_at),
                 etag = COALESCE(excluded.etag, etag),
                 last_modified = COALESCE(excluded.last_modified, last_modified),
                 last_fetched = excluded.last_fetched,
                 warc_ref = COALESCE(excluded.warc_ref, warc_ref),
                 journaled_run = CASE WHEN ? THEN NULL ELSE journaled_run END""",
            (
                url,
                published_at,
                etag,
                last_modified,
                utc_now_iso(),
                json.dumps(warc_ref) if warc_ref else None,
                changed,
            ),
        )

    def mark_journaled(self, url: str, run_id: str) -> None:
        """The item of ``url`` is safe in the journal of ``run_id``, waiting for a merge."""
        self._write(
            """INSERT INTO articles (url, journaled_run) VALUES (?, ?)
               ON CONFLICT(url) DO UPDATE SET journaled_run = excluded.journaled_run""",
            (url, run_id),
        )

    def counts(self) -> dict[str, int]:
        (total,) = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()
        return {"known": int(total)}

    # -- pages that failed -------------------------------------------------------------------

    def record_failure(
        self,
        url: str,
        page: str,
        kind: str,
        run_id: str,
        category_path: str | None = None,
        listing_page: int | None = None,
        listed: bool = False,
    ) -> None:
        """A page failed in ``run_id``; counted once per run."""
        self._write(
            """INSERT INTO failures (url, page, category_path, listing_page, kind, runs,
                                     last_run, last_failed, listed)
               VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
               ON CONFLICT(url) DO UPDATE SET kind = excluded.kind,
                 runs = runs + CASE WHEN last_run = excluded.last_run THEN 0 ELSE 1 END,
                 last_run = excluded.last_run, last_failed = excluded.last_failed,
                 listed = MAX(listed, excluded.listed)""",
            (url, page, category_path, listing_page, kind, run_id, utc_now_iso(), listed),
        )

    def clear_failure(self, url: str) -> None:
        self._write("DELETE FROM failures WHERE url = ?", (url,))

    def carried_failures(self, max_runs: int) -> list[CarriedFailure]:
        """Pages that failed in fewer than ``max_runs`` runs, listing pages first."""
        rows = self._db.execute(
            "SELECT url, page, category_path, listing_page, kind, runs, listed FROM failures "
            "WHERE runs < ? ORDER BY page = 'article', last_failed",
            (max_runs,),
        ).fetchall()
        return [
            CarriedFailure(url, page, path, number, kind, runs, bool(listed))
            for url, page, path, number, kind, runs, listed in rows
        ]

    # -- categories paged to their end --------------------------------------------------------

    def mark_category_complete(self, path: str, run_id: str) -> None:
        """A crawl read this category's list to its last page."""
        self._write(
            """INSERT INTO categories (path, completed_run, completed_at) VALUES (?, ?, ?)
               ON CONFLICT(path) DO UPDATE SET completed_run = excluded.completed_run,
                 completed_at = excluded.completed_at""",
            (path, run_id, utc_now_iso()),
        )

    def complete_categories(self, after: datetime | None = None) -> set[str]:
        """Categories read to their end (by a crawl after ``after``, when given)."""
        rows = self._db.execute("SELECT path, completed_at FROM categories").fetchall()
        return {
            path
            for path, completed in rows
            if after is None or (completed and datetime.fromisoformat(completed) > after)
        }

    # -- pages found but not fetched yet ----------------------------------------------------

    def frontier_add(self, url: str, run_id: str, hint: dict[str, Any] | None) -> None:
        self._write(
            "INSERT OR IGNORE INTO frontier (url, run_id, hint) VALUES (?, ?, ?)",
            (url, run_id, json.dumps(hint) if hint else None),
        )

    def frontier_done(self, url: str) -> None:
        self._write("DELETE FROM frontier WHERE url = ?", (url,))

    def frontier_pending(self) -> list[tuple[str, dict[str, Any] | None]]:
        rows = self._db.execute("SELECT url, hint FROM frontier ORDER BY rowid").fetchall()
        return [(url, json.loads(hint) if hint else None) for url, hint in rows]

    def close(self) -> None:
        self._db.close()
