"""List pages: every layout the CMS uses, scoped to the list section, and pagination state."""

from __future__ import annotations

import re

import pytest

from qptd_harness.replica import Portal, Variants
from qptd_harness.replica.render import category_page, home_page
from qptd_harness.shared_evidence import SKELETONS, absent
from qptd_spider.pages import ListingPage

PORTAL = Portal(300, seed=1)
CATEGORY = "thoi-su-chinh-tri/thanh-pho-ha-noi"
BASE = "https://quocphongthudo.vn"


@pytest.mark.parametrize("layout", ["type2", "h3_time_news", "news_title"])
def test_every_layout_yields_the_page_articles_in_order(layout: str) -> None:
    html = category_page(PORTAL, CATEGORY, 1, Variants(list_layout=layout))
    entries = ListingPage(html, f"{BASE}/{CATEGORY}").entries()
    expected = [PORTAL.path_of(i) for i in PORTAL.category_page(CATEGORY, 1)]
    paths = [
        re.sub(r"^https?://[^/]+", "", e.url).split("?")[0].split("#")[0].replace("//", "/")
        for e in entries
    ]
    assert paths == expected
    assert all(e.article_id and len(e.article_id) == 24 for e in entries)
    assert all(e.published_at_raw for e in entries)
    assert all(e.title for e in entries)


def test_sidebar_and_related_links_are_not_list_items() -> None:
    html = category_page(PORTAL, CATEGORY, 1, Variants(list_layout="type2"))
    urls = [e.url for e in ListingPage(html, f"{BASE}/{CATEGORY}").entries()]
    assert not any("phong-su-anh" in u for u in urls)


def test_pagination_from_inline_script() -> None:
    html = category_page(PORTAL, CATEGORY, 2, Variants())
    pagination = ListingPage(html, f"{BASE}/{CATEGORY}?page=2").pagination()
    assert pagination.page_no == 2
    assert pagination.items_per_page == 10
    assert pagination.total_items == PORTAL.category_size(CATEGORY)
    assert pagination.last_page == PORTAL.last_page(CATEGORY)
    assert pagination.page_links == ()


def test_rendered_pagination_links() -> None:
    html = category_page(PORTAL, "thoi-su-chinh-tri", 1, Variants(pagination="links"))
    pagination = ListingPage(html, f"{BASE}/thoi-su-chinh-tri").pagination()
    assert f"{BASE}/thoi-su-chinh-tri?page=2" in pagination.page_links


def test_out_of_range_page_repeats_the_last_page() -> None:
    last = PORTAL.last_page(CATEGORY)
    beyond = ListingPage(category_page(PORTAL, CATEGORY, last + 5, Variants()), BASE)
    at_last = ListingPage(category_page(PORTAL, CATEGORY, last, Variants()), BASE)
    assert beyond.pagination().page_no == last
    assert beyond.entries() == at_last.entries()


def test_menu_has_categories_and_subcategories() -> None:
    menu = ListingPage(home_page(PORTAL), BASE + "/").menu_urls()
    assert f"{BASE}/thoi-su-chinh-tri" in menu
    assert f"{BASE}/thoi-su-chinh-tri/thanh-pho-ha-noi" in menu
    assert len([u for u in menu if u.count("/") == 3]) >= 6


@pytest.mark.skipif(not SKELETONS.exists(), reason=absent(SKELETONS))
def test_the_skeleton_list_page_of_the_evidence() -> None:
    html = re.findall(r"```html\n(.*?)```", SKELETONS.read_text("utf-8"), re.S)[1]
    page = ListingPage(html, "http://quocphongthudo.vn/thoi-su-chinh-tri/thanh-pho-ha-noi")
    entries = page.entries()
    assert [e.article_id for e in entries] == [
        "5c0e2f7ae4b0a91d2c7f0101",
        "5c0e2f7ae4b0a91d2c7f0102",
    ]
    assert entries[0].published_at_raw == "2018-12-10T16:05:00+07:00"
    pagination = page.pagination()
    assert (pagination.page_no, pagination.total_items, pagination.last_page) == (1, 2345, 235)


def test_base64_config_is_read_when_the_plain_numbers_are_missing() -> None:
    html = category_page(PORTAL, CATEGORY, 1, Variants())
    html = re.sub(r"\{totalItems:[^}]*\}", "{}", html)
    pagination = ListingPage(html, BASE).pagination()
    assert pagination.total_items == PORTAL.category_size(CATEGORY)
    assert pagination.page_no == 1
