"""`qptd publish`: everything up to the network call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qptd_spider.cli import main
from qptd_spider.dataset import merge_files, merge_pending
from qptd_spider.dataset.hf import export_hf
from qptd_spider.dataset.publish import PublishError, hub_token, publish
from qptd_spider.layout import ExportsLayout
from tests.conftest import StartReplica
from tests.test_crawl import crawl
from tests.test_dataset import items, write_run

SECRET = "hf_secretTOKEN123"


class FakeHub:
    def __init__(self, fail: Exception | None = None):
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def create_repo(self, repo_id: str, **kwargs: Any) -> None:
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs: Any) -> Any:
        folder = Path(kwargs["folder_path"])
        kwargs["files"] = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.*"))
        kwargs["readme"] = (folder / "README.md").read_text(encoding="utf-8")
        kwargs["croissant"] = (folder / "croissant.json").read_text(encoding="utf-8")
        self.calls.append(("upload_folder", kwargs))
        if self.fail:
            raise self.fail
        return type("Commit", (), {"commit_url": "https://hub.example/commit/1"})()


@pytest.fixture
def built(tmp_path: Path) -> Path:
    merge_files(tmp_path, [write_run(tmp_path / "a.parquet", items())])
    return export_hf(ExportsLayout(tmp_path)).folder


def test_no_token_is_a_clear_error(
    built: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(PublishError, match="HF_TOKEN"):
        hub_token()
    assert main(["publish", "--repo-id", "org/qptd", "--exports", str(built.parent)]) == 2
    assert "no Hugging Face token" in capsys.readouterr().err


def test_one_commit_of_the_built_folder(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    hub = FakeHub()
    url = publish(built, "org/qptd", api=hub)
    assert url == "https://hub.example/commit/1"
    assert [name for name, _ in hub.calls] == ["create_repo", "upload_folder"]
    create, upload = hub.calls[0][1], hub.calls[1][1]
    assert create == {
        "repo_id": "org/qptd",
        "repo_type": "dataset",
        "private": False,
        "exist_ok": True,
    }
    assert upload["repo_type"] == "dataset"
    assert upload["commit_message"].startswith("Dataset version ")
    # The folder as built, the repository named where the card and Croissant need it.
    assert upload["files"] == sorted(
        str(p.relative_to(built.resolve())) for p in built.resolve().rglob("*.*")
    )
    assert "ORG/NAME" not in upload["readme"] and "ORG/NAME" not in upload["croissant"]
    assert 'load_dataset("org/qptd"' in upload["readme"]
    assert "https://huggingface.co/datasets/org/qptd" in upload["readme"]
    # ...and the local build keeps its placeholder (another publish may name another repo).
    assert "ORG/NAME" in (built / "README.md").read_text(encoding="utf-8")


def test_hub_errors_never_show_the_token(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    with pytest.raises(PublishError) as failure:
        publish(built, "org/qptd", api=FakeHub(fail=RuntimeError(f"401 for token {SECRET}")))
    assert SECRET not in str(failure.value) and "***" in str(failure.value)
    with pytest.raises(PublishError, match="could not reach the Hub"):
        publish(built, "org/qptd", api=FakeHub(fail=ConnectionError("no route")))


def test_a_refusal_and_an_unreachable_hub_are_told_apart(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError

    monkeypatch.setenv("HF_TOKEN", SECRET)
    response = httpx2.Response(403, request=httpx2.Request("POST", "https://huggingface.co/api"))
    refusal = HfHubHTTPError("403 Forbidden: no write access to org/qptd", response=response)
    assert isinstance(refusal, OSError)  # why the two were swapped before
    with pytest.raises(PublishError, match=r"the Hub refused the upload \(HTTP 403\)"):
        publish(built, "org/qptd", api=FakeHub(fail=refusal))
    with pytest.raises(PublishError, match="could not reach the Hub: ConnectError"):
        publish(built, "org/qptd", api=FakeHub(fail=httpx2.ConnectError("connection refused")))


@pytest.mark.parametrize("repo_id", ["qptd", "org/", "a/b/c", "org/tên có dấu cách"])
def test_bad_repo_ids(built: Path, repo_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    with pytest.raises(PublishError, match="ORG/NAME"):
        publish(built, repo_id, api=FakeHub())


def test_an_unbuilt_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", SECRET)
    with pytest.raises(PublishError, match="qptd export"):
        publish(tmp_path, "org/qptd", api=FakeHub())


@pytest.mark.integration
def test_a_replica_dataset_says_it_is_synthetic_and_is_not_published_by_default(
    start_replica: StartReplica,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 24: a replica crawl's card said "Crawled from the news portal of Quốc phòng Thủ
    đô", and `qptd publish` took it to the Hub."""
    exports = tmp_path / "exports"
    crawl(start_replica(8), tmp_path, exports=exports)
    assert merge_pending(exports) is not None
    card = export_hf(ExportsLayout(exports)).folder / "README.md"
    text = card.read_text(encoding="utf-8")
    assert "pretty_name: Quốc phòng Thủ đô news articles (synthetic replica, not the" in text
    title = next(line for line in text.splitlines() if line.startswith("# "))
    assert title.endswith("(synthetic replica, not the newspaper's data)")
    assert "**Not the newspaper's articles: synthetic data.**" in text
    assert "Crawled from the news portal of Quốc phòng Thủ đô" not in text
    monkeypatch.setenv("HF_TOKEN", SECRET)
    assert main(["publish", "--repo-id", "org/qptd", "--exports", str(exports)]) == 2
    err = capsys.readouterr().err
    assert "crawled from 'replica', not the live portal" in err and "--not-the-portal" in err
