"""The spider's memory of what it found and asked for (``spiders/discovery.py``)."""

from __future__ import annotations

from qptd_spider.spiders.discovery import Discovered

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
