"""The Hugging Face dataset folder: ``data/`` Parquet shards and a generated dataset card.

The folder is laid out as a Hub dataset repository, so ``datasets.load_dataset(folder)``
and ``load_dataset("parquet", data_files=folder + "/data/*.parquet")`` both load it, and
``qptd publish`` uploads it as it is. Like the dataset, it is built beside the current one
and swapped in with one rename of a symlink.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import datasets
import pyarrow.compute as pc
import pyarrow.parquet as pq
from huggingface_hub import DatasetCard

from ..fileio import OutputWriteError, atomic_write_json, atomic_write_text, swap_symlink
from ..layout import ExportsLayout
from ..schema import arrow_schema, arrow_schema_of, from_arrow_row
from .card import (
    ConfigInfo,
    card_body,
    card_data,
    is_portal_target,
    pretty_name_of,
    target_note,
)
from .configs import text_schema, write_images_config, write_people_config, write_text_config
from .croissant import CROISSANT_FILE, croissant
from .stats import version_stats
from .versions import (
    DatasetError,
    current_version,
    load_manifest,
    read_history,
    version_files,
    writer_lock,
)


@dataclass
class HfExport:
    folder: Path
    version: str
    articles: int
    bytes: int


def _arrow_bytes(paths: list[Path]) -> int:
    """What ``datasets`` counts as a split's ``num_bytes``: the size of its Arrow data in
    memory, not of the Parquet files (read batch by batch, never whole)."""
    return sum(batch.nbytes for path in paths for batch in pq.ParquetFile(path).iter_batches(5000))


def _example(version: Path) -> dict[str, Any] | None:
    """The newest year's first article with an author and a position, for the card."""
    for path in reversed(version_files(version)):
        table = pq.read_table(path)
        rows = table.filter(pc.is_valid(table["position"])).slice(0, 1).to_pylist()
        if rows:
            return from_arrow_row(rows[0])
    files = version_files(version)
    return from_arrow_row(pq.read_table(files[0]).slice(0, 1).to_pylist()[0]) if files else None


def _configs(version: Path, staging: Path) -> list[ConfigInfo]:
    """Write every config's files into ``staging``; describe each for the card."""
    shards = []
    for path in version_files(version):
        year = path.parent.name.removeprefix("year=")
        shard = staging / "data" / f"train-{year}.parquet"
        os.link(path, shard)  # the dataset's own files: same bytes, no copy
        shards.append(shard)
    articles = sum(pq.ParquetFile(p).metadata.num_rows for p in shards)
    text = staging / "text" / "train.parquet"
    images = staging / "images" / "train.parquet"
    people = staging / "people" / "train.parquet"
    try:
        text_rows = write_text_config(version, text)
        image_rows = write_images_config(version, images)
        people_rows = write_people_config(version, people)
    except OSError as exc:  # a full disk: name the folder, like every other write
        raise OutputWriteError(staging, exc) from exc
    features = datasets.Features.from_arrow_schema
    return [
        ConfigInfo(
            "default",
            "data/train-*.parquet",
            features(arrow_schema()),
            articles,
            _arrow_bytes(shards),
            "an article, every field",
        ),
        ConfigInfo(
            "text",
            "text/train.parquet",
            features(text_schema()),
            text_rows,
            _arrow_bytes([text]),
            "an article as one `text` (title, lead, body), for training scripts",
        ),
        ConfigInfo(
            "people",
            "people/train.parquet",
            features(arrow_schema_of("person")),
            people_rows,
            _arrow_bytes([people]),
            "a person who signed articles: name variants, ranks and positions over time",
        ),
        ConfigInfo(
            "images",
            "images/train.parquet",
            features(arrow_schema_of("image")),
            image_rows,
            _arrow_bytes([images]),
            "an image of an article, with its caption and photo credit",
        ),
    ]


def export_hf(layout: ExportsLayout, note: str | None = None, check: bool = False) -> HfExport:
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
        # Under the writer lock no other export runs: any staging folder is a killed
        # export's leftover (a full copy of the configs), never to be finished.
        if layout.hf_builds.is_dir():
            for leftover in layout.hf_builds.glob(".*.staging-*"):
                shutil.rmtree(leftover, ignore_errors=True)
        (staging / "data").mkdir(parents=True)
        configs = _configs(version, staging)
        num_bytes = sum(p.stat().st_size for p in (staging / "data").glob("*.parquet"))
        stats = version_stats(version)
        target = manifest.get("target")
        # Said first, whatever note the caller adds: where the rows come from.
        note = note if note is not None else target_note(target)
        if not is_portal_target(target) and note != target_note(target):
            note = target_note(target) + "\n\n" + note
        header = card_data(stats, configs, pretty_name_of(target)).to_yaml()
        history = read_history(layout)  # the whole history, whatever versions are kept
        body = card_body(stats, manifest, note, configs, _example(version), history)
        card = DatasetCard(f"---\n{header}\n---\n\n{body}")
        atomic_write_text(staging / "README.md", str(card))
        atomic_write_json(staging / CROISSANT_FILE, croissant(stats, manifest, configs))
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
