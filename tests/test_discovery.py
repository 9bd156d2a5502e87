"""The spider's memory of what it found and asked for (``spiders/discovery.py``)."""

from __future__ import annotations

from collections import Counter

from qptd_spider.spiders.discovery import Discovered, RelatedBounds

ARTICLE = "https://quocphongthudo.vn/thoi-su-chinh-tri/ha-noi/bai-viet-mot.html"
OTHER = "https://quocphongthudo.vn/thoi-su-chinh-tri/ha-noi/bai-viet-hai.html"


def test_an_article_is_met_once_until_it_is_unseen() -> None:
    found = Discovered()
    assert found.first_sight(ARTICLE) is True
    assert found.first_sight(ARTICLE) is False
    assert found.first_sight(OTHER) is True
    found.unsee(ARTICLE)  # a dead link that a list page shows after all
    assert found.first_sight(ARTICLE) is True


def test_listed_is_apart_from_seen() -> None:
    found = Discovered()
    found.first_sight(ARTICLE)
    assert not found.is_listed(ARTICLE)
    found.mark_listed(ARTICLE)
    assert found.is_listed(ARTICLE) and not found.is_listed(OTHER)


def test_categories_and_their_pages_are_asked_for_once() -> None:
    found = Discovered()
    assert found.new_category("thoi-su-chinh-tri") is True
    assert found.new_category("thoi-su-chinh-tri") is False
    assert found.new_page("thoi-su-chinh-tri", 1) is True
    assert found.new_page("thoi-su-chinh-tri", 2) is True
    assert found.new_page("thoi-su-chinh-tri", 1) is False
    assert found.new_page("quoc-phong", 1) is True


def test_a_carried_article_holds_its_category_and_parents_until_listed() -> None:
    found = Discovered()
    assert not found.carried_in("thoi-su-chinh-tri")
    found.carry(ARTICLE)
    assert found.carried_in("thoi-su-chinh-tri/ha-noi")
    assert found.carried_in("thoi-su-chinh-tri")  # a parent pages on for it too
    assert not found.carried_in("thoi-su")  # a prefix of the name is not a parent
    assert not found.carried_in("quoc-phong")
    found.found_listed([OTHER])
    assert found.carried_in("thoi-su-chinh-tri")
    found.found_listed([ARTICLE, OTHER])
    assert not found.carried_in("thoi-su-chinh-tri")


def test_related_bounds_count_what_no_list_page_gave_back() -> None:
    counts: Counter[str] = Counter()
    bounds = RelatedBounds(max_depth=2, max_new=1, count=lambda k, n: counts.update({k: n}))
    assert bounds.refuse(ARTICLE, depth=2) is None
    bounds.scheduled(ARTICLE)
    assert bounds.refuse(OTHER, depth=3) == "QPTD_MAX_RELATED_DEPTH"
    assert bounds.refuse(OTHER, depth=3) == "QPTD_MAX_RELATED_DEPTH"  # the same article
    third = OTHER.replace("hai", "ba")
    assert bounds.refuse(third, depth=1) == "QPTD_MAX_RELATED_NEW"  # one beyond the lists
    assert +counts == {
        "qptd/articles/beyond_lists": 1,
        "qptd/related/too_deep": 1,
        "qptd/limits/related_new": 1,
    }
    # A list page shows them after all, or a request queued earlier fetches one: no longer
    # counted.
    bounds.fetched(OTHER)
    assert counts["qptd/related/too_deep"] == 0
    for key in (ARTICLE, OTHER, third):
        bounds.listed(key)
    assert {k: v for k, v in counts.items() if v} == {}  # none below zero either
    assert bounds.beyond_lists == 0
    assert bounds.refuse(third, depth=1) is None  # room again beyond the lists
    bounds.scheduled(third)
    bounds.failed(third)  # a dead link: it takes no room
    assert bounds.beyond_lists == 0
