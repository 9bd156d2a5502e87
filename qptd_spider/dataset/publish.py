"""``qptd publish``: push the Hugging Face folder to the Hub in one commit."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .card import REPO_PLACEHOLDER
from .croissant import CROISSANT_FILE

# Files that name the repository: the card's load snippets and citation, the Croissant URL.
NAMING_FILES = ("README.md", CROISSANT_FILE)

TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


class PublishError(RuntimeError):
    """Publishing cannot go on; the message says why (it never contains the token)."""


def hub_token(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for name in TOKEN_VARIABLES:
        if env.get(name):
            return env[name]
    raise PublishError(
        "no Hugging Face token: set HF_TOKEN to a token with write access "
        "(https://huggingface.co/settings/tokens)"
    )


def _why_it_failed(exc: Exception, token: str) -> str:
    """Refused (the Hub answered with an error) or unreachable (no answer at all). The
    Hub's HTTP errors are OSErrors too, so the answer is looked at first."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status is not None:
        message = str(exc).replace(token, "***").splitlines()[0]
        return f"the Hub refused the upload (HTTP {status}): {message}"
    # Connection errors: OSErrors (requests), or httpx's transport errors, by their names.
    transport = {"TransportError", "ConnectError", "ConnectionError", "TimeoutException"}
    if isinstance(exc, OSError) or transport & {c.__name__ for c in type(exc).__mro__}:
        return f"could not reach the Hub: {type(exc).__name__}"
    return f"the upload failed: {str(exc).replace(token, '***')}"


def publish(folder: Path, repo_id: str, private: bool = False, api: Any = None) -> str:
    """Create the dataset repo if needed and upload the folder as one commit; the commit URL."""
    if not _REPO_ID.match(repo_id):
        raise PublishError(f"repo id must look like ORG/NAME, got {repo_id!r}")
    if not (folder / "README.md").is_file() or not any((folder / "data").glob("*.parquet")):
        raise PublishError(f"{folder} is not a built dataset folder: run `qptd export` first")
    token = hub_token()
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    version = folder.resolve().name
    with tempfile.TemporaryDirectory(prefix=".qptd-publish-", dir=folder.resolve().parent) as tmp:
        upload = _named_copy(folder.resolve(), Path(tmp) / version, repo_id)
        try:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            commit = api.upload_folder(
                repo_id=repo_id,
                repo_type="dataset",
                folder_path=str(upload),
                commit_message=f"Dataset version {version}",
                # shards of years or configs that no longer exist go
                delete_patterns=["data/*.parquet", "*/train*.parquet"],
            )
        except Exception as exc:
            raise PublishError(_why_it_failed(exc, token)) from None
    return str(getattr(commit, "commit_url", commit))


def _named_copy(folder: Path, copy: Path, repo_id: str) -> Path:
    """The folder as uploaded: its files hard-linked (no bytes copied), the files that name
    the repository written anew with ``repo_id`` in place of the placeholder."""
    for path in folder.rglob("*"):
        target = copy / path.relative_to(folder)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.name in NAMING_FILES and path.parent == folder:
            text = path.read_text(encoding="utf-8").replace(REPO_PLACEHOLDER, repo_id)
            target.write_text(text, encoding="utf-8")
        else:
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)  # another file system
    return copy
