"""``qptd diff``: what changed between two versions of the dataset.

Added, removed and changed URLs, and per field how many rows changed, with a few examples
(old and new value); a changed text (title, lead, body: the ``content_hash``) is shown as a
short word-level diff excerpt. Read year by year, with the bodies compared through their
hash, so two versions of any size are compared in little memory.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ..layout import ExportsLayout
from ..schema import arrow_schema
from .merge import (
    EXAMPLES_PER_FIELD,
    change_examples,
    changed_fields,
    compared_fields,
    field_hashes,
    rows_for,
)
from .versions import DatasetError, check_version, list_versions, version_files


@dataclass
class VersionDiff:
    old: str
    new: str
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    fields: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    added_examples: list[str] = field(default_factory=list)
    removed_examples: list[str] = field(default_factory=list)
    # URL → field → a word-level excerpt of what changed in the text ("… [-old-] {+new+} …").
    text_changes: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hashes(version: Path, fields: tuple[str, ...]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    columns = list(dict.fromkeys(["url", *fields]))
    for path in version_files(version):
        table = pq.read_table(path, columns=columns, schema=arrow_schema())
        out.update(zip(table["url"].to_pylist(), field_hashes(table, fields), strict=True))
    return out


def _rows(version: Path, urls: set[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for path in version_files(version):
        table = pq.read_table(path, schema=arrow_schema())
        rows.update((r["url"], r) for r in rows_for(table, urls))
    return rows


def diff_versions(
    layout: ExportsLayout, old: str | None = None, new: str | None = None
) -> VersionDiff:
    """Compare two kept versions (default: the two newest)."""
    kept = [m["version"] for m in list_versions(layout)]
    if old is None and new is None:
        if len(kept) < 2:
            raise DatasetError(
                f"{layout.versions} holds {len(kept)} version(s): nothing to compare"
            )
        old, new = kept[-2], kept[-1]
    elif new is None:
        new = kept[-1] if kept else None
    for name in (old, new):
        if name not in kept:
            raise DatasetError(
                f"no version {name!r} in {layout.versions} (kept: {', '.join(kept) or 'none'})"
            )
    assert old is not None and new is not None
    for name in (old, new):
        # A missing file would show as rows "removed": say the version is damaged instead.
        check_version(layout.version(name))
    fields = compared_fields()
    before = _hashes(layout.version(old), fields)
    after = _hashes(layout.version(new), fields)
    result = VersionDiff(old, new)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    result.added, result.removed = len(added), len(removed)
    result.added_examples, result.removed_examples = (
        added[:EXAMPLES_PER_FIELD],
        removed[:EXAMPLES_PER_FIELD],
    )
    counts: Counter[str] = Counter()
    fields_of: dict[str, list[str]] = {}  # changed URL → its changed fields
    for url in set(before) & set(after):
        if before[url] == after[url]:
            result.unchanged += 1
            continue
        result.changed += 1
        names = changed_fields(fields, before[url], after[url])
        counts.update(names)
        fields_of[url] = names
    result.fields = dict(sorted(counts.items()))
    wanted = {
        name: sorted(u for u, names in fields_of.items() if name in names)[:EXAMPLES_PER_FIELD]
        for name in result.fields
    }
    urls = {u for us in wanted.values() for u in us}
    if urls:
        old_rows, new_rows = _rows(layout.version(old), urls), _rows(layout.version(new), urls)
        result.examples = change_examples(wanted, old_rows, new_rows)
        for url in wanted.get("content_hash", []):
            if url in old_rows and url in new_rows:
                changes = {
                    name: word_diff(old_rows[url][name] or "", new_rows[url][name] or "")
                    for name in TEXT_FIELDS
                    if (old_rows[url][name] or "") != (new_rows[url][name] or "")
                }
                if changes:
                    result.text_changes[url] = changes
    return result


# The fields content_hash covers: what a reader sees change.
TEXT_FIELDS = ("title", "lead", "body")
CONTEXT_WORDS = 6
MAX_HUNKS = 3


def word_diff(old: str, new: str) -> str:
    """What changed from ``old`` to ``new``, word by word: a few words of context around each
    change, ``[-removed-]`` and ``{+added+}``, at most ``MAX_HUNKS`` changes, "…" between."""
    a, b = old.split(), new.split()
    hunks = []
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    changes = [op for op in opcodes if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in changes[:MAX_HUNKS]:
        before = " ".join(a[max(0, i1 - CONTEXT_WORDS) : i1])
        after = " ".join(a[i2 : i2 + CONTEXT_WORDS])
        parts = [before]
        if tag in ("replace", "delete"):
            parts.append("[-" + " ".join(a[i1:i2]) + "-]")
        if tag in ("replace", "insert"):
            parts.append("{+" + " ".join(b[j1:j2]) + "+}")
        parts.append(after)
        hunks.append(" ".join(p for p in parts if p))
    more = f" … ({len(changes) - MAX_HUNKS} more)" if len(changes) > MAX_HUNKS else ""
    return "… " + " … ".join(hunks) + " …" + more


def format_diff(diff: VersionDiff) -> str:
    lines = [
        f"{diff.old} → {diff.new}: {diff.added} added, {diff.removed} removed, "
        f"{diff.changed} changed, {diff.unchanged} unchanged"
    ]
    for url in diff.added_examples:
        lines.append(f"  + {url}")
    for url in diff.removed_examples:
        lines.append(f"  - {url}")
    for name, count in diff.fields.items():
        lines.append(f"  {name}: {count} row(s)")
        for example in diff.examples.get(name, []):
            if name == "content_hash" and example["url"] in diff.text_changes:
                lines.append(f"      {example['url']}:")
                for text_field, excerpt in diff.text_changes[example["url"]].items():
                    lines.append(f"        {text_field}: {excerpt}")
                continue
            lines.append(f"      {example['url']}: {example['old']!r} → {example['new']!r}")
    return "\n".join(lines)
