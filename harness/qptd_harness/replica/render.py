"""HTML of the replica's pages, following docs/portal/skeletons.md (structure, class names,
share bar, rating block, sidebars, inline pagination script) with our own texts."""

from __future__ import annotations

import base64
import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html import escape

from . import real_template
from .content import CATEGORIES, LEAVES, SITE_NUMBER, Article, Portal

WEEKDAYS = ["Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật"]
ALIAS_HOSTS = [
    "http://quocphongthudo.vn",
    "https://qptd.com.vn",
    "https://www.quocphongthudo.vn",
    "http://quocphongthudo.com.vn",
]


@dataclass(frozen=True)
class Variants:
    """Which of the uncertain layouts the replica serves (docs/PORTAL.md marks them unverified)."""

    pagination: str = "query"  # query | links | ignored
    list_layout: str = "mixed"  # mixed | type2 | h3_time_news | news_title
    sitemap: bool = False
    # A redesign the parsers do not know: the article root gets a class of no known family.
    changed_article_layout: bool = False
    # robots.txt asks for this many seconds between requests (0: it does not say).
    crawl_delay: float = 0.0


def _page(title: str, head_extra: str, left: str, canonical: str) -> str:
    sidebar = (
        '<div class="col-right col-xs-12 col-md-3 col-sm-4">'
        '<div class="panel frame-general"><div class="panel-heading"><div class="panel-title">'
        'Phóng sự ảnh</div></div><div class="panel-body">'
        '<a href="/phong-su-anh/sac-xuan-tren-doanh-trai.html">Sắc xuân trên doanh trại</a>'
        "</div></div>"
        '<div class="panel frame-general"><div class="panel-heading"><div class="panel-title">'
        "Dự báo thời tiết</div></div></div>"
        '<div class="panel frame-general"><div class="panel-heading"><div class="panel-title">'
        "Tỷ giá ngoại tệ</div></div></div></div>"
    )
    return (
        '<!DOCTYPE html><html lang="vi"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{escape(title)}</title>{head_extra}"
        f'<link rel="canonical" href="{escape(canonical)}"></head><body>'
        f'<div id="whole-page"><div id="page-header">{_menu()}</div><div id="page-content">'
        '<div id="module10" class="ModuleWrapper"><div class="columns-widget columns9-3 container">'
        f'<div class="row"><div class="col-left col-xs-12 col-md-9 col-sm-8">{left}</div>'
        f"{sidebar}</div></div></div></div></div>"
        "<script>$.extend(VHV.App, {portal:'" + SITE_NUMBER + "', site:'" + SITE_NUMBER + "'});"
        " VHV.init();</script></body></html>"
    )


def _menu() -> str:
    items = []
    for top in (c for c in CATEGORIES if c.parent is None):
        children = [c for c in CATEGORIES if c.parent == top.path]
        sub = "".join(
            f'<li><a href="/{c.path}" title="{escape(c.name)}">{escape(c.name)}</a></li>'
            for c in children
        )
        sub_html = f'<ul class="sub-menu">{sub}</ul>' if sub else ""
        items.append(f'<li><a href="/{top.path}">{escape(top.name)}</a>{sub_html}</li>')
    return (
        f'<nav class="main-menu"><ul><li><a href="/">Trang chủ</a></li>{"".join(items)}</ul></nav>'
    )


def _breadcrumb(names_paths: list[tuple[str, str]]) -> str:
    items = '<li class="first-item"><a href="/" title="Trang chủ">Trang chủ</a></li>'
    for pos, (name, path) in enumerate(names_paths, start=1):
        items += (
            f'<li class="last-item" typeof="v:Breadcrumb"><a href="/{path}" itemprop="item" '
            f'title="{escape(name)}">{escape(name)}</a><meta itemprop="position" content="{pos}"></li>'
        )
    return (
        '<div id="module11" class="ModuleWrapper"><div class="pathway-category">'
        '<ol class="breadcrumb clearfix" itemprop="breadcrumb" '
        f'itemtype="http://schema.org/BreadcrumbList">{items}</ol></div></div>'
    )


def _link(portal: Portal, i: int, tracking: bool = True) -> str:
    """An article link as list pages write it: noise the crawler must see through."""
    path = portal.path_of(i)
    style = (i * 5 + portal.seed) % 6
    if style == 0:
        return ALIAS_HOSTS[i % len(ALIAS_HOSTS)] + path
    if style == 1 and tracking:
        return f"{path}?categoryId=5a1b{i % 97:02x}"
    if style == 2:
        # A doubled slash inside the path, as the CMS sometimes writes (a leading "//" would
        # be a protocol-relative link to another host, in a browser too).
        return path.replace("/", "//", 2)[1:]
    if style == 3:
        return path + "#comments"
    return path


def _visible_date(a: Article) -> tuple[str | None, str]:
    """(meta datePublished content or None, header text) for the article's date form."""
    d = a.published_at
    form = a.date_form
    if form == "meta_empty_header":
        return d.isoformat(), ""
    if form == "meta_header_seconds":
        return d.isoformat(), d.strftime("%H:%M:%S | %d/%m/%Y")
    if form == "meta_compact_offset_header_minutes":
        return d.strftime("%Y-%m-%dT%H:%M:%S+0700"), d.strftime("%H:%M | %d/%m/%Y")
    if form == "header_weekday_only":
        return None, f"{WEEKDAYS[d.weekday()]}, {d.strftime('%d/%m/%Y | %H:%M')}"
    return None, ""


def _noisy(text: str, i: int) -> str:
    """CMS text noise: non-breaking spaces, zero-width spaces, decomposed Unicode."""
    if i % 4 == 0:
        text = text.replace(" ", "\u00a0", 2)
    if i % 6 == 1:
        text = text.replace(", ", ",\u200b ", 1)
    if i % 5 == 2:
        text = unicodedata.normalize("NFD", text)
    return text


def _image_html(img_url: str, caption: str | None, form: str, lazy: bool) -> str:
    src = f'src="/images/blank.gif" data-original="{img_url}"' if lazy else f'src="{img_url}"'
    tag = f'<img class="lazy" {src} alt="">'
    cap = escape(caption) if caption else ""
    if form == "table":
        return (
            f'<table class="image center"><tbody><tr><td>{tag}</td></tr>'
            f'<tr><td class="image_caption">{cap}</td></tr></tbody></table>'
        )
    if form == "figure":
        return f'<figure class="image">{tag}<figcaption>{cap}</figcaption></figure>'
    picture = f'<p style="text-align:center"><a class="view-gallery" href="{img_url}">{tag}</a></p>'
    if form == "em":
        return picture + f'<p style="text-align:center"><em>{cap}</em></p>'
    if form == "center":
        return picture + f'<p style="text-align: center;">{cap}</p>'
    return picture


def _related(portal: Portal, i: int) -> list[tuple[str, str]]:
    """(href, title) of an article's related panel: older articles of its category (an
    article served under a second path linked by that path), and now and then a link to an
    article taken down."""
    a = portal.article(i)
    links = [
        (portal.alias_of(r) or _link(portal, r, tracking=False), portal.article(r).title)
        for r in a.related
        if r < portal.n_articles
    ]
    if (removed := removed_article_path(i)) is not None:
        links.append((removed, "Bài viết đã gỡ"))
    return links


def removed_article_path(i: int) -> str | None:
    """The article taken down that article ``i`` still links to, if any (a dead link)."""
    return f"/quoc-te/bai-viet-da-go-bo-{i}.html" if i % 9 == 4 else None


def article_page(portal: Portal, i: int, variants: Variants | None = None) -> str:
    a = portal.article(i)
    if a.real:
        html = real_template.article_page(portal, i, _related(portal, i))
        if variants is not None and variants.changed_article_layout:
            html = html.replace("news-detail-layout-type-2", "story-page-redesigned")
        return html
    path = portal.path_of(i)
    meta_date, header_date = _visible_date(a)
    chain = [(c.name, c.path) for c in CATEGORIES if c.path in (a.leaf.parent, a.leaf.path)]
    paragraphs = [f"<p>{escape(_noisy(p, i + k))}</p>" for k, p in enumerate(a.paragraphs)]
    images = a.images
    body_parts = []
    for k, para in enumerate(paragraphs):
        body_parts.append(para)
        if k < len(images):
            img = images[k]
            body_parts.append(_image_html(img.url, img.caption, img.caption_form, img.lazy))
        if k == 0 and i % 3 == 0:
            body_parts.append("<p>&nbsp;</p>")
    for img in images[len(paragraphs) :]:
        body_parts.append(_image_html(img.url, img.caption, img.caption_form, img.lazy))
    lines = a.signature.lines
    author_box = ""
    if a.signature_form == "author_box":
        author_box = f'<div class="author">{"<br>".join(escape(x) for x in lines)}</div>'
    else:
        body_parts.extend(
            f'<p style="text-align:right"><strong>{escape(line)}</strong></p>' for line in lines
        )
    dash = "-" if i % 4 else " - "
    meta_tag = f'<meta itemprop="datePublished" content="{meta_date}">' if meta_date else ""
    related_links = "".join(
        '<article class="list-news-one" itemscope itemtype="http://schema.org/NewsArticle">'
        f'<h2 class="h4 title" itemprop="headline"><a href="{href}" '
        f'title="{escape(title)}">{escape(title)}</a></h2></article>'
        for href, title in _related(portal, i)
    )
    lead_class = (
        "brief content-detail font-size-text mb-10" if i % 7 == 0 else "brief font-size-text mb-10"
    )
    left = (
        _breadcrumb(chain) + '<div id="module17" class="ModuleWrapper" moduleRootId="1700001">'
        '<article id="article17" class="news-detail-layout-type-2 mb-20" itemscope '
        f'itemtype="http://schema.org/NewsArticle">{meta_tag}'
        f'<header class="clearfix"><span class="post-date left">{escape(header_date)}</span>'
        '<div class="block_share pull-right">'
        '<a href="javascript:void(0);" class="custom-font">A<sup>-</sup></a> '
        '<a href="javascript:void(0);" class="custom-font">A</a> '
        '<a href="javascript:void(0);" class="custom-font">A<sup>+</sup></a><span class="drash"> | </span>'
        f'<a href="javascript:void(0);" onclick="printArticle(\'{a.article_id}\');" title="In">'
        '<img src="/i/print.gif" alt=""></a>'
        '<a class="hide" id="tangtuongphan" title="Giảm tương phản"><img src="/i/nhat.png" alt="Tăng tương phản"></a>'
        '<a class="hide" id="giamtuongphan" title="Tăng tương phản"><img src="/i/dam.png" alt="Giảm tương phản"></a>'
        '</div></header><div class="article-content"><div class="block-core-a3">'
        f'<h1 class="title-detail" itemprop="headline">{escape(_title_as_written(a, i))}</h1>'
        '<div class="social-connect clearfix mb-15"><div class="network-share pull-right">'
        f'<a class="btn btn-xs btn-primary" onclick="readArticle(\'{a.article_id}\',$(this));">Đọc bài</a>'
        ' <a class="btn btn-xs">Lưu</a></div></div>'
        f'<div class="{lead_class}"><p>QPTĐ{dash}{escape(_noisy(a.lead, i + 1))}</p></div></div>'
        '<div id="audio17"><audio></audio></div>'
        '<div class="block-core-a5"><div class="content-detail font-size-text mb-20" itemprop="articleBody">'
        "<style>.content-detail img{max-width:100%}</style>"
        f'{"".join(body_parts)}</div>{author_box}<hr><div class="clearfix mt-10"></div></div>'
        '<div class="rating mt-10"><div id="star-rating"><div id="stringrating17">Tổng số điểm của bài viết là: '
        '<span class="totalStar">0</span> trong <span class="totalRating">0</span> đánh giá</div>'
        '<div><input class="hover-star" type="radio" value="1"><input class="hover-star" type="radio" value="5">'
        ' <span id="rating-label17">Click để đánh giá bài viết</span></div></div></div>'
        "</div></article></div>"
        '<div class="panel panel-default frame-general frame-involve"><div class="panel-heading">'
        '<div class="panel-title">Tin liên quan</div></div><div class="panel-body">'
        '<div id="module18" class="ModuleWrapper"><section id="section18" '
        f'class="section-list Article-News-Detail-default">{related_links}'
        '<div id="pagination18" class="default-pagination" style="text-align:center"></div>'
        "</section></div></div></div>"
    )
    keywords = f"{a.leaf.name}, Quốc phòng Thủ đô"
    head = (
        f'<meta name="keywords" content="{escape(keywords)}">'
        f'<meta property="og:title" content="{escape(a.title)}">'
    )
    if variants is not None and variants.changed_article_layout:
        left = left.replace("news-detail-layout-type-2", "story-page-redesigned")
    return _page(a.title, head, left, f"http://quocphongthudo.vn{path}")


def _title_as_written(a: Article, i: int) -> str:
    return unicodedata.normalize("NFD", a.title_written) if i % 11 == 5 else a.title_written


def _list_item(portal: Portal, i: int, layout: str) -> str:
    a = portal.article(i)
    href = escape(_link(portal, i))
    title = escape(a.title_written)
    d: datetime = a.published_at
    if layout == "h3_time_news":
        return (
            f'<article data-id="{a.article_id}" class="item-block Article-News">'
            f'<h3 class="entry-title"><a href="{href}">{title}</a></h3>'
            f'<span class="time-news">{d.strftime("%H:%M %d/%m/%Y")}</span>'
            f'<div class="post-content">QPTĐ-{escape(a.lead)}</div></article>'
        )
    if layout == "news_title":
        return (
            f'<div data-id="{a.article_id}" class="item-block news-item">'
            f'<div class="news-title"><a href="{href}" title="{title}">{title}</a></div>'
            f'<span class="time-news">{d.strftime("%d/%m/%y")}</span></div>'
        )
    thumb = (
        f'<img class="post-image" src="/images/blank.gif" data-original="{a.images[0].url}" alt="{title}">'
        if a.images
        else '<img class="post-image" src="/App/images/no-image-news.png" alt="">'
    )
    return (
        f'<article data-id="{a.article_id}" class="item-block detailType2 Article-News">'
        '<div class="post-item row clearfix"><div class="col-xs-12 col-sm-5 col-md-4 left-type2-p">'
        f'<figure class="post-image"><a href="{href}" title="{title}">{thumb}</a></figure></div>'
        '<div class="col-xs-12 col-sm-7 col-md-8 right-type2-p">'
        f'<div class="post-title"><h4 class="entry-title"><a href="{href}">{title}</a></h4></div>'
        '<div class="post-meta post-meta-top mb-10 clearfix"><span class="vcard author post-author">'
        '<span class="fn"><a href="">Administrator</a></span></span>'
        f'<span class="date"><time class="post-date updated" datetime="{d.isoformat()}">'
        f"{d.strftime('%d/%m/%Y')}</time></span></div>"
        f'<div class="post-content mb-10">QPTĐ-{escape(a.lead)}</div></div></div></article>'
    )


def layout_for(path: str, variants: Variants) -> str:
    if variants.list_layout != "mixed":
        return variants.list_layout
    layouts = ("type2", "h3_time_news", "news_title")
    return layouts[sum(map(ord, path)) % len(layouts)]


def category_page(portal: Portal, path: str, requested_page: int, variants: Variants) -> str:
    last = portal.last_page(path)
    page = 1 if variants.pagination == "ignored" else min(max(requested_page, 1), last)
    links = _pagination_links(page, last, variants)
    if portal.list_template(path) == "real":
        layout = ("list", "listType4")[sum(map(ord, path)) // 2 % 2]
        return real_template.category_page(
            portal, path, page, portal.category_page(path, page), links, layout
        )
    layout = layout_for(path, variants)
    items = "".join(_list_item(portal, i, layout) for i in portal.category_page(path, page))
    total = portal.category_size(path)
    config = {
        "layout": "Article.Detail.default",
        "itemsPerPage": portal.items_per_page,
        "totalItems": total,
        "pageNo": page,
        "service": "Article.selectAll",
        "path": "Content",
    }
    encoded = base64.b64encode(json.dumps(config).encode()).decode()
    script = (
        '<script type="text/javascript">VHV.using($.extend($.parseJSON(decode64(\''
        f'{encoded}\')), {{"module":"Content.Listing","id":"31"}}), '
        f"{{totalItems: {total}, filters: [], dontGoTop: true, pageNo: {page}, "
        f"itemsPerPage: {portal.items_per_page}}});</script>"
    )
    cat = next(c for c in CATEGORIES if c.path == path)
    chain = [(c.name, c.path) for c in CATEGORIES if c.path in (cat.parent, cat.path)]
    left = (
        _breadcrumb(chain) + '<div id="module31" class="ModuleWrapper" moduleRootId="1700031">'
        f'<section id="section31" class="section-list Article-Detail-default">{items}'
        f'<div class="clearfix"></div><div id="pagination31" class="default-pagination" '
        f'style="text-align:center">{links}</div></section></div>{script}'
    )
    return _page(cat.name, "", left, f"http://quocphongthudo.vn/{path}")


def _pagination_links(page: int, last: int, variants: Variants) -> str:
    """The pagination as a browser renders it (``links`` variant), else empty (JavaScript)."""
    links = ""
    if variants.pagination == "links" and last > 1:
        links = f'<a href="?page={page - 1}" class="prev">Trước</a>' if page > 1 else ""
        for p in range(max(1, page - 2), min(last, page + 2) + 1):
            links += (
                f'<span class="current">{p}</span>' if p == page else f'<a href="?page={p}">{p}</a>'
            )
        if page < last:
            links += f'<a href="?page={last}" class="last">{last}</a><a href="?page={page + 1}" class="next">Sau</a>'
    return links


def home_page(portal: Portal) -> str:
    if portal.site_template == "real":
        return real_template.home_page(portal)
    newest = range(min(6, portal.n_articles))
    items = "".join(_list_item(portal, i, "type2") for i in newest)
    left = (
        '<div id="module20" class="ModuleWrapper"><section id="section20" '
        f'class="section-list Article-Home">{items}</section></div>'
    )
    return _page("Quốc phòng Thủ đô", "", left, "http://quocphongthudo.vn/")


def soft_404_page() -> str:
    left = (
        '<div class="page-error"><h2>Trang không tồn tại</h2>'
        '<p>Xin lỗi, trang bạn tìm không tồn tại hoặc đã bị gỡ bỏ.</p><a href="/">Về trang chủ</a></div>'
    )
    return _page("Trang không tồn tại", "", left, "http://quocphongthudo.vn/")


def robots_txt(crawl_delay: float = 0.0) -> str:
    delay = f"Crawl-delay: {crawl_delay:g}\n" if crawl_delay else ""
    return f"User-agent: *\n{delay}Disallow: /__truth__/\nDisallow: /admin/\n"


SITEMAP_CHUNK = 5000


def sitemap_index(portal: Portal, base: str) -> str:
    n = -(-portal.n_articles // SITEMAP_CHUNK)
    entries = "".join(f"<sitemap><loc>{base}/sitemap-{k + 1}.xml</loc></sitemap>" for k in range(n))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    )


def sitemap_chunk(portal: Portal, base: str, k: int) -> str | None:
    start = (k - 1) * SITEMAP_CHUNK
    if k < 1 or start >= portal.n_articles:
        return None
    urls = "".join(
        f"<url><loc>{base}{portal.path_of(i)}</loc></url>"
        for i in range(start, min(start + SITEMAP_CHUNK, portal.n_articles))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


__all__ = ["LEAVES", "Variants", "article_page", "category_page", "home_page", "soft_404_page"]
