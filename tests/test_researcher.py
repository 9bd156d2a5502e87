"""What a researcher meets (issue 16): dates that no tool misreads, CSV that parses, the
configs (text, people, images), a card to cite and a Croissant file that validate, and a
report that a real browser shows."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import datasets
import pytest
from huggingface_hub import DatasetCard

from qptd_spider.dataset import merge_files
from qptd_spider.dataset.card import REPO_PLACEHOLDER
from qptd_spider.dataset.configs import Mention, build_people, name_key
from qptd_spider.dataset.hf import export_hf
from qptd_spider.dataset.report import render_report
from qptd_spider.dataset.stats import version_stats
from qptd_spider.dataset.versions import current_version
from qptd_spider.exporters import JsonFieldsCsvItemExporter
from qptd_spider.layout import ExportsLayout
from qptd_spider.normalize.article import set_published_date
from qptd_spider.normalize.signature import photo_credit
from tests.test_dataset import items, write_run

README = Path(__file__).parent.parent / "README.md"
DOCS = Path(__file__).parent.parent / "docs"
CONFIGS = ("default", "text", "people", "images")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The stored fixture pages as a dataset, one of them published on 1 January at 06:00
    (the day before, in UTC), one with only a day; exported to its Hugging Face folder."""
    root = tmp_path_factory.mktemp("researcher")
    rows = items()
    rows[0]["published_at"] = "2024-01-01T06:00:00+07:00"
    rows[0]["published_at_precision"] = "minute"
    rows[1]["published_at"] = "2023-05-07T00:00:00+07:00"
    rows[1]["published_at_precision"] = "day"
    for row in rows:
        set_published_date(row)
    merge_files(root, [write_run(root / "run.parquet", rows)])
    export_hf(ExportsLayout(root), check=True)
    return root


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published_at", "day", "year"),
    [
        ("2024-01-01T06:00:00+07:00", "2024-01-01", 2024),  # 2023-12-31 in UTC
        ("2023-05-07T00:00:00+07:00", "2023-05-07", 2023),  # a day-precision date
        ("2023-05-06T20:00:00+00:00", "2023-05-07", 2023),  # any offset: Vietnam's day
        (None, None, None),
    ],
)
def test_published_date_is_the_day_in_vietnam(
    published_at: str | None, day: str | None, year: int | None
) -> None:
    item: dict[str, Any] = {
        "published_at": published_at,
        "published_date": "x",
        "published_year": 1,
    }
    set_published_date(item)
    assert (item["published_date"], item["published_year"]) == (day, year)


def test_duckdb_and_pandas_snippets_of_the_readme_work_as_written(
    exported: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's snippets run in the exports root and agree with the partition years."""
    pytest.importorskip("duckdb")
    text = README.read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(# DuckDB.*?)```", text, re.S)
    assert snippet is not None, "README has no DuckDB snippet"
    monkeypatch.chdir(exported.parent)
    code = snippet.group(1).replace("exports/", f"{exported.name}/")
    scope: dict[str, Any] = {}
    exec(compile(code, "README snippet", "exec"), scope)
    per_year, frame = scope["per_year"], scope["df"]
    partitions = sorted(p.name.removeprefix("year=") for p in (exported / "dataset").glob("y*"))
    assert [str(y) for y, _ in per_year] == [p for p in partitions if p != "unknown"]
    # In Vietnam time the 06:00 article of 1 January is on 1 January, as published_date says.
    first = frame[frame.published_date == date(2024, 1, 1)]
    assert len(first) == 1 and first.iloc[0]["local_day"] == date(2024, 1, 1)


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_feed_writes_nested_fields_as_json() -> None:
    row = items()[0]
    buffer = io.BytesIO()
    exporter = JsonFieldsCsvItemExporter(buffer)
    exporter.start_exporting()
    exporter.export_item(row)
    exporter.finish_exporting()
    (read,) = csv.DictReader(io.StringIO(buffer.getvalue().decode("utf-8")))
    assert json.loads(read["authors"]) == row["authors"]
    assert json.loads(read["images"]) == row["images"]
    assert json.loads(read["category"]) == row["category"]
    assert read["title"] == row["title"]
    assert list(read)[:3] == ["url", "article_id", "title"]


# -- configs -------------------------------------------------------------------------------------


def test_every_config_loads_with_datasets(exported: Path) -> None:
    folder = exported / "hf"
    loaded = {c: datasets.load_dataset(str(folder), c, split="train") for c in CONFIGS}
    articles = loaded["default"]
    assert loaded["text"].num_rows == articles.num_rows
    by_url = {r["url"]: r for r in articles}
    # The text config's promise, written out here (not computed by configs.text_of): title,
    # lead and body, each a paragraph, a missing part leaving no blank paragraph.
    shapes: Counter[tuple[bool, bool]] = Counter()
    for row in loaded["text"]:
        article = by_url[row["url"]]
        title, lead, body = article["title"], article["lead"], article["body"]
        shapes[bool(lead), bool(body)] += 1
        if lead and body:
            assert row["text"] == f"{title}\n\n{lead}\n\n{body}"
        elif lead or body:
            assert row["text"] == f"{title}\n\n{lead or body}"
        else:
            assert row["text"] == title
    # The 25 articles of the stored fixtures (one per article): 24 with lead and body, one
    # without a lead.
    assert shapes == {(True, True): 24, (False, True): 1}
    images = [(r["url"], img["url"]) for r in articles for img in r["images"]]
    assert sorted((r["url"], r["image_url"]) for r in loaded["images"]) == sorted(images)
    names = {a["name"] for r in articles for a in r["authors"]}
    people = loaded["people"]
    assert {v for r in people for v in r["variants"]} == names
    assert sum(r["articles"] for r in people) == sum(len(r["authors"]) for r in articles)
    assert len(set(people["person_id"])) == people.num_rows


def _mention(name: str, day: int, rank: str | None = None, position: str | None = None) -> Mention:
    from datetime import UTC, datetime

    when = datetime(2024, 1, day, tzinfo=UTC)
    return Mention(name, f"https://x/{name}/{day}", when, when.date(), rank, position)


def test_people_merge_variants_but_never_on_a_name_alone() -> None:
    people = build_people(
        [
            _mention("Nguyễn Văn An", 1, "Thiếu tá", "Trợ lý Tuyên huấn"),
            _mention("NGUYỄN VĂN AN", 2, "Trung tá", "Trợ lý Tuyên huấn"),  # promoted
            _mention("Nguyễn Văn Ân", 3, None, "Trợ lý Tuyên huấn"),  # diacritics, same post
            _mention("Nguyễn Văn Ăn", 4),  # diacritics, no shared post: someone else
            _mention("Nguyễn Văn An", 5, "Đại tá", "Chính ủy Sư đoàn 301"),  # rank and unit: other
            _mention("Nguyễn Văn An", 6),  # nothing conflicts: the first one
        ]
    )
    rows = [p.row({}) for p in people]
    assert [r["articles"] for r in rows] == [4, 1, 1]
    first = rows[0]
    assert first["name"] == "Nguyễn Văn An"
    assert first["variants"] == ["Nguyễn Văn An", "Nguyễn Văn Ân"]
    assert [(r["value"], r["first_seen"].day, r["last_seen"].day) for r in first["ranks"]] == [
        ("Thiếu tá", 1, 1),
        ("Trung tá", 2, 2),
    ]
    assert first["positions"][0]["value"] == "Trợ lý Tuyên huấn"
    assert first["first_article"] == "https://x/Nguyễn Văn An/1"
    assert first["last_article"] == "https://x/Nguyễn Văn An/6"
    # Ids are stable: a hash of the name without diacritics, numbered within it.
    assert {r["person_id"].split("-")[0] for r in rows} == {rows[0]["person_id"]}
    assert rows[1]["person_id"] != rows[2]["person_id"]
    assert name_key("NGUYỄN  Văn Ấn") == "nguyen van an"


@pytest.mark.parametrize(
    ("caption", "credit"),
    [
        ("Quang cảnh buổi lễ. Ảnh: MINH HÀ", "Minh Hà"),
        ("Các đại biểu tham quan (Ảnh: Văn Điệp/TTXVN)", "Văn Điệp"),
        ("Lễ ra quân. Ảnh: TTXVN", "TTXVN"),
        ("Chiến sĩ mới trong buổi huấn luyện.", None),
        ("Ảnh minh họa", None),
        ("Ảnh hưởng của bão số 3 tới nông dân", None),
        (None, None),
    ],
)
def test_photo_credit_from_a_caption(caption: str | None, credit: str | None) -> None:
    assert photo_credit(caption) == credit


# -- the card --------------------------------------------------------------------------------


def test_the_card_validates_and_follows_the_hub_template(exported: Path) -> None:
    card = DatasetCard.load(exported / "hf" / "README.md")
    data = card.data.to_dict()
    assert [c["config_name"] for c in data["configs"]] == list(CONFIGS)
    infos = datasets.info.DatasetInfosDict.from_dataset_card_data(card.data)
    default = datasets.load_dataset(str(exported / "hf"), split="train")
    split = infos["default"].splits["train"]
    assert split.num_examples == default.num_rows
    # num_bytes is the Arrow size datasets holds in memory, not the Parquet files' size.
    parquet = sum(p.stat().st_size for p in (exported / "hf" / "data").glob("*.parquet"))
    assert abs(split.num_bytes - default.data.nbytes) <= 0.01 * default.data.nbytes
    assert split.num_bytes != parquet
    headings = re.findall(r"^#+ (.+)$", card.text, re.M)
    template = [
        "Dataset Details",
        "Dataset Description",
        "Dataset Sources",
        "Uses",
        "Direct Use",
        "Out-of-Scope Use",
        "Dataset Structure",
        "Dataset Creation",
        "Curation Rationale",
        "Source Data",
        "Data Collection and Processing",
        "Who are the source data producers?",
        "Personal and Sensitive Information",
        "Bias, Risks, and Limitations",
        "Recommendations",
        "Citation",
    ]
    assert [h for h in headings if h in template] == template
    assert "Changelog" in headings
    bibtex = re.search(r"```bibtex\n(.*?)```", card.text, re.S)
    assert bibtex is not None
    assert "author" in bibtex.group(1) and f"datasets/{REPO_PLACEHOLDER}" in bibtex.group(1)
    # The citation names the year the copy was made (its last crawl), not the newest article.
    crawl_year = version_stats(current_version(ExportsLayout(exported))).last_crawled
    assert f"year         = {{{str(crawl_year)[:4]}}}" in bibtex.group(1)
    example = re.search(r"```json\n(.*?)```", card.text, re.S)
    assert example is not None and json.loads(example.group(1))["url"].startswith("https://")
    assert "Asia/Ho_Chi_Minh" in card.text and "published_date" in card.text


# rdflib, under mlcroissant, warns about its own deprecated class.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_croissant_file_validates_and_reads_every_record_set(exported: Path) -> None:
    mlc = pytest.importorskip("mlcroissant")
    folder = exported / "hf"
    dataset = mlc.Dataset(jsonld=str(folder / "croissant.json"))
    assert not dataset.metadata.issues.errors
    counts = {}
    for name in CONFIGS:
        counts[name] = sum(1 for _ in dataset.records(record_set=name))
    loaded = {c: datasets.load_dataset(str(folder), c, split="train").num_rows for c in CONFIGS}
    assert counts == loaded


# -- the report ------------------------------------------------------------------------------


def test_the_report_has_labelled_charts_per_year_and_who_writes(exported: Path) -> None:
    stats = version_stats(current_version(ExportsLayout(exported)))
    html = render_report(stats, "v")
    for title in (
        "Articles per year",
        "Articles per month",
        "Fill rates per year",
        "Who writes: ranks",
        "Who writes: posts",
        "Top authors",
    ):
        assert f"<h2>{title}" in html, title
    assert "year of publication" in html and "articles</text>" in html  # axes say what and unit
    assert "PV" not in [name for name, _ in stats.top_authors]
    assert "<script" not in html and "http" not in html.split("<body>", 1)[1]  # self-contained


@pytest.mark.integration
def test_the_report_renders_in_a_real_browser(exported: Path, tmp_path: Path) -> None:
    """Headless Chromium (Debian's package) draws the page; the screenshot in docs/ is the
    one of the demo dataset (`make report-screenshot`, after `make demo`)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(render_report(version_stats(current_version(ExportsLayout(exported))), "v"))
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # drawn, not blank
    assert (DOCS / "report.png").is_file()
