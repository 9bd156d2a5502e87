"""The `qptd` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qptd_spider import __version__
from qptd_spider.cli import main
from qptd_spider.parser_version import parser_version
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
    printed = json.loads(out)
    assert printed.pop("parser_version") == parser_version()
    assert printed == page_expected(NAME)


def test_extract_takes_the_url_from_the_canonical_link(capsys: pytest.CaptureFixture[str]) -> None:
    name = "replica-000-rank-caps-comma-position"
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    assert 'rel="canonical"' in html
    assert main(["extract", str(PAGES / f"{name}.html")]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == page_expected(name)["url"]


def test_extract_without_any_url_says_what_to_give(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        (PAGES / f"{NAME}.html").read_text(encoding="utf-8").replace('rel="canonical"', 'rel="x"'),
        encoding="utf-8",
    )
    assert main(["extract", str(page)]) == 2
    assert "give the URL it came from with --url" in capsys.readouterr().err


def test_extract_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`qptd extract page.html | head -1` must not end in a BrokenPipeError traceback."""
    name = "replica-000-rank-caps-comma-position"
    html = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    # A long page: the output must outgrow the pipe's buffer for the reader to cut it.
    paragraph = "<p>" + "Đoạn văn rất dài của bài báo thử nghiệm. " * 40 + "</p>"
    long_page = tmp_path / "long.html"
    long_page.write_text(html.replace("</p>", "</p>" + paragraph * 3, 200), encoding="utf-8")
    done = subprocess.run(
        f"{sys.executable} -m qptd_spider.cli extract {long_page} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip() == "{"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "qptd_spider.cli", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.strip() == f"qptd {__version__}"


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


@pytest.mark.integration
def test_demo_runs_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--articles", "40", "--exports", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "articles exported: 40 of 40" in out
    assert "40 added, 0 updated, 0 unchanged; 40 articles" in out
    import datasets

    assert len(datasets.load_dataset(str(tmp_path / "hf"), split="train")) == 40
    assert (tmp_path / "report.html").exists()
    # The demo's card says its data are synthetic; the run behind it came from the replica.
    card = (tmp_path / "hf" / "README.md").read_text(encoding="utf-8")
    assert "Demo data" in card
    [run] = [p for p in (tmp_path / "runs").iterdir()]
    assert json.loads((run / "run.json").read_text(encoding="utf-8"))["target"]["id"] == "replica"
