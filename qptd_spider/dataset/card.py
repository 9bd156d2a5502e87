"""The dataset card (``README.md`` of the Hugging Face folder), filled from the data.

Its sections follow the Hub's dataset card template (huggingface_hub's
``datasetcard_template.md``): details, uses and out-of-scope uses, structure with an
example record, creation (source data, collection and processing), personal and sensitive
information, bias, risks and limitations, citation; then our changelog. The YAML header is
built with huggingface_hub's ``DatasetCardData`` and datasets' ``DatasetInfo``, which
validate it.

The repository id is not known until ``qptd publish``: the card says ``ORG/NAME``
(``REPO_PLACEHOLDER``) and publishing writes the real id in.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import datasets
from huggingface_hub import DatasetCardData

from .. import __version__
from ..schema import article_schema, load_schema
from .stats import KEY_FIELDS, DatasetStats

PRETTY_NAME = "Quốc phòng Thủ đô news articles"
REPO_PLACEHOLDER = "ORG/NAME"
PORTAL = "https://quocphongthudo.vn"
CODE_URL = "https://github.com/qptd/qptd"
DEFAULT_NOTE = (
    "Crawled from the news portal of Quốc phòng Thủ đô (quocphongthudo.vn / qptd.com.vn), "
    "the newspaper of the Hanoi Capital Command."
)


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


def card_data(stats: DatasetStats, configs: Sequence[ConfigInfo]) -> DatasetCardData:
    """The card's YAML header: configs, features and sizes, language, license, tasks."""
    data = DatasetCardData(
        language=["vi"],
        license="other",
        license_name="source-terms",
        license_link="LICENSE.md",
        pretty_name=PRETTY_NAME,
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


def bibtex(stats: DatasetStats, version: str, repo_id: str = REPO_PLACEHOLDER) -> list[str]:
    """A citation of the data: its authors, where it is, and the year of its last article."""
    year = (stats.last_published or stats.last_crawled or "????")[:4]
    return [
        "```bibtex",
        f"@misc{{qptd_articles_{year},",
        "  author       = {{qptd contributors}},",
        f"  title        = {{{PRETTY_NAME} (version {version})}},",
        f"  year         = {{{year}}},",
        f"  url          = {{https://huggingface.co/datasets/{repo_id}}},",
        f"  note         = {{Articles of Báo Quốc phòng Thủ đô, {PORTAL}, published "
        f"{(stats.first_published or '?')[:10]} to {(stats.last_published or '?')[:10]}; "
        f"crawled and parsed with qptd {__version__} ({CODE_URL})}},",
        "  howpublished = {Hugging Face dataset}",
        "}",
        "```",
    ]


def card_body(
    stats: DatasetStats,
    manifest: dict[str, Any],
    note: str,
    configs: Sequence[ConfigInfo],
    example: dict[str, Any] | None,
    history: Sequence[dict[str, Any]] = (),
) -> str:
    """The card's Markdown, section by section as in the Hub's template."""
    version = manifest["version"]
    span = f"{(stats.first_published or '?')[:10]} to {(stats.last_published or '?')[:10]}"
    people = next((c.rows for c in configs if c.name == "people"), 0)
    lines = [
        f"# Dataset Card for {PRETTY_NAME}",
        "",
        note,
        "",
        f"{stats.articles:,} articles published {span}, crawled "
        f"{(stats.first_crawled or '?')[:10]} to {(stats.last_crawled or '?')[:10]}; "
        f"dataset version `{version}`.",
        "",
        "## Dataset Details",
        "",
        "### Dataset Description",
        "",
        "Every article of the portal as one clean record: title, lead, body, publication time "
        "with its time zone and precision, categories, images with captions, keywords, and "
        "the people who signed it with their military rank, academic title, position and "
        "role, parsed from the free-text signatures that close the articles.",
        "",
        "- **Curated by:** qptd contributors (crawler and parsers: " + CODE_URL + ")",
        "- **Language(s):** Vietnamese (`vi`)",
        "- **License:** the articles keep their authors' and the newspaper's rights (see "
        "*License and terms*); metadata and code: MIT",
        "",
        "### Dataset Sources",
        "",
        f"- **Source:** {PORTAL} (also qptd.com.vn), Báo Quốc phòng Thủ đô",
        f"- **Repository (code):** {CODE_URL}",
        "",
        "## Uses",
        "",
        "### Direct Use",
        "",
        "Research on Vietnamese media, politics and language: what the newspaper of the Hanoi "
        "Capital Command covers and when, who writes (by rank, position and unit), how "
        "topics and wording change over time; Vietnamese NLP (classification by category, "
        "summarization from lead and body, language modelling on the `text` config).",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("{REPO_PLACEHOLDER}", split="train")            # articles',
        f'text = load_dataset("{REPO_PLACEHOLDER}", "text", split="train")  # a `text` column',
        f'people = load_dataset("{REPO_PLACEHOLDER}", "people", split="train")',
        "```",
        "",
        "Times carry their zone: `published_at` is stored in Vietnam time (+07:00), crawl "
        "times in UTC. A tool that shows times in UTC (DuckDB by default) puts an article "
        "published before 07:00, or one with only a day (`published_at_precision: day`, "
        "stored as midnight), on the day before: group by `published_date` and "
        "`published_year` (the local calendar day and year), or read times in "
        "Asia/Ho_Chi_Minh: DuckDB `SET TimeZone = 'Asia/Ho_Chi_Minh';`, pandas "
        "`df.published_at.dt.tz_convert('Asia/Ho_Chi_Minh')`.",
        "",
        "### Out-of-Scope Use",
        "",
        "Profiling or targeting individuals named in the articles or their signatures; "
        "republishing the articles' texts (they are not ours to license); treating the "
        "newspaper's reporting as a neutral record of events (it is the press organ of a "
        "military command); inferring the portal's complete output before the first crawl "
        "date for articles it has removed.",
        "",
        "## Dataset Structure",
        "",
        *_table(
            [(f"`{c.name}`", f"{c.rows:,}", c.description) for c in configs],
            ("config", "rows", "what a row is"),
        ),
        "",
        "### `default`: articles",
        "",
        *_fields_table("article"),
        "",
        "`authors` is a list of `{name, rank, academic_title, position, role}`; `images` a list "
        "of `{url, caption}`. Names keep their initials as written (`T.Nhàn`); words in "
        "capitals are re-cased (`NGUYỄN VĂN A` → `Nguyễn Văn A`). An example record:",
        "",
        *example_record(example),
        "",
        "### `people`",
        "",
        load_schema("person")["description"],
        "",
        *_fields_table("person"),
        "",
        "### `images`",
        "",
        *_fields_table("image"),
        "",
        "### `text`",
        "",
        "`url`, `published_at`, `published_date`, `category_path`, `title`, and `text`: title, "
        "lead and body joined by blank lines.",
        "",
        "### Counts",
        "",
        *_table([(y, f"{n:,}") for y, n in stats.per_year.items()], ("year", "articles")),
        "",
        *_table(
            [(cell(c), f"{n:,}") for c, n in stats.per_category.items()], ("category", "articles")
        ),
        "",
        *_table(
            [(f"`{k}`", f"{stats.fill_rates.get(k, 0):.1%}") for k in (*KEY_FIELDS, "source")],
            ("field", "share of articles with a value"),
        ),
        "",
        "Publication time precision: "
        + ", ".join(f"{p} {n:,}" for p, n in sorted(stats.date_precision.items()))
        + ".",
        "",
        "## Dataset Creation",
        "",
        "### Curation Rationale",
        "",
        "The portal has no archive export or API; researchers copied articles by hand. This "
        "dataset holds every article the crawler could reach, with the metadata that makes it "
        "useful for research (who signed, in which post, when to the minute) parsed and "
        "documented, and every row traceable to the page it came from.",
        "",
        "### Source Data",
        "",
        "#### Data Collection and Processing",
        "",
        f"Crawled with qptd {__version__} (Scrapy), which follows the portal's menus, "
        "category lists, pagination and related-article links, politely (robots.txt and its "
        "Crawl-delay, at most two requests at a time). Every response is archived as WARC; "
        "each row's `warc_record` points at the bytes it was parsed from, and `parser_version` "
        "names the parsers that made it. Page parsers read microdata first, then the visible "
        "page; dates keep their precision and raw text (`published_at_raw`); signatures "
        "(`signature_raw`) are parsed into people, outlet (`source`), organization and staff "
        "credits with a vocabulary of Vietnamese surnames, ranks, titles, positions and "
        "units: where the parser is unsure it leaves the part in `signature_raw` and says "
        "`partial` instead of guessing. Text is NFC; metadata fields use the portal's "
        "dominant old-style tone marks (`Thành ủy`). Crawls merge by canonical URL: "
        "`first_seen`, `last_seen` and `revision` say when an article was seen and how often "
        "its text changed.",
        "",
        "Signatures by status: "
        + ", ".join(f"{k} {n:,}" for k, n in stats.signature_status.items())
        + "; bylines by kind: "
        + ", ".join(f"{k} {n:,}" for k, n in stats.byline_kinds.items())
        + "; rows by parser version: "
        + ", ".join(f"`{k}` {n:,}" for k, n in stats.parser_versions.items())
        + ".",
        "",
        "#### Who are the source data producers?",
        "",
        "Journalists, collaborators and officers writing for Báo Quốc phòng Thủ đô, and "
        "agencies whose articles it reprints (`source`: TTXVN, Báo Quân đội nhân dân...). "
        "Staff credits (`PV`, `BBT`) are `byline_kind: staff`, never people.",
        "",
        "### Personal and Sensitive Information",
        "",
        f"The data names people: the {people:,} people of the `people` config signed articles "
        "(with their military ranks, positions and units as printed), and the articles name "
        "many more (officials, officers, soldiers, citizens), sometimes with their ages, "
        "addresses and photos. All of it was published by the newspaper. The dataset adds "
        "structure: it links a person's articles, ranks and posts over time. Use it for "
        "research on the press and institutions, not on individuals; do not combine it with "
        "other data to profile a person. A person who wants a record removed can ask through "
        "the repository's issues; removals are kept in later versions.",
        "",
        "## Bias, Risks, and Limitations",
        "",
        "- The newspaper is the press organ of a military command: its coverage and framing "
        "are those of an institution, not of the city.",
        "- Coverage is what the portal serves at crawl time: removed articles are missing, "
        "and old articles may have been edited (see `revision`).",
        "- Author and position come from free-text signatures: parsed with high precision "
        "but not perfectly (the code's evaluation on real signature lines from sister papers "
        "is in its README); `signature_status` marks the rows to check.",
        "- The `people` table matches name variants by rule; two people of the same name and "
        "post may be merged, and one person promoted to another rank in another unit may be "
        "split in two.",
        "",
        "### Recommendations",
        "",
        "Filter on `signature_status == 'parsed'` for author studies; group dates by "
        "`published_date`; count people through `people.person_id`, not names; cite the "
        "dataset version you used.",
        "",
        "## License and terms",
        "",
        "The articles are the work of Báo Quốc phòng Thủ đô and their authors, who keep their "
        "rights. This dataset is shared for research on Vietnamese media and language; check "
        "the source's terms before republishing texts. The metadata and code are MIT.",
        "",
        "## Citation",
        "",
        *bibtex(stats, version),
        "",
        "## Changelog",
        "",
        *changelog(history or [manifest]),
        "",
        "## Dataset Card Contact",
        "",
        f"Issues of {CODE_URL}.",
    ]
    return "\n".join(lines) + "\n"
