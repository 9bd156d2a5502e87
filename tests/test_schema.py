"""schemas/ is the single source of truth: the item class, Arrow schema and docs follow it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import fastjsonschema
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from qptd_spider.items import ArticleItem, Author
from qptd_spider.schema import (
    arrow_schema,
    article_schema,
    fast_validator,
    field_names,
    fields_markdown,
    validation_errors,
    validator,
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


_DELETE = object()
_SCHEMA_PROPERTIES = article_schema()["properties"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["name", "rank", "position", "url", "caption", "other"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _near_misses(name: str) -> st.SearchStrategy[Any]:
    """Values at the edges of one field's rules: lengths, patterns, formats, enums."""
    spec = _SCHEMA_PROPERTIES.get(name, {})
    values: list[Any] = ["", " ", None, [], {}, 0, -1, True]
    for limit in (spec.get("maxLength"), spec.get("minLength")):
        if limit is not None:
            values += ["a" * (limit - 1), "a" * limit, "a" * (limit + 1)] if limit else []
    values += spec.get("enum", [])
    if spec.get("pattern") or spec.get("format"):
        values += [
            "2024-02-29T23:59:59+07:00",
            "2023-02-29T23:59:59+07:00",
            "2024-13-01T00:00:00+00:00",
            "2024-01-01T24:00:00+00:00",
            "2024-01-01T00:00:00.123456+00:00",
            "2024-01-01T00:00:00Z",
            "2024-01-01",
            "https://quocphongthudo.vn/a/b.html",
            "https://quocphongthudo.vn",
            "0" * 24,
            "f" * 64,
            "F" * 64,
        ]
    strategies = [st.sampled_from(values), _JSON, st.just(_DELETE)]
    if spec.get("pattern"):
        strategies.append(st.from_regex(spec["pattern"], fullmatch=True))
    return st.one_of(strategies)


@st.composite
def _mutated_items(draw: st.DrawFn) -> dict[str, Any]:
    item = dict(page_expected(draw(st.sampled_from(ARTICLE_FIXTURES))))
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from([*_SCHEMA_PROPERTIES, "unknown_field"]))
        value = draw(_near_misses(name))
        if value is _DELETE:
            item.pop(name, None)
        else:
            item[name] = value
    if draw(st.booleans()) and isinstance(item.get("authors"), list):
        item["authors"] = [*item["authors"], draw(_JSON)]
    return item


@settings(max_examples=400, deadline=None)
@given(_mutated_items())
def test_fast_and_full_validators_give_the_same_verdict(item: dict[str, Any]) -> None:
    # The fast validator passes items on its own; it must never pass one the full one fails.
    try:
        fast_validator()(item)
        fast_valid = True
    except fastjsonschema.JsonSchemaValueException:
        fast_valid = False
    assert fast_valid == validator().is_valid(item)
    assert (validation_errors(item) == []) == fast_valid


def test_impossible_calendar_times_are_rejected() -> None:
    item = _valid()
    item["published_at"] = "2023-02-29T08:00:00+07:00"
    assert validation_errors(item) == [
        "published_at: '2023-02-29T08:00:00+07:00' is not a 'date-time'"
    ]
