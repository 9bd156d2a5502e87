"""The accuracy bar: labelled sets and replica pages, scored by the evaluation script."""

from __future__ import annotations

import pytest

from qptd_harness.evaluate import (
    AUTHOR_FIELDS,
    EVALUATION,
    FieldScore,
    _ours,
    load_jsonl,
    replica_pages,
    run,
    score_dates,
    score_pages,
    score_signatures,
)

SIGNATURES = load_jsonl(EVALUATION / "signatures.jsonl")


def test_the_signature_set_covers_every_form_of_the_issue() -> None:
    assert len(SIGNATURES) >= 150
    forms = {c["form"] for c in SIGNATURES}
    for form in (
        "name_position_two_paragraphs",
        "rank_caps_comma_position",
        "rank_caps_next_line_position",
        "rank_dash_position",
        "academic_title",
        "rank_and_academic",
        "dong_chi",
        "bracket_unit",
        "former_post",
        "role_marker",
        "several_authors",
        "source",
        "initials",
        "staff",
        "no_signature",
        "tone_marks",
    ):
        assert form in forms, form
    assert len({c["id"] for c in SIGNATURES}) == len(SIGNATURES)


@pytest.mark.parametrize("field", ["detection", *AUTHOR_FIELDS, "source"])
def test_signature_fields_meet_the_98_percent_bar(field: str) -> None:
    score = score_signatures(SIGNATURES)[field]
    assert score.exact_rate >= 0.98, score.misses


def test_dates_are_all_right() -> None:
    score = score_dates(load_jsonl(EVALUATION / "dates.jsonl"))
    assert score.exact_rate == 1.0, score.misses


def test_replica_pages_are_all_right() -> None:
    scores = score_pages(_ours, replica_pages(300, seed=5))
    for name, score in scores.items():
        assert score.exact_rate == 1.0, (name, score.misses[:5])
    assert scores["date_exact"].cases > 200


def test_field_score_counts() -> None:
    score = FieldScore()
    score.add("a", ["x", None], ["x", None])
    score.add("b", ["y"], [None])
    score.add("c", [None], ["z"])
    assert score.exact == 1
    assert (score.true_positives, score.predicted, score.expected) == (1, 2, 2)
    assert score.precision == 0.5 and score.recall == 0.5
    assert score.misses == ["b: expected ['y'], got [None]", "c: expected [None], got ['z']"]


def test_trafilatura_comparison_column(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("trafilatura")
    report = run(replica=0, compare=12, show_misses=0)
    assert report["comparison"]["qptd"]["author"]["exact"] == 1.0
    assert "trafilatura" in report["comparison"]
    assert "exact/recall" in capsys.readouterr().out
