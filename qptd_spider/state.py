"""Crawl state across runs (SQLite, next to the dataset): what was fetched, and what the
dataset already holds.

An article is skipped by a later crawl only once ``qptd merge`` has put it in the dataset
(``merged``); fetched-but-not-merged articles are fetched again, so a crawl whose output
was lost loses nothing. Articles younger than the re-check window are fetched again with
conditional headers (ETag / Last-Modified), so an unchanged page costs a 304.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE = "crawl-state.sqlite"
# Columns beside the URL key. A state file written by an older qptd gets the columns it
# lacks added on open (with their defaults), so an upgrade never breaks a scheduled crawl.
_COLUMNS = {
    "published_at": "TEXT",
    "etag": "TEXT",
    "last_modified": "TEXT",
    "last_fetched": "TEXT",
    "merged": "INTEGER NOT NULL DEFAULT 0",
    "journaled": "INTEGER NOT NULL DEFAULT 0",
}
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS articles (url TEXT PRIMARY KEY, "
    + ", ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
    + ")"
)


@dataclass(frozen=True)
class KnownArticle:
    url: str
    published_at: datetime | None
    etag: str | None
    last_modified: str | None
    merged: bool
    journaled: bool = False


class CrawlState:
    """One SQLite file; safe for one crawler process and a merge at a time (WAL mode)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # A crash may lose the last writes; they only make the next crawl fetch more.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        for name, kind in _COLUMNS.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")

    def get(self, url: str) -> KnownArticle | None:
        row = self._db.execute(
            "SELECT url, published_at, etag, last_modified, merged, journaled FROM articles "
            "WHERE url = ?",
            (url,),
        ).fetchone()
        if row is None:
            return None
        published = datetime.fromisoformat(row[1]) if row[1] else None
        return KnownArticle(row[0], published, row[2], row[3], bool(row[4]), bool(row[5]))

    def record_fetch(
        self,
        url: str,
        published_at: str | None,
        etag: str | None,
        last_modified: str | None,
        changed: bool = True,
    ) -> None:
        """A page was fetched; a changed (200) page waits for the next merge again."""
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        self._db.execute(
            """INSERT INTO articles (url, published_at, etag, last_modified, last_fetched, merged)
               VALUES (?, ?, ?, ?, ?, 0)
               ON CONFLICT(url) DO UPDATE SET
                 published_at = COALESCE(excluded.published_at, published_at),
                 etag = COALESCE(excluded.etag, etag),
                 last_modified = COALESCE(excluded.last_modified, last_modified),
                 last_fetched = excluded.last_fetched,
                 merged = CASE WHEN ? THEN 0 ELSE merged END,
                 journaled = CASE WHEN ? THEN 0 ELSE journaled END""",
            (url, published_at, etag, last_modified, now, changed, changed),
        )

    def mark_journaled(self, url: str) -> None:
        """The item of ``url`` is safe in a run journal: no need to fetch it again."""
        self._db.execute("UPDATE articles SET journaled = 1 WHERE url = ?", (url,))

    def mark_merged(self, rows: Iterable[tuple[str, str | None]]) -> int:
        """(url, published_at) of articles now in the dataset."""
        count = 0
        self._db.execute("BEGIN")
        try:
            for url, published_at in rows:
                self._db.execute(
                    """INSERT INTO articles (url, published_at, merged) VALUES (?, ?, 1)
                       ON CONFLICT(url) DO UPDATE SET merged = 1, journaled = 0,
                         published_at = COALESCE(excluded.published_at, published_at)""",
                    (url, published_at),
                )
                count += 1
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return count

    def counts(self) -> dict[str, int]:
        total, merged = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(merged), 0) FROM articles"
        ).fetchone()
        return {"known": int(total), "merged": int(merged)}

    def close(self) -> None:
        self._db.close()
