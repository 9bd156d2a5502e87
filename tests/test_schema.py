"""schemas/ is the single source of truth: the item class, Arrow schema and docs follow it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyarrow as pa

from qptd_spider.items import ArticleItem, Author
from qptd_spider.schema import (
    arrow_schema,
    article_schema,
    field_names,
    fields_markdown,
    validation_errors,
)
from tests.conftest import ARTICLE_FIXTURES, page_expected

ROOT = Path(__file__).resolve().parents[1]


def test_item_class_has_exactly_the_schema_fields_in_order() -> None:
    assert [f.name for f in dataclasses.fields(ArticleItem)] == field_names()


def test_author_class_matches_the_authors_item_schema() -> None:
    props = article_schema()["properties"]["authors"]["items"]["properties"]
    assert [f.name for f in dataclasses.fields(Author)] == list(props)


def test_arrow_schema_follows_the_json_schema() -> None:
    schema = arrow_schema()
    assert schema.names == field_names()
    assert schema.field("published_at").type == pa.timestamp("us", tz="+07:00")
    assert schema.field("crawled_at").type == pa.timestamp("us", tz="UTC")
    authors = schema.field("authors").type
    assert pa.types.is_list(authors) and pa.types.is_struct(authors.value_type)
    assert [f.name for f in authors.value_type] == [
        "name",
        "rank",
        "academic_title",
        "position",
        "role",
    ]
    assert not schema.field("url").nullable
    assert schema.field("author").nullable
    for name in field_names():
        assert schema.field(name).metadata[b"description"]


def test_fields_doc_is_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "FIELDS.md").read_text(encoding="utf-8") == fields_markdown()
    for name in field_names():
        assert f"| `{name}` |" in fields_markdown()


def test_every_fixture_expectation_is_valid() -> None:
    for name in ARTICLE_FIXTURES:
        assert validation_errors(page_expected(name)) == [], name


def _valid() -> dict[str, Any]:
    return dict(page_expected(ARTICLE_FIXTURES[0]))


def test_validation_names_each_problem() -> None:
    item = _valid()
    item.update(title="", published_at="20/11/2018", content_hash="abc", unknown_field=1)
    item["authors"] = [{"name": ""}]
    reasons = validation_errors(item)
    joined = "\n".join(reasons)
    for where in ("title", "published_at", "content_hash", "authors/0/name", "(item)"):
        assert any(r.startswith(where) for r in reasons), (where, joined)


def test_missing_required_field_is_an_error() -> None:
    item = _valid()
    del item["url"]
    assert any("'url' is a required property" in r for r in validation_errors(item))
