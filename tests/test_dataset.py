"""The dataset: merge by canonical URL, versions, atomic writes, lock, Hugging Face folder."""

from __future__ import annotations

import copy
import io
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq
import pytest

from qptd_spider.cli import main
from qptd_spider.dataset import store
from qptd_spider.dataset.hf import export_hf
from qptd_spider.dataset.stats import version_stats
from qptd_spider.dataset.store import (
    DatasetError,
    DatasetLockedError,
    current_version,
    merge_run,
    read_dataset,
    writer_lock,
)
from qptd_spider.exporters import ParquetItemExporter
from qptd_spider.normalize.article import content_hash
from qptd_spider.schema import field_names
from tests.conftest import ARTICLE_FIXTURES, page_expected

datasets.disable_progress_bars()


def items() -> list[dict[str, Any]]:
    return [copy.deepcopy(page_expected(n)) for n in ARTICLE_FIXTURES]


def write_run(path: Path, rows: list[dict[str, Any]]) -> Path:
    buffer = io.BytesIO()
    exporter = ParquetItemExporter(buffer)
    exporter.start_exporting()
    for row in rows:
        exporter.export_item(row)
    exporter.finish_exporting()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def test_round_trip_items_to_parquet_to_datasets(tmp_path: Path) -> None:
    originals = items()
    originals[0]["authors"] = []  # empty lists and null authors survive too
    originals[0]["author"] = None
    merge_run(tmp_path, [write_run(tmp_path / "runs" / "a.parquet", originals)])
    hf = export_hf(tmp_path)
    for ds in (
        datasets.load_dataset(str(hf.folder), split="train"),
        datasets.load_dataset(
            "parquet", data_files=str(hf.folder / "data" / "*.parquet"), split="train"
        ),
    ):
        assert ds.column_names == field_names()
        assert str(ds.features["published_at"].dtype) == "timestamp[us, tz=+07:00]"
        by_url = {row["url"]: row for row in ds}
        assert len(by_url) == len(originals)
        for item in originals:
            row = by_url[item["url"]]
            for key in (
                "title",
                "lead",
                "body",
                "authors",
                "images",
                "keywords",
                "category",
                "author",
                "position",
                "source",
                "signature_raw",
            ):
                assert row[key] == item[key], key
            if item["published_at"]:
                assert row["published_at"].isoformat() == item["published_at"]
            assert row["crawled_at"].isoformat() == item["crawled_at"]
            assert row["first_seen"] == row["last_seen"] == row["crawled_at"]
            assert row["revision"] == 1


def _changed(
    item: dict[str, Any], crawled_at: str, body: str | None = None, **fields: Any
) -> dict[str, Any]:
    out = copy.deepcopy(item)
    out["crawled_at"] = crawled_at
    out.update(fields)
    if body is not None:
        out["body"] = body
    if body is not None or fields:
        out["content_hash"] = content_hash(out)
    return out


def test_merge_adds_updates_and_keeps_unchanged(tmp_path: Path) -> None:
    first = items()
    r1 = merge_run(tmp_path, [write_run(tmp_path / "r1.parquet", first[:10])], run_id="v1")
    assert (r1.added, r1.updated, r1.unchanged, r1.total) == (10, 0, 0, 10)
    later = "2026-02-01T00:00:00+00:00"
    second = [_changed(first[0], later, body="Nội dung đã sửa.")]  # changed text
    second += [_changed(x, later) for x in first[1:10]]  # same text, seen again
    second += [_changed(x, later) for x in first[10:]]  # new
    second.append(_changed(first[0], "2026-01-31T00:00:00+00:00"))  # an older duplicate
    r2 = merge_run(tmp_path, [write_run(tmp_path / "r2.parquet", second)], run_id="v2")
    assert (r2.added, r2.updated, r2.unchanged) == (len(first) - 10, 1, 9)
    assert r2.duplicates_in_run == 1
    table = read_dataset(tmp_path)
    assert table.num_rows == len(first)
    rows = {r["url"]: r for r in table.to_pylist()}
    assert Counter(table.column("url").to_pylist()).most_common(1)[0][1] == 1
    edited = rows[first[0]["url"]]
    assert edited["body"] == "Nội dung đã sửa."
    assert edited["revision"] == 2
    assert edited["first_seen"].isoformat() == first[0]["crawled_at"]
    assert edited["last_seen"].isoformat() == later
    assert rows[first[1]["url"]]["revision"] == 1
    manifest = json.loads((current_version(tmp_path) / "_manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == "v2" and manifest["previous_version"] == "v1"
    assert manifest["updated"] == 1 and sum(manifest["files"].values()) == len(first)
    # The first version is still there, whole: a named version can be reloaded.
    assert pq.read_table(tmp_path / "versions" / "v1" / "year=2025" / "part-0.parquet").num_rows


def test_an_article_whose_year_changed_moves_partition(tmp_path: Path) -> None:
    item = items()[0]
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", [item])])
    moved = copy.deepcopy(item)
    moved["published_at"] = "2019-01-02T03:04:05+07:00"
    merge_run(tmp_path, [write_run(tmp_path / "b.parquet", [moved])])
    table = read_dataset(tmp_path)
    assert table.num_rows == 1
    assert table.column("published_at").to_pylist()[0].year == 2019


def test_unchanged_years_are_shared_not_copied(tmp_path: Path) -> None:
    rows = items()
    old = copy.deepcopy(rows[0])
    old["url"] = "https://quocphongthudo.vn/quoc-te/cu.html"
    old["published_at"] = "2015-05-05T05:05:05+07:00"
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", [*rows, old])], run_id="v1")
    merge_run(tmp_path, [write_run(tmp_path / "b.parquet", rows[:1])], run_id="v2")
    v1 = tmp_path / "versions" / "v1" / "year=2015" / "part-0.parquet"
    v2 = tmp_path / "versions" / "v2" / "year=2015" / "part-0.parquet"
    assert v1.stat().st_ino == v2.stat().st_ino


def test_a_second_writer_is_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = write_run(tmp_path / "a.parquet", items())
    with writer_lock(tmp_path):
        with pytest.raises(DatasetLockedError, match="being written by another process"):
            merge_run(tmp_path, [run])
        assert main(["merge", str(run), "--exports", str(tmp_path)]) == 3
        assert "being written by another process" in capsys.readouterr().err
    assert merge_run(tmp_path, [run]).added == len(items())


def test_bad_run_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        merge_run(tmp_path, [tmp_path / "missing.parquet"])
    bogus = tmp_path / "bogus.parquet"
    bogus.write_text("not parquet", encoding="utf-8")
    with pytest.raises(DatasetError, match="not a readable article Parquet"):
        merge_run(tmp_path, [write_run(tmp_path / "good.parquet", items()), bogus])
    assert current_version(tmp_path) is None
    assert list((tmp_path / "versions").iterdir()) == []  # no half-built version left
    with pytest.raises(DatasetError, match="no dataset"):
        export_hf(tmp_path)


_KILLED_WRITER = """
import sys
from pathlib import Path
from qptd_spider.dataset.store import merge_run
merge_run(Path(sys.argv[1]), [Path(sys.argv[2])])
"""


def test_a_writer_killed_mid_merge_leaves_the_previous_dataset_whole(tmp_path: Path) -> None:
    base = items()
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", base)])
    before = read_dataset(tmp_path).num_rows
    big = []
    template = base[0]
    for k in range(30000):  # big enough that the merge takes a while
        row = copy.deepcopy(template)
        row["url"] = f"https://quocphongthudo.vn/quoc-te/bai-{k}.html"
        row["published_at"] = f"{2000 + k % 25}-01-01T00:00:00+07:00"
        big.append(row)
    run = write_run(tmp_path / "big.parquet", big)

    def kill_writer(when: str) -> int:
        writer = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, str(tmp_path), str(run)])
        if when == "mid-build":
            # As soon as the next version's staging folder exists, the writer is mid-merge.
            deadline = time.monotonic() + 60
            while not list((tmp_path / "versions").glob(".*.staging")):
                assert writer.poll() is None, "the writer finished before it could be killed"
                assert time.monotonic() < deadline
                time.sleep(0.002)
        else:
            time.sleep(float(when))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        table = read_dataset(tmp_path)  # must load whole, whatever the moment of the kill
        urls = table.column("url").to_pylist()
        assert len(urls) == len(set(urls))
        datasets.load_dataset(
            "parquet", data_files=str(tmp_path / "dataset" / "year=*" / "*.parquet"), split="train"
        )
        return table.num_rows

    assert kill_writer("mid-build") == before
    for delay in ("0.5", "1.0", "2.0"):
        assert kill_writer(delay) in (before, before + len(big))


def test_card_is_generated_from_schema_and_data(tmp_path: Path) -> None:
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    hf = export_hf(tmp_path, note="Ghi chú thử nghiệm.")
    card = (hf.folder / "README.md").read_text(encoding="utf-8")
    header = card.split("---\n")[1]
    import yaml

    meta = yaml.safe_load(header)
    assert meta["language"] == ["vi"]
    assert meta["configs"][0]["data_files"][0]["path"] == "data/train-*.parquet"
    assert [f["name"] for f in meta["dataset_info"]["features"]] == field_names()
    assert meta["dataset_info"]["splits"][0]["num_examples"] == len(items())
    assert meta["size_categories"] == ["n<1K"]
    body = card.split("---\n", 2)[2]
    assert "Ghi chú thử nghiệm." in body
    for name in field_names():
        assert f"| `{name}` |" in body
    assert "load_dataset" in body and "@misc{" in body
    assert "| 2025 |" in body


def test_stats_and_report_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    assert main(["stats", "--exports", str(tmp_path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == len(items())
    assert 0 < stats["fill_rates"]["author"] < 1
    assert main(["report", "--exports", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "Top authors" in html


@pytest.mark.parametrize("run_id", ["../evil", "a/b", ".hidden", "x" * 101, "a..b"])
def test_run_ids_cannot_escape_the_exports_folder(tmp_path: Path, run_id: str) -> None:
    run = write_run(tmp_path / "a.parquet", items())
    with pytest.raises(DatasetError, match="run id"):
        merge_run(tmp_path / "exports", [run], run_id=run_id)
    assert not (tmp_path / "evil").exists()


def test_the_dataset_folder_reads_as_one_parquet_dataset(tmp_path: Path) -> None:
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    table = pq.read_table(tmp_path / "dataset")  # hive partitions; the manifest is skipped
    assert table.num_rows == len(items())
    assert "year" in table.column_names


def _mixed_run(folder: Path) -> list[Path]:
    """A run of two files: a Parquet feed and a journal whose last line was cut by a kill,
    with URLs repeated within and across the files, published over several years."""
    rows = items()
    feed = [
        _changed(
            r,
            f"2026-03-0{1 + i % 3}T00:00:00+00:00",
            published_at=f"{2019 + i % 4}-05-05T05:05:05+07:00",
        )
        for i, r in enumerate(rows)
    ]
    feed += [_changed(rows[0], "2026-03-09T00:00:00+00:00", body="Bản cuối.")]  # wins: latest
    journal = [_changed(rows[1], "2026-03-08T00:00:00+00:00", body="Bản nhật ký.")]  # wins
    journal += [_changed(rows[2], "2026-01-01T00:00:00+00:00", body="Bản cũ hơn.")]  # loses
    journal += [_changed(rows[3], "2026-03-05T00:00:00+00:00", published_at=None)]  # no date
    path = folder / "journal" / "run.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False) for r in journal]
    path.write_text("\n".join(lines) + '\n{"url": "https://quocphongthudo', encoding="utf-8")
    return [write_run(folder / "feed.parquet", feed), path]


def test_merging_in_small_chunks_gives_the_same_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, tables = [], []
    for chunk_rows in (store.RUN_CHUNK_ROWS, 2):
        monkeypatch.setattr(store, "RUN_CHUNK_ROWS", chunk_rows)
        root = tmp_path / f"chunks-{chunk_rows}"
        merge_run(root, [write_run(root / "first.parquet", items()[:5])], run_id="v1")
        result = merge_run(root, _mixed_run(root), run_id="v2")
        summary = result.as_dict()
        del summary["merged_at"], summary["run_files"]
        results.append(summary)
        tables.append(read_dataset(root).sort_by("url"))
        assert not list((root / "versions").glob("**/*.arrow")), "spill files left behind"
    assert results[0] == results[1]
    assert tables[0].equals(tables[1])
    rows = {r["url"]: r for r in tables[0].to_pylist()}
    first = items()
    assert rows[first[0]["url"]]["body"] == "Bản cuối."
    assert rows[first[1]["url"]]["body"] == "Bản nhật ký."
    assert rows[first[2]["url"]]["body"] != "Bản cũ hơn."
    assert rows[first[3]["url"]]["published_at"] is None
    assert results[0]["torn_journal_lines"] == 1
    assert results[0]["duplicates_in_run"] == 4  # rows 0-3 each came twice
    assert results[0]["added"] + results[0]["updated"] + results[0]["unchanged"] == len(first)
    assert "year=unknown/part-0.parquet" in results[0]["files"]


def _reference_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The stats the slow way, row by row in Python: the oracle of the batched counting."""
    published = [r["published_at"] for r in rows if r["published_at"] is not None]
    crawled = [r["crawled_at"] for r in rows]
    years = Counter(str(v.year) for v in published)
    years["unknown"] = len(rows) - len(published)
    authors: Counter[str] = Counter(a["name"] for r in rows for a in r["authors"] or [])
    return {
        "articles": len(rows),
        "first_published": min(published).isoformat(),
        "last_published": max(published).isoformat(),
        "first_crawled": min(crawled).isoformat(),
        "last_crawled": max(crawled).isoformat(),
        "per_year": {k: n for k, n in sorted(years.items()) if n},
        "per_month": dict(sorted(Counter(v.strftime("%Y-%m") for v in published).items())),
        "per_category": dict(
            Counter((r["category"][0] if r["category"] else "(none)") for r in rows).most_common()
        ),
        "top_authors": authors.most_common(20),
        "fill_rates": {
            name: sum(r[name] not in (None, "", []) for r in rows) / len(rows)
            for name in field_names()
        },
        "date_precision": dict(Counter(r["published_at_precision"] or "none" for r in rows)),
    }


def test_stats_counted_in_batches_match_the_row_by_row_count(tmp_path: Path) -> None:
    rows = items()
    rows[0] = _changed(rows[0], rows[0]["crawled_at"], published_at=None, lead="", images=[])
    rows[1] = _changed(rows[1], rows[1]["crawled_at"], category=[], author=None)
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", rows)])
    version = current_version(tmp_path)
    expected = _reference_stats(read_dataset(tmp_path).to_pylist())
    for batch_rows in (1, 3, 5000):
        assert version_stats(version, batch_rows=batch_rows).as_dict() == expected
    assert version_stats(None).articles == 0


def test_an_empty_run_makes_a_version_like_the_previous_one(tmp_path: Path) -> None:
    merge_run(tmp_path, [write_run(tmp_path / "a.parquet", items())], run_id="v1")
    empty = tmp_path / "journal" / "empty.jsonl"
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    result = merge_run(tmp_path, [empty, write_run(tmp_path / "b.parquet", [])], run_id="v2")
    assert (result.added, result.updated, result.unchanged, result.total) == (0, 0, 0, len(items()))
    assert read_dataset(tmp_path).num_rows == len(items())
