"""The portal evidence the project keeps (docs/PORTAL.md, docs/portal/, the real signature
lines) is the team's shared evidence, unchanged; and the skeleton article page parses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qptd_spider.extract import extract_item

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "portal"
COPIES = {
    "skeletons.md": ROOT / "docs" / "portal" / "skeletons.md",
    "signatures-real.jsonl": ROOT
    / "harness"
    / "qptd_harness"
    / "evaluation"
    / "signatures-real.jsonl",
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_the_committed_evidence_is_the_shared_one(name: str) -> None:
    shared = SHARED / name
    if not shared.exists():
        pytest.skip(f"no shared evidence at {shared} to compare with (the copy is what counts)")
    assert COPIES[name].read_bytes() == shared.read_bytes()


def test_portal_md_keeps_the_evidence_text() -> None:
    shared = SHARED / "MARKUP.md"
    if not shared.exists():
        pytest.skip(f"no shared evidence at {shared} to compare with (the copy is what counts)")
    ours = (ROOT / "docs" / "PORTAL.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## .+$", shared.read_text(encoding="utf-8"), re.M):
        assert heading in ours


def test_the_real_signature_lines_are_well_formed() -> None:
    rows = [
        json.loads(line) for line in COPIES["signatures-real.jsonl"].read_text("utf-8").splitlines()
    ]
    assert len(rows) >= 93 and len({r["id"] for r in rows}) == len(rows)
    assert all({"lines", "authors", "position", "agency", "kind"} <= set(r) for r in rows)


def test_the_skeleton_article_page_parses() -> None:
    html = re.findall(r"```html\n(.*?)```", COPIES["skeletons.md"].read_text("utf-8"), re.S)[0]
    url = "http://quocphongthudo.vn/thoi-su-chinh-tri/thanh-pho-ha-noi/hoc-tap-va-lam-theo-bac-de-xay-dung-quan-thanh-xuan-giau-dep.html"
    item = extract_item(html, url, "2026-01-01T00:00:00+00:00")
    assert item is not None
    assert item["title"] == "Học tập và làm theo Bác để xây dựng quận Thanh Xuân giàu đẹp, văn minh"
    assert item["published_at"] == "2018-11-20T08:15:00+07:00"
    assert item["published_at_source"] == "microdata"
    assert item["article_id"] == "5bf3a1c2e4b0a91d2c7f0011"
    assert item["author"] == "Nguyễn Xuân Lưu"
    assert item["position"] == "Thành ủy viên, Bí thư Quận ủy, Chủ tịch UBND quận Thanh Xuân"
    assert "Tăng tương phản" not in item["body"] and "Tổng số điểm" not in item["body"]
