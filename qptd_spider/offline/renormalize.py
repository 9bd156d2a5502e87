"""``qptd renormalize``: today's normalizers over the dataset's stored rows, offline.

Every derived field of a row comes from a raw field it keeps beside it (``authors``,
``position``, ``source``, ``organization``, ``byline_kind`` and ``signature_status`` from
``signature_raw``; ``published_at`` from ``published_at_raw`` where the page did not decide
it). A fix of a normalizer therefore reaches rows crawled long ago without fetching them
again, and without the archive (rows from before it have no WARC record; for a fix of a
*page parser*, ``qptd reparse`` reads the archived pages instead).

It writes a run of kind ``renormalize`` holding the rows whose fields change, with the
current parser version; ``qptd merge`` of it makes the new version, each changed row's
``revision`` rising, the manifest counting the rows changed per field.
"""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq

from ..dataset.merge import BOOKKEEPING
from ..dataset.versions import current_version, version_files
from ..layout import ExportsLayout
from ..normalize.article import NORMALIZERS
from ..parser_version import parser_version
from ..runs import RunError
from ..schema import from_arrow_row
from .run import OfflineResult, OfflineRun


class Renormalizer(OfflineRun):
    kind = "renormalize"

    def __init__(self, layout: ExportsLayout, run_id: str | None = None):
        super().__init__(layout, run_id)
        self.rows = 0
        self.changes: dict[str, int] = {}

    def produce(self, result: OfflineResult) -> None:
        version = current_version(self.layout)
        assert version is not None  # checked by renormalize()
        version_now = parser_version()
        for path in version_files(version):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=2000):
                for stored in batch.to_pylist():
                    row = from_arrow_row(stored)
                    self.rows += 1
                    changed = {
                        name
                        for normalizer in NORMALIZERS
                        for name in normalizer(row)
                        if name not in BOOKKEEPING
                    }
                    if not changed:
                        continue
                    for name in changed:
                        self.changes[name] = self.changes.get(name, 0) + 1
                    row["parser_version"] = version_now
                    self.write_item(row, result)

    def report(self, result: OfflineResult) -> dict[str, Any]:
        return super().report(result) | {"rows_read": self.rows, "changes": self.changes}


def renormalize(layout: ExportsLayout) -> tuple[OfflineResult, Renormalizer]:
    """Re-run the normalizers over the current version into a new run of ``layout``."""
    version = current_version(layout)
    if version is None:
        raise RunError(f"no dataset in {layout.root}: nothing to renormalize (qptd merge first)")
    runner = Renormalizer(layout)
    result = runner.new_result()
    runner.execute([str(version)], result)
    return result, runner
