"""The schemas (``schemas/*.schema.json``) and everything derived from them.

The JSON Schema files are the single source of truth: the Arrow schemas used by the
Parquet exporter and the Hugging Face configs, the validator used by the validation
pipeline and ``docs/FIELDS.md`` are all computed here from them, so they cannot drift
apart silently (tests compare them). ``article`` is the dataset's row; ``person`` and
``image`` are the rows of the ``people`` and ``images`` configs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import pyarrow as pa

SCHEMA_FILE = "article.schema.json"
SCHEMAS = ("article", "person", "image")


def _schema_text(file: str = SCHEMA_FILE) -> str:
    """A schema file's text: from the repository top (the source of truth) when running
    from a checkout, else the copy packaged into a wheel or a Scrapyd egg (maybe a zip)."""
    source = Path(__file__).resolve().parents[1] / "schemas" / file
    if source.is_file():
        return source.read_text(encoding="utf-8")
    return (resources.files("qptd_spider") / "_schemas" / file).read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``schemas/<name>.schema.json`` as a dict (checked to be valid)."""
    schema: dict[str, Any] = json.loads(_schema_text(f"{name}.schema.json"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def article_schema() -> dict[str, Any]:
    """The article JSON Schema as a dict."""
    return load_schema("article")


def field_names() -> list[str]:
    """Top-level field names in schema order."""
    return list(article_schema()["properties"])


def _types(spec: Mapping[str, Any]) -> tuple[str, bool]:
    """(the non-null JSON type, whether null is allowed) of a property spec."""
    raw = spec["type"]
    types = [raw] if isinstance(raw, str) else list(raw)
    nullable = "null" in types
    concrete = [t for t in types if t != "null"]
    if len(concrete) != 1:
        raise ValueError(f"one concrete type expected, got {raw!r}")
    return concrete[0], nullable


def _arrow_type(spec: Mapping[str, Any]) -> pa.DataType:
    json_type, _ = _types(spec)
    if json_type == "string":
        if spec.get("format") == "date":
            return pa.date32()  # a calendar day, with no time zone to misread
        if spec.get("format") == "date-time":
            # Arrow stores one time zone per column; the schema says which one readers see.
            return pa.timestamp("us", tz=spec.get("x-arrow-timezone", "UTC"))
        return pa.string()
    if json_type == "integer":
        return pa.int64()
    if json_type == "number":
        return pa.float64()
    if json_type == "boolean":
        return pa.bool_()
    if json_type == "array":
        return pa.list_(_arrow_type(spec["items"]))
    if json_type == "object":
        return pa.struct(list(_arrow_fields(spec)))
    raise ValueError(f"no Arrow type for JSON type {json_type!r}")


def _arrow_fields(spec: Mapping[str, Any]) -> Iterator[pa.Field]:
    required = set(spec.get("required", ()))
    for name, prop in spec["properties"].items():
        _, nullable = _types(prop)
        yield pa.field(
            name,
            _arrow_type(prop),
            nullable=nullable or name not in required,
            metadata={"description": prop.get("description", "")},
        )


@cache
def arrow_schema_of(name: str) -> pa.Schema:
    """The Arrow schema of a table of ``schemas/<name>.schema.json`` rows."""
    schema = load_schema(name)
    return pa.schema(
        list(_arrow_fields(schema)),
        metadata={"title": schema["title"], "source": f"{name}.schema.json"},
    )


def arrow_schema() -> pa.Schema:
    """The Arrow schema of an exported article table."""
    return arrow_schema_of("article")


def to_arrow_row(item: Mapping[str, Any]) -> dict[str, Any]:
    """One item as a row for ``pa.Table.from_pylist``: ISO strings become aware datetimes
    (rows read back from Parquet already hold datetimes and pass through)."""
    row = {name: item.get(name) for name in field_names()}
    for name in timestamp_fields():
        value = row.get(name)
        if isinstance(value, str) and value:
            row[name] = datetime.fromisoformat(value)
        elif not value:
            row[name] = None
    for name in date_fields():
        value = row.get(name)
        row[name] = date.fromisoformat(value) if isinstance(value, str) and value else value
    return row


def from_arrow_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row read from Parquet as an item again: timestamps as ISO strings; a field the file
    did not have (an older schema) empty, a list field as an empty list."""
    props = article_schema()["properties"]
    item: dict[str, Any] = {}
    for name in field_names():
        value = row.get(name)
        if isinstance(value, date):  # datetimes too
            value = value.isoformat()
        elif value is None and _types(props[name])[0] == "array":
            value = []
        item[name] = value
    return item


def rows_to_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """Items (plain dicts) → an Arrow table with the article schema."""
    return pa.Table.from_pylist([to_arrow_row(r) for r in rows], schema=schema or arrow_schema())


@cache
def timestamp_fields() -> frozenset[str]:
    """Top-level fields stored as ISO strings in items and as timestamps in Arrow."""
    return frozenset(
        name
        for name, prop in article_schema()["properties"].items()
        if prop.get("format") == "date-time"
    )


@cache
def date_fields() -> frozenset[str]:
    """Top-level fields stored as ISO dates in items and as ``date32`` in Arrow."""
    return frozenset(
        name
        for name, prop in article_schema()["properties"].items()
        if prop.get("format") == "date"
    )


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def is_date_time(value: object) -> bool:
    """The ``date-time`` format of both validators: a real calendar time, which the exporter
    can turn into an Arrow timestamp (the schema's patterns check only its shape)."""
    if not isinstance(value, str):
        return True  # formats apply to strings; the type is checked on its own
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def validator() -> jsonschema.Draft202012Validator:
    """A validator for one article item (as a plain dict) that lists every problem."""
    formats = jsonschema.FormatChecker()
    formats.checks("date-time")(is_date_time)
    formats.checks("date")(is_date)
    return jsonschema.Draft202012Validator(article_schema(), format_checker=formats)


@cache
def fast_validator() -> Callable[[Any], Any]:
    """The schema compiled to Python code: passes a valid item ~13 times faster than
    ``validator()``, which is then asked only about the rare invalid ones (it lists every
    reason, fastjsonschema only the first). A test holds the two to the same verdicts."""
    return fastjsonschema.compile(  # type: ignore[no-any-return]
        article_schema(), formats={"date-time": is_date_time, "date": is_date}, use_default=False
    )


def validation_errors(item: Mapping[str, Any]) -> list[str]:
    """Human-readable reasons why ``item`` does not satisfy the schema; empty when valid."""
    record = dict(item)
    try:
        fast_validator()(record)
        return []
    except fastjsonschema.JsonSchemaValueException as fast_error:
        # Its path starts with the name "data" it gives the whole item.
        where = "/".join(str(p) for p in (fast_error.path or [])[1:]) or "(item)"
        first_reason = f"{where}: {fast_error.message}"
    reasons = []
    for error in sorted(validator().iter_errors(record), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in error.path) or "(item)"
        reasons.append(f"{where}: {error.message}")
    # Should the two ever disagree, the stricter verdict wins: the item is rejected.
    return reasons or [first_reason]


def _type_label(spec: Mapping[str, Any]) -> str:
    json_type, nullable = _types(spec)
    if json_type == "array":
        label = f"list of {_type_label(spec['items'])}"
    elif json_type == "object":
        label = "{" + ", ".join(spec["properties"]) + "}"
    elif spec.get("format") == "date-time":
        label = f"timestamp ({spec.get('x-arrow-timezone', 'UTC')})"
    elif spec.get("format") == "date":
        label = "date"
    else:
        label = json_type
    return f"{label} or null" if nullable else label


def _schema_markdown(schema: Mapping[str, Any]) -> list[str]:
    lines = [
        schema["description"],
        "",
        "| field | type | required | description |",
        "| --- | --- | --- | --- |",
    ]
    required = set(schema["required"])
    for name, prop in schema["properties"].items():
        req = "yes" if name in required else "no"
        lines.append(f"| `{name}` | {_type_label(prop)} | {req} | {prop['description']} |")
        if _types(prop)[0] == "array" and _types(prop["items"])[0] == "object":
            for sub, sub_prop in prop["items"]["properties"].items():
                lines.append(
                    f"| `{name}[].{sub}` | {_type_label(sub_prop)} | "
                    f"{'yes' if sub in prop['items'].get('required', ()) else 'no'} | "
                    f"{sub_prop['description']} |"
                )
    return lines


def fields_markdown() -> str:
    """The field reference (docs/FIELDS.md), generated from the schemas."""
    lines = [
        "# Fields of an article",
        "",
        "<!-- Generated from schemas/*.schema.json by `qptd schema-docs`. Do not edit. -->",
        "",
        *_schema_markdown(article_schema()),
        "",
        "## The `people` config of the Hugging Face folder",
        "",
        *_schema_markdown(load_schema("person")),
        "",
        "## The `images` config of the Hugging Face folder",
        "",
        *_schema_markdown(load_schema("image")),
    ]
    return "\n".join(lines) + "\n"
