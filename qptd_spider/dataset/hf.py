"""The Hugging Face dataset folder: ``data/`` Parquet shards and a generated dataset card.

The folder is laid out as a Hub dataset repository, so ``datasets.load_dataset(folder)``
and ``load_dataset("parquet", data_files=folder + "/data/*.parquet")`` both load it, and
``qptd publish`` uploads it as it is. Like the dataset, it is built beside the current one
and swapped in with one rename of a symlink.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datasets
from huggingface_hub import DatasetCard, DatasetCardData

from .. import __version__
from ..fileio import atomic_write_text, swap_symlink
from ..layout import ExportsLayout
from ..schema import arrow_schema, article_schema
from .stats import KEY_FIELDS, DatasetStats, version_stats
from .versions import (
    DatasetError,
    current_version,
    list_versions,
    load_manifest,
    version_files,
    writer_lock,
)

PRETTY_NAME = "Quốc phòng Thủ đô news articles"
DEFAULT_NOTE = (
    "Crawled from the news portal of Quốc phòng Thủ đô (quocphongthudo.vn / qptd.com.vn), "
    "the newspaper of the Hanoi Capital Command."
)


@dataclass
class HfExport:
    folder: Path
    version: str
    articles: int
    bytes: int


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


def card_data(stats: DatasetStats, num_bytes: int) -> DatasetCardData:
    """The card's YAML header, through huggingface_hub's card data class (validated there):
    configs, features (datasets' own serialization), language, license, size, tasks."""
    data = DatasetCardData(
        language=["vi"],
        license="other",
        license_name="source-terms",
        license_link="LICENSE.md",
        pretty_name=PRETTY_NAME,
        size_categories=[_size_category(stats.articles)],
        task_categories=["text-classification", "summarization", "text-generation"],
        tags=["news", "vietnamese", "military", "hanoi", "journalism"],
        configs=[
            {
                "config_name": "default",
                "data_files": [{"split": "train", "path": "data/train-*.parquet"}],
            }
        ],
    )
    info = datasets.DatasetInfo(
        features=datasets.Features.from_arrow_schema(arrow_schema()),
        splits=datasets.SplitDict(
            {"train": datasets.SplitInfo("train", num_bytes=num_bytes, num_examples=stats.articles)}
        ),
    )
    datasets.info.DatasetInfosDict({"default": info}).to_dataset_card_data(data)
    return data


def _table(rows: Sequence[Sequence[str]], header: tuple[str, ...]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def changelog(history: Sequence[dict[str, Any]]) -> list[str]:
    """The last versions, newest first: what each added, updated and changed, and from which
    runs (their targets and parser versions)."""
    lines = [
        "| version | merged | added | updated | changed fields | runs |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in reversed(history):
        if m.get("kind") == "rollback":
            what = f"rollback to `{m.get('rolled_back_to')}`"
            lines.append(
                f"| `{m['version']}` | {str(m.get('merged_at', ''))[:10]} | – | – | {what} | – |"
            )
            continue
        fields = ", ".join(f"{k} {v:,}" for k, v in (m.get("changes") or {}).items()) or "–"
        runs = ", ".join(_run_label(r) for r in m.get("runs", [])) or "–"
        lines.append(
            f"| `{m['version']}` | {str(m.get('merged_at', ''))[:10]} | {m.get('added', 0):,} | "
            f"{m.get('updated', 0):,} | {fields} | {runs} |"
        )
    return lines


def card_body(
    stats: DatasetStats,
    manifest: dict[str, Any],
    note: str,
    history: Sequence[dict[str, Any]] = (),
) -> str:
    """The card's Markdown: what it is, how to load it, fields, counts, fill rates, method."""
    schema = article_schema()
    fields = [
        (f"`{name}`", prop["description"].replace("|", "\\|"))
        for name, prop in schema["properties"].items()
    ]
    lines = [
        f"# {PRETTY_NAME}",
        "",
        note,
        "",
        f"{stats.articles:,} articles published {(stats.first_published or '?')[:10]} to "
        f"{(stats.last_published or '?')[:10]}, crawled {(stats.first_crawled or '?')[:10]} to "
        f"{(stats.last_crawled or '?')[:10]}. Dataset version `{manifest['version']}`.",
        "",
        "## Load it",
        "",
        "```python",
        "from datasets import load_dataset",
        'ds = load_dataset("ORG/NAME", split="train")  # or a folder: load_dataset("exports/hf")',
        'print(ds[0]["title"], ds[0]["author"], ds[0]["position"], ds[0]["published_at"])',
        "```",
        "",
        'Or with any Parquet reader: `pandas.read_parquet("data/")`.',
        "",
        "## Fields",
        "",
        *_table(fields, ("field", "description")),
        "",
        "`authors` is a list of `{name, rank, academic_title, position, role}`; `images` a list "
        "of `{url, caption}`. Times carry their zone: `published_at` in Vietnam time (+07:00), "
        "`crawled_at`, `first_seen`, `last_seen` in UTC.",
        "",
        "## Counts",
        "",
        *_table([(y, f"{n:,}") for y, n in stats.per_year.items()], ("year", "articles")),
        "",
        *_table([(c, f"{n:,}") for c, n in stats.per_category.items()], ("category", "articles")),
        "",
        "## Fill rates",
        "",
        *_table(
            [(f"`{k}`", f"{stats.fill_rates.get(k, 0):.1%}") for k in (*KEY_FIELDS, "source")],
            ("field", "share of articles with a value"),
        ),
        "",
        "Publication time precision: "
        + ", ".join(f"{p} {n:,}" for p, n in sorted(stats.date_precision.items()))
        + ".",
        "Author and position are empty where the article carries no signature, or a signature "
        "without them (agency reprints, photo-only credits).",
        "",
        "## Bylines",
        "",
        "`authors` holds people only. A credit of the paper's own staff (`PV`, `BBT`, "
        '"Nhóm PV") is `byline_kind: staff`; an outlet or agency credited instead of a person '
        "is `source` (`byline_kind: agency`), an organization `organization`. Names keep their "
        "initials as written (`T.Nhàn`). Where the parser could not place a part of a "
        "signature it leaves it in `signature_raw` only and says so in `signature_status` "
        "(`partial`, `unparsed`): it prefers fewer authors to a wrong one.",
        "",
        *_table(
            [(k, f"{n:,}") for k, n in stats.byline_kinds.items()], ("byline_kind", "articles")
        ),
        "",
        *_table(
            [(k, f"{n:,}") for k, n in stats.signature_status.items()],
            ("signature_status", "articles"),
        ),
        "",
        "Rows by parser version (`parser_version`: the qptd version and a hash of its page "
        "parsers and normalizers; `qptd renormalize` or `qptd reparse` bring older rows up to "
        "date): " + ", ".join(f"`{k}` {n:,}" for k, n in stats.parser_versions.items()) + ".",
        "",
        "## How it was made",
        "",
        f"Crawled with qptd {__version__} (Scrapy), which follows the portal's menus, category "
        "lists, pagination and related-article links. Page parsers read microdata first, then "
        "the visible page; signatures (the author lines that close an article) are parsed into "
        "name, military rank, academic title, position and role; dates keep their precision "
        "and the raw text (`published_at_raw`, `signature_raw`). Text is NFC; metadata fields "
        "use the portal's dominant old-style tone marks (`Thành ủy`). Crawls merge into the "
        "dataset by canonical URL: `first_seen`, `last_seen` and `revision` say when an "
        "article was seen and how often its text changed.",
        "",
        f"This version: {manifest.get('added', 0):,} added, {manifest.get('updated', 0):,} "
        f"updated, {manifest.get('unchanged', 0):,} unchanged by the last crawl.",
        "",
        "## Changelog",
        "",
        *changelog(history or [manifest]),
        "",
        "## License and terms",
        "",
        "The articles are the work of Báo Quốc phòng Thủ đô and their authors, who keep their "
        "rights. This dataset is shared for research on Vietnamese media and language; check "
        "the source's terms before republishing texts. The metadata and code are MIT.",
        "",
        "## Citation",
        "",
        "```bibtex",
        "@misc{qptd_dataset,",
        "  title  = {Quốc phòng Thủ đô news articles},",
        "  note   = {Crawled and normalized with qptd "
        + __version__
        + ", version "
        + manifest["version"]
        + "},",
        f"  year   = {{{datetime.now(UTC).year}}},",
        "  howpublished = {Hugging Face dataset}",
        "}",
        "```",
    ]
    return "\n".join(lines) + "\n"


def export_hf(layout: ExportsLayout, note: str = DEFAULT_NOTE, check: bool = False) -> HfExport:
    """(Re)build ``hf`` from the current dataset version; ``check`` loads the result with
    ``datasets.load_dataset`` and compares it with the version before swapping it in."""
    if not layout.root.is_dir() or current_version(layout) is None:
        raise DatasetError(f"no dataset in {layout.root}: crawl, then `qptd merge`, first")
    with writer_lock(layout):
        version = current_version(layout)
        if version is None:
            raise DatasetError(f"no dataset in {layout.root}: crawl, then `qptd merge`, first")
        manifest = load_manifest(version)
        build = layout.hf_builds / version.name
        staging = build.with_name(f".{version.name}.staging-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "data").mkdir(parents=True)
        num_bytes = 0
        for path in version_files(version):
            year = path.parent.name.removeprefix("year=")
            shard = staging / "data" / f"train-{year}.parquet"
            os.link(path, shard)  # the dataset's own files: same bytes, no copy
            num_bytes += shard.stat().st_size
        stats = version_stats(version)
        header = card_data(stats, num_bytes).to_yaml()
        history = list_versions(layout)[-5:]
        body = card_body(stats, manifest, note, history)
        card = DatasetCard(f"---\n{header}\n---\n\n{body}")
        atomic_write_text(staging / "README.md", str(card))
        atomic_write_text(
            staging / "LICENSE.md",
            "The articles remain the property of Báo Quốc phòng Thủ đô and their authors; see "
            'README.md, "License and terms".\n',
        )
        if check:
            check_loads(staging, stats.articles)
        shutil.rmtree(build, ignore_errors=True)
        staging.rename(build)
        link = layout.hf
        if link.exists() and not link.is_symlink():
            raise DatasetError(f"{link} is a real folder, not qptd's link: move it away first")
        swap_symlink(link, build)
        for old in layout.hf_builds.iterdir():
            if old != build and not old.name.startswith("."):
                shutil.rmtree(old)
        return HfExport(folder=link, version=version.name, articles=stats.articles, bytes=num_bytes)


def check_loads(folder: Path, expected_rows: int) -> None:
    """Load the folder as a researcher would; refuse an export that does not load whole."""
    datasets.disable_progress_bars()
    try:
        loaded = datasets.load_dataset(str(folder), split="train")
    except Exception as exc:  # datasets raises many kinds; any of them means "broken"
        raise DatasetError(f"the Hugging Face folder does not load: {exc}") from None
    if loaded.num_rows != expected_rows:
        raise DatasetError(
            f"the Hugging Face folder loads {loaded.num_rows} rows, the dataset has {expected_rows}"
        )


def _run_label(run: dict[str, Any]) -> str:
    """``<run id> (<target>, <kind>)``: which crawl or re-parse a version came from."""
    target = (run.get("target") or {}).get("id", "?")
    return f"{run.get('run_id')} ({target}, {run.get('kind', 'crawl')})"
