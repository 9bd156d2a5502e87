"""The dataset: merge by canonical URL, versions, atomic writes, lock, Hugging Face folder."""

from __future__ import annotations

import copy
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import datasets
import pyarrow.parquet as pq
import pytest

from qptd_spider.cli import main
from qptd_spider.dataset import merge_files
from qptd_spider.dataset import run_files as run_files_module
from qptd_spider.dataset.held import held_articles
from qptd_spider.dataset.hf import export_hf
from qptd_spider.dataset.stats import KEY_FIELDS, NO_RANK, position_head, version_stats
from qptd_spider.dataset.versions import (
    DatasetError,
    DatasetLockedError,
    current_version,
    list_versions,
    load_manifest,
    read_dataset,
    rollback,
    writer_lock,
)
from qptd_spider.exporters import ParquetItemExporter
from qptd_spider.layout import ExportsLayout
from qptd_spider.normalize.article import content_hash
from qptd_spider.schema import field_names
from tests.conftest import ARTICLE_FIXTURES, MANIFEST, page_expected

datasets.disable_progress_bars()


def items() -> list[dict[str, Any]]:
    """One row per fixture article: the real-template fixtures are articles of the other
    fixtures served in the real template, which the dataset rightly makes one row each."""
    names = [n for n in ARTICLE_FIXTURES if MANIFEST[n].get("template") != "real"]
    return [copy.deepcopy(page_expected(n)) for n in names]


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


def write_journal(path: Path, rows: list[dict[str, Any]], tail: bytes = b"") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows)
    path.write_bytes(lines + tail)
    return path


def layout_at(root: Path) -> ExportsLayout:
    return ExportsLayout(root)


def test_round_trip_items_to_parquet_to_datasets(tmp_path: Path) -> None:
    originals = items()
    originals[0]["authors"] = []  # empty lists and null authors survive too
    originals[0]["author"] = None
    merge_files(tmp_path, [write_run(tmp_path / "runs" / "a.parquet", originals)])
    hf = export_hf(layout_at(tmp_path), check=True)
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
                "published_at_source",
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
    out["content_hash"] = content_hash(out)
    return out


def test_merge_adds_updates_and_keeps_unchanged(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    first = items()
    r1 = merge_files(tmp_path, [write_run(tmp_path / "r1.parquet", first[:10])], "v1")
    assert (r1.added, r1.updated, r1.unchanged, r1.total) == (10, 0, 0, 10)
    v1_rows = {r["url"]: r for r in read_dataset(layout).to_pylist()}
    later = "2026-02-01T00:00:00+00:00"
    second = [_changed(first[0], later, body="Nội dung đã sửa.")]  # changed text
    second += [_changed(first[1], later, position="Chính ủy Sư đoàn 301")]  # changed metadata
    second += [_changed(x, later) for x in first[2:10]]  # same text, seen again
    second += [_changed(x, later) for x in first[10:]]  # new
    second.append(_changed(first[0], "2026-01-31T00:00:00+00:00"))  # an older duplicate
    r2 = merge_files(tmp_path, [write_run(tmp_path / "r2.parquet", second)], "v2")
    assert (r2.added, r2.updated, r2.unchanged) == (len(first) - 10, 2, 8)
    assert r2.duplicates_in_run == 1
    assert r2.changes == {"content_hash": 1, "position": 1}
    assert [e["url"] for e in r2.examples["position"]] == [first[1]["url"]]
    assert r2.examples["position"][0]["new"] == "Chính ủy Sư đoàn 301"
    table = read_dataset(layout)
    assert table.num_rows == len(first)
    rows = {r["url"]: r for r in table.to_pylist()}
    assert Counter(table.column("url").to_pylist()).most_common(1)[0][1] == 1
    edited = rows[first[0]["url"]]
    assert edited["body"] == "Nội dung đã sửa."
    assert edited["revision"] == 2
    assert edited["first_seen"].isoformat() == first[0]["crawled_at"]
    assert edited["last_seen"].isoformat() == later
    assert rows[first[1]["url"]]["revision"] == 2  # metadata changes are revisions too
    # An unchanged row stays as it was, but for last_seen, which moved forward.
    same = rows[first[2]["url"]]
    assert same["last_seen"].isoformat() == later
    assert {k: v for k, v in same.items() if k != "last_seen"} == {
        k: v for k, v in v1_rows[first[2]["url"]].items() if k != "last_seen"
    }
    manifest = load_manifest(current_version(layout))  # type: ignore[arg-type]
    assert manifest["version"] == "v2" and manifest["previous_version"] == "v1"
    assert manifest["updated"] == 2 and sum(manifest["files"].values()) == len(first)
    # The first version is still there, whole: a named version can be reloaded.
    assert pq.read_table(tmp_path / "versions" / "v1" / "year=2025" / "part-0.parquet").num_rows


def test_per_url_the_newest_crawl_wins_whatever_the_merge_order(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    base = items()[:3]
    march = [
        _changed(r, "2026-03-01T00:00:00+00:00", body=f"Bản tháng ba {k}.")
        for k, r in enumerate(base)
    ]
    february = [
        _changed(r, "2026-02-01T00:00:00+00:00", body=f"Bản tháng hai {k}.")
        for k, r in enumerate(base)
    ]
    extra = _changed(items()[3], "2026-02-01T00:00:00+00:00")  # only the older run has it
    merge_files(tmp_path, [write_run(tmp_path / "march.parquet", march)], "march")
    before = {r["url"]: r for r in read_dataset(layout).to_pylist()}
    result = merge_files(
        tmp_path, [write_run(tmp_path / "february.parquet", [*february, extra])], "february"
    )
    assert (result.added, result.updated, result.unchanged, result.stale) == (1, 0, 0, 3)
    after = {r["url"]: r for r in read_dataset(layout).to_pylist()}
    for url, row in before.items():
        assert after[url] == row  # body, last_seen and revision untouched
    assert after[extra["url"]]["body"] == extra["body"]  # an older run still adds what is new


def test_last_seen_never_moves_back(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    row, other = items()[:2]

    def run(name: str, when: str, *extra: dict[str, Any]) -> Path:
        return write_run(tmp_path / f"{name}.parquet", [_changed(row, when), *extra])

    merge_files(tmp_path, [run("a", "2026-01-01T00:00:00+00:00")])
    # A merge that only sees the article again makes no version, so it moves nothing.
    assert merge_files(tmp_path, [run("b", "2026-02-01T00:00:00+00:00")]).version is None
    # One that adds another article makes a version: last_seen moves forward ...
    merge_files(tmp_path, [run("c", "2026-03-01T00:00:00+00:00", other)])
    # ... and an older crawl merged after it never moves it back.
    merge_files(
        tmp_path,
        [run("d", "2026-02-15T00:00:00+00:00", _changed(items()[2], "2026-02-15T00:00:00+00:00"))],
    )
    stored = {r["url"]: r for r in read_dataset(layout).to_pylist()}[row["url"]]
    assert stored["last_seen"].isoformat() == "2026-03-01T00:00:00+00:00"
    assert stored["crawled_at"].isoformat() == "2026-01-01T00:00:00+00:00"
    assert stored["revision"] == 1


def test_a_merge_that_changes_nothing_makes_no_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_at(tmp_path)
    run = write_run(tmp_path / "a.parquet", items())
    merge_files(tmp_path, [run], "v1")
    again = merge_files(tmp_path, [run])
    assert again.version is None and again.unchanged == len(items())
    assert [m["version"] for m in list_versions(layout)] == ["v1"]
    assert main(["merge", str(run), "--exports", str(tmp_path)]) == 0
    assert "no new version" in capsys.readouterr().out
    empty = write_journal(tmp_path / "empty.jsonl", [])
    assert merge_files(tmp_path, [empty, write_run(tmp_path / "b.parquet", [])]).version is None
    assert read_dataset(layout).num_rows == len(items())


def test_an_article_whose_year_changed_moves_partition(tmp_path: Path) -> None:
    item = items()[0]
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", [item])])
    moved = _changed(item, "2026-02-01T00:00:00+00:00", published_at="2019-01-02T03:04:05+07:00")
    result = merge_files(tmp_path, [write_run(tmp_path / "b.parquet", [moved])])
    assert result.changes == {"published_at": 1}
    assert result.examples["published_at"][0]["old"].startswith(item["published_at"][:10])
    table = read_dataset(layout_at(tmp_path))
    assert table.num_rows == 1
    assert table.column("published_at").to_pylist()[0].year == 2019


def test_unchanged_years_are_shared_not_copied(tmp_path: Path) -> None:
    rows = items()
    old = copy.deepcopy(rows[0])
    old["url"] = "https://quocphongthudo.vn/quoc-te/cu.html"
    old["article_id"] = "0" * 24  # another article (the same id would be the same one)
    old["published_at"] = "2015-05-05T05:05:05+07:00"
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", [*rows, old])], "v1")
    newer = _changed(rows[0], "2026-05-01T00:00:00+00:00", body="Sửa.")
    merge_files(tmp_path, [write_run(tmp_path / "b.parquet", [newer])], "v2")
    v1 = tmp_path / "versions" / "v1" / "year=2015" / "part-0.parquet"
    v2 = tmp_path / "versions" / "v2" / "year=2015" / "part-0.parquet"
    assert v1.stat().st_ino == v2.stat().st_ino


def test_a_second_writer_is_refused_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = write_run(tmp_path / "a.parquet", items())
    with writer_lock(layout_at(tmp_path)):
        with pytest.raises(DatasetLockedError, match="being written by another process"):
            merge_files(tmp_path, [run])
        assert main(["merge", str(run), "--exports", str(tmp_path)]) == 3
        assert "being written by another process" in capsys.readouterr().err
    assert merge_files(tmp_path, [run]).added == len(items())


def test_bad_run_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        merge_files(tmp_path, [tmp_path / "missing.parquet"])
    bogus = tmp_path / "bogus.parquet"
    bogus.write_text("not parquet", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bogus\.parquet is not a Parquet file"):
        merge_files(tmp_path, [write_run(tmp_path / "good.parquet", items()), bogus])
    assert current_version(layout_at(tmp_path)) is None
    assert list((tmp_path / "versions").iterdir()) == []  # no half-built version left
    with pytest.raises(DatasetError, match="no dataset"):
        export_hf(layout_at(tmp_path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'{"url": "https://x.vn/a.html", "crawled_at": "2026-01-01T00:00:00+00:00"}\n'
            b"[1, 2]\n{}\n",
            r"line 2: a JSON list, not an object",
        ),
        (b'{"url": "https://x.vn/a.html", "crawled_at": null}\n', r"line 1: crawled_at is missing"),
        (
            b'{"url": "https://x.vn/a.html", "crawled_at": "yesterday"}\n',
            r"line 1: crawled_at 'yesterday' is not an ISO time",
        ),
        (b'not json\n{"url": 1}\n', r"line 1: not valid JSON"),
    ],
)
def test_journal_lines_that_are_not_articles_name_their_file_and_line(
    tmp_path: Path, content: bytes, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = tmp_path / "bad.jsonl"
    journal.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        merge_files(tmp_path / "exports", [journal])
    assert main(["merge", str(journal), "--exports", str(tmp_path / "exports")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.jsonl" in err and "Traceback" not in err


def test_a_parquet_file_of_another_schema_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow as pa

    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"id": [1, 2], "name": ["a", "b"]}), other)
    assert main(["merge", str(other), "--exports", str(tmp_path / "exports")]) == 2
    err = capsys.readouterr().err
    assert "other.parquet is not a qptd article file" in err and "lacks url, crawled_at" in err


@pytest.mark.parametrize("cut", range(1, 12))
def test_a_journal_cut_anywhere_in_its_last_line_merges_what_is_whole(
    tmp_path: Path, cut: int
) -> None:
    rows = items()[:3]
    whole = json.dumps(rows[2], ensure_ascii=False).encode()
    # Cut inside the first multi-byte letters of the title too (UTF-8 "Đ" is 2 bytes).
    start = whole.index(rows[2]["title"][:3].encode())
    journal = write_journal(tmp_path / "j.jsonl", rows[:2], tail=whole[: start + cut])
    result = merge_files(tmp_path / "exports", [journal])
    assert (result.added, result.torn_journal_lines) == (2, 1)


def test_a_broken_line_in_the_middle_is_an_error_not_a_torn_line(tmp_path: Path) -> None:
    rows = items()[:2]
    good = [json.dumps(r, ensure_ascii=False).encode() for r in rows]
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(good[0][:40] + b"\n" + good[1] + b"\n")
    with pytest.raises(ValueError, match=r"j\.jsonl, line 1: not valid JSON"):
        merge_files(tmp_path / "exports", [journal])


_KILLED_WRITER = """
import sys
from qptd_spider.dataset import merge_files
merge_files(sys.argv[1], [sys.argv[2]])
"""


@pytest.mark.integration
def test_a_writer_killed_mid_merge_leaves_the_previous_dataset_whole(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    base = items()
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", base)])
    before = read_dataset(layout).num_rows
    big = []
    template = base[0]
    for k in range(30000):  # big enough that the merge takes a while
        row = copy.deepcopy(template)
        row["url"] = f"https://quocphongthudo.vn/quoc-te/bai-{k}.html"
        row["article_id"] = f"{k:024x}"  # 30,000 articles, not one under 30,000 URLs
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
        table = read_dataset(layout)  # must load whole, whatever the moment of the kill
        urls = table.column("url").to_pylist()
        assert len(urls) == len(set(urls))
        datasets.load_dataset(
            "parquet", data_files=str(tmp_path / "dataset" / "year=*" / "*.parquet"), split="train"
        )
        return table.num_rows

    assert kill_writer("mid-build") == before
    for delay in ("0.5", "1.0", "2.0"):
        assert kill_writer(delay) in (before, before + len(big))


# -- a dataset link that does not resolve ----------------------------------------------------


def _two_versions(root: Path) -> None:
    merge_files(root, [write_run(root / "a.parquet", items()[:3])], "v1")
    merge_files(root, [write_run(root / "b.parquet", items()[3:6])], "v2")


@pytest.mark.parametrize("breakage", ["missing_version", "outside", "real_folder", "no_link"])
def test_a_broken_dataset_link_is_refused_never_taken_for_a_new_dataset(
    tmp_path: Path, breakage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "exports"
    _two_versions(root)
    link = root / "dataset"
    link.unlink()
    if breakage == "missing_version":
        link.symlink_to("versions/v9")
    elif breakage == "outside":
        link.symlink_to("/etc")
    elif breakage == "real_folder":
        link.mkdir()
    run = write_run(tmp_path / "c.parquet", items()[6:])
    for _ in range(6):  # five merges later, the real data must still be there
        with pytest.raises(DatasetError):
            merge_files(root, [run])
    assert (root / "versions" / "v1").is_dir() and (root / "versions" / "v2").is_dir()
    assert main(["stats", "--exports", str(root)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "dataset" in captured.err
    assert main(["report", "--exports", str(root)]) == 2
    assert not (root / "report.html").exists()
    if breakage != "real_folder":
        # The repair: point the link at a kept version again.
        assert main(["rollback", "v2", "--exports", str(root)]) == 0
        assert read_dataset(layout_at(root)).num_rows == 6


def test_pruning_keeps_the_newest_by_merge_time_and_the_current_one(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    rows = items()
    # Version names that sort before the others must not be the first to go.
    names = ["20260101T0000Z", "0-hotfix", "20260301T0000Z", "20260401T0000Z"]
    for k, name in enumerate(names):
        row = _changed(rows[0], f"2026-0{k + 1}-02T00:00:00+00:00", body=f"Bản {k}.")
        merge_files(tmp_path, [write_run(tmp_path / f"{k}.parquet", [row])], name, keep_versions=2)
    kept = sorted(p.name for p in layout.versions.iterdir() if not p.name.startswith("."))
    # The two newest by merge time; the previous one is the current one's base.
    assert kept == sorted(["20260301T0000Z", "20260401T0000Z"])
    assert current_version(layout).name == "20260401T0000Z"  # type: ignore[union-attr]


def test_versions_can_be_listed_and_rolled_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_at(tmp_path)
    _two_versions(tmp_path)
    assert main(["versions", "--exports", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.lstrip("* ").split()[0] for line in out] == ["v1", "v2"]
    assert out[1].startswith("*")
    manifest = rollback(layout, "v1", keep=5)
    assert manifest["kind"] == "rollback" and manifest["rolled_back_to"] == "v1"
    assert manifest["previous_version"] == "v2"
    ds = datasets.load_dataset(
        "parquet", data_files=str(tmp_path / "dataset" / "year=*" / "*.parquet"), split="train"
    )
    assert sorted(ds["url"]) == sorted(r["url"] for r in items()[:3])
    with pytest.raises(DatasetError, match="no version 'v9'"):
        rollback(layout, "v9", keep=5)
    assert main(["rollback", "nope", "--exports", str(tmp_path)]) == 2


def test_card_is_generated_from_schema_and_data(tmp_path: Path) -> None:
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    hf = export_hf(layout_at(tmp_path), note="Ghi chú thử nghiệm.")
    card = (hf.folder / "README.md").read_text(encoding="utf-8")
    header = card.split("---\n")[1]
    import yaml

    meta = yaml.safe_load(header)
    assert meta["language"] == ["vi"]
    assert meta["configs"][0]["data_files"][0]["path"] == "data/train-*.parquet"
    info = {i["config_name"]: i for i in meta["dataset_info"]}
    assert [f["name"] for f in info["default"]["features"]] == field_names()
    assert info["default"]["splits"][0]["num_examples"] == len(items())
    assert meta["size_categories"] == ["n<1K"]
    body = card.split("---\n", 2)[2]
    assert "Ghi chú thử nghiệm." in body
    for name in field_names():
        assert f"| `{name}` |" in body
    assert "load_dataset" in body and "@misc{" in body
    assert "| 2025 |" in body


def test_stats_and_report_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    assert main(["stats", "--exports", str(tmp_path), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["articles"] == len(items())
    assert 0 < stats["fill_rates"]["author"] < 1
    assert main(["report", "--exports", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Top authors" in html


def test_commands_on_a_missing_or_empty_root_say_so_and_create_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing"
    for command in (["stats"], ["stats", "--json"], ["report"], ["export"]):
        assert main([*command, "--exports", str(missing)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("qptd: ") and err.count("\n") == 1
    assert not missing.exists()


def _without_room(limit: int) -> Any:
    """A file size limit: every write past it fails like a full disk (EFBIG; Python
    ignores SIGXFSZ), for root too, unlike a read-only folder."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.integration
@pytest.mark.parametrize("command", ["merge", "export", "report"])
def test_a_full_disk_during_merge_export_or_report_is_a_clear_error(
    tmp_path: Path, command: str
) -> None:
    run = write_run(tmp_path / "a.parquet", items())
    root = tmp_path / "exports"
    merge_files(root, [run], "v1")
    newer = write_run(
        tmp_path / "b.parquet",
        [_changed(r, "2026-05-01T00:00:00+00:00", body="Sửa.") for r in items()],
    )
    args = {
        "merge": ["merge", str(newer)],
        "export": ["export", "--no-check"],
        "report": ["report"],
    }[command]
    done = subprocess.run(
        [sys.executable, "-m", "qptd_spider.cli", *args, "--exports", str(root)],
        capture_output=True,
        text=True,
        preexec_fn=_without_room(2000),
        check=False,
    )
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("qptd: cannot write ") and "File too large" in line
    # What was there is whole: the dataset still reads, its link still points at v1.
    assert current_version(layout_at(root)).name == "v1"  # type: ignore[union-attr]
    assert read_dataset(layout_at(root)).num_rows == len(items())


@pytest.mark.parametrize("run_id", ["../evil", "a/b", ".hidden", "x" * 101, "a..b"])
def test_version_ids_cannot_escape_the_exports_folder(tmp_path: Path, run_id: str) -> None:
    run = write_run(tmp_path / "a.parquet", items())
    with pytest.raises(ValueError, match="run id"):
        merge_files(tmp_path / "exports", [run], run_id)
    assert not (tmp_path / "evil").exists()


def test_the_dataset_folder_reads_as_one_parquet_dataset(tmp_path: Path) -> None:
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items())])
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
    path = write_journal(
        folder / "journal" / "run.jsonl", journal, b'{"url": "https://quocphongthudo'
    )
    return [write_run(folder / "feed.parquet", feed), path]


def test_merging_in_small_chunks_gives_the_same_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, tables = [], []
    for chunk_rows in (run_files_module.RUN_CHUNK_ROWS, 2):
        monkeypatch.setattr(run_files_module, "RUN_CHUNK_ROWS", chunk_rows)
        root = tmp_path / f"chunks-{chunk_rows}"
        merge_files(root, [write_run(root / "first.parquet", items()[:5])], "v1")
        result = merge_files(root, _mixed_run(root), "v2")
        summary = result.as_dict()
        del summary["merged_at"], summary["run_files"]
        results.append(summary)
        tables.append(read_dataset(layout_at(root)).sort_by("url"))
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
        "byline_kinds": dict(Counter(r["byline_kind"] or "none" for r in rows).most_common()),
        "signature_status": dict(
            Counter(r["signature_status"] or "none" for r in rows).most_common()
        ),
        "parser_versions": dict(Counter(r["parser_version"] or "none" for r in rows).most_common()),
        "ranks": dict(
            Counter(a["rank"] or NO_RANK for r in rows for a in r["authors"]).most_common()
        ),
        "positions": dict(
            Counter(
                position_head(a["position"]) for r in rows for a in r["authors"] if a["position"]
            ).most_common(20)
        ),
        "fill_rates_per_year": {
            year: {
                k: sum(r[k] not in (None, "", []) for r in of_year) / len(of_year)
                for k in KEY_FIELDS
            }
            for year, of_year in sorted(_by_year(rows).items())
        },
    }


def _by_year(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        year = str(r["published_at"].year) if r["published_at"] is not None else "unknown"
        out.setdefault(year, []).append(r)
    return out


def test_stats_counted_in_batches_match_the_row_by_row_count(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    rows = items()
    rows[0] = _changed(rows[0], rows[0]["crawled_at"], published_at=None, lead="", images=[])
    rows[1] = _changed(rows[1], rows[1]["crawled_at"], category=[], author=None)
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", rows)])
    version = current_version(layout)
    expected = _reference_stats(read_dataset(layout).to_pylist())
    for batch_rows in (1, 3, 5000):
        assert version_stats(version, batch_rows=batch_rows).as_dict() == expected
    assert version_stats(None).articles == 0


# -- what a version holds, and versions that do not match their manifest ---------------------


def test_each_version_says_what_it_holds_aliases_and_corrected_dates_included(
    tmp_path: Path,
) -> None:
    layout = layout_at(tmp_path)
    first, second, third = items()[:3]
    alias = "https://quocphongthudo.vn/quoc-te/cung-bai.html"
    first = _changed(first, "2026-01-01T00:00:00+00:00", other_urls=[alias])
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", [first, second])], "v1")
    held = held_articles(layout)
    assert sorted(held) == sorted([first["url"], alias, second["url"]])
    assert held[alias] == held[first["url"]] == datetime.fromisoformat(first["published_at"])
    # A later crawl reads another date: the dataset's index holds the corrected one.
    corrected = _changed(
        first, "2026-02-01T00:00:00+00:00", published_at="2025-03-04T05:06:00+07:00"
    )
    merge_files(tmp_path, [write_run(tmp_path / "b.parquet", [corrected, third])], "v2")
    held = held_articles(layout)
    assert len(held) == 4
    assert held[first["url"]] == held[alias] == datetime.fromisoformat("2025-03-04T05:06:00+07:00")
    # A rollback makes the smaller version's index the current one.
    rollback(layout, "v1", keep=5)
    assert sorted(held_articles(layout)) == sorted([first["url"], alias, second["url"]])


@pytest.mark.parametrize("damage", ["missing_file", "other_rows", "unlisted_file", "no_index"])
def test_a_damaged_version_is_refused_by_rollback_and_named_by_diff(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = layout_at(tmp_path)
    rows = items()
    old = _changed(rows[0], "2026-01-01T00:00:00+00:00", published_at="2015-05-05T05:05:05+07:00")
    old["url"], old["article_id"] = "https://quocphongthudo.vn/quoc-te/cu.html", "0" * 24
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", [rows[0], old])], "v1")
    merge_files(tmp_path, [write_run(tmp_path / "b.parquet", rows[1:4])], "v2")
    v1 = layout.version("v1")
    part = v1 / "year=2015" / "part-0.parquet"
    if damage == "missing_file":
        part.unlink()
    elif damage == "other_rows":
        part.unlink()  # a hard link shared with v2: replaced, not written through
        write_run(part, [old, _changed(old, old["crawled_at"], url=old["url"] + "?x")])
    elif damage == "unlisted_file":
        write_run(v1 / "year=2014" / "part-0.parquet", [old])
    else:
        (v1 / "_index.parquet").unlink()
    with pytest.raises(DatasetError, match="version v1 is damaged"):
        rollback(layout, "v1", keep=5)
    assert current_version(layout).name == "v2"  # type: ignore[union-attr]
    capsys.readouterr()
    assert main(["rollback", "v1", "--exports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "stays at v2" in err
    assert main(["diff", "v1", "v2", "--exports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "version v1 is damaged" in err
    assert current_version(layout).name == "v2"  # type: ignore[union-attr]


def test_a_merge_never_builds_on_a_damaged_current_version(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    rows = items()
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", rows[:3])], "v1")
    for part in layout.version("v1").glob("year=*/*.parquet"):
        part.unlink()
    with pytest.raises(DatasetError, match=r"version v1 is damaged.*nothing merged"):
        merge_files(tmp_path, [write_run(tmp_path / "b.parquet", rows[3:])], "v2")
    assert [m["version"] for m in list_versions(layout)] == ["v1"]


# -- pruning ---------------------------------------------------------------------------------


def _merge_versions(root: Path, names: list[str], keep: int) -> None:
    """One version per name, merged in this order (each changes the same article)."""
    row = items()[0]
    for k, name in enumerate(names):
        changed = _changed(row, f"2026-01-{k + 1:02d}T00:00:00+00:00", body=f"Bản {k}.")
        merge_files(
            root, [write_run(root / f"{name}.parquet", [changed])], name, keep_versions=keep
        )


def _kept(layout: ExportsLayout) -> list[str]:
    return sorted(p.name for p in layout.versions.iterdir() if not p.name.startswith("."))


def test_pruning_keeps_exactly_the_newest_by_merge_time_not_by_name(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    # Names in the opposite order of their merges: by name, the newest would go first.
    _merge_versions(tmp_path, ["e", "d", "c", "b", "a"], keep=3)
    assert _kept(layout) == ["a", "b", "c"]
    assert current_version(layout).name == "a"  # type: ignore[union-attr]


def test_pruning_to_one_keeps_the_base_of_the_current_version(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    _merge_versions(tmp_path, ["v1", "v2", "v3", "v4"], keep=1)
    assert _kept(layout) == ["v3", "v4"]  # v4 is current, v3 the version it was built from


def test_pruning_never_removes_a_folder_a_manifest_names(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    layout = layout_at(root)
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    _merge_versions(root, ["v1", "v2", "v3", "v4"], keep=5)
    manifest = load_manifest(layout.version("v1"))
    (layout.version("v1") / "_manifest.json").write_text(
        json.dumps({**manifest, "version": "../../victim"}), encoding="utf-8"
    )
    # A copy of v2 whose manifest says it is v2, and older than every version.
    shutil.copytree(layout.version("v2"), layout.version("old-copy"))
    copy_manifest = load_manifest(layout.version("old-copy"))
    (layout.version("old-copy") / "_manifest.json").write_text(
        json.dumps({**copy_manifest, "merged_at": "2000-01-01T00:00:00+00:00"}), encoding="utf-8"
    )
    # A link in versions/ to a folder elsewhere is not a version.
    (layout.versions / "linked").symlink_to(victim)
    assert main(["rollback", "v4", "--keep", "4", "--exports", str(root)]) == 0
    assert (victim / "keep").is_dir()
    # Pruned by folder name: the copy and v1 (the oldest two), never v2 for its copy.
    assert _kept(layout) == sorted(["v2", "v3", "v4", current_version(layout).name, "linked"])  # type: ignore[union-attr]


# -- runs as merge finds them ----------------------------------------------------------------


def _run_folder(root: Path, run_id: str, rows: list[dict[str, Any]], **record: Any) -> Path:
    """A run folder as a crawl leaves it: its journal and its record."""
    folder = root / "runs" / run_id
    write_journal(folder / "journal.jsonl", rows)
    fields = {"run_id": run_id, "status": "finished", "files": {"journal": "journal.jsonl"}}
    (folder / "run.json").write_text(json.dumps({**fields, **record}), encoding="utf-8")
    return folder


def test_a_run_folder_linked_from_another_root_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = _run_folder(tmp_path / "other", "r1", items()[:3])
    before = (other / "run.json").read_bytes()
    root = tmp_path / "exports"
    (root / "runs").mkdir(parents=True)
    (root / "runs" / "r1").symlink_to(other)
    assert main(["merge", "--exports", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "outside the exports root" in err
    assert (other / "run.json").read_bytes() == before  # not marked merged
    assert not (root / "dataset").exists()


def test_a_run_stopped_after_failing_its_health_checks_is_held_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = items()
    health = {"ok": False, "failed_checks": ["related_growth"]}
    _run_folder(tmp_path, "r1", rows[:3], status="stopped", health=health)
    _run_folder(tmp_path, "r2", rows[3:5], status="stopped", health={"ok": True})
    assert main(["merge", "--exports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "held back: run r1 failed (health checks related_growth)" in out
    assert read_dataset(layout_at(tmp_path)).num_rows == 2  # r2 only
    assert main(["merge", "--include-failed", "--exports", str(tmp_path)]) == 0
    assert read_dataset(layout_at(tmp_path)).num_rows == 5


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ({"target": "portal"}, "target must be a JSON object, not str"),
        ({"files": ["journal.jsonl"]}, "files must be a JSON object, not list"),
        ({"status": 3}, "status must be a JSON string, not int"),
    ],
)
def test_a_run_record_of_the_wrong_types_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], record: dict[str, Any], problem: str
) -> None:
    _run_folder(tmp_path, "r1", items()[:3], **record)
    assert main(["merge", "--exports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err and "r1" in err


def test_a_run_record_with_null_counts_merges(tmp_path: Path) -> None:
    _run_folder(tmp_path, "r1", items()[:3], counts=None, target=None)
    assert main(["merge", "--exports", str(tmp_path)]) == 0
    assert read_dataset(layout_at(tmp_path)).num_rows == 3


def test_a_manifest_that_is_not_an_object_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items()[:3])], "v1")
    (tmp_path / "versions" / "v1" / "_manifest.json").write_text("[]", encoding="utf-8")
    run = write_run(tmp_path / "b.parquet", items()[3:6])
    for command in (["merge", str(run)], ["rollback", "v1"], ["export"]):
        assert main([*command, "--exports", str(tmp_path)]) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a JSON object (list)" in err, command


def test_a_corrupted_crawl_state_does_not_stop_a_merge(tmp_path: Path) -> None:
    """The crawl state is the crawler's memory, not the dataset's: merge never opens it."""
    _run_folder(tmp_path, "r1", items()[:3])
    state = tmp_path / "crawl-state.sqlite"
    state.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert main(["merge", "--exports", str(tmp_path)]) == 0
    assert state.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 4000
    record = json.loads((tmp_path / "runs" / "r1" / "run.json").read_text(encoding="utf-8"))
    assert record["merged_into"] == current_version(layout_at(tmp_path)).name == "r1"  # type: ignore[union-attr]


def test_the_card_shows_page_text_as_text_never_as_markdown_or_html(tmp_path: Path) -> None:
    rows = items()[:3]
    hostile = "Quân sự | <img src=x onerror=alert(1)> *đậm* [a](javascript:x) \\"
    rows[0] = _changed(rows[0], rows[0]["crawled_at"], category=[hostile, "Con"])
    rows[1] = _changed(rows[1], rows[1]["crawled_at"], body="Mở ```\n## Không phải tiêu đề\n```")
    _run_folder(
        tmp_path, "r1", rows, kind="crawl", target={"id": "portal | x", "base_url": "http://x"}
    )
    assert main(["merge", "--exports", str(tmp_path)]) == 0
    card = (export_hf(layout_at(tmp_path)).folder / "README.md").read_text(encoding="utf-8")
    escaped = r"Quân sự \| &lt;img src=x onerror=alert(1)&gt; \*đậm\* \[a\](javascript:x) \\"
    assert f"| {escaped} | 1 |" in card.splitlines()
    assert "<img" not in card
    assert r"| `r1` | " in card and r"r1 (portal \| x, crawl) |" in card
    # The example record's fence is longer than any backticks in the record.
    example = card[card.index("An example record:") :]
    fence = example.splitlines()[2]
    assert fence == "````json" and "\n````\n" in example


def test_of_two_copies_crawled_at_the_same_time_the_later_one_wins(tmp_path: Path) -> None:
    row = items()[0]
    first = _changed(row, "2026-01-01T00:00:00+00:00", body="Bản đầu.")
    second = _changed(row, "2026-01-01T00:00:00+00:00", body="Bản sau.")
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", [first, second])], "v1")
    [stored] = read_dataset(layout_at(tmp_path)).to_pylist()
    assert stored["body"] == "Bản sau."
    # The same across files: the file merged later holds the later copy.
    third = _changed(row, "2026-02-01T00:00:00+00:00", body="Bản ba.")
    fourth = _changed(row, "2026-02-01T00:00:00+00:00", body="Bản bốn.")
    files = [
        write_run(tmp_path / "b.parquet", [third]),
        write_run(tmp_path / "c.parquet", [fourth]),
    ]
    merge_files(tmp_path, files, "v2")
    [stored] = read_dataset(layout_at(tmp_path)).to_pylist()
    assert stored["body"] == "Bản bốn."


@pytest.mark.parametrize("step", ["index", "manifest"])
def test_a_merge_that_fails_before_the_switch_leaves_the_run_waiting_and_the_old_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    import importlib

    merge_module = importlib.import_module("qptd_spider.dataset.merge")

    layout = layout_at(tmp_path)
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items()[:2])], "v1")
    _run_folder(tmp_path, "r1", items()[2:4])

    def disk_full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(
        merge_module, "write_index" if step == "index" else "atomic_write_json", disk_full
    )
    assert main(["merge", "--exports", str(tmp_path)]) == 2
    assert current_version(layout).name == "v1"  # type: ignore[union-attr]
    record = json.loads((tmp_path / "runs" / "r1" / "run.json").read_text(encoding="utf-8"))
    assert "merged_into" not in record
    assert [p.name for p in layout.versions.iterdir()] == ["v1"]  # no staging left behind
    monkeypatch.undo()
    assert main(["merge", "--exports", str(tmp_path)]) == 0
    assert read_dataset(layout).num_rows == 4


def test_an_unreadable_index_is_read_from_the_version_files(tmp_path: Path) -> None:
    layout = layout_at(tmp_path)
    rows = items()[:3]
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", rows)], "v1")
    (layout.version("v1") / "_index.parquet").write_bytes(b"not parquet")
    assert sorted(held_articles(layout)) == sorted(r["url"] for r in rows)


def test_a_killed_exports_staging_folders_are_cleaned_by_the_next_export(tmp_path: Path) -> None:
    """Issue 22, point 17: a killed export's staging folders were never removed."""
    merge_files(tmp_path, [write_run(tmp_path / "runs" / "a.parquet", items())])
    layout = layout_at(tmp_path)
    export_hf(layout)
    leftover = layout.hf_builds / ".20260101T000000Z.staging-999999"
    (leftover / "data").mkdir(parents=True)
    (leftover / "data" / "train.parquet").write_bytes(b"half a file")
    export_hf(layout)
    assert not leftover.exists()
    assert sorted(p.name for p in layout.hf_builds.iterdir()) == [layout.hf.resolve().name]


def test_diff_shows_a_changed_body_as_a_word_level_excerpt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: a changed body showed only as content_hash old → new."""
    first = items()[:3]
    merge_files(tmp_path, [write_run(tmp_path / "r1.parquet", first)], "v1")
    old_body = first[0]["body"]
    words = old_body.split()
    new_body = " ".join([*words[:5], "SỬA", *words[6:]])
    edited = _changed(first[0], "2026-02-01T00:00:00+00:00", body=new_body)
    merge_files(tmp_path, [write_run(tmp_path / "r2.parquet", [edited])], "v2")
    assert main(["diff", "--exports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    context = " ".join(words[:5])
    assert f"body: … {context} [-{words[5]}-] {{+SỬA+}} {' '.join(words[6:12])} …" in out
    assert "'old':" not in out and f"{first[0]['url']}:" in out


def test_the_history_outlives_pruned_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 24: the changelog and `qptd versions` kept the last 5 versions only; four
    rollbacks pushed the first merge out of the card."""
    rows = items()
    layout = layout_at(tmp_path)
    for k in range(4):  # four merges, each adding three articles
        batch = rows[3 * k : 3 * k + 3]
        merge_files(
            tmp_path, [write_run(tmp_path / f"r{k}.parquet", batch)], f"v{k}", keep_versions=2
        )
    assert main(["rollback", "v2", "--exports", str(tmp_path), "--keep", "2"]) == 0
    capsys.readouterr()
    assert len(list_versions(layout)) == 2  # files of two versions kept
    assert main(["versions", "--exports", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] if line.startswith("*") else line.split()[0] for line in lines][:4] == [
        "v0",
        "v1",
        "v2",
        "v3",
    ]
    assert len(lines) == 5 and lines[-1].startswith("* ") and "rollback → v2" in lines[-1]
    assert [("(files pruned)" in line) for line in lines] == [True, True, True, False, False]
    card = (export_hf(layout).folder / "README.md").read_text(encoding="utf-8")
    changelog = [line for line in card.splitlines() if line.startswith("| `v")]
    assert [line.split("|")[1].strip() for line in changelog][-4:] == [
        "`v3`",
        "`v2`",
        "`v1`",
        "`v0`",
    ]
    assert "| `v0` |" in card and "| 3 |" in changelog[-1]
