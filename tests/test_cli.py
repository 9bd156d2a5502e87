"""The `qptd` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qptd_spider.cli import main
from tests.conftest import MANIFEST, PAGES, page_expected

NAME = "handwritten-two-line-signature-mixed-tones"


def test_extract_prints_the_item_as_utf8_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "extract",
            str(PAGES / f"{NAME}.html"),
            "--url",
            MANIFEST[NAME]["url"],
            "--crawled-at",
            "2026-01-01T00:00:00+00:00",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Trần Quang Hùng" in out  # not ASCII-escaped
    assert json.loads(out) == page_expected(NAME)


def test_extract_on_a_soft_404_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(PAGES / "soft-404.html"), "--url", "https://x.vn/a/b.html"]) == 1
    assert "page not found" in capsys.readouterr().err


def test_extract_on_a_missing_file_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["extract", str(tmp_path / "nope.html"), "--url", "https://x.vn/a.html"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "qptd_spider.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "extract" in result.stdout and "replica" in result.stdout


def test_schema_docs_check_detects_drift(tmp_path: Path) -> None:
    target = tmp_path / "FIELDS.md"
    assert main(["schema-docs", "-o", str(target)]) == 0
    assert main(["schema-docs", "-o", str(target), "--check"]) == 0
    target.write_text("stale", encoding="utf-8")
    assert main(["schema-docs", "-o", str(target), "--check"]) == 1


def test_replica_truth_writes_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "truth.jsonl"
    assert main(["replica", "truth", "--articles", "12", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12
    assert json.loads(lines[0])["url"].startswith("https://quocphongthudo.vn/")


def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--articles", "40", "--exports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "articles exported: 40 of 40" in out
    assert "40 added, 0 updated, 0 unchanged; 40 articles" in out
    import datasets

    assert len(datasets.load_dataset(str(tmp_path / "hf"), split="train")) == 40
    assert (tmp_path / "report.html").exists()
