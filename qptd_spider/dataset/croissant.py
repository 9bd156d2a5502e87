"""``croissant.json``: the Hugging Face folder described in MLCommons Croissant 1.0
(JSON-LD), so that the dataset is found and loaded beyond the Hub (Google Dataset Search,
``mlcroissant``, other catalogues). Its record sets and fields derive from ``schemas/``
like everything else; ``mlcroissant`` validates the file in the tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import __version__
from ..schema import load_schema
from .card import CODE_URL, PORTAL, PRETTY_NAME, REPO_PLACEHOLDER, ConfigInfo
from .stats import DatasetStats

CROISSANT_FILE = "croissant.json"
# The JSON-LD context of Croissant 1.0, as its specification gives it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
# The configs whose rows a schema file describes; ``text`` is described by hand.
SCHEMA_OF = {"default": "article", "people": "person", "images": "image"}
TEXT_FIELDS = {
    "url": "The article's URL.",
    "published_at": "Publication time (+07:00).",
    "published_date": "Publication day in Vietnam.",
    "category_path": "URL path of the category.",
    "title": "Headline.",
    "text": "Title, lead and body, joined by blank lines.",
}


def _data_type(spec: Mapping[str, Any]) -> str:
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    json_type = next(t for t in types if t != "null")
    if json_type == "integer":
        return "sc:Integer"
    if json_type == "number":
        return "sc:Float"
    if json_type == "boolean":
        return "sc:Boolean"
    if spec.get("format") == "date-time":
        return "sc:DateTime"
    if spec.get("format") == "date":
        return "sc:Date"
    return "sc:Text"


def _field(
    record: str, name: str, spec: Mapping[str, Any], file_set: str, column: str | None = None
) -> dict[str, Any]:
    """One field: a scalar, a list (``repeated``), or a struct (its ``subField``s)."""
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    field_id = f"{record}/{name}"
    out: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": field_id,
        "name": name,
        "description": spec.get("description", ""),
    }
    source: dict[str, Any] = {"fileSet": {"@id": file_set}, "extract": {"column": column or name}}
    if "array" in types:
        out["repeated"] = True
        spec = spec["items"]
        types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    if "object" in types:
        out["subField"] = [
            {
                "@type": "cr:Field",
                "@id": f"{field_id}/{sub}",
                "name": sub,
                "description": sub_spec.get("description", ""),
                "dataType": _data_type(sub_spec),
                "source": {
                    "fileSet": {"@id": file_set},
                    "extract": {"column": column or name},
                    "transform": {"jsonPath": sub},
                },
            }
            for sub, sub_spec in spec["properties"].items()
        ]
        return out
    out["dataType"] = _data_type(spec)
    out["source"] = source
    return out


def croissant(
    stats: DatasetStats, manifest: Mapping[str, Any], configs: Sequence[ConfigInfo]
) -> dict[str, Any]:
    """The Croissant metadata of the folder (paths relative to it)."""
    file_sets = []
    record_sets = []
    for config in configs:
        file_set = f"parquet-{config.name}"
        file_sets.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "description": f"Parquet files of the `{config.name}` config.",
                "encodingFormat": "application/x-parquet",
                "includes": config.path,
            }
        )
        if config.name in SCHEMA_OF:
            schema = load_schema(SCHEMA_OF[config.name])
            fields = [
                _field(config.name, name, spec, file_set)
                for name, spec in schema["properties"].items()
            ]
        else:
            fields = [
                _field(config.name, name, {"type": "string", "description": text}, file_set)
                for name, text in TEXT_FIELDS.items()
            ]
            fields[1]["dataType"] = "sc:DateTime"
            fields[2]["dataType"] = "sc:Date"
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": config.name,
                "name": config.name,
                "description": config.description,
                "field": fields,
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": "qptd-articles",
        "alternateName": PRETTY_NAME,
        "description": (
            f"{stats.articles:,} articles of Báo Quốc phòng Thủ đô ({PORTAL}), published "
            f"{(stats.first_published or '?')[:10]} to {(stats.last_published or '?')[:10]}, "
            "with authors, ranks and positions parsed from their signatures."
        ),
        "url": f"https://huggingface.co/datasets/{REPO_PLACEHOLDER}",
        "sameAs": CODE_URL,
        "license": "https://huggingface.co/datasets/" + REPO_PLACEHOLDER + "/blob/main/LICENSE.md",
        "version": _semver(str(manifest["version"])),
        "datePublished": str(manifest.get("merged_at", ""))[:10] or None,
        "inLanguage": "vi",
        "keywords": ["news", "Vietnamese", "military", "Hanoi", "journalism"],
        "creator": {"@type": "sc:Organization", "name": "qptd contributors", "url": CODE_URL},
        "citeAs": f"qptd contributors, {PRETTY_NAME}, version {manifest['version']}, "
        f"crawled with qptd {__version__}.",
        "isLiveDataset": True,
        "distribution": file_sets,
        "recordSet": record_sets,
    }


def _semver(version_id: str) -> str:
    """Croissant wants MAJOR.MINOR.PATCH: the version id's date and time, as numbers."""
    digits = "".join(c for c in version_id if c.isdigit())
    parts = (digits[:8], digits[8:14], digits[14:20])
    return ".".join(str(int(p)) if p else "0" for p in parts)
