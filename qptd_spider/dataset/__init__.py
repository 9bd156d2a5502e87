"""The published dataset: versioned Parquet store, merge of runs, Hugging Face folder,
statistics, report and publishing.

``merge_files`` and ``merge_pending`` are the two ways in: files named by hand (Parquet
feeds, journals), or every run waiting in an exports root.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from ..layout import ExportsLayout
from ..runs import pending_runs
from .merge import MergeResult, inputs_from_paths, inputs_from_runs, merge
from .versions import DatasetError, DatasetLockedError, current_version, read_dataset


def _layout(root: ExportsLayout | str | PathLike[str]) -> ExportsLayout:
    return root if isinstance(root, ExportsLayout) else ExportsLayout(Path(root))


def merge_files(
    root: ExportsLayout | str | PathLike[str],
    files: Sequence[str | PathLike[str]],
    version_id: str | None = None,
    **options: Any,
) -> MergeResult:
    """Merge run files (Parquet feeds or journals) into the dataset of ``root``."""
    layout = _layout(root)
    return merge(layout, inputs_from_paths(layout, [Path(f) for f in files]), version_id, **options)


def merge_pending(
    root: ExportsLayout | str | PathLike[str], include_failed: bool = False, **options: Any
) -> MergeResult | None:
    """Merge every run waiting in ``root`` (None when none waits)."""
    layout = _layout(root)
    runs = pending_runs(layout, include_failed=include_failed)
    return merge(layout, inputs_from_runs(runs), **options) if runs else None


__all__ = [
    "DatasetError",
    "DatasetLockedError",
    "MergeResult",
    "current_version",
    "merge_files",
    "merge_pending",
    "read_dataset",
]
