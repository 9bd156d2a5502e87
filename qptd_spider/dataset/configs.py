"""The Hugging Face folder's other configs, derived from a dataset version at export time:

- ``text``: one row per article with a ``text`` column (title, lead and body), the column
  training scripts on the Hub look for;
- ``images``: one row per image, with the photo credit read from its caption;
- ``people``: one row per person who signed articles (``schemas/person.schema.json`` says
  how mentions become people, and the rule's limits).

Each is written as Parquet beside the default config's shards, read from the version's
files batch by batch (the people table keeps one small record per mention).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..normalize.folding import ascii_fold, fold
from ..normalize.signature import photo_credit
from ..schema import arrow_schema_of
from .versions import version_files

BATCH_ROWS = 5000
TEXT_COLUMNS = ("url", "published_at", "published_date", "category_path", "title")


def _batches(version: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    for path in version_files(version):
        source = pq.ParquetFile(path)
        present = [c for c in columns if c in source.schema_arrow.names]
        yield from source.iter_batches(batch_size=BATCH_ROWS, columns=present)


def _write(table_batches: Iterator[pa.Table], path: Path, schema: pa.Schema) -> int:
    """Write tables to one Parquet file; the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for table in table_batches:
            writer.write_table(table)
            rows += table.num_rows
    return rows


# -- text --------------------------------------------------------------------------------------


def text_of(row: dict[str, Any]) -> str:
    """Title, lead and body, each a paragraph (a missing part leaves no blank)."""
    parts = [row.get("title"), row.get("lead"), row.get("body")]
    return "\n\n".join(p for p in parts if p)


def text_schema() -> pa.Schema:
    article = arrow_schema_of("article")
    fields = [article.field(c) for c in TEXT_COLUMNS]
    text = pa.field("text", pa.string(), nullable=False)
    return pa.schema([*fields, text.with_metadata({"description": "Title, lead and body."})])


def write_text_config(version: Path, path: Path) -> int:
    schema = text_schema()

    def tables() -> Iterator[pa.Table]:
        for batch in _batches(version, [*TEXT_COLUMNS, "lead", "body"]):
            rows = batch.to_pylist()
            yield pa.Table.from_pylist(
                [{**{c: r.get(c) for c in TEXT_COLUMNS}, "text": text_of(r)} for r in rows],
                schema=schema,
            )

    return _write(tables(), path, schema)


# -- images ------------------------------------------------------------------------------------


def write_images_config(version: Path, path: Path) -> int:
    schema = arrow_schema_of("image")

    def tables() -> Iterator[pa.Table]:
        for batch in _batches(version, ["url", "images", "published_date"]):
            rows = [
                {
                    "url": r["url"],
                    "image_url": img["url"],
                    "position": k,
                    "caption": img.get("caption"),
                    "credit": photo_credit(img.get("caption")),
                    "published_date": r.get("published_date"),
                }
                for r in batch.to_pylist()
                for k, img in enumerate(r["images"] or [])
            ]
            yield pa.Table.from_pylist(rows, schema=schema)

    return _write(tables(), path, schema)


# -- people ------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """A name without diacritics, case or spacing differences: the key variants share."""
    return " ".join(re.sub(r"[^\w]+", " ", ascii_fold(name)).split())


def _spelling(name: str) -> str:
    """A name (rank, position) as written, but for case, spacing and tone style."""
    return fold(name)


@dataclass
class _Seen:
    """A value (rank, position) with the first and last date it was seen, as written."""

    value: str
    first: date | None = None
    last: date | None = None

    def see(self, when: date | None) -> None:
        if when is None:
            return
        self.first = when if self.first is None else min(self.first, when)
        self.last = when if self.last is None else max(self.last, when)


@dataclass
class Person:
    key: str
    number: int
    spellings: Counter[str] = field(default_factory=Counter)
    written: dict[str, Counter[str]] = field(default_factory=dict)  # spelling → as written
    ranks: dict[str, _Seen] = field(default_factory=dict)
    positions: dict[str, _Seen] = field(default_factory=dict)
    titles: Counter[str] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)
    urls: set[str] = field(default_factory=set)
    first: tuple[Any, str] | None = None
    last: tuple[Any, str] | None = None

    def accepts(self, mention: Mention) -> bool:
        """Same spelling (or a shared position), and no conflicting rank and unit."""
        same_spelling = _spelling(mention.name) in self.spellings
        shared_position = (
            mention.position is not None and _spelling(mention.position) in self.positions
        )
        if not (same_spelling or shared_position):
            return False  # names differing in diacritics only are one person by their post
        if mention.rank and mention.position and self.ranks and self.positions:
            new_rank = _spelling(mention.rank) not in self.ranks
            new_position = _spelling(mention.position) not in self.positions
            if new_rank and new_position:
                return False  # another rank in another unit: someone else of that name
        return True

    def add(self, mention: Mention) -> None:
        spelling = _spelling(mention.name)
        self.spellings[spelling] += 1
        self.written.setdefault(spelling, Counter())[mention.name] += 1
        for value, seen in ((mention.rank, self.ranks), (mention.position, self.positions)):
            if value:
                seen.setdefault(_spelling(value), _Seen(value)).see(mention.day)
        if mention.title:
            self.titles[mention.title] += 1
        if mention.role:
            self.roles[mention.role] += 1
        self.urls.add(mention.url)
        order = (mention.published is None, mention.published or 0)
        if self.first is None or order < self.first[0]:
            self.first = (order, mention.url)
        if self.last is None or (mention.published is not None and order > self.last[0]):
            self.last = (order, mention.url)

    @property
    def person_id(self) -> str:
        digest = hashlib.sha1(self.key.encode()).hexdigest()[:10]
        return f"p{digest}" + (f"-{self.number + 1}" if self.number else "")

    def row(self, dates: dict[str, date | None]) -> dict[str, Any]:
        variants = [self.written[s].most_common(1)[0][0] for s, _ in self.spellings.most_common()]
        first_url = self.first[1] if self.first else None
        last_url = self.last[1] if self.last else None
        return {
            "person_id": self.person_id,
            "name": variants[0],
            "variants": variants,
            "ranks": [_seen_row(s) for s in self.ranks.values()],
            "positions": [_seen_row(s) for s in self.positions.values()],
            "academic_titles": [t for t, _ in self.titles.most_common()],
            "roles": [r for r, _ in self.roles.most_common()],
            "articles": len(self.urls),
            "first_article": first_url,
            "first_published": dates.get(first_url) if first_url else None,
            "last_article": last_url,
            "last_published": dates.get(last_url) if last_url else None,
        }


def _seen_row(seen: _Seen) -> dict[str, Any]:
    return {"value": seen.value, "first_seen": seen.first, "last_seen": seen.last}


@dataclass
class Mention:
    name: str
    url: str
    published: Any  # an aware datetime, or None
    day: date | None
    rank: str | None = None
    position: str | None = None
    title: str | None = None
    role: str | None = None


def build_people(mentions: list[Mention]) -> list[Person]:
    """Mentions → people, in order of first appearance (publication time, then URL)."""
    mentions.sort(key=lambda m: (m.published is None, m.published or 0, m.url))
    by_key: dict[str, list[Person]] = {}
    for mention in mentions:
        key = name_key(mention.name)
        if not key:
            continue
        people = by_key.setdefault(key, [])
        person = next((p for p in people if p.accepts(mention)), None)
        if person is None:
            person = Person(key, len(people))
            people.append(person)
        person.add(mention)
    return [p for people in by_key.values() for p in people]


def write_people_config(version: Path, path: Path) -> int:
    mentions: list[Mention] = []
    dates: dict[str, date | None] = {}
    for batch in _batches(version, ["url", "published_at", "published_date", "authors"]):
        for r in batch.to_pylist():
            dates[r["url"]] = r.get("published_date")
            for a in r["authors"] or []:
                mentions.append(
                    Mention(
                        a["name"],
                        r["url"],
                        r.get("published_at"),
                        r.get("published_date"),
                        a.get("rank"),
                        a.get("position"),
                        a.get("academic_title"),
                        a.get("role"),
                    )
                )
    people = build_people(mentions)
    people.sort(key=lambda p: (-len(p.urls), p.person_id))
    schema = arrow_schema_of("person")
    table = pa.Table.from_pylist([p.row(dates) for p in people], schema=schema)
    return _write(iter([table]), path, schema)
