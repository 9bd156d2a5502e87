"""The replica's pages in the markup the portal's CMS really serves (``real-cms/`` in the
team's evidence): the structure of those pages, with the replica's own texts.

What differs from the hand-made clone (``render.py``): no microdata (no ``itemscope`` on
the article, no ``itemprop=articleBody`` on the body); the machine date in ``<head>``
(``article:published_time`` with a ``+0700`` offset, a malformed ``DC.Date``) and the
displayed one in the header span (``Thứ hai, 21/08/2023 | 07:47``, the weekday sometimes a
digit); images in ``<figure><article>…</article><figcaption>``; text pasted from a word
processor, sentences split over nested spans; signatures as one ``<p>`` with
``NAME<br>AFFILIATION`` in ``<strong>``; a view counter after the body; menus of type
``navigation-menu-default-type1`` with dropdowns and ``fluid-nav`` overflow lists; list
modules configured by ``VHV.using (...)`` calls (with a space, ``itemsPerPage`` a string),
sidebars reusing the main list's item classes; the home page linking articles and
categories straight from its modules; an HTML sitemap at ``/page/sitemap``; ``/page/404``.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import datetime
from html import escape

from .content import CATEGORIES, SITE_NUMBER, Article, Portal

WEEKDAY_WORDS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
WEEKDAY_DIGITS = ["Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "CN"]
# Categories the menu does not show: one only in the menu's overflow list, one only in the
# HTML sitemap (and the breadcrumbs of its articles).
OVERFLOW_ONLY = "ban-doc"
SITEMAP_ONLY = "the-thao/quoc-te"
ACCOUNT = "Admin Cổng thông tin"


def _config_script(
    module_id: str, layout: str, total: int, page: int, per_page: int, page_id: str
) -> str:
    """A list module's ``VHV.using (...)`` call, as the real CMS writes it."""
    config = {
        "layout": layout,
        "itemsPerPage": str(per_page),
        "totalItems": total,
        "orderBy": "publishTime DESC",
        "pageNo": page,
        "service": "Content.Article.selectAll",
        "hasPagination": "1",
        "path": "Content",
    }
    encoded = base64.b64encode(json.dumps(config).encode()).decode()
    module = json.dumps(
        {"module": "Content.Listing", "page": page_id, "id": module_id, "modulePosition": "8"}
    )
    return (
        f"VHV.using ($.extend(\n$.parseJSON(decode64('{encoded}')),{module}),"
        f'{{ itemsPerPage: "{per_page}", pageNo: {page}, totalItems: {total}, '
        'orderBy: "publishTime DESC", filters: [], });\n;\n'
    )


def _menu() -> str:
    tops = [c for c in CATEGORIES if c.parent is None]
    items = ['<li class="item li-home"><a href="/"><span class="title">Trang chủ</span></a></li>']
    mobile = ['<li class="li-block"><a href="/">Trang chủ</a></li>']
    overflow = []
    for top in tops:
        children = [c for c in CATEGORIES if c.parent == top.path and c.path != SITEMAP_ONLY]
        link = f'<a href="/{top.path}"><span class="title">{escape(top.name)}</span></a>'
        if top.path == OVERFLOW_ONLY:
            overflow.append(f'<li class="item">{link}</li>')
            continue
        mobile.append(f'<li class="li-block"><a href="/{top.path}">{escape(top.name)}</a></li>')
        if not children:
            items.append(f'<li class="item" style="display:none">{link}</li>')
            continue
        sub = "".join(
            f'<li class="item"><a href="/{c.path}"><span class="title">{escape(c.name)}'
            "</span></a></li>"
            for c in children
        )
        items.append(
            f'<li class="item dropdown" style="display:none">{link}'
            '<a class="dropdown-toggle" href="javascript:;"><i class="vi vi-plus"></i></a>'
            f'<ul  class=" dropdown-menu">{sub}</ul></li>'
        )
    return (
        '<nav id="menu8" class="navigation-menu-default-type1 navigation-menu-default-type2">'
        '<div class="navbar navbar-default"><div class="container"><div class="row">'
        '<div class="navbar-header"><div class="menu-mobi">'
        f'<ul class="list-menu" id="menu8">{"".join(mobile)}</ul></div></div>'
        '<div id="bs-navbar-collapse-8" class="collapse navbar-collapse fluid-nav">'
        '<div class="intestine-collapse"><ul id="fluid-nav-positive8" role="tablist" '
        f'class="nav navbar-nav fluid-nav-positive">{"".join(items)}</ul>'
        '<div class="fluid-nav-backup nav-backup" style="display: none">'
        '<ul id="fluid-nav-negative8" class="fluid-nav-negative dropdown-menu2" '
        f'style="display: none;">{"".join(overflow)}</ul></div></div></div>'
        "</div></div></div></nav>"
    )


def _sidebar(portal: Portal) -> str:
    """ "Tin nổi bật": the newest articles of the whole portal, in the main list's item
    classes, with the account that posted them (never an author)."""
    items = "".join(_list_item(portal, i, "sidebar") for i in range(min(3, portal.n_articles)))
    return (
        '<div class="col-right col-xs-12 col-md-3 col-sm-4">'
        '<div class="panel panel-default panel-article"><div class="panel-heading">'
        '<div class="panel-title">Tin nổi bật</div></div><div class="panel-body">'
        '<div id="module11" class="ModuleWrapper"><section id="section11" '
        'class="section-slider section-article-scroll-content Article-Detail-default">'
        f'<marquee style="height: 300px;">{items}</marquee></section></div></div></div>'
        '<div class="panel panel-default panel-article"><div class="panel-heading">'
        '<div class="panel-title">Thống kê truy cập</div></div><div class="panel-body">'
        '<div class="statistic">Đang truy cập: 12</div></div></div></div>'
    )


def _page(
    portal: Portal, title: str, head: str, left: str, canonical: str, scripts: str = ""
) -> str:
    footer = (
        '<div class="region-bottom"><div class="table-footer"><div class="footer-contact">'
        '<p class="title">BÁO QUỐC PHÒNG THỦ ĐÔ (BẢN MÔ PHỎNG)</p>'
        "<p><b>Địa chỉ:</b> Số 1, phố Mô Phỏng, Hà Nội</p>"
        '<a href="/gioi-thieu-ban-mo-phong">Giới thiệu</a></div></div></div>'
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>'
        f"<title>{escape(title)}</title>{head}"
        f'<link rel="canonical" href="{escape(canonical)}"/></head>'
        '<body><div id="whole-page"><div id="page-header">'
        f'<div id="module8" class="ModuleWrapper">{_menu()}</div></div>'
        '<div id="page-content"><div id="module9" class="ModuleWrapper">'
        '<div class="section-content-home"><div class="column1 container">'
        '<div class="columns-widget row"><div class="col-md-12 col-xs-12 col-sm-12">'
        '<div id="module10" class="ModuleWrapper"><div class="table-two-article">'
        '<div class="columns-widget columns9-3"><div class="row">'
        f'<div class="col-left col-xs-12 col-md-9 col-sm-8">{left}</div>{_sidebar(portal)}'
        "</div></div></div></div></div></div></div></div></div>"
        f'<div id="page-footer"></div></div>{footer}'
        '<script type="text/javascript">\nif(window.vhvInit)\n{\nvhvInit();\n}\n'
        f"$.extend(VHV.App, {{portal:'{SITE_NUMBER}', site:'{SITE_NUMBER}'}});\n"
        f"{scripts}</script></body></html>"
    )


def _breadcrumb(chain: list[tuple[str, str]]) -> str:
    items = (
        '<li class="first-item"><a href="https://quocphongthudo.vn/">'
        '<i class="vi vi-home"></i> Trang chủ</a></li>'
    )
    for pos, (name, path) in enumerate(chain, start=1):
        last = ' class="last-item"' if pos == len(chain) else ' class=""'
        items += (
            f'<li{last}><a href="/{path}">{escape(name)}</a>'
            f'<meta itemprop="position" content="{pos}" /></li>'
        )
    return (
        '<div id="module16" class="ModuleWrapper"><div id="region-pathwayRegionTop"></div>'
        f'<div class="pathway-category"><ol class="breadcrumb clearfix" itemprop="breadcrumb">'
        f"{items}</ol></div></div>"
    )


def pasted(text: str, rng: random.Random) -> str:
    """``text`` as a word processor pastes it: split over nested spans at word boundaries
    and before punctuation (the escaped text reads the same, character for character)."""
    cuts = sorted(
        {
            k
            for k in (rng.randrange(1, len(text)) for _ in range(3))
            if text[k - 1] == " " or text[k] in ".,;:"
        }
    )
    parts, start = [], 0
    for cut in [*cuts, len(text)]:
        if cut > start:
            parts.append(text[start:cut])
            start = cut
    inner = "".join(
        f'<span style="background:#FFFFFF;"><span style="line-height:107%;">{escape(p)}</span></span>'
        if k % 2
        else f'<span style="line-height:107%;">{escape(p)}</span>'
        for k, p in enumerate(parts)
    )
    return (
        '<span style="font-size:12pt;"><span style="font-family:\'Times New Roman\', serif;">'
        f"{inner}</span></span>"
    )


def _text(text: str, a: Article, rng: random.Random) -> str:
    return pasted(text, rng) if a.word_pasted else escape(text)


def _displayed_date(a: Article) -> str:
    if a.date_form == "none_visible":
        return ""
    d = a.published_at
    weekday = (WEEKDAY_DIGITS if a.weekday_as_digit else WEEKDAY_WORDS)[d.weekday()]
    return f'{weekday}, {d:%d/%m/%Y}<span class="drash"> | </span>{d:%H:%M}'


def _machine_metas(a: Article) -> str:
    m: datetime = a.machine_published_at
    iso = f"{m:%Y-%m-%dT%H:%M:%S}+0700"
    return (
        f'<meta property="article:published_time"  itemprop="datePublished" content="{iso}" />'
        f'<meta itemprop="dateCreated" content="{iso}" />'
        # The CMS writes this one malformed ("2023-08-20+0707:46:49").
        f'<meta name="DC.Date" content="{m:%Y-%m-%d}+07{m:%H:%M:%S}" />'
    )


def _figure(url: str, caption: str | None) -> str:
    cap = f'<p style="text-align:justify;">{escape(caption)}</p>' if caption else "\xa0"
    return (
        f'<figure><article><p style="text-align:center;"><img alt="hinh anh" src="{url}" />'
        f"</p></article><figcaption>{cap}</figcaption></figure>"
    )


def _signature_block(lines: list[str]) -> str:
    """One right-aligned paragraph: the lines in bold, joined by line breaks."""
    joined = "<br />".join(escape(line) for line in lines)
    return f'<p style="text-align:right;"><strong>{joined}</strong></p>'


def article_page(portal: Portal, i: int, related: list[tuple[str, str]]) -> str:
    """Article ``i`` as the real CMS serves it; ``related`` are the related panel's links
    (written by the caller, which knows the portal's link noise)."""
    a = portal.article(i)
    rng = random.Random(f"{a.seed}:{i}:real")
    path = portal.path_of(i)
    chain = [(c.name, c.path) for c in CATEGORIES if c.path in (a.leaf.parent, a.leaf.path)]
    body_parts: list[str] = []
    for k, paragraph in enumerate(a.paragraphs):
        body_parts.append(
            f'<p style="text-align:justify;">{_text(paragraph, a, rng)}</p>'
            if k % 3 != 1
            else f'<ul><li style="text-align:justify;">{_text(paragraph, a, rng)}</li></ul>'
        )
        if k < len(a.images):
            img = a.images[k]
            body_parts.append(_figure(img.url, img.caption))
    for img in a.images[len(a.paragraphs) :]:
        body_parts.append(_figure(img.url, img.caption))
    lines = a.signature.lines
    after_body = ""
    if a.signature_form == "author_box":
        after_body = '<div class="author">' + "<br>".join(escape(x) for x in lines) + "</div>"
    elif lines:
        body_parts.append(_signature_block(lines))
    if a.disclaimer:
        body_parts.append(f'<p style="text-align:justify;"><em>{escape(a.disclaimer)}</em></p>')
    if a.paragraphs:
        body_parts.append('<p style="text-align:justify;">\xa0</p>')
    if a.view_counter is not None:
        counter = f"Lượt xem: {a.view_counter}"
        if after_body:
            after_body = after_body.replace("</div>", f"<br>{counter}</div>")
        else:
            after_body = f'<div class="author"><span class="views">{counter}</span></div>'
    header = (
        f'<header class="clearfix"><span class="post-date left">{_displayed_date(a)}</span>'
        '<div class="block_share pull-right">'
        '<a href="javascript:void(0);" class="custom-font" style="font-size:12px;">A<sup>-</sup></a>'
        '<a href="javascript:void(0);" class="custom-font">A</a>'
        '<a href="javascript:void(0);" class="custom-font" style="font-size:16px;">A<sup>+</sup></a>'
        '<span class="drash">|</span><a href="javascript:void(0);">'
        '<img src="/Common/images/Social/icon_print.gif" /></a>'
        '<a class="hide" href="javascript:void(0);"><img src="/Common/images/nhat.png" alt="Tăng tương phản"/></a>'
        '<a class="hide" href="javascript:void(0);"><img src="/Common/images/dam.png" alt="Giảm tương phản"/></a>'
        "</div></header>"
    )
    lead = f'<div class="brief font-size-text mb-10"><p>QPTĐ-{_text(a.lead, a, rng)}</p></div>'
    related_items = "".join(
        f'<article class="list-news-one"><h2 class="h4 title"><a href="{href}">{escape(title)}'
        "</a></h2></article>"
        for href, title in related
    )
    left = (
        _breadcrumb(chain) + '<div id="module17" class="ModuleWrapper">'
        '<article id="article17" class="news-detail-layout-type-2 mb-20">'
        f'{header}<div class="article-content"><div class="block-core-a3">'
        f'<h1 class="title-detail">{escape(a.title_written)}</h1>'
        '<div class="social-connect clearfix mb-15"><div class="pull-left mt-5"></div>'
        '<div class="network-share pull-right"><div class="zalo-share-button">'
        '<a href="javascript:;"><span>Chia sẻ</span></a></div>'
        '<div class="margin-left-xs"><a class="btn btn-xs btn-info" href="javascript:void(0);">'
        '<span class="text-mobile">Lưu</span></a></div></div></div>'
        f"{lead}</div>"
        '<div id="audio17"><audio></audio></div>'
        '<div class="block-core-a5"><div class="content-detail font-size-text mb-20">'
        f'{"".join(body_parts)}</div>{after_body}<hr /><div class="clearfix mt-10"></div></div>'
        '<div class="rating mt-10 "><div id="star-rating"><div id="stringrating17">'
        'Tổng số điểm của bài viết là: <span class="totalStar">0</span> trong '
        '<span class="totalRating">0</span> đánh giá</div><div>'
        '<span id="rating-label17">Click để đánh giá bài viết</span></div></div></div>'
        "</div></article></div>"
        '<div class="panel panel-default panel-related"><div class="panel-heading">'
        '<div class="panel-title">Bài viết liên quan</div></div><div class="panel-body">'
        '<div id="module18" class="ModuleWrapper"><section id="section18" '
        f'class="section-list Article-News-Detail-default">{related_items}'
        '<div class="clearfix"></div><div id="pagination18" class="default-pagination"></div>'
        "</section></div></div></div>"
    )
    head = (
        f'<meta name="keywords" content="{escape(a.leaf.name)}, Quốc phòng Thủ đô"/>'
        f'<meta property="og:title" content="{escape(a.title)}"/>'
        f"{_machine_metas(a)}"
    )
    scripts = (
        f'$.extend(VHV,{{\npageId: "Article.News.detail",\nitemId: "{a.article_id}",\n'
        'inheritPageId: "Article.detail"\n});\n'
        + _config_script("18", "Article.List.list", len(related), 1, 12, "Article.News.detail")
    )
    return _page(portal, a.title, head, left, f"https://quocphongthudo.vn{path}", scripts)


def _list_item(portal: Portal, i: int, layout: str, href: str | None = None) -> str:
    a = portal.article(i)
    href = escape(href or portal.path_of(i))
    title = escape(a.title_written)
    d = a.published_at
    if layout == "listType4":
        return (
            '<article itemscope itemtype="http://schema.org/NewsArticle" '
            f'data-id="{a.article_id}" class="listType4-item">'
            f'<h5 class="title"><a href="{href}" title="{title}">{title}</a></h5>'
            f'<span class="time-news">{d:%H:%M %d/%m/%Y}</span></article>'
        )
    account = (
        '<span class="vcard author post-author"><span class="fn">'
        f'<a href="/page/AccountLink/home">{ACCOUNT}</a></span></span>'
    )
    thumb = (
        '<img class="post-image relative-height lazy" src="/Common/images/bg_trans.png" '
        f'data-original="/publish/thumbnail/{SITE_NUMBER}/480x320xdefault{a.images[0].url}" />'
        if a.images
        else '<img class="post-image" src="/Common/images/no-image.jpg" />'
    )
    classes = "list-memberpost-new " if layout == "list" else ""
    return (
        f'<article data-id="{a.article_id}" class="item-block detailType2 {classes}Article-News">'
        '<div class="post-item row clearfix"><div class="col-xs-12 col-sm-4 col-md-3 left-new">'
        f'<figure class="post-image"><a href="{href}">{thumb}</a></figure></div>'
        '<div class="col-xs-12 col-sm-8 col-md-9 right-new"><div class="post-title">'
        f'<h2 class="h4 entry-title"><a href="{href}">{title}</a></h2></div>'
        f'<div class="post-content">{escape(a.lead[:80])}...</div>'
        '<div class="post-meta post-meta-top clearfix">'
        + (account if layout == "sidebar" else "")
        + f'<span class="category-news"><a href="{a.leaf.path}">{escape(a.leaf.name)}</a></span>'
        f'<span>|</span><span class="date"><time class="post-date updated">{d:%d/%m/%Y}</time>'
        "</span></div></div></div></article>"
    )


def category_page(
    portal: Portal, path: str, page: int, items: list[int], links: str, layout: str
) -> str:
    """One page of a category list (``items`` and the rendered pagination ``links`` are
    the caller's: the paging rules are the replica's, whatever the template)."""
    cat = next(c for c in CATEGORIES if c.path == path)
    chain = [(c.name, c.path) for c in CATEGORIES if c.path in (cat.parent, cat.path)]
    entries = "".join(_list_item(portal, i, layout) for i in items)
    section_class = "listType4" if layout == "listType4" else "Article-Detail-listmeberpost"
    tree = "".join(
        f'<li data-id="{k}"><a href="/{c.path}">{escape(c.name)}</a></li>'
        for k, c in enumerate(CATEGORIES)
        if c.parent == (cat.parent or cat.path)
    )
    left = (
        _breadcrumb(chain) + '<div id="module17" class="ModuleWrapper">'
        f'<section id="section17" class="section-list {section_class}">{entries}'
        '<div class="clearfix"></div><div id="pagination17" class="default-pagination" '
        f'style="text-align:center">{links}</div></section></div>'
        f'<div id="module21" class="ModuleWrapper"><ul id="categories21">{tree}</ul></div>'
    )
    total = portal.category_size(path)
    scripts = _config_script(
        "17",
        "Article.List.list" if layout == "list" else "Article.List.listType4",
        total,
        page,
        portal.items_per_page,
        "Article.News.list",
    )
    return _page(portal, cat.name, "", left, f"https://quocphongthudo.vn/{path}", scripts)


def home_page(portal: Portal) -> str:
    """Category icons, a highlight panel per top category (its two newest articles, linked
    straight, no list item), and the newest articles as a list module."""
    icons = "".join(
        f'<div class="category-inner-item"><h4 class="category-title"><a href="/{c.path}">'
        f"{escape(c.name)}</a></h4></div>"
        for c in CATEGORIES
        if c.parent is not None and c.path != SITEMAP_ONLY
    )
    panels = []
    for top in (c for c in CATEGORIES if c.parent is None):
        newest = [portal.category_page(top.path, 1)[:2]][0]
        posts = "".join(
            f'<div class="post-item"><h5 class="tile-wrapper"><a href="{portal.path_of(i)}">'
            f'{escape(portal.article(i).title_written)}</a></h5><div class="time-news"></div></div>'
            for i in newest
        )
        panels.append(
            '<div class="panel panel-default panel-news-home"><div class="panel-heading">'
            f'<div class="panel-title"><a href="/{top.path}">{escape(top.name)}</a></div></div>'
            '<div class="panel-body"><section class="clearfix highlightType-5-edu bottom">'
            f"{posts}</section></div></div>"
        )
    newest = list(range(min(6, portal.n_articles)))
    entries = "".join(_list_item(portal, i, "list") for i in newest)
    # An article served under a second path, listed under it too: the list item's id says
    # it is the same article.
    for i in newest:
        alias = portal.alias_of(i)
        if alias is not None:
            entries += _list_item(portal, i, "list", href=alias)
    left = (
        f'<div class="category-icon-box iconType1">{icons}</div>'
        f'<div class="columns-widget columns2-2-2-2-2">{"".join(panels)}</div>'
        '<div id="module20" class="ModuleWrapper"><section id="section20" '
        f'class="section-list Article-Home">{entries}</section></div>'
    )
    scripts = _config_script(
        "20", "Article.News.List.highLight-Type5", portal.n_articles, 1, 6, "home"
    )
    return _page(portal, "Quốc phòng Thủ đô", "", left, "https://quocphongthudo.vn/", scripts)


def sitemap_page(portal: Portal) -> str:
    """``/page/sitemap``: the tree of every category (the menu's hidden ones too)."""

    def subtree(parent: str | None) -> str:
        items = []
        for c in (c for c in CATEGORIES if c.parent == parent):
            inner = subtree(c.path)
            items.append(
                f'<li><a href="/{c.path}">{escape(c.name)}</a>'
                + (f'<ul style="display:none">{inner}</ul>' if inner else "")
                + "</li>"
            )
        return "".join(items)

    left = (
        '<div id="module19" class="ModuleWrapper"><div class="sitemap">'
        '<div id="siteMapCate19" class="hidden"><ul class="simpleListing">'
        f'<li class="first-item"><a href="/">Trang chủ</a></li>{subtree(None)}</ul></div>'
        "</div></div>"
    )
    return _page(portal, "Sơ đồ trang", "", left, "https://quocphongthudo.vn/page/sitemap")


def not_found_page() -> str:
    """``/page/404``: answered with 200, where the CMS sends a page that does not exist."""
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=utf-8"/><title>404</title></head><body><div class="region-top">'
        '<div id="module1" class="ModuleWrapper"><div class="error-box"><div class="error-body">'
        '<h1>404</h1><h3 class="text-uppercase">Page not found!</h3>'
        "<p>Xin lỗi! Liên kết không tồn tại hoặc nội dung không hợp lệ.</p>"
        '<a class="btn" href="/">Quay lại trang chủ</a></div></div></div></div>'
        '<div id="whole-page"><div id="page-header"></div><div id="page-content"></div>'
        "</div></body></html>"
    )


def robots_txt(crawl_delay: float = 0.0) -> str:
    """The real sites' robots.txt: no Sitemap line (and served as text/html)."""
    delay = f"Crawl-delay: {crawl_delay:g}\n" if crawl_delay else ""
    return (
        f"User-agent: *\n{delay}Host: quocphongthudo.vn\nDisallow: /data/\nDisallow: /lib/\n"
        "Disallow: /__truth__/\nDisallow: /admin/\n"
    )
