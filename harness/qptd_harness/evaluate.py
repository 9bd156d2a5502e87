"""Accuracy of the metadata researchers judge us on: authors, positions, dates, titles.

    python -m qptd_spider.evaluate [--replica 2000] [--compare 200] [--json report.json]

Three measurements:
1. the labelled signature set (``evaluation/signatures.jsonl``): detection of the signature
   at the end of a body, then name, rank, academic title, position, role and source, each
   with precision, recall and exact match; the rows marked ``split: heldout`` were written
   after the parser and are also scored alone;
2. the labelled date set (``evaluation/dates.jsonl``): exact time and precision;
3. pages of the replica, scored on its ground truth; with ``--compare``, trafilatura and
   news-please run on the same pages, when they are installed (``pip install '.[eval]'``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from qptd_spider.extract import extract_item
from qptd_spider.normalize.dates import parse_date
from qptd_spider.normalize.signature import parse_signature, split_signature

EVALUATION = Path(__file__).parent / "evaluation"
AUTHOR_FIELDS = ("name", "rank", "academic_title", "position", "role")
# The body paragraph placed before each signature, unless a case gives its own context.
DEFAULT_CONTEXT = (
    "Buổi lễ diễn ra trang trọng với sự tham dự của đông đảo cán bộ, chiến sĩ và nhân dân "
    "trên địa bàn."
)


@dataclass
class FieldScore:
    """Counts for one field: exact cases, and value-level true/false positives."""

    cases: int = 0
    exact: int = 0
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, case_id: str, expected: list[Any], predicted: list[Any]) -> None:
        self.cases += 1
        if expected == predicted:
            self.exact += 1
        else:
            self.misses.append(f"{case_id}: expected {expected!r}, got {predicted!r}")
        self.expected += sum(1 for v in expected if v is not None)
        self.predicted += sum(1 for v in predicted if v is not None)
        self.true_positives += sum(
            1 for e, p in zip(expected, predicted, strict=False) if e is not None and e == p
        )

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.cases if self.cases else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "exact": round(self.exact_rate, 4),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "misses": self.misses,
        }


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def score_signatures(cases: Iterable[dict[str, Any]]) -> dict[str, FieldScore]:
    """Score signature detection and every author field on labelled cases."""
    scores = {f: FieldScore() for f in ("detection", *AUTHOR_FIELDS, "source")}
    for case in cases:
        paragraphs = list(case.get("context") or [DEFAULT_CONTEXT]) + list(case["lines"])
        _, found = split_signature(paragraphs)
        scores["detection"].add(case["id"], list(case["lines"]), found)
        signature = parse_signature(found)
        got = signature.authors_as_dicts()
        for name in AUTHOR_FIELDS:
            expected = [a[name] for a in case["authors"]]
            predicted = [a[name] for a in got]
            scores[name].add(case["id"], expected, predicted)
        scores["source"].add(case["id"], [case["source"]], [signature.source])
    return scores


def score_dates(cases: Iterable[dict[str, Any]]) -> FieldScore:
    score = FieldScore()
    for k, case in enumerate(cases):
        parsed = parse_date(case["raw"])
        got = [parsed.isoformat() if parsed else None, parsed.precision if parsed else None]
        score.add(f"date-{k + 1}:{case['raw']!r}", [case["published_at"], case["precision"]], got)
    return score


# -- replica pages ------------------------------------------------------------------------

Extractor = Callable[[str, str], dict[str, Any]]


def _ours(html: str, url: str) -> dict[str, Any]:
    item = extract_item(html, url, crawled_at="2099-01-01T00:00:00+00:00") or {}
    return {
        "title": item.get("title"),
        "author": item.get("author"),
        "position": item.get("position"),
        "source": item.get("source"),
        "published_at": item.get("published_at"),
        "published_at_precision": item.get("published_at_precision"),
    }


def _trafilatura(html: str, url: str) -> dict[str, Any]:
    import trafilatura

    doc: Any = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    data: dict[str, Any] = doc.as_dict() if hasattr(doc, "as_dict") else (doc or {})
    return {
        "title": data.get("title"),
        "author": data.get("author"),
        "position": None,
        "source": None,
        "published_at": data.get("date"),
        "published_at_precision": "day" if data.get("date") else None,
    }


def _newsplease(html: str, url: str) -> dict[str, Any]:
    from newsplease import NewsPlease

    with warnings.catch_warnings():
        # newspaper4k warns (on its lazy import) that optional NLP data is missing; unused.
        warnings.simplefilter("ignore", UserWarning)
        article = NewsPlease.from_html(html, url=url, fetch_images=False)
    published = article.date_publish
    return {
        "title": article.title,
        "author": "; ".join(article.authors) or None,
        "position": None,
        "source": None,
        "published_at": published.isoformat() if isinstance(published, datetime) else None,
        "published_at_precision": "second" if published else None,
    }


COMPARISON_TOOLS: dict[str, Extractor] = {"trafilatura": _trafilatura, "news-please": _newsplease}
PAGE_FIELDS = ("title", "author", "position", "source", "date_day", "date_exact")


def _same_instant(got: str | None, expected: str | None) -> bool:
    if got is None or expected is None:
        return got is expected
    parsed = parse_date(got)
    wanted = parse_date(expected)
    if parsed is None or wanted is None:
        return False
    # A time without offset (news-please) is read as Vietnam time, its natural reading.
    return parsed.value == wanted.value


def score_pages(
    extractor: Extractor, pages: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, FieldScore]:
    """Score an extractor on (html, url, truth) pages; dates only where the page shows one."""
    scores = {f: FieldScore() for f in PAGE_FIELDS}
    for html, url, truth in pages:
        got = extractor(html, url)
        case = truth["path"]
        for name in ("title", "author", "position", "source"):
            scores[name].add(case, [truth[name]], [got[name]])
        if truth["published_at"] is None:
            continue
        day = (got["published_at"] or "")[:10] or None
        scores["date_day"].add(case, [truth["published_at"][:10]], [day])
        exact = _same_instant(got["published_at"], truth["published_at"]) and (
            got["published_at_precision"] == truth["published_at_precision"]
        )
        scores["date_exact"].add(case, [True], [exact])
    return scores


def replica_pages(count: int, seed: int = 1) -> list[tuple[str, str, dict[str, Any]]]:
    from .replica import Portal
    from .replica.render import article_page

    portal = Portal(count, seed=seed)
    return [
        (
            article_page(portal, i),
            "https://quocphongthudo.vn" + portal.path_of(i),
            portal.truth(i),
        )
        for i in range(count)
    ]


# -- report -------------------------------------------------------------------------------


def _row(label: str, score: FieldScore) -> str:
    return (
        f"  {label:<16} {score.exact_rate:>7.1%} {score.precision:>9.1%} "
        f"{score.recall:>7.1%} {score.cases:>6}"
    )


def _table(title: str, scores: dict[str, FieldScore]) -> list[str]:
    lines = [title, f"  {'field':<16} {'exact':>7} {'precision':>9} {'recall':>7} {'cases':>6}"]
    lines += [_row(name, score) for name, score in scores.items()]
    return lines


def run(replica: int, compare: int, show_misses: int) -> dict[str, Any]:
    report: dict[str, Any] = {}
    lines: list[str] = []
    cases = load_jsonl(EVALUATION / "signatures.jsonl")
    for label, subset in (
        ("all", cases),
        ("heldout", [c for c in cases if c.get("split") == "heldout"]),
    ):
        scores = score_signatures(subset)
        report[f"signatures_{label}"] = {k: v.as_dict() for k, v in scores.items()}
        lines += _table(f"Signature set ({label}, {len(subset)} signatures)", scores)
        misses = [m for s in scores.values() for m in s.misses]
        lines += [f"    miss: {m}" for m in misses[:show_misses]]
    dates = score_dates(load_jsonl(EVALUATION / "dates.jsonl"))
    report["dates"] = dates.as_dict()
    lines += _table("Date set", {"date+precision": dates})
    lines += [f"    miss: {m}" for m in dates.misses[:show_misses]]

    if replica:
        pages = replica_pages(replica)
        started = time.perf_counter()
        ours = score_pages(_ours, pages)
        seconds = time.perf_counter() - started
        report["replica"] = {k: v.as_dict() for k, v in ours.items()}
        lines += _table(
            f"Replica pages (qptd, {len(pages)} pages, {seconds * 1000 / len(pages):.2f} ms/page)",
            ours,
        )
        lines += [f"    miss: {m}" for s in ours.values() for m in s.misses[:show_misses]]
    if compare:
        sample = replica_pages(compare, seed=7)
        columns = {"qptd": score_pages(_ours, sample)}
        for tool, extractor in COMPARISON_TOOLS.items():
            try:
                columns[tool] = score_pages(extractor, sample)
            except ImportError:
                lines.append(f"  ({tool} is not installed: pip install '.[eval]')")
        report["comparison"] = {
            tool: {
                k: {"exact": round(v.exact_rate, 4), "recall": round(v.recall, 4)}
                for k, v in scores.items()
            }
            for tool, scores in columns.items()
        }
        # Exact: the field equals the truth (an empty field on a page without one counts);
        # recall: share of the pages that have a value on which the tool finds that value.
        header = f"  {'field':<12}" + "".join(f"{t + ' exact/recall':>28}" for t in columns)
        lines += [f"Same {len(sample)} replica pages (seed 7)", header]
        for name in PAGE_FIELDS:
            cells = "".join(
                f"{columns[t][name].exact_rate:>21.1%}/{columns[t][name].recall:>6.1%}"
                for t in columns
            )
            lines.append(f"  {name:<12}{cells}")
    print("\n".join(lines))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replica", type=int, default=2000, help="replica pages to score")
    parser.add_argument("--compare", type=int, default=0, help="pages for the tool comparison")
    parser.add_argument("--misses", type=int, default=10, help="misses to list per table")
    parser.add_argument("--json", help="also write the report as JSON here")
    args = parser.parse_args(argv)
    report = run(args.replica, args.compare, args.misses)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
