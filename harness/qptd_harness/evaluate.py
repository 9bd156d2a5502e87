"""Accuracy of the metadata researchers judge us on: authors, positions, sources, dates.

    python -m qptd_harness.evaluate [--replica 2000] [--compare 200] [--json report.json]

Signatures are scored on three sets side by side, per field (names, rank, academic title,
position, role, source), with precision, recall and the exact rate of the cases that label
the field, plus the share of signatures the parser marks ``partial`` or ``unparsed``:

- **real**: ``../shared/portal/signatures-real.jsonl``, real credit lines of Vietnamese
  military, political and provincial press with hand labels, read where the team keeps them
  (the project holds no copy; without them this set is skipped, and the report says so);
  the numbers that matter most;
- **own**: ``evaluation/signatures.jsonl``, our own lines in every form of the portal, with
  the detection of the signature at the end of a body (rows ``split: heldout`` were written
  after the parser and are also shown alone);
- **replica**: the replica's articles, scored on its ground truth.

Then the date set (exact time and precision) and, with ``--compare``, trafilatura and
news-please on the same replica pages (``pip install '.[eval]'``).

The expected values come from the labels and the replica's own knowledge, never the
parser's vocabulary. Values are compared exactly (Unicode NFC, spacing collapsed): a name,
rank or source in the wrong case is a miss, as a researcher would see it. Misses that differ
only in case or tone style ("uỷ"/"ủy") are also counted apart (``casing``), so a casing bug
is told from a wrong value.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from qptd_spider.extract import extract_item
from qptd_spider.normalize.dates import parse_date
from qptd_spider.normalize.signature import parse_signature, split_signature

from .shared_evidence import REAL_SIGNATURES, absent

EVALUATION = Path(__file__).parent / "evaluation"
AUTHOR_FIELDS = ("rank", "academic_title", "position", "role")
SIGNATURE_FIELDS = ("names", *AUTHOR_FIELDS, "source")
# The body paragraph placed before each signature, unless a case gives its own context.
DEFAULT_CONTEXT = (
    "Buổi lễ diễn ra trang trọng với sự tham dự của đông đảo cán bộ, chiến sĩ và nhân dân "
    "trên địa bàn."
)
UNLABELLED = object()  # a field the set does not label (the real set has no roles)


# -- comparing values -------------------------------------------------------------------------

_NEW_STYLE = (("uỷ", "ủy"), ("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oạ", "ọa"), ("uý", "úy"))


def _norm(text: str) -> str:
    """The text as compared: NFC, spacing collapsed; case and tone style kept."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _fold(text: str) -> str:
    """A lenient key (case and tone style folded): to align the authors found with the
    labelled ones, and to tell a casing-only miss. Never what decides a match."""
    text = _norm(text).casefold()
    for new, old in _NEW_STYLE:
        text = text.replace(new, old)
    return text


def _same_title(expected: str, got: str, key: Callable[[str], str] = _norm) -> bool:
    """ "ThS." and "ThS", "PGS. TS" and "PGS.TS" are one title ("THS" is not "ThS")."""
    return re.sub(r"[.\s]", "", key(expected)) == re.sub(r"[.\s]", "", key(got))


def _without_paper(form: str) -> str:
    # "Báo" (newspaper) before a paper's name is optional: "Báo Quảng Ngãi", "Quảng Ngãi".
    return form.removeprefix("Báo ").removeprefix("báo ")


def _source_forms(label: str, key: Callable[[str], str] = _norm) -> set[str]:
    """A source label and the forms it accepts: "QĐND (Báo Quân đội nhân dân)" accepts
    either part; a leading "Báo" (newspaper) is optional on both sides."""
    forms = {key(label)}
    if m := re.match(r"^(.*?)\s*\((.*)\)\s*$", label):
        forms |= {key(m.group(1)), key(m.group(2))}
    return forms | {_without_paper(f) for f in forms}


def _same_source(expected: str, got: str, key: Callable[[str], str] = _norm) -> bool:
    return bool({key(got), _without_paper(key(got))} & _source_forms(expected, key))


def _same(name: str, expected: Any, got: Any, key: Callable[[str], str] = _norm) -> bool:
    """``expected`` and ``got`` are the same value: exactly, or under ``key``."""
    if expected is None or got is None:
        return expected is got
    if name == "academic_title":
        return _same_title(expected, got, key)
    if name == "source":
        return _same_source(expected, got, key)
    return bool(key(expected) == key(got))


def _casing_only(name: str, expected: list[Any], predicted: list[Any]) -> bool:
    """A miss whose values differ only in case or tone style."""
    return len(expected) == len(predicted) and all(
        _same(name, e, p, _fold) for e, p in zip(expected, predicted, strict=True)
    )


# -- scores ----------------------------------------------------------------------------------


@dataclass
class FieldScore:
    """One field on one set: value-level precision and recall, and the exact rate over the
    cases that label the field (a value expected, or a value predicted)."""

    cases: int = 0
    exact: int = 0
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0
    misses: list[str] = field(default_factory=list)
    casing: int = 0  # misses that differ only in case or tone style (counted in misses too)

    def add(self, case_id: str, expected: list[Any], predicted: list[Any], name: str = "") -> None:
        """One case: ``expected`` and ``predicted`` values, aligned."""
        self.expected += sum(1 for v in expected if v is not None)
        self.predicted += sum(1 for v in predicted if v is not None)
        self.true_positives += sum(
            1
            for e, p in zip(expected, predicted, strict=False)
            if e is not None and _same(name, e, p)
        )
        if not any(v is not None for v in [*expected, *predicted]):
            return  # nothing labelled, nothing claimed: no case for this field
        self.cases += 1
        if len(expected) == len(predicted) and all(
            _same(name, e, p) for e, p in zip(expected, predicted, strict=True)
        ):
            self.exact += 1
        else:
            self.casing += _casing_only(name, expected, predicted)
            self.misses.append(f"{case_id}: expected {expected!r}, got {predicted!r}")

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
            "casing": self.casing,
            "misses": self.misses,
        }


@dataclass
class NameScore(FieldScore):
    """Author names: precision and recall over names (a name counts once per case), exact
    over whole author lists, every case counted (an empty list is a claim too)."""

    def add(self, case_id: str, expected: list[Any], predicted: list[Any], name: str = "") -> None:
        self.cases += 1
        self.expected += len(expected)
        self.predicted += len(predicted)
        wanted = Counter(_norm(n) for n in expected)
        got = Counter(_norm(n) for n in predicted)
        self.true_positives += sum((wanted & got).values())
        if [_norm(n) for n in expected] == [_norm(n) for n in predicted]:
            self.exact += 1
        else:
            self.casing += [_fold(n) for n in expected] == [_fold(n) for n in predicted]
            self.misses.append(f"{case_id}: expected {expected!r}, got {predicted!r}")


@dataclass
class SetScore:
    """Every signature field on one set, and how sure the parser said it was."""

    label: str
    fields: dict[str, FieldScore]
    statuses: Counter[str]
    signatures: int

    @property
    def unparsed_share(self) -> float:
        return self.statuses["unparsed"] / self.signatures if self.signatures else 0.0

    @property
    def partial_share(self) -> float:
        return self.statuses["partial"] / self.signatures if self.signatures else 0.0

    def misses(self) -> list[str]:
        return [f"{name}: {m}" for name, s in self.fields.items() for m in s.misses]

    @property
    def casing(self) -> int:
        """Misses that differ from the label only in case or tone style."""
        return sum(s.casing for s in self.fields.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "signatures": self.signatures,
            "fields": {k: v.as_dict() for k, v in self.fields.items()},
            "status": dict(self.statuses),
            "unparsed_share": round(self.unparsed_share, 4),
            "partial_share": round(self.partial_share, 4),
            "casing_misses": self.casing,
        }


@dataclass
class Expected:
    """What one labelled signature should give, in one shape for every set."""

    case_id: str
    lines: list[str]
    names: list[str]
    # Per author field: values aligned with ``names`` (or UNLABELLED).
    attributes: dict[str, Any]
    source: Any
    context: list[str] | None = None


def _score(label: str, cases: Iterable[Expected]) -> SetScore:
    fields: dict[str, FieldScore] = {"names": NameScore()}
    fields |= {name: FieldScore() for name in (*AUTHOR_FIELDS, "source")}
    statuses: Counter[str] = Counter()
    count = 0
    for case in cases:
        count += 1
        signature = parse_signature(case.lines)
        statuses[signature.status or "none"] += 1
        got = signature.authors_as_dicts()
        fields["names"].add(case.case_id, case.names, [a["name"] for a in got])
        by_name = {_fold(a["name"]): a for a in got}
        for name in AUTHOR_FIELDS:
            values = case.attributes.get(name, UNLABELLED)
            if values is UNLABELLED:
                continue
            # Attributes are compared on the authors found; an author not found has none.
            predicted = [by_name.get(_fold(n), {}).get(name) for n in case.names]
            # Attributes given to authors nobody labelled are claims too.
            extra = [a[name] for a in got if _fold(a["name"]) not in {_fold(n) for n in case.names}]
            fields[name].add(
                case.case_id, list(values) + [None] * len(extra), predicted + extra, name
            )
        if case.source is not UNLABELLED:
            got_source = signature.source or signature.organization
            fields["source"].add(case.case_id, [case.source], [got_source], "source")
    return SetScore(label, fields, statuses, count)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def own_cases(rows: Iterable[dict[str, Any]]) -> list[Expected]:
    return [
        Expected(
            row["id"],
            list(row["lines"]),
            [a["name"] for a in row["authors"]],
            {name: [a[name] for a in row["authors"]] for name in AUTHOR_FIELDS},
            row["source"],
            row.get("context"),
        )
        for row in rows
    ]


def real_cases(rows: Iterable[dict[str, Any]]) -> list[Expected]:
    """The real set labels one rank, title and position per line: the first author's."""
    out = []
    for row in rows:
        names = list(row["authors"])
        attributes: dict[str, Any] = {"role": UNLABELLED}
        for name in ("rank", "academic_title", "position"):
            attributes[name] = [row[name]] + [None] * (len(names) - 1) if names else []
        out.append(Expected(row["id"], list(row["lines"]), names, attributes, row["agency"]))
    return out


def replica_cases(count: int, seed: int = 1) -> list[Expected]:
    from .replica import Portal

    portal = Portal(count, seed=seed)
    out = []
    for i in range(count):
        truth = portal.truth(i)
        if truth["signature_raw"] is None:
            continue
        authors = truth["authors"]
        out.append(
            Expected(
                truth["path"],
                truth["signature_raw"].split("\n"),
                [a["name"] for a in authors],
                {name: [a[name] for a in authors] for name in AUTHOR_FIELDS},
                truth["source"] or truth["organization"],
            )
        )
    return out


def score_detection(rows: Iterable[dict[str, Any]]) -> FieldScore:
    """Finding the signature at the end of a body: the lines, no more, no less."""
    score = FieldScore()
    for row in rows:
        paragraphs = list(row.get("context") or [DEFAULT_CONTEXT]) + list(row["lines"])
        _, found = split_signature(paragraphs)
        score.cases += 1
        if found == list(row["lines"]):
            score.exact += 1
        else:
            score.misses.append(f"{row['id']}: expected {row['lines']!r}, got {found!r}")
    return score


def signature_sets(replica: int) -> list[SetScore]:
    """The three sets, real first."""
    own = load_jsonl(EVALUATION / "signatures.jsonl")
    sets = []
    if REAL_SIGNATURES.exists():
        sets.append(_score("real", real_cases(load_jsonl(REAL_SIGNATURES))))
    else:
        print(absent(REAL_SIGNATURES), file=sys.stderr)
    sets += [
        _score("own", own_cases(own)),
        _score(
            "own, held out",
            own_cases(r for r in own if str(r.get("split", "")).startswith("heldout")),
        ),
    ]
    if replica:
        sets.append(_score("replica", replica_cases(replica)))
    return sets


def score_dates(cases: Iterable[dict[str, Any]]) -> FieldScore:
    """Every labelled date string: the exact instant and its precision (or none at all)."""
    score = FieldScore()
    for k, case in enumerate(cases):
        parsed = parse_date(case["raw"])
        got = (parsed.isoformat() if parsed else None, parsed.precision if parsed else None)
        wanted = (case["published_at"], case["precision"])
        _page_case(score, f"date-{k + 1}:{case['raw']!r}", wanted, got)
    return score


# -- replica pages, and other tools on them ----------------------------------------------------

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


def _page_case(score: FieldScore, case: str, expected: Any, got: Any) -> None:
    """Pages: every page is a case (an empty field on a page without one counts as right)."""
    score.cases += 1
    score.expected += expected is not None
    score.predicted += got is not None
    score.true_positives += expected is not None and expected == got
    if expected == got:
        score.exact += 1
    else:
        score.misses.append(f"{case}: expected {expected!r}, got {got!r}")


def score_pages(
    extractor: Extractor, pages: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, FieldScore]:
    """Score an extractor on (html, url, truth) pages; dates only where the page shows one."""
    scores = {f: FieldScore() for f in PAGE_FIELDS}
    for html, url, truth in pages:
        got = extractor(html, url)
        case = truth["path"]
        for name in ("title", "author", "position", "source"):
            _page_case(scores[name], case, truth[name], got[name])
        if truth["published_at"] is None:
            continue
        day = (got["published_at"] or "")[:10] or None
        _page_case(scores["date_day"], case, truth["published_at"][:10], day)
        exact = _same_instant(got["published_at"], truth["published_at"]) and (
            got["published_at_precision"] == truth["published_at_precision"]
        )
        _page_case(scores["date_exact"], case, True, exact)
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


def signatures_table(sets: list[SetScore]) -> list[str]:
    """The sets side by side: exact / precision / recall per field."""
    head = f"  {'field':<15}" + "".join(f"{s.label + f' ({s.signatures})':>26}" for s in sets)
    lines = ["Signatures: exact / precision / recall (exact over the cases labelling the field)"]
    lines.append(head)
    for name in SIGNATURE_FIELDS:
        cells = ""
        for s in sets:
            f = s.fields[name]
            cell = f"{f.exact_rate:.1%} / {f.precision:.1%} / {f.recall:.1%}" if f.cases else "–"
            cells += f"{cell:>26}"
        lines.append(f"  {name:<15}{cells}")
    lines.append(f"  {'partial':<15}" + "".join(f"{s.partial_share:>26.1%}" for s in sets))
    lines.append(f"  {'unparsed':<15}" + "".join(f"{s.unparsed_share:>26.1%}" for s in sets))
    # Misses above that differ only in case or tone style: a casing bug, or a label's casing.
    lines.append(f"  {'casing misses':<15}" + "".join(f"{s.casing:>26}" for s in sets))
    return lines


def run(replica: int, compare: int, show_misses: int) -> dict[str, Any]:
    report: dict[str, Any] = {}
    lines: list[str] = []
    sets = signature_sets(min(replica, 2000))
    report["signatures"] = {s.label: s.as_dict() for s in sets}
    lines += signatures_table(sets)
    for s in sets:
        lines += [f"    miss ({s.label}) {m}" for m in s.misses()[:show_misses]]
    own = load_jsonl(EVALUATION / "signatures.jsonl")
    detection = score_detection(own)
    report["detection"] = detection.as_dict()
    lines += _table("Signature detection at the end of a body (own set)", {"lines": detection})
    lines += [f"    miss: {m}" for m in detection.misses[:show_misses]]
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
