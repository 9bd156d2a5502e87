"""The dataset card (``README.md`` of the Hugging Face folder), filled from the data.

Its sections follow the Hub's dataset card template (huggingface_hub's
``datasetcard_template.md``): details, uses and out-of-scope uses, structure with an
example record, creation (source data, collection and processing), personal and sensitive
information, bias, risks and limitations, citation; then our changelog. Its prose is the
Markdown template ``templates/card.md`` (package data); this module fills its tables and
numbers, escaping the text that comes from the pages (``cell``). The YAML header is
built with huggingface_hub's ``DatasetCardData`` and datasets' ``DatasetInfo``, which
validate it.

The repository id is not known until ``qptd publish``: the card says ``ORG/NAME``
(``REPO_PLACEHOLDER``) and publishing writes the real id in.
"""

from __future__ import annotations

import functools
import html
import json
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import datasets
from huggingface_hub import DatasetCardData

from .. import PROJECT_URL, __version__
from ..schema import article_schema, load_schema
from .stats import KEY_FIELDS, DatasetStats

PRETTY_NAME = "Quốc phòng Thủ đô news articles"
REPO_PLACEHOLDER = "ORG/NAME"
PORTAL = "https://quocphongthudo.vn"
CODE_URL = PROJECT_URL
DEFAULT_NOTE = (
    "Crawled from the news portal of Quốc phòng Thủ đô (quocphongthudo.vn / qptd.com.vn), "
    "the newspaper of the Hanoi Capital Command."
)
# A dataset of any other target (a local replica, a mirror, another site of the CMS) must
# never pass for the newspaper's: its card says so first, in its title and its summary.
REPLICA_NOTE = (
    "**Not the newspaper's articles: synthetic data.** These rows were crawled from a local "
    "replica of the Quốc phòng Thủ đô portal (a test target on 127.0.0.1): the structure is "
    "the portal's, the texts and names are generated, and the URLs only mimic the portal's. "
    "Crawl the live portal for real data."
)


def is_portal_target(target: str | None) -> bool:
    """False for a dataset known to come from another target than the live portal (the
    ``target`` of its manifest; None for files merged by hand, whose origin is not known)."""
    return target in (None, "portal")


def target_note(target: str | None) -> str:
    """The card's first words for a dataset crawled from ``target``."""
    if is_portal_target(target):
        return DEFAULT_NOTE
    if target == "replica":
        return REPLICA_NOTE
    return (
        f"**Not the live portal.** These rows were crawled from `{target}`, "
        "not from quocphongthudo.vn: check where they come from before using them as the "
        "newspaper's articles."
    )


def pretty_name_of(target: str | None) -> str:
    """The card's title: the newspaper's name only for the live portal's data."""
    if is_portal_target(target):
        return PRETTY_NAME
    kind = "synthetic replica" if target == "replica" else f"crawled from {target}"
    return f"{PRETTY_NAME} ({kind}, not the newspaper's data)"


@dataclass
class ConfigInfo:
    """One config of the folder: its files, rows and Arrow size."""

    name: str
    path: str  # data_files pattern, relative to the folder
    features: Any  # datasets.Features
    rows: int
    num_bytes: int  # the Arrow size datasets computes, not the Parquet size
    description: str


def _size_category(n: int) -> str:
    for limit, label in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ):
        if n < limit:
            return label
    return "1M<n<10M"


def card_data(
    stats: DatasetStats, configs: Sequence[ConfigInfo], pretty_name: str = PRETTY_NAME
) -> DatasetCardData:
    """The card's YAML header: configs, features and sizes, language, license, tasks."""
    data = DatasetCardData(
        language=["vi"],
        license="other",
        license_name="source-terms",
        license_link="LICENSE.md",
        pretty_name=pretty_name,
        size_categories=[_size_category(stats.articles)],
        task_categories=["text-classification", "summarization", "text-generation"],
        language_creators=["found"],
        annotations_creators=["machine-generated"],
        multilinguality=["monolingual"],
        source_datasets=["original"],
        tags=["news", "vietnamese", "military", "hanoi", "journalism"],
        configs=[
            {
                "config_name": c.name,
                "data_files": [{"split": "train", "path": c.path}],
                **({"default": True} if c.name == "default" else {}),
            }
            for c in configs
        ],
    )
    infos = {
        c.name: datasets.DatasetInfo(
            config_name=c.name,
            features=c.features,
            splits=datasets.SplitDict(
                {"train": datasets.SplitInfo("train", num_bytes=c.num_bytes, num_examples=c.rows)}
            ),
        )
        for c in configs
    }
    datasets.info.DatasetInfosDict(infos).to_dataset_card_data(data)
    return data


# Characters that Markdown reads as syntax in a table cell: the cell separator, code spans,
# emphasis and links (and the backslash that escapes them, so a text cannot escape ours).
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]|])")


def cell(text: object) -> str:
    """Text from the pages (a category name, a run's target) as one table cell: HTML shown
    as text, Markdown syntax escaped, on one line."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return _MARKDOWN_SYNTAX.sub(r"\\\1", escaped)


def _version_cell(version_id: object) -> str:
    """A version id as code (ids are letters, digits, ``.-_``); anything else escaped."""
    text = str(version_id)
    return f"`{text}`" if re.fullmatch(r"[A-Za-z0-9._-]+", text) else cell(text)


@functools.cache
def card_template() -> string.Template:
    """The card's prose, ``templates/card.md`` inside the package (wheels and eggs carry it):
    Markdown with ``${name}`` fields, so the text is edited as the page it becomes."""
    text = (
        resources.files("qptd_spider.dataset").joinpath("templates", "card.md").read_text("utf-8")
    )
    return string.Template(text)


def _table(rows: Sequence[Sequence[str]], header: tuple[str, ...]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _fields_table(name: str) -> list[str]:
    schema = load_schema(name)
    return _table(
        [(f"`{k}`", p["description"].replace("|", "\\|")) for k, p in schema["properties"].items()],
        ("field", "description"),
    )


def _run_label(run: dict[str, Any]) -> str:
    """``<run id> (<target>, <kind>)``: which crawl or re-parse a version came from."""
    target = (run.get("target") or {}).get("id", "?")
    return cell(f"{run.get('run_id')} ({target}, {run.get('kind', 'crawl')})")


def changelog(history: Sequence[dict[str, Any]]) -> list[str]:
    """The last versions, newest first: what each added, updated and changed, and from which
    runs (their targets and kinds)."""
    lines = [
        "| version | merged | added | updated | changed fields | runs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in reversed(history):
        merged = str(m.get("merged_at", ""))[:10]
        if m.get("kind") == "rollback":
            what = f"rollback to {_version_cell(m.get('rolled_back_to'))}"
            lines.append(f"| {_version_cell(m['version'])} | {merged} | – | – | {what} | – |")
            continue
        fields = ", ".join(f"{cell(k)} {v:,}" for k, v in (m.get("changes") or {}).items()) or "–"
        runs = ", ".join(_run_label(r) for r in m.get("runs", [])) or "–"
        lines.append(
            f"| {_version_cell(m['version'])} | {merged} | {m.get('added', 0):,} | "
            f"{m.get('updated', 0):,} | {fields} | {runs} |"
        )
    return lines


def example_record(row: dict[str, Any] | None) -> list[str]:
    """One row as JSON, its long texts cut, so a reader sees the shape of the data."""
    if row is None:
        return ["(no rows)"]
    shown = {}
    for key in article_schema()["properties"]:
        value = row.get(key)
        if isinstance(value, str) and len(value) > 240:
            value = value[:240] + "…"
        shown[key] = value
    text = json.dumps(shown, ensure_ascii=False, indent=2, default=str)
    # A fence longer than any run of backticks in the text: a body cannot close it.
    fence = "`" * max(3, 1 + max((len(r) for r in re.findall(r"`+", text)), default=0))
    return [f"{fence}json", text, fence]


def card_body(
    stats: DatasetStats,
    manifest: dict[str, Any],
    note: str,
    configs: Sequence[ConfigInfo],
    example: dict[str, Any] | None,
    history: Sequence[dict[str, Any]] = (),
) -> str:
    """The card's Markdown: the prose of ``templates/card.md`` (section by section as in
    the Hub's template), its tables and numbers filled from the data."""
    version = manifest["version"]

    def joined(counts: dict[str, int], code: bool = False) -> str:
        return ", ".join(f"`{k}` {n:,}" if code else f"{k} {n:,}" for k, n in counts.items())

    fills = {
        "pretty_name": pretty_name_of(manifest.get("target")),
        "note": note,
        "articles": f"{stats.articles:,}",
        "published_span": f"{(stats.first_published or '?')[:10]} to "
        f"{(stats.last_published or '?')[:10]}",
        "crawled_span": f"{(stats.first_crawled or '?')[:10]} to "
        f"{(stats.last_crawled or '?')[:10]}",
        "version": version,
        "code_url": CODE_URL,
        "portal": PORTAL,
        "repo_id": REPO_PLACEHOLDER,
        "qptd_version": __version__,
        "configs_table": _table(
            [(f"`{c.name}`", f"{c.rows:,}", c.description) for c in configs],
            ("config", "rows", "what a row is"),
        ),
        "article_fields": _fields_table("article"),
        "example_record": example_record(example),
        "person_description": load_schema("person")["description"],
        "person_fields": _fields_table("person"),
        "image_fields": _fields_table("image"),
        "years_table": _table(
            [(y, f"{n:,}") for y, n in stats.per_year.items()], ("year", "articles")
        ),
        "categories_table": _table(
            [(cell(c), f"{n:,}") for c, n in stats.per_category.items()], ("category", "articles")
        ),
        "fill_rates_table": _table(
            [(f"`{k}`", f"{stats.fill_rates.get(k, 0):.1%}") for k in (*KEY_FIELDS, "source")],
            ("field", "share of articles with a value"),
        ),
        "date_precision": joined(dict(sorted(stats.date_precision.items()))),
        "signature_status": joined(stats.signature_status),
        "byline_kinds": joined(stats.byline_kinds),
        "parser_versions": joined(stats.parser_versions, code=True),
        "people": f"{next((c.rows for c in configs if c.name == 'people'), 0):,}",
        # The year the data was crawled names the citation (what a reader cites is this
        # copy, made then), not the year of the newest article.
        "citation_year": (stats.last_crawled or stats.last_published or "????")[:4],
        "changelog": changelog(history or [manifest]),
    }
    return card_template().substitute(
        {k: "\n".join(v) if isinstance(v, list) else v for k, v in fills.items()}
    )
