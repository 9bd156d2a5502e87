"""``qptd renormalize``: rows stored by an older parser brought up to today's, offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qptd_spider.cli import main as qptd
from qptd_spider.dataset import merge_files, merge_pending, read_dataset
from qptd_spider.layout import ExportsLayout
from qptd_spider.offline.renormalize import renormalize
from qptd_spider.runs import RunError

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _fixture_rows() -> list[dict[str, Any]]:
    rows = []
    # One row per article: replica-real-* are the same articles in the real template.
    for path in sorted(PAGES.glob("replica-[0-9]*.json")):
        row = json.loads(path.read_text(encoding="utf-8"))
        row["parser_version"] = "0.0.1+old"
        rows.append(row)
    return rows


def _as_an_old_parser_left_them(rows: list[dict[str, Any]]) -> list[str]:
    """What qptd wrote before issue 15: "PV" as a person, initials with a space added, no
    byline kind or status. Returns the URLs it touched."""
    touched = []
    for row in rows:
        if row["signature_raw"] == "PV":
            row["authors"] = [
                {"name": "PV", "rank": None, "academic_title": None, "position": None, "role": None}
            ]
            row["author"] = "PV"
            touched.append(row["url"])
        for author in row["authors"]:
            if "." in author["name"] and ". " not in author["name"]:
                author["name"] = author["name"].replace(".", ". ")
                row["author"] = "; ".join(a["name"] for a in row["authors"])
                touched.append(row["url"])
        row["organization"] = row["byline_kind"] = row["signature_status"] = None
    return touched


def test_renormalize_brings_old_rows_up_to_the_parser(tmp_path: Path) -> None:
    rows = _fixture_rows()
    touched = _as_an_old_parser_left_them(rows)
    journal = tmp_path / "old.jsonl"
    journal.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    layout = ExportsLayout(tmp_path / "exports")
    merge_files(layout, [journal], "v1")
    crawled = {r["url"]: r["crawled_at"] for r in read_dataset(layout).to_pylist()}

    result, runner = renormalize(layout)
    # Every row with a signature gets its byline kind and status (one page has none, and
    # stays as it is); those an old parser got wrong (a staff credit, initials) are fixed.
    signed = len(rows) - 1
    assert runner.rows == len(rows) and result.items == signed
    assert runner.changes["byline_kind"] == signed
    assert runner.changes["authors"] == len(set(touched)) >= 2
    merged = merge_pending(layout)
    assert merged is not None and merged.updated == signed and merged.added == 0
    assert merged.runs[0]["kind"] == "renormalize"
    table = read_dataset(layout).to_pylist()
    by_url = {r["url"]: r for r in table}
    staff = next(r for r in by_url.values() if r["signature_raw"] == "PV")
    assert staff["authors"] == [] and staff["byline_kind"] == "staff"
    assert sorted(r["revision"] for r in table) == [1] + [2] * signed
    assert sum(r["parser_version"] == "0.0.1+old" for r in table) == 1
    # Crawl times are the crawl's: a renormalization is no sighting of the page.
    assert {r["url"]: r["crawled_at"] for r in table} == crawled

    # Nothing left to change: a second pass writes an empty run, and merging it is a no-op.
    again, runner = renormalize(layout)
    assert again.items == 0 and runner.changes == {}


def test_renormalize_without_a_dataset_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(RunError, match="no dataset"):
        renormalize(ExportsLayout(tmp_path / "exports"))
    assert qptd(["renormalize", "--exports", str(tmp_path / "exports")]) == 2
    assert "no dataset" in capsys.readouterr().err
