"""What the signature parser knows, as data: Vietnamese family names, ranks, titles, role
labels, staff credits, outlets and agencies, the head words of positions and of units.

The parser's rules are general (a name is capitalized Vietnamese syllables; a unit starts
with a unit word; an outlet is known or says it is one); this module is the vocabulary they
consult. Teaching the parser a word means adding it here, never a special case in its code.
Words are written in the old tone style the metadata fields use (``ủy``, ``hòa``); every
lookup folds case, spacing and tone style (``folding.fold``), and the patterns built from
these words match both tone styles (``spelling_pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# The key every lookup uses; re-exported (``vocab.fold``) for the rules that consult the sets.
from .folding import fold as fold
from .folding import new_style_tones, without_tones


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# -- people ------------------------------------------------------------------------------------

# Vietnamese family names: a closed list of about a hundred and thirty covers nearly everyone
# (with the common names of the northern minorities). A surname is strong evidence of a
# person; a pen name without one ("Thu Thủy", "Trường Lâm") is still a name.
SURNAMES = _words(
    """
    Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Lâm
    Lương Mai Trịnh Trương Cao Hà Tạ Tô Tống Chu Kiều Lưu Quách Thái Triệu Đào Đàm Đồng
    Đường Giang Hứa Khổng Khúc Kim La Lạc Lại Lục Mạc Mạch Nghiêm Nông Ông Phí Phó Phùng
    Quan Tăng Thân Thạch Tiêu Từ Vi Viên Vương Âu Bạch Bế Cù Cung Diệp Doãn Dư Đậu Giáp
    Hàn Hầu Khương Lều Lỗ Lò Mã Mẫn Ninh Nhữ Phương Sầm Thiều Tôn Trình Ứng Vy Xa Hán Lã
    Lữ Châu Thi Đông Khuất Kha Nguyên Ngọ Quản Tiết Trà Trang Văn Yên Hoa Đới Lăng Lành
    Mông Sơn Thào Vàng Lầu Giàng Hờ Sùng Cầm Nịnh Chế Cấn Công Bàn Phù Vòng Hoàng Huỳnh
    """
)

# Words that open a phrase that is no person even when capitalized: a column's pen name made
# of common nouns ("NGƯỜI XÂY DỰNG"), a reader's letter, a group, a caption.
NOT_A_NAME_START = _words("Người Nhóm Bạn Các Những Tổ Đội Chi Cụm Tập thể Mọi")

# The ranks of the Vietnam People's Army and of the police (written the same way).
RANKS = (
    "Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng",
    "Đại tá", "Thượng tá", "Trung tá", "Thiếu tá",
    "Đại úy", "Thượng úy", "Trung úy", "Thiếu úy", "Chuẩn úy",
    "Thượng sĩ", "Trung sĩ", "Hạ sĩ", "Binh nhất", "Binh nhì",
)  # fmt: skip
# Abbreviations written with a full stop that ends no sentence ("Tp.", "St."), besides the
# abbreviated titles.
ABBREVIATIONS = ("Tp", "TP", "St", "Th", "Q", "P")
# Professional-soldier status written after a rank ("Thượng tá QNCN"): not part of the name.
SERVICE_STATUS = ("QNCN", "CNQP")

# Academic, professional and honorary titles, as written with or without dots; the value is
# the form kept in ``academic_title``. Abbreviations written in a row are one title, joined
# by dots ("PGS.TS", "GS, TSKH" → "GS.TSKH"): each is listed alone, never as a pair.
ACADEMIC_TITLES: dict[str, str] = {
    "TSKH": "TSKH", "ThS": "ThS", "TS": "TS", "GS": "GS", "PGS": "PGS", "CN": "CN",
    "KS": "KS", "BS": "BS", "BSCKII": "BSCKII", "BSCKI": "BSCKI", "NGƯT": "NGƯT",
    "NGND": "NGND", "NSƯT": "NSƯT", "NSND": "NSND", "Viện sĩ": "Viện sĩ",
    "Tiến sĩ": "Tiến sĩ", "Thạc sĩ": "Thạc sĩ", "Giáo sư": "Giáo sư",
    "Phó giáo sư": "Phó giáo sư", "Nhà giáo": "Nhà giáo", "Nhà báo": "Nhà báo",
    "Nhà văn": "Nhà văn", "Nhà thơ": "Nhà thơ", "Họa sĩ": "Họa sĩ", "Bác sĩ": "Bác sĩ",
    "Kỹ sư": "Kỹ sư",
    "Luật sư": "Luật sư", "Cử nhân": "Cử nhân", "Dược sĩ": "Dược sĩ",
    "Nghệ sĩ nhân dân": "NSND", "Nghệ sĩ ưu tú": "NSƯT",
    "Nhà giáo nhân dân": "NGND", "Nhà giáo ưu tú": "NGƯT",
}  # fmt: skip
# Words of address before a name: dropped.
HONORIFICS = ("Đồng chí", "đ/c", "Ông", "Bà", "Anh hùng", "Cựu chiến binh", "CCB")

# -- what a line says about its names ---------------------------------------------------------

# Labels written before the names they own; the value is the role kept in the field (None:
# the label only says "author"). Most need a colon; ``LABELS_WITHOUT_COLON`` may be written
# straight before a name ("Thơ Lê Minh Khuê", "Ảnh Đức Toàn", "Cụm ảnh của THU HÀ").
ROLE_LABELS: dict[str, str | None] = {
    "Bài và ảnh": "Bài, ảnh",
    "Bài, ảnh": "Bài, ảnh",
    "Bài + ảnh": "Bài, ảnh",
    "Bài/ảnh": "Bài, ảnh",
    "Tin và ảnh": "Tin, ảnh",
    "Tin, ảnh": "Tin, ảnh",
    "Tin + ảnh": "Tin, ảnh",
    "Tin/ảnh": "Tin, ảnh",
    "Tin ảnh": "Tin, ảnh",
    "Cụm ảnh của": "Ảnh",
    "Cụm ảnh": "Ảnh",
    "Phóng sự ảnh": "Ảnh",
    "Ảnh của": "Ảnh",
    "Ảnh": "Ảnh",
    "Bài": "Bài",
    "Tin": "Tin",
    "Thực hiện": "Thực hiện",
    "Tác giả bài viết": "Tác giả",
    "Bài viết": "Bài",
    "Ảnh trong bài": "Ảnh",
    "Tác giả": "Tác giả",
    "Bài viết mới nhất từ": None,
    "Bài viết của": None,
    "Đăng bởi": None,
    "Người viết": None,
    "Người đăng": None,
    "Thơ của": "Thơ",
    "Thơ": "Thơ",
    "Video": "Video",
    "Clip": "Video",
    "Đồ họa": "Đồ họa",
    "Trình bày": "Trình bày",
    "Biên tập": "Biên tập",
    "Ghi chép của": "Ghi chép",
    "Ghi chép": "Ghi chép",
    "Bút ký": "Bút ký",
    "Ký sự": "Ký sự",
    "Phóng sự": "Phóng sự",
    "Tùy bút": "Tùy bút",
    "Tản văn": "Tản văn",
    "Truyện ngắn": "Truyện ngắn",
    "Tổng hợp": "Tổng hợp",
    "T/h": "Tổng hợp",
    "Lược dịch": "Lược dịch",
    "Biên dịch": "Biên dịch",
    "Dịch": "Dịch",
}
# The role of a photo's author: a label whose role names it credits a photo in a caption.
PHOTO_ROLE = "Ảnh"
LABELS_WITHOUT_COLON = frozenset(
    {
        "Thơ",
        "Thơ của",
        "Ảnh",
        "Ảnh của",
        "Cụm ảnh của",
        "Tin ảnh",
        "Ghi chép của",
        "Bài viết mới nhất từ",
        "Bài viết của",
        "Đăng bởi",
    }
)
# Roles written after a name, in brackets or after a dash: "NGỌC ANH (tổng hợp)".
ROLES_AFTER_NAME: dict[str, str] = {
    "tổng hợp": "Tổng hợp",
    "t/h": "Tổng hợp",
    "th": "Tổng hợp",
    "thực hiện": "Thực hiện",
    "lược dịch": "Lược dịch",
    "biên dịch": "Biên dịch",
    "dịch": "Dịch",
    "sưu tầm": "Sưu tầm",
    "ghi": "Ghi",
    "ghi chép": "Ghi chép",
    "ctv": "CTV",
    "cộng tác viên": "CTV",
}
# Reprint markers: the rest of the line says where the article comes from.
SOURCE_LABELS = ("Nguồn tin", "Nguồn ảnh", "Nguồn", "Theo", "Trích từ", "Trích")

# Credits of the paper's own staff, not of a person: ``byline_kind: staff``, never an author.
STAFF_CREDITS = (
    "PV", "P.V", "PV.", "P.V.", "P/V", "BTV", "B.T.V", "NV", "BBT", "Phóng viên",
    "Nhóm phóng viên", "Nhóm PV", "Ban Biên tập", "Ban biên tập", "Tòa soạn", "Thư ký tòa soạn",
    "Biên tập viên", "CTV", "Cộng tác viên", "Nhóm CTV", "Ban Thời sự", "Nhóm thực hiện",
)  # fmt: skip
# "PV Thu Hà", "PV Baomoi": one reporter, then the reporter's name or outlet.
REPORTER_HEADS = ("PV", "P.V", "Phóng viên")
# "Nhóm PV Thời sự": a staff credit followed by a desk (a reporter head too).
STAFF_GROUP_HEADS = ("Nhóm PV", "Nhóm phóng viên", "Nhóm CTV")
# The collaborator marker written before a name: "CTV TRẦN HẢI".
COLLABORATOR_MARKERS = ("CTV", "Cộng tác viên")
# Credits that name no one ("Ảnh: Internet"): neither a person nor a source.
NO_ONE = (
    "Internet", "Sưu tầm", "St", "ST", "Nguồn Internet", "Tư liệu", "Ảnh tư liệu", "TL",
    "Minh họa", "Ảnh minh họa", "Ảnh: minh họa", "NVCC", "Nhân vật cung cấp", "Facebook",
    "Facebook nhân vật", "Mạng xã hội", "Chụp màn hình",
)  # fmt: skip

# -- outlets and agencies ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    """A news outlet or agency: the name kept in ``source``, how it is written, its sites."""

    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()


OUTLETS = (
    Outlet(
        "TTXVN",
        ("TTX", "VNA", "TTXVN/VNA", "Thông tấn xã Việt Nam", "TTXVN/VNA"),
        ("vnanet.vn", "vnagency.com.vn"),
    ),
    Outlet("TTXVN/Vietnam+", ("TTXVN/VietnamPlus", "Vietnam+/TTXVN")),
    Outlet("Vietnam+", ("VietnamPlus", "Vietnam Plus"), ("vietnamplus.vn",)),
    Outlet("Báo Tin tức", ("Tin tức", "Báo Tin Tức TTXVN", "baotintuc.vn"), ("baotintuc.vn",)),
    Outlet("VOV", ("VOV.VN", "VOV Online", "Đài Tiếng nói Việt Nam", "Đài TNVN"), ("vov.vn",)),
    Outlet("VTV", ("VTV Online", "Đài Truyền hình Việt Nam", "VTV News"), ("vtv.vn",)),
    Outlet("VTC", ("VTC News", "VTC Online"), ("vtc.vn",)),
    Outlet("VNews", ("Truyền hình Thông tấn", "Vnews"), ("vnews.gov.vn",)),
    Outlet(
        "Báo Nhân Dân", ("Nhân Dân", "Báo ND", "Báo Nhân dân"), ("nhandan.vn", "nhandan.com.vn")
    ),
    Outlet("Nhân Dân điện tử", ("NDĐT", "Báo Nhân Dân điện tử", "Nhân Dân Online")),
    Outlet(
        "Báo Quân đội nhân dân",
        (
            "QĐND",
            "QĐND Online",
            "QĐND điện tử",
            "Quân đội nhân dân",
            "Báo QĐND",
            "Quân đội nhân dân Online",
            "QDND",
        ),
        ("qdnd.vn", "media.qdnd.vn"),
    ),
    Outlet(
        "Báo Quốc phòng Thủ đô",
        ("QPTĐ", "Quốc phòng Thủ đô", "QPTĐ Online"),
        ("quocphongthudo.vn", "qptd.com.vn"),
    ),
    Outlet(
        "Tạp chí Quốc phòng toàn dân",
        ("QPTD", "Quốc phòng toàn dân", "Tạp chí QPTD"),
        ("tapchiqptd.vn",),
    ),
    Outlet(
        "Truyền hình Quốc phòng Việt Nam",
        ("QPVN", "Truyền hình QPVN", "Quốc phòng Việt Nam"),
        ("qpvn.vn",),
    ),
    Outlet(
        "Báo Quân khu 7",
        ("QK7 Online", "QK7", "Quân khu 7 Online"),
        ("baoquankhu7.vn", "qk7online.vn"),
    ),
    Outlet("Báo Biên phòng", ("Biên phòng", "BP"), ("bienphong.com.vn",)),
    Outlet(
        "Báo Công an nhân dân",
        ("CAND", "Công an nhân dân", "CAND Online", "Báo CAND"),
        ("cand.com.vn",),
    ),
    Outlet("An ninh Thủ đô", ("ANTĐ", "Báo An ninh Thủ đô", "ANTD"), ("anninhthudo.vn",)),
    Outlet(
        "Hànộimới",
        ("HNM", "Hà Nội mới", "Báo Hà Nội mới", "Báo Hànộimới", "Hànộimới Online"),
        ("hanoimoi.vn", "hanoimoi.com.vn"),
    ),
    Outlet(
        "Kinh tế & Đô thị",
        ("KTĐT", "Kinhtedothi", "Kinh tế và Đô thị", "Báo Kinh tế & Đô thị", "Kinh tế - Đô thị"),
        ("kinhtedothi.vn",),
    ),
    Outlet("Lao động Thủ đô", ("LĐTĐ", "Báo Lao động Thủ đô"), ("laodongthudo.vn",)),
    Outlet("Phụ nữ Thủ đô", ("PNTĐ", "Báo Phụ nữ Thủ đô"), ("phunuthudo.vn",)),
    Outlet("Tuổi trẻ Thủ đô", ("TTTĐ", "Báo Tuổi trẻ Thủ đô"), ("tuoitrethudo.com.vn",)),
    Outlet("Nhịp sống Hà Nội", ("NSHN",), ("nhipsonghanoi.vn",)),
    Outlet("Người Hà Nội", ("Báo Người Hà Nội",), ("nguoihanoi.vn",)),
    Outlet("Đài Hà Nội", ("Hanoitv", "Đài PT-TH Hà Nội", "Hà Nội TV"), ("hanoionline.vn",)),
    Outlet("Tạp chí Cộng sản", ("TCCS",), ("tapchicongsan.org.vn",)),
    Outlet("Tạp chí Quản lý nhà nước", ("Quanlynhanuoc.vn", "QLNN"), ("quanlynhanuoc.vn",)),
    Outlet("Pháp luật Việt Nam", ("PLVN", "Báo Pháp luật Việt Nam"), ("baophapluat.vn", "plvn.vn")),
    Outlet(
        "Báo Điện tử Chính phủ",
        ("Báo Chính phủ", "VGP", "Chinhphu.vn", "Baochinhphu.vn", "Cổng TTĐT Chính phủ"),
        ("baochinhphu.vn", "chinhphu.vn"),
    ),
    Outlet(
        "Truyền hình Quốc hội", ("Quốc Hội TV", "Truyền hình Quốc hội Việt Nam"), ("quochoitv.vn",)
    ),
    Outlet("Đại Đoàn Kết", ("ĐĐK", "Báo Đại Đoàn Kết"), ("daidoanket.vn",)),
    Outlet("Dân trí", ("Dantri", "Báo Dân trí", "Dân Trí"), ("dantri.com.vn",)),
    Outlet("Thanh Niên", ("TNO", "Báo Thanh Niên", "Thanh Niên Online"), ("thanhnien.vn",)),
    Outlet("Tiền Phong", ("TPO", "Báo Tiền Phong", "Tiền Phong Online"), ("tienphong.vn",)),
    Outlet("Tuổi Trẻ", ("TTO", "Báo Tuổi Trẻ", "Tuổi Trẻ Online"), ("tuoitre.vn",)),
    Outlet("Lao Động", ("Báo Lao Động", "LĐO", "Lao Động Online"), ("laodong.vn",)),
    Outlet("Người Lao Động", ("NLĐ", "Báo Người Lao Động"), ("nld.com.vn",)),
    Outlet("Sài Gòn Giải Phóng", ("SGGP", "Báo Sài Gòn Giải Phóng"), ("sggp.org.vn",)),
    Outlet("Giáo dục & Thời đại", ("GD&TĐ", "Báo Giáo dục & Thời đại"), ("giaoducthoidai.vn",)),
    Outlet(
        "Znews",
        ("Zing", "Zing News", "Zingnews", "Zing.vn"),
        ("zingnews.vn", "znews.vn", "news.zing.vn", "zing.vn"),
    ),
    Outlet("VnExpress", ("VNE", "Vnexpress.net"), ("vnexpress.net",)),
    Outlet("VietNamNet", ("Vietnamnet", "VNN"), ("vietnamnet.vn",)),
    Outlet("VOH", ("Đài TNND TP.HCM",), ("voh.com.vn",)),
    Outlet("Reuters"),
    Outlet("AFP"),
    Outlet("AP"),
    Outlet("Xinhua", ("Tân Hoa xã",)),
    Outlet("TASS"),
    Outlet("Sputnik"),
    Outlet("RIA Novosti"),
    Outlet("Kyodo"),
    Outlet("Yonhap"),
    Outlet("CNN"),
    Outlet("BBC"),
    Outlet("Bloomberg"),
    Outlet("AP News"),
)

# Head words of an outlet credited by its name: "Báo Tây Sơn", "Tạp chí Tuyên giáo",
# "Kiến Thức tạp chí", "Đài PT-TH Hải Dương". After a person's name, only the first group
# names a source; a station there is the person's unit ("Nguyễn A - Đài TT huyện X").
OUTLET_HEADS = (
    "Báo",
    "Tạp chí",
    "Thông tấn xã",
    "Cổng thông tin điện tử",
    "Cổng TTĐT",
    "Trang thông tin điện tử",
    "Trang TTĐT",
    "Tuần báo",
    "Nhật báo",
    "Bản tin",
)
STATION_HEADS = ("Đài", "Truyền hình", "Đài phát thanh", "Đài truyền hình", "Đài PT-TH", "Kênh")
OUTLET_TAILS = ("tạp chí", "online", "điện tử", "TV", "News", ".vn", ".com", ".net")
# Words of an outlet's name kept in lowercase when a name in capitals is re-cased.
OUTLET_LOWERCASE = ("điện tử", "online")

# -- organizations, positions and units ---------------------------------------------------

# Head words of an organization credited instead of a person ("TRUNG TÂM VĂN HÓA ..."); after
# a person's name the same words open a unit.
ORGANIZATION_HEADS = (
    "Trung tâm", "Công ty", "Tập đoàn", "Hội", "Liên đoàn", "Câu lạc bộ", "Văn phòng", "Sở",
    "Cục", "Vụ", "Viện", "Học viện", "Trường", "Bệnh viện", "Ủy ban", "UBND", "HĐND",
    "Ban", "Bộ", "Tổng cục", "Ngân hàng", "Quỹ", "Hiệp hội", "Liên hiệp", "Mặt trận",
    "Thành đoàn", "Tỉnh đoàn", "Đoàn", "Công an", "Bộ Chỉ huy", "Bộ CHQS", "Ban CHQS",
    "Bộ Tư lệnh", "Quận ủy", "Huyện ủy", "Thành ủy", "Tỉnh ủy", "Đảng ủy", "Bảo tàng",
    "Phòng khám", "BV", "Trạm y tế", "Đại học", "ĐH",
)  # fmt: skip
# Words that open a position (what a person is). "Phó", "Nguyên" are also names: they open
# a position only before another head word or a lowercase word ("Phó Giám đốc").
POSITION_HEADS = (
    "Bí thư", "Phó Bí thư", "Chủ tịch", "Phó Chủ tịch", "Tư lệnh", "Phó Tư lệnh", "Chính ủy",
    "Phó Chính ủy", "Chỉ huy trưởng", "Chỉ huy phó", "Chính trị viên", "Chính trị viên phó",
    "Tham mưu trưởng", "Phó Tham mưu trưởng", "Chủ nhiệm", "Phó Chủ nhiệm", "Giám đốc",
    "Phó Giám đốc", "Tổng Giám đốc", "Trưởng", "Phó", "Cục trưởng", "Phó Cục trưởng",
    "Vụ trưởng", "Hiệu trưởng", "Phó Hiệu trưởng", "Viện trưởng", "Tổng Biên tập",
    "Phó Tổng Biên tập", "Thành ủy viên", "Tỉnh ủy viên", "Ủy viên", "Đại biểu", "Bộ trưởng",
    "Thứ trưởng", "Chánh", "Phó Chánh", "Giảng viên", "Học viên", "Sinh viên", "Nghiên cứu viên",
    "Cán bộ", "Chiến sĩ", "Nhân viên", "Phóng viên", "Biên tập viên", "Cộng tác viên",
    "Đảng viên", "Hội viên", "Đoàn viên", "Kỹ thuật viên", "Trợ lý", "Chuyên viên", "Thư ký",
    "Nguyên", "Đội trưởng", "Tổ trưởng", "Trung đoàn trưởng", "Sư đoàn trưởng",
    "Lữ đoàn trưởng", "Tiểu đoàn trưởng", "Đại đội trưởng", "Trung đội trưởng", "Khẩu đội trưởng",
    "Tiểu đội trưởng", "Thuyền trưởng", "Đồn trưởng", "Trạm trưởng", "Trưởng ban", "Trưởng phòng",
    "Phó trưởng", "Trưởng khoa", "Bác sĩ", "Giáo viên", "Hướng dẫn viên", "Xã đội trưởng",
    "Xã đội phó", "Thôn đội trưởng", "Dân quân", "Tự vệ", "Quân nhân", "Hạ sĩ quan",
)  # fmt: skip
UNIT_HEADS = (
    "Bộ", "Ban", "Cục", "Phòng", "Sư đoàn", "Trung đoàn", "Lữ đoàn", "Tiểu đoàn", "Đại đội",
    "Trung đội", "Tiểu đội", "Học viện", "Đại học", "Trường", "Viện", "Đài", "Báo", "Tạp chí",
    "Trung tâm", "Văn phòng", "Sở", "UBND", "HĐND", "Quận ủy", "Huyện ủy", "Thành ủy",
    "Tỉnh ủy", "Đảng ủy", "Bộ CHQS", "Ban CHQS", "Bộ Tư lệnh", "BTL", "BCHQS", "Quân khu",
    "Quân đoàn", "Quân chủng", "Binh chủng", "Hội", "Đoàn", "Công an", "Tổng cục", "Công ty",
    "Tập đoàn", "Ngân hàng", "Bệnh viện", "Liên đoàn", "Câu lạc bộ", "Khoa", "Ủy ban",
    "Mặt trận", "Bảo tàng", "Kho", "Xưởng", "Nhà máy", "Lực lượng", "Bộ đội", "Cảnh sát",
    "Hải đội", "Đồn", "Quận", "Huyện", "Xã", "Phường", "Thị xã", "Thị trấn", "Thành phố",
    "Tỉnh", "Tp", "TP", "Trạm", "Hệ", "Lớp", "Khối", "Cơ quan", "Bộ môn", "Phân viện",
    "Thành đoàn", "Tỉnh đoàn", "Huyện đoàn", "Quận đoàn", "Liên hiệp", "Hiệp hội", "Vùng",
    "Hạm đội", "Binh đoàn", "Bộ Chỉ huy", "Cụm", "Chi cục", "Chi nhánh", "Ban Chỉ huy",
    "Phòng khám", "BV", "ĐH", "Trạm y tế",
)  # fmt: skip
# Heads that are also names ("Trường Lâm", "Đoàn Khải", "Nguyên Thảo", "Phó Đức Phương"): in a
# name-shaped phrase they open a unit or a position only before another head word.
NAME_LIKE_HEADS = _words("Trường Đoàn Khoa Hội Nguyên Phó Chánh Ban Kho Hệ Lớp Khối Vùng Cụm")

# -- lookups ------------------------------------------------------------------------------------


class PhraseSet:
    """Phrases looked up by the start of a text, whole words only, longest first."""

    def __init__(self, phrases: tuple[str, ...] | frozenset[str] | list[str]):
        self.by_key: dict[str, str] = {}
        for phrase in phrases:
            self.by_key.setdefault(fold(phrase), phrase)
        # Phrases by their first word, longest first: a lookup tries only those.
        self.by_first: dict[str, list[tuple[int, str, str]]] = {}
        for key, phrase in self.by_key.items():
            words = key.split()
            self.by_first.setdefault(words[0], []).append((len(words), key, phrase))
        for candidates in self.by_first.values():
            candidates.sort(reverse=True)
        # The texts asked about are a signature's segments, asked of many sets: each set
        # remembers its answers, bounded.
        self._prefix = lru_cache(maxsize=8192)(self._prefix_uncached)

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and fold(text) in self.by_key

    def prefix(self, text: str) -> str | None:
        """The longest phrase ``text`` starts with, as whole words (as written in the set)."""
        return self._prefix(text)

    def _prefix_uncached(self, text: str) -> str | None:
        words = fold(text).split()
        for n, key, phrase in self.by_first.get(words[0], ()) if words else ():
            if n <= len(words) and " ".join(words[:n]) == key:
                return phrase
        return None


# The sets below are built from the lists above by ``rebuild``: at import, and again when a
# list is changed at run time (``signature.rebuild`` calls it, then rebuilds its patterns).
SURNAME_SET: PhraseSet
NOT_A_NAME_SET: PhraseSet
RANK_SET: PhraseSet
STAFF_SET: PhraseSet
STAFF_GROUP_SET: PhraseSet
REPORTER_HEAD_SET: PhraseSet
NO_ONE_SET: PhraseSet
OUTLET_HEAD_SET: PhraseSet
STATION_HEAD_SET: PhraseSet
ORGANIZATION_HEAD_SET: PhraseSet
POSITION_HEAD_SET: PhraseSet
UNIT_HEAD_SET: PhraseSet
NAME_LIKE_HEAD_SET: PhraseSet
HEAD_SET: PhraseSet
_OUTLET_BY_KEY: dict[str, str] = {}
_OUTLET_BY_DOMAIN: dict[str, str] = {}


def rebuild() -> None:
    """Build every lookup set and map from the vocabulary's lists."""
    global SURNAME_SET, NOT_A_NAME_SET, RANK_SET, STAFF_SET, STAFF_GROUP_SET, NO_ONE_SET
    global REPORTER_HEAD_SET
    global OUTLET_HEAD_SET, STATION_HEAD_SET, ORGANIZATION_HEAD_SET, POSITION_HEAD_SET
    global UNIT_HEAD_SET, NAME_LIKE_HEAD_SET, HEAD_SET
    SURNAME_SET = PhraseSet(SURNAMES)
    NOT_A_NAME_SET = PhraseSet(NOT_A_NAME_START)
    RANK_SET = PhraseSet(RANKS)
    STAFF_SET = PhraseSet(STAFF_CREDITS)
    STAFF_GROUP_SET = PhraseSet(STAFF_GROUP_HEADS + REPORTER_HEADS)
    REPORTER_HEAD_SET = PhraseSet(REPORTER_HEADS)
    NO_ONE_SET = PhraseSet(NO_ONE)
    OUTLET_HEAD_SET = PhraseSet(OUTLET_HEADS)
    STATION_HEAD_SET = PhraseSet(STATION_HEADS)
    ORGANIZATION_HEAD_SET = PhraseSet(ORGANIZATION_HEADS)
    POSITION_HEAD_SET = PhraseSet(POSITION_HEADS)
    UNIT_HEAD_SET = PhraseSet(UNIT_HEADS)
    NAME_LIKE_HEAD_SET = PhraseSet(NAME_LIKE_HEADS)
    HEAD_SET = PhraseSet(POSITION_HEADS + UNIT_HEADS + ORGANIZATION_HEADS + OUTLET_HEADS)
    _OUTLET_BY_KEY.clear()
    _OUTLET_BY_DOMAIN.clear()
    for outlet in OUTLETS:
        for alias in (outlet.name, *outlet.aliases):
            _OUTLET_BY_KEY.setdefault(fold(alias), outlet.name)
        for domain in outlet.domains:
            _OUTLET_BY_DOMAIN[domain] = outlet.name


rebuild()


def spelling_pattern(phrase: str) -> str:
    """A regular expression for ``phrase`` as the press writes it: any spacing between its
    words, either tone style (``Thiếu úy``, ``Thiếu uý``); case is the caller's (``re.I``)."""
    words = []
    for word in fold(phrase).split():
        spellings = dict.fromkeys((word, new_style_tones(word)))
        words.append("|".join(re.escape(s) for s in spellings))
    return r"\s+".join(f"(?:{w})" for w in words)


def longest_first(phrases: Iterable[str]) -> list[str]:
    """Phrases in the order an alternation must try them: a longer one before its prefix."""
    return sorted(phrases, key=len, reverse=True)


def known_outlet(text: str) -> str | None:
    """The outlet ``text`` names by its name, short name or abbreviation (its kept name)."""
    return _OUTLET_BY_KEY.get(fold(text.strip(" .:-–")))


def outlet_of_domain(host: str) -> str | None:
    """The known outlet of a site (``news.zing.vn`` → Znews), subdomains included."""
    host = host.lower().removeprefix("www.")
    while host:
        if (name := _OUTLET_BY_DOMAIN.get(host)) is not None:
            return name
        _, _, host = host.partition(".")
    return None


# An initial written for a name's part: a letter, or a Vietnamese onset ("Ng.Hương", "TH.").
INITIAL_PATTERN = (
    r"(?:Ngh|Ng|Nh|Th|Tr|Ph|Kh|Ch|Gi|Gh|Qu|NGH|NG|NH|TH|TR|PH|KH|CH|GI|GH|QU"
    r"|[A-ZÀ-ÖØ-ÞĐƠƯẠ-Ỹ])\."
)

# -- Vietnamese syllables -------------------------------------------------------------------------

_ONSETS = "ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_NUCLEI = (
    "uyê|uya|uyu|iêu|yêu|ươi|ươu|uôi|oai|oay|oao|oeo|uây|"
    "iê|yê|uô|ươ|ua|ưa|ia|oa|oă|oe|oo|uy|uê|uâ|uơ|ai|ao|au|ay|âu|ây|eo|êu|iu|oi|ôi|ơi|ui|ưi|ưu|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y"
)
_CODAS = "ng|nh|ch|c|m|n|p|t"
_SYLLABLE = re.compile(rf"^(?:{_ONSETS})?(?:{_NUCLEI})(?:{_CODAS})?$")


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """``word`` is one Vietnamese syllable (what every part of a Vietnamese name is)."""
    base = without_tones(fold(word))
    return bool(base) and bool(_SYLLABLE.match(base))
