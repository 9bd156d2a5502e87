"""The replica's synthetic portal: categories, articles and their ground truth.

Everything is computed from (seed, article index) on demand, so a 100,000-article portal
costs only a path → index table in memory, never its pages. Texts are generated from the
templates below (our own words, modeled on the portal's style), never copied articles.

Article ``i`` belongs to leaf category ``i % K`` and is older than article ``i - 1``, so a
category's list page ``p`` is a slice of an arithmetic progression, computed directly.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any, NamedTuple

# The replica's own knowledge, never the parser's: a bug in the product's vocabulary or
# tone-mark rules must not be copied into the expected values it is tested against.
VIETNAM = timezone(timedelta(hours=7))

SITE_NUMBER = "2001606"
NEWEST_ARTICLE = datetime(2025, 10, 30, 10, 31, 0, tzinfo=VIETNAM)


@dataclass(frozen=True)
class Category:
    """A menu entry; leaves hold articles, parents list their leaves' articles."""

    path: str
    name: str
    parent: str | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in CATEGORY_CHAIN[self.path]]


_TREE: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "thoi-su-chinh-tri",
        "Thời sự - Chính trị",
        [("thanh-pho-ha-noi", "Thành phố Hà Nội"), ("trong-nuoc", "Trong nước")],
    ),
    (
        "quoc-phong-an-ninh",
        "Quốc phòng - An ninh",
        [
            ("xay-dung-luc-luong", "Xây dựng lực lượng"),
            ("giao-duc-quoc-phong", "Giáo dục quốc phòng"),
        ],
    ),
    (
        "kinh-te-xa-hoi",
        "Kinh tế - Xã hội",
        [("kinh-te", "Kinh tế"), ("xa-hoi", "Xã hội")],
    ),
    ("van-hoa-van-nghe", "Văn hóa - Văn nghệ", [("van-hoa", "Văn hóa"), ("van-nghe", "Văn nghệ")]),
    ("the-thao", "Thể thao", [("trong-nuoc", "Trong nước"), ("quoc-te", "Quốc tế")]),
    ("quoc-te", "Quốc tế", []),
    ("ban-doc", "Bạn đọc", []),
]

CATEGORIES: list[Category] = []
for _path, _name, _children in _TREE:
    CATEGORIES.append(Category(_path, _name))
    CATEGORIES.extend(Category(f"{_path}/{c}", n, _path) for c, n in _children)
CATEGORY_BY_PATH = {c.path: c for c in CATEGORIES}
CATEGORY_CHAIN: dict[str, list[Category]] = {
    c.path: ([CATEGORY_BY_PATH[c.parent]] if c.parent else []) + [c] for c in CATEGORIES
}
LEAVES: list[Category] = [c for c in CATEGORIES if not any(o.parent == c.path for o in CATEGORIES)]
LEAF_INDEX = {c.path: k for k, c in enumerate(LEAVES)}
CHILD_LEAVES: dict[str, list[int]] = {
    c.path: [k for k, leaf in enumerate(LEAVES) if leaf.path == c.path or leaf.parent == c.path]
    for c in CATEGORIES
}

# -- word lists ---------------------------------------------------------------------------

# The ranks of the Vietnam People's Army as the replica writes them (old tone style).
RANKS = [
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng",
    "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy",
]  # fmt: skip
# Words some editors type with new-style tone marks (old style → as they type it).
NEW_STYLE_SPELLINGS = {"hòa": "hoà", "ủy": "uỷ"}

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương"]
MIDDLES = ["Văn", "Thị", "Đức", "Minh", "Quang", "Thanh", "Hữu", "Ngọc", "Xuân", "Mạnh"]
GIVENS = [
    "Hùng",
    "Lan",
    "Hiếu",
    "Anh",
    "Dũng",
    "Hòa",
    "Thủy",
    "Tuấn",
    "Hà",
    "Long",
    "Khánh",
    "Thắng",
    "Hương",
    "Quý",
    "Thụy",
    "Nam",
    "Sơn",
    "Trang",
    "Phúc",
    "Lâm",
]
POSITIONS = [
    "Chính ủy Bộ Tư lệnh Thủ đô Hà Nội",
    "Phó Tư lệnh Bộ Tư lệnh Thủ đô Hà Nội",
    "Chỉ huy trưởng Ban CHQS quận Long Biên",
    "Chính trị viên Ban CHQS huyện Ba Vì",
    "Trưởng phòng Tuyên huấn, Cục Chính trị",
    "Bí thư Quận ủy, Chủ tịch UBND quận Cầu Giấy",
    "Phó Bí thư Đảng ủy Quân sự Thành phố",
    "Giám đốc Sở Lao động - Thương binh và Xã hội",
]
UNITS = [
    "Bộ CHQS tỉnh Hà Giang",
    "Sư đoàn 301",
    "Lữ đoàn 201",
    "Trường Quân sự Thủ đô",
    "Ban CHQS huyện Sóc Sơn",
    "Học viện Chính trị",
]
ACADEMIC = ["ThS.", "TS.", "PGS.TS", "GS.TS"]
ACADEMIC_CANONICAL = {"ThS.": "ThS", "TS.": "TS", "PGS.TS": "PGS.TS", "GS.TS": "GS.TS"}
# As a reprint line writes them → the name a researcher expects in ``source``.
AGENCIES = {"TTXVN": "TTXVN", "VOV": "VOV", "QĐND": "Báo Quân đội nhân dân"}
# Outlets that sign a reprint themselves, written in capitals by some editors.
OUTLET_CREDITS = ["Báo Sơn La", "Báo Hà Giang", "Báo Lào Cai", "Tạp chí Tuyên giáo"]
# Organizations credited instead of a person.
ORGANIZATIONS = [
    "Trung tâm Văn hóa - Thể thao quận Hà Đông",
    "Trung tâm Văn hóa Thông tin huyện Gia Lâm",
    "Hội Cựu chiến binh quận Hoàn Kiếm",
]
# Academic titles as the real CMS pages write a chain of them → the form a researcher expects.
ACADEMIC_CHAINS = {
    "PGS TS BS": "PGS.TS.BS",
    "PGS.TS.BS": "PGS.TS.BS",
    "PGS. TS. BS.": "PGS.TS.BS",
    "BS.PGS.TS.": "BS.PGS.TS",
}
# Hospitals and clinics a doctor who writes for the paper signs with (a second line).
HOSPITALS = ["Bệnh viện Quân y 354", "BV Đa khoa Đống Đa", "Bệnh viện 103", "BV Quân y 105"]
# Clinics that sign a piece themselves, in capitals, as the real CMS sites do.
CLINICS = ["Phòng khám An Bình", "Phòng khám Minh Tâm"]
# Closing notes of a reprinted piece (after its signature): text of the article.
DISCLAIMERS = [
    "Thông tin trong bài chỉ có tính chất tham khảo, bạn đọc cần hỏi ý kiến chuyên gia.",
    "Nội dung bài viết chỉ mang tính chất tham khảo, không thay thế cho việc tư vấn trực tiếp.",
]
# Local radio stations: the unit of a reporter who signs "NAME- STATION".
STATIONS = ["Đài TT huyện Sóc Sơn", "Đài Truyền thanh huyện Ba Vì", "Đài PT quận Long Biên"]

SUBJECTS = [
    "Bộ Tư lệnh Thủ đô Hà Nội",
    "Ban CHQS quận Ba Đình",
    "Quận ủy Thanh Xuân",
    "Lực lượng vũ trang Thủ đô",
    "Hội Cựu chiến binh Thành phố",
    "Đoàn Thanh niên quận Hà Đông",
    "Ban CHQS huyện Đông Anh",
    "Thành ủy Hà Nội",
    "Trung đoàn 102",
    "Dân quân tự vệ huyện Gia Lâm",
]
ACTIONS = [
    "tổng kết công tác",
    "triển khai nhiệm vụ",
    "ra quân huấn luyện",
    "sơ kết phong trào",
    "tổ chức diễn tập",
    "gặp mặt tân binh",
    "trao tặng nhà tình nghĩa",
    "giao ban công tác",
    "tuyên truyền pháp luật về",
    "hội thao",
]
OBJECTS = [
    "tuyển quân năm 2025",
    "phòng thủ khu vực",
    "xây dựng nông thôn mới",
    "bảo đảm an toàn giao thông",
    "phòng chống thiên tai",
    "dân vận khéo",
    "học tập và làm theo Bác",
    "huấn luyện dự bị động viên",
    "quốc phòng toàn dân",
    "giữ gìn hòa bình",
]
SENTENCES = [
    "{s} đã quán triệt sâu sắc các nghị quyết, chỉ thị của cấp trên và cụ thể hóa thành kế hoạch sát với thực tiễn.",
    "Các cơ quan, đơn vị chủ động phối hợp, tạo sự thống nhất cao trong lãnh đạo, chỉ đạo và tổ chức thực hiện.",
    "Trong năm, {s} đã hoàn thành tốt các chỉ tiêu được giao, nhiều chỉ tiêu vượt kế hoạch đề ra.",
    "Công tác tuyên truyền được đổi mới về nội dung và hình thức, thu hút đông đảo cán bộ, chiến sĩ tham gia.",
    "Thời gian tới, đơn vị tiếp tục nâng cao chất lượng huấn luyện, sẵn sàng chiến đấu, xây dựng chính quy.",
    "Hội nghị cũng chỉ ra những hạn chế cần khắc phục như việc phối hợp giữa các lực lượng có lúc chưa chặt chẽ.",
    "Quận ủy, UBND quận đã ban hành nhiều văn bản lãnh đạo, chỉ đạo kịp thời, sát với yêu cầu nhiệm vụ.",
    "Phát biểu tại buổi lễ, đồng chí Chỉ huy trưởng biểu dương tinh thần trách nhiệm của các tập thể, cá nhân.",
    "Nhân dịp này, nhiều tập thể, cá nhân có thành tích xuất sắc được tặng Bằng khen, Giấy khen.",
    "Phong trào thi đua “Người tốt, việc tốt” được duy trì thường xuyên, lan tỏa rộng khắp.",
    "Thành uỷ, Quận uỷ đã chỉ đạo các cấp ủy triển khai đồng bộ, hiệu quả các giải pháp.",
    "Công tác hậu cần, kỹ thuật được bảo đảm đầy đủ, kịp thời cho các nhiệm vụ đột xuất.",
]
CAPTIONS = [
    "Quang cảnh buổi lễ.",
    "Các đại biểu tham quan mô hình huấn luyện.",
    "Lãnh đạo đơn vị trao Bằng khen cho các tập thể.",
    "Chiến sĩ mới trong buổi huấn luyện đầu tiên.",
    "Dân quân tự vệ thực hành diễn tập phòng chống cháy nổ.",
]

SIGNATURE_FORMS = (
    "name_position_two_lines",
    "rank_caps_comma_position",
    "rank_caps_next_line_position",
    "rank_caps_dash_position",
    "role_bai_anh",
    "role_tin_anh_initial",
    "two_authors_dash",
    "theo_agency",
    "name_agency_bracket",
    "name_tong_hop",
    "academic_unit_bracket",
    "honorary_combined",
    "staff_pv",
    "author_box",
    "none",
    "name_glued_unit",
    "initials_chain",
    "outlet_credit",
    "organization_credit",
    "poem_label",
    "shared_unit_line",
)
# Forms of the real sister sites (a doctor's titles chain and hospital line, a clinic in
# capitals): written by every seventh article of the real template, in place of its form.
REAL_SIGNATURE_FORMS = ("academic_chain_hospital", "clinic_caps")
# How the page is built: the hand-made clone's template (microdata, date in the root) or the
# real CMS's (no microdata, machine date in <head>, figure > article images, Word-pasted spans).
TEMPLATES = ("skeleton", "real")
DATE_FORMS = (
    "meta_empty_header",
    "meta_header_seconds",
    "meta_compact_offset_header_minutes",
    "header_weekday_only",
    "none_visible",
)
# On the real template, how far after the displayed time the head's machine date is (its
# seconds are the article's own): the same minute, a few minutes later, two days later.
MACHINE_DATE_OFFSETS = (0, 0, 1, 4, 9, 2 * 24 * 60)
# Consecutive articles step through the forms by a stride prime to their number, so that
# every form comes up, in a mixed order, in any run of len(SIGNATURE_FORMS) articles.
_FORM_STEP = next(k for k in (7, 11, 13, 17, 19) if math.gcd(k, len(SIGNATURE_FORMS)) == 1)
LIST_LAYOUTS = ("type2", "h3_time_news", "news_title")
CAPTION_FORMS = ("em", "center", "table", "figure", "none")


def slugify(text: str) -> str:
    """ASCII slug of a Vietnamese title, the way the CMS writes them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _hex24(seed: int, i: int) -> str:
    return hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()[:24]


@dataclass
class Image:
    url: str
    caption: str | None
    caption_form: str
    lazy: bool


@dataclass
class Article:
    """One synthetic article: what the page shows and what a perfect crawler exports."""

    index: int
    seed: int
    leaf: Category
    # Editors revise articles: from edit round R on, this article's body says so.
    edit_round: int = 0
    newest: datetime = NEWEST_ARTICLE
    template: str = "skeleton"

    @property
    def real(self) -> bool:
        return self.template == "real"

    @cached_property
    def _traits(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.index}:traits")

    @cached_property
    def machine_offset_minutes(self) -> int:
        """Real template: minutes from the displayed time to the head's machine date."""
        return self._traits.choice(MACHINE_DATE_OFFSETS)

    @property
    def machine_published_at(self) -> datetime:
        return self.published_at + timedelta(minutes=self.machine_offset_minutes)

    @property
    def weekday_as_digit(self) -> bool:
        """Real template: "Thứ 6, ..." instead of "Thứ sáu, ..." in the header."""
        return self.index % 4 == 1

    @property
    def word_pasted(self) -> bool:
        """Real template: text pasted from a word processor, sentences split over spans."""
        return self.index % 3 != 2

    @property
    def lead_only(self) -> bool:
        """Real template: a notice whose text is all in the lead, the body div left empty."""
        return self.real and self.signature_form == "none" and self.index % 2 == 1

    @property
    def disclaimer(self) -> str | None:
        """Real template: a closing note after the signature (text of the article)."""
        if not self.real or self.signature_form not in ("academic_chain_hospital", "clinic_caps"):
            return None
        return DISCLAIMERS[self.index % len(DISCLAIMERS)] if self.index % 2 == 0 else None

    @property
    def view_counter(self) -> int | None:
        """Real template: an after-body block with a view counter (page furniture)."""
        return 100 + self.index % 900 if self.real and self.index % 5 in (0, 3) else None

    @cached_property
    def _rng(self) -> random.Random:
        return random.Random(f"{self.seed}:{self.index}:body")

    @property
    def article_id(self) -> str:
        return _hex24(self.seed, self.index)

    @cached_property
    def published_at(self) -> datetime:
        rng = random.Random(f"{self.seed}:{self.index}:date")
        # About four articles a day across the portal, at irregular times.
        minutes = self.index * 360 + rng.randint(0, 200)
        moment = self.newest - timedelta(minutes=minutes)
        return moment.replace(second=rng.choice([0, 0, 15, 42]))

    @cached_property
    def _title_parts(self) -> tuple[str, bool]:
        rng = random.Random(f"{self.seed}:{self.index}:title")
        title = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
        return title, rng.random() < 0.15

    @property
    def title(self) -> str:
        """The title as a reader expects it: the templates' old-style tone marks."""
        return self._title_parts[0]

    @property
    def title_written(self) -> str:
        """The title as the page shows it: some editors type new-style tone marks."""
        title, new_style = self._title_parts
        if new_style:
            for old, new in NEW_STYLE_SPELLINGS.items():
                title = title.replace(old, new)
        return title

    @cached_property
    def lead(self) -> str:
        rng = random.Random(f"{self.seed}:{self.index}:lead")
        when = rng.choice(["Sáng", "Chiều", "Ngày"])
        d = self.published_at
        return (
            f"{when} {d.day}-{d.month}, {rng.choice(SUBJECTS)} đã {rng.choice(ACTIONS)} "
            f"{rng.choice(OBJECTS)}, với sự tham dự của đại diện các cơ quan, đơn vị."
        )

    @cached_property
    def paragraphs(self) -> list[str]:
        rng = self._rng
        subject = rng.choice(SUBJECTS)
        count = rng.randint(3, 7)
        out = []
        for _ in range(count):
            sentences = rng.sample(SENTENCES, k=rng.randint(2, 4))
            out.append(" ".join(s.format(s=subject) for s in sentences))
        if self.edit_round:
            out.append(f"Bài viết được cập nhật lần thứ {self.edit_round} theo thông tin mới.")
        if self.lead_only:
            return []
        return out

    @cached_property
    def images(self) -> list[Image]:
        rng = random.Random(f"{self.seed}:{self.index}:images")
        day = self.published_at.strftime("%Y%m%d")
        n = rng.choice([0, 1, 1, 2, 3]) if self.date_form != "none_visible" else rng.randint(1, 2)
        if self.lead_only:
            n = 0
        out = []
        for k in range(n):
            form = CAPTION_FORMS[(self.index + k) % len(CAPTION_FORMS)]
            caption = rng.choice(CAPTIONS) if form != "none" else None
            name = f"{slugify(self.title)[:40]}_{hashlib.md5(f'{self.index}:{k}'.encode()).hexdigest()[:5]}"
            url = f"/upload/{SITE_NUMBER}/{day}/{name}.jpg"
            out.append(Image(url=url, caption=caption, caption_form=form, lazy=rng.random() < 0.4))
        return out

    @property
    def signature_form(self) -> str:
        if self.real and self.index % 7 == 6:
            return REAL_SIGNATURE_FORMS[(self.index // 7) % len(REAL_SIGNATURE_FORMS)]
        return SIGNATURE_FORMS[(self.index * _FORM_STEP + self.seed) % len(SIGNATURE_FORMS)]

    @property
    def date_form(self) -> str:
        return DATE_FORMS[(self.index * 3 + self.seed) % len(DATE_FORMS)]

    @cached_property
    def signature(self) -> SignatureTruth:
        """The signature lines as written and what a perfect parser reads in them."""
        return _signature(self.signature_form, random.Random(f"{self.seed}:{self.index}:sig"))

    @cached_property
    def related(self) -> list[int]:
        """Older articles of the same category (a chain that reaches every article)."""
        k = len(LEAVES)
        return [self.index + k, self.index + 2 * k, self.index + 5 * k]


def _person(rng: random.Random, other_than: str = "") -> str:
    while True:
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVENS)}"
        if name != other_than:
            return name


def _author(name: str, **kw: Any) -> dict[str, Any]:
    base = {"name": name, "rank": None, "academic_title": None, "position": None, "role": None}
    base.update(kw)
    return base


class SignatureTruth(NamedTuple):
    lines: list[str]
    authors: list[dict[str, Any]]
    source: str | None = None
    organization: str | None = None
    byline_kind: str | None = "person"


def _signature(form: str, rng: random.Random) -> SignatureTruth:
    name = _person(rng)
    caps = name.upper()
    rank = rng.choice(RANKS)
    rank_written = rank.replace("úy", "uý") if rng.random() < 0.3 else rank
    position = rng.choice(POSITIONS)
    if form == "name_position_two_lines":
        first, second = "Thành ủy viên", position
        written_first = first.replace("ủy", "uỷ") if rng.random() < 0.5 else first
        return SignatureTruth(
            [f"{name}, {written_first},", second], [_author(name, position=f"{first}, {second}")]
        )
    if form == "rank_caps_comma_position":
        return SignatureTruth(
            [f"{rank_written} {caps}, {position}"], [_author(name, rank=rank, position=position)]
        )
    if form in ("rank_caps_next_line_position", "author_box"):
        return SignatureTruth(
            [f"{rank_written} {caps}", position], [_author(name, rank=rank, position=position)]
        )
    if form == "rank_caps_dash_position":
        return SignatureTruth(
            [f"{rank_written} {caps} - {position}"], [_author(name, rank=rank, position=position)]
        )
    if form == "role_bai_anh":
        return SignatureTruth([f"Bài, ảnh: {caps}"], [_author(name, role="Bài, ảnh")])
    if form == "role_tin_anh_initial":
        # Initials stay as written; only the given name in capitals is re-cased.
        given = name.split()[-1]
        initial = name.split()[-2][0]
        return SignatureTruth(
            [f"Tin, ảnh: {initial}.{given.upper()}"],
            [_author(f"{initial}.{given}", role="Tin, ảnh")],
        )
    if form == "two_authors_dash":
        other = _person(rng, other_than=name)
        return SignatureTruth([f"{caps} - {other.upper()}"], [_author(name), _author(other)])
    if form == "theo_agency":
        written = rng.choice(sorted(AGENCIES))
        return SignatureTruth([f"Theo {written}"], [], AGENCIES[written], byline_kind="agency")
    if form == "name_agency_bracket":
        return SignatureTruth([f"{name} (TTXVN)"], [_author(name)], "TTXVN")
    if form == "name_tong_hop":
        return SignatureTruth([f"{caps} (tổng hợp)"], [_author(name, role="Tổng hợp")])
    if form == "academic_unit_bracket":
        title = rng.choice(ACADEMIC)
        unit = rng.choice(UNITS)
        return SignatureTruth(
            [f"{title} {caps} ({unit})"],
            [_author(name, academic_title=ACADEMIC_CANONICAL[title], position=unit)],
        )
    if form == "honorary_combined":
        return SignatureTruth(
            [f"Thượng tướng, Viện sĩ, Tiến sĩ {caps}"],
            [_author(name, rank="Thượng tướng", academic_title="Viện sĩ, Tiến sĩ")],
        )
    if form == "staff_pv":
        # The paper's own reporter credit names no one: no author, a staff byline.
        return SignatureTruth(["PV"], [], byline_kind="staff")
    if form == "name_glued_unit":
        station = rng.choice(STATIONS)
        return SignatureTruth([f"{name}- {station}"], [_author(name, position=station)])
    if form == "initials_chain":
        a = f"{name.split()[-2][0]}.{name.split()[-1]}"
        b = a
        while b == a:  # two co-authors, never one written twice
            other = _person(rng)
            b = f"{other.split()[-2][0]}.{other.split()[-1]}"
        return SignatureTruth([f"{a}-{b}"], [_author(a), _author(b)])
    if form == "outlet_credit":
        outlet = rng.choice(OUTLET_CREDITS)
        return SignatureTruth([outlet], [], outlet, byline_kind="agency")
    if form == "organization_credit":
        organization = rng.choice(ORGANIZATIONS)
        return SignatureTruth([organization], [], None, organization, "organization")
    if form == "poem_label":
        return SignatureTruth([f"Thơ: {caps}"], [_author(name, role="Thơ")])
    if form == "academic_chain_hospital":
        written = rng.choice(sorted(ACADEMIC_CHAINS))
        hospital = rng.choice(HOSPITALS)
        return SignatureTruth(
            [f"{written} {name}", hospital],
            [_author(name, academic_title=ACADEMIC_CHAINS[written], position=hospital)],
        )
    if form == "clinic_caps":
        clinic = rng.choice(CLINICS)
        return SignatureTruth([clinic.upper()], [], None, clinic, "organization")
    if form == "shared_unit_line":
        other = _person(rng, other_than=name)
        unit = rng.choice(UNITS)
        return SignatureTruth(
            [f"Thượng úy {caps} - Trung úy {other.upper()}", unit],
            [
                _author(name, rank="Thượng úy", position=unit),
                _author(other, rank="Trung úy", position=unit),
            ],
        )
    return SignatureTruth([], [], byline_kind=None)


class Portal:
    """The synthetic portal of ``n_articles`` articles for one seed."""

    def __init__(
        self,
        n_articles: int,
        seed: int = 1,
        items_per_page: int = 10,
        edit_round: int = 0,
        edit_every: int = 10,
        newest: datetime | None = None,
        template: str = "mixed",
    ):
        """``edit_round`` > 0 revises every ``edit_every``-th article (a new body paragraph),
        as editors do between two crawls. ``template``: ``skeleton`` (the hand-made clone's
        markup), ``real`` (the real CMS's, ``real-cms/``) or ``mixed`` (odd articles and
        list pages real, the home, sitemap and "not found" pages real)."""
        if template not in (*TEMPLATES, "mixed"):
            raise ValueError(f"template must be skeleton, real or mixed, not {template!r}")
        self.template = template
        if n_articles < 1:
            raise ValueError("the replica needs at least one article")
        if edit_every < 1:
            raise ValueError("edit_every must be at least 1")
        self.n_articles = n_articles
        self.seed = seed
        self.items_per_page = items_per_page
        self.edit_round = edit_round
        self.edit_every = edit_every
        # Fixed by default (deterministic); tests of re-check windows set it to "now".
        self.newest = (newest or NEWEST_ARTICLE).astimezone(VIETNAM).replace(microsecond=0)
        self._path_to_index: dict[str, int] = {}
        self._index_to_path: list[str] = []
        for i in range(n_articles):
            leaf = LEAVES[i % len(LEAVES)]
            slug = slugify(self._title_only(i))
            path = f"/{leaf.path}/{slug}.html"
            suffix = 2
            while path in self._path_to_index:
                path = f"/{leaf.path}/{slug}-{suffix}.html"
                suffix += 1
            self._path_to_index[path] = i
            self._index_to_path.append(path)
        # Some articles are served under a second category path too (the same CMS record):
        # one article, one row, the second URL among its other URLs.
        self._aliases: dict[int, str] = {}
        for i in range(n_articles):
            if i % 13 == 3:
                other = LEAVES[(i + 1) % len(LEAVES)]
                alias = f"/{other.path}/{self._index_to_path[i].rsplit('/', 1)[1]}"
                if alias not in self._path_to_index:
                    self._aliases[i] = alias
                    self._path_to_index[alias] = i

    def _title_only(self, i: int) -> str:
        return Article(i, self.seed, LEAVES[i % len(LEAVES)]).title  # titles ignore dates

    def article(self, i: int) -> Article:
        edited = self.edit_round if i % self.edit_every == 0 else 0
        return Article(
            i, self.seed, LEAVES[i % len(LEAVES)], edited, self.newest, self.template_of(i)
        )

    def template_of(self, i: int) -> str:
        """The template article ``i`` is served with."""
        if self.template != "mixed":
            return self.template
        return TEMPLATES[i % 2]

    def list_template(self, path: str) -> str:
        """The template a category's list pages are served with."""
        if self.template != "mixed":
            return self.template
        return TEMPLATES[sum(map(ord, path)) % 2]

    @property
    def site_template(self) -> str:
        """The template of the home, sitemap and "not found" pages."""
        return "skeleton" if self.template == "skeleton" else "real"

    def alias_of(self, i: int) -> str | None:
        """The second path article ``i`` is served under, if it has one."""
        return self._aliases.get(i)

    def is_edited(self, i: int) -> bool:
        return self.edit_round > 0 and i % self.edit_every == 0

    def path_of(self, i: int) -> str:
        """The article's own path (a second path it is served under is ``alias_of``)."""
        return self._index_to_path[i]

    def index_of(self, path: str) -> int | None:
        return self._path_to_index.get(path)

    def category_size(self, path: str) -> int:
        leaves = CHILD_LEAVES[path]
        k = len(LEAVES)
        return sum(len(range(r, self.n_articles, k)) for r in leaves)

    def category_page(self, path: str, page: int) -> list[int]:
        """Article indexes on list page ``page`` (1-based) of a category, newest first."""
        leaves = sorted(CHILD_LEAVES[path])
        k, m = len(LEAVES), len(leaves)
        start = (page - 1) * self.items_per_page
        out = []
        for n in range(start, start + self.items_per_page):
            i = k * (n // m) + leaves[n % m]
            if i >= self.n_articles:
                break  # the sequence grows with n: every later one is out of range too
            out.append(i)
        return out

    def last_page(self, path: str) -> int:
        size = self.category_size(path)
        return max(1, -(-size // self.items_per_page))

    def truth(self, i: int, canonical_base: str = "https://quocphongthudo.vn") -> dict[str, Any]:
        """What a perfect crawl exports for article ``i`` (volatile fields left out)."""
        a = self.article(i)
        lines, authors, source, organization, byline_kind = a.signature
        visible = a.date_form != "none_visible"
        seconds = a.date_form in (
            "meta_empty_header",
            "meta_header_seconds",
            "meta_compact_offset_header_minutes",
        )
        published = a.published_at if seconds else a.published_at.replace(second=0)
        if a.real:
            # The displayed time (to the minute) is the publication time; the head's machine
            # date refines it to the second only when it names the same minute; with nothing
            # displayed, the machine date is all there is.
            visible = True
            shown = a.date_form != "none_visible"
            seconds = not shown or a.machine_offset_minutes == 0
            if not shown:
                published = a.machine_published_at
            else:
                published = a.published_at if seconds else a.published_at.replace(second=0)
        body = [*a.paragraphs, *([a.disclaimer] if a.disclaimer else [])]
        alias = self.alias_of(i)
        return {
            "url": canonical_base + self.path_of(i),
            "path": self.path_of(i),
            "article_id": a.article_id,
            "title": a.title,
            "lead": a.lead,
            "dateline": "QPTĐ",
            "body": "\n\n".join(body),
            "other_urls": [canonical_base + alias] if alias else [],
            "template": a.template,
            "published_at": published.isoformat() if visible else None,
            "published_at_listing": a.published_at.isoformat(),
            "published_at_precision": ("second" if seconds else "minute") if visible else None,
            "date_form": a.date_form,
            "category": a.leaf.names,
            "category_path": a.leaf.path,
            "images": [
                {"url": canonical_base + img.url, "caption": img.caption} for img in a.images
            ],
            "keywords": [a.leaf.name, "Quốc phòng Thủ đô"],
            "signature_form": a.signature_form,
            "signature_raw": "\n".join(lines) or None,
            "authors": authors,
            "author": "; ".join(x["name"] for x in authors) or None,
            "position": authors[0]["position"] if authors else None,
            "source": source,
            "organization": organization,
            "byline_kind": byline_kind,
            "signature_status": "parsed" if lines else None,
        }
