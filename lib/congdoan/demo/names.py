"""Fixed data of the demo district (Gia Lâm, Hà Nội): names and sizes.

Communes, upper unions, units and firms, the public-sector base salary and the size of each
activity programme; :mod:`congdoan.demo.synthetic` draws from them with a seeded generator. The communes
are the district's 2 thị trấn and 20 xã as they stood from 2021 to 30/6/2025; the four commune
unions are those of the communes formed on 1/7/2025 (Gia Lâm, Thuận An, Bát Tràng, Phù Đổng).
Which old commune goes to which new one is a plausible split made for the demo, not the official
one. Firm names are invented combinations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd


class Commune(NamedTuple):
    """An old commune (xã) or town (thị trấn) of the district."""

    commune_id: str
    place: str
    town: bool
    union_id: str
    """Commune union (from 1/7/2025) whose area takes this commune."""
    firm_weight: float
    """Relative number of firms located here."""


COMMUNES: tuple[Commune, ...] = (
    Commune("TRAUQUY", "Trâu Quỳ", True, "CD-XA-GIALAM", 1.6),
    Commune("TTYENVIEN", "Yên Viên", True, "CD-XA-THUANAN", 1.3),
    Commune("BATTRANG", "Bát Tràng", False, "CD-XA-BATTRANG", 1.4),
    Commune("COBI", "Cổ Bi", False, "CD-XA-GIALAM", 0.9),
    Commune("DATON", "Đa Tốn", False, "CD-XA-BATTRANG", 1.2),
    Commune("DANGXA", "Đặng Xá", False, "CD-XA-GIALAM", 0.9),
    Commune("DINHXUYEN", "Đình Xuyên", False, "CD-XA-THUANAN", 0.7),
    Commune("DONGDU", "Đông Dư", False, "CD-XA-BATTRANG", 0.7),
    Commune("DUONGHA", "Dương Hà", False, "CD-XA-THUANAN", 0.8),
    Commune("DUONGQUANG", "Dương Quang", False, "CD-XA-GIALAM", 0.6),
    Commune("DUONGXA", "Dương Xá", False, "CD-XA-GIALAM", 1.5),
    Commune("KIEUKY", "Kiêu Kỵ", False, "CD-XA-GIALAM", 1.5),
    Commune("KIMLAN", "Kim Lan", False, "CD-XA-BATTRANG", 0.6),
    Commune("KIMSON", "Kim Sơn", False, "CD-XA-GIALAM", 0.7),
    Commune("LECHI", "Lệ Chi", False, "CD-XA-GIALAM", 0.6),
    Commune("NINHHIEP", "Ninh Hiệp", False, "CD-XA-PHUDONG", 1.4),
    Commune("PHUDONG", "Phù Đổng", False, "CD-XA-PHUDONG", 0.8),
    Commune("PHUTHI", "Phú Thị", False, "CD-XA-GIALAM", 1.2),
    Commune("TRUNGMAU", "Trung Mầu", False, "CD-XA-PHUDONG", 0.6),
    Commune("VANDUC", "Văn Đức", False, "CD-XA-BATTRANG", 0.5),
    Commune("YENTHUONG", "Yên Thường", False, "CD-XA-THUANAN", 0.9),
    Commune("YENVIEN", "Yên Viên", False, "CD-XA-THUANAN", 1.0),
)

FEDERATION_ID = "LDLD-GIALAM"
FEDERATION_NAME = "Liên đoàn Lao động huyện Gia Lâm"
COMMUNE_UNIONS: tuple[tuple[str, str], ...] = (
    ("CD-XA-GIALAM", "Công đoàn xã Gia Lâm"),
    ("CD-XA-THUANAN", "Công đoàn xã Thuận An"),
    ("CD-XA-BATTRANG", "Công đoàn xã Bát Tràng"),
    ("CD-XA-PHUDONG", "Công đoàn xã Phù Đổng"),
)

FEDERATION_FROM = np.datetime64("2000-01-01", "D")
REFORM_DAY = np.datetime64("2025-07-01", "D")
"""First day of the commune unions (two-level local government from 1/7/2025)."""


def hierarchy_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The communes, upper unions and areas tables of the dataset."""
    nat, day_before = np.datetime64("NaT", "D"), REFORM_DAY - 1
    communes = pd.DataFrame({"commune_id": [c.commune_id for c in COMMUNES],
                             "name": [commune_name(c) for c in COMMUNES]})
    uppers = pd.DataFrame(
        [(FEDERATION_ID, FEDERATION_NAME, "district_federation", 1, FEDERATION_FROM, day_before)]
        + [(uid, name, "commune_union", 1, REFORM_DAY, nat) for uid, name in COMMUNE_UNIONS],
        columns=["upper_id", "name", "kind", "direct", "valid_from", "valid_to"])
    areas = pd.DataFrame(
        [(c.commune_id, FEDERATION_ID, FEDERATION_FROM, day_before) for c in COMMUNES]
        + [(c.commune_id, c.union_id, REFORM_DAY, nat) for c in COMMUNES],
        columns=["commune_id", "upper_id", "valid_from", "valid_to"])
    return communes, uppers, areas


def commune_name(commune: Commune) -> str:
    """Official name, e.g. 'Thị trấn Trâu Quỳ', 'Xã Bát Tràng'."""
    return f"{'Thị trấn' if commune.town else 'Xã'} {commune.place}"


HCSN_KINDS: dict[str, tuple[int, int, float]] = {
    "mam_non": (25, 60, 0.97),
    "tieu_hoc": (30, 60, 0.85),
    "thcs": (25, 55, 0.75),
    "thpt": (40, 60, 0.65),
    "tram_y_te": (15, 20, 0.75),
    "ubnd": (20, 40, 0.40),
    "y_te": (40, 60, 0.70),
    "co_quan": (15, 45, 0.50),
}
"""Kind of HCSN unit → (fewest workers, most workers, share of women)."""

_COMMUNE_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Trường Mầm non {school}", "mam_non"),
    ("Trường Tiểu học {school}", "tieu_hoc"),
    ("Trường THCS {school}", "thcs"),
    ("Trạm Y tế {level} {place}", "tram_y_te"),
    ("UBND {level} {place}", "ubnd"),
)

_EXTRA_SCHOOLS: tuple[tuple[str, str, str], ...] = tuple(
    [(f"Trường Mầm non {n}", c, "mam_non") for n, c in (
        ("Hoa Sữa", "TRAUQUY"), ("Hoa Sen", "TRAUQUY"), ("Hoa Mai", "DUONGXA"),
        ("Sao Mai", "KIEUKY"), ("Ánh Dương", "DATON"), ("Tuổi Thơ", "TTYENVIEN"),
        ("Họa Mi", "NINHHIEP"), ("Hoa Ban", "PHUTHI"), ("Hoa Đào", "DANGXA"),
        ("Sơn Ca", "YENVIEN"), ("Hoa Phượng", "COBI"), ("Bình Minh", "BATTRANG"),
        ("Hướng Dương", "YENTHUONG"), ("Thủy Tiên", "DUONGHA"), ("Hoa Lan", "PHUDONG"),
        ("Hoa Cúc", "DINHXUYEN"))]
    + [(f"Trường Tiểu học {n}", c, "tieu_hoc") for n, c in (
        ("Cao Bá Quát", "TRAUQUY"), ("Nguyễn Trãi", "DUONGXA"), ("Lê Quý Đôn", "KIEUKY"),
        ("Đoàn Thị Điểm", "DATON"), ("Chu Văn An", "NINHHIEP"), ("Kim Đồng", "TTYENVIEN"),
        ("Lý Thường Kiệt", "PHUTHI"), ("Ngô Quyền", "YENVIEN"))]
    + [(f"Trường THCS {n}", c, "thcs") for n, c in (
        ("Cao Bá Quát", "TRAUQUY"), ("Lê Lợi", "DUONGXA"), ("Trần Phú", "KIEUKY"),
        ("Nguyễn Huệ", "NINHHIEP"), ("Lương Thế Vinh", "DATON"), ("Phan Chu Trinh", "YENVIEN"))]
)

_DISTRICT_UNITS: tuple[tuple[str, str, str], ...] = (
    ("Cơ quan Huyện ủy Gia Lâm", "TRAUQUY", "co_quan"),
    ("Cơ quan UBND huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Phòng Giáo dục và Đào tạo huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Trung tâm Y tế huyện Gia Lâm", "TRAUQUY", "y_te"),
    ("Bệnh viện Đa khoa huyện Gia Lâm", "TRAUQUY", "y_te"),
    ("Trường THPT Cao Bá Quát", "TRAUQUY", "thpt"),
    ("Trường THPT Dương Xá", "DUONGXA", "thpt"),
    ("Trường THPT Nguyễn Văn Cừ", "DUONGHA", "thpt"),
    ("Trường THPT Yên Viên", "TTYENVIEN", "thpt"),
    ("Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên huyện Gia Lâm", "TRAUQUY", "thpt"),
    ("Kho bạc Nhà nước Gia Lâm", "TRAUQUY", "co_quan"),
    ("Bảo hiểm xã hội huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Chi cục Thi hành án dân sự huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Tòa án nhân dân huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Viện Kiểm sát nhân dân huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Trung tâm Văn hóa – Thông tin và Thể thao huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Ban Quản lý dự án đầu tư xây dựng huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Trung tâm Phát triển quỹ đất huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Trung tâm Chính trị huyện Gia Lâm", "TRAUQUY", "co_quan"),
    ("Hạt Quản lý đê Gia Lâm", "DUONGHA", "co_quan"),
    ("Ban Quản lý chợ Ninh Hiệp", "NINHHIEP", "co_quan"),
    ("Trạm Khuyến nông huyện Gia Lâm", "TRAUQUY", "co_quan"),
)


BUDGET_FUNDED: frozenset[str] = frozenset({
    "Cơ quan Huyện ủy Gia Lâm", "Cơ quan UBND huyện Gia Lâm",
    "Phòng Giáo dục và Đào tạo huyện Gia Lâm", "Kho bạc Nhà nước Gia Lâm",
    "Chi cục Thi hành án dân sự huyện Gia Lâm", "Tòa án nhân dân huyện Gia Lâm",
    "Viện Kiểm sát nhân dân huyện Gia Lâm", "Trung tâm Chính trị huyện Gia Lâm",
})
"""The demo's agencies fully funded by the state budget (no member dues from 1/6/2025)."""


def hcsn_register() -> list[tuple[str, str, str]]:
    """The demo's HCSN units as (name, commune_id, kind), in a fixed order."""
    out: list[tuple[str, str, str]] = list(_DISTRICT_UNITS)
    for commune in COMMUNES:
        school = f"Thị trấn {commune.place}" if commune.commune_id == "TTYENVIEN" else commune.place
        level = "thị trấn" if commune.town else "xã"
        for template, kind in _COMMUNE_TEMPLATES:
            name = template.format(school=school, level=level, place=commune.place)
            out.append((name, commune.commune_id, kind))
    out.extend(_EXTRA_SCHOOLS)
    return out


NEW_SCHOOLS: tuple[str, ...] = tuple(f"Trường Mầm non {n}" for n in (
    "Hoa Súng", "Cầu Vồng", "Ban Mai", "Vành Khuyên", "Chim Non", "Hoa Trà", "Thiên Thần",
    "Hoa Ngọc Lan", "Mặt Trời Nhỏ", "Hoa Linh Lan"))
"""Names for HCSN units founded during the plan (new kindergartens)."""

DNNN_UNITS: tuple[tuple[str, str], ...] = (
    ("Công ty TNHH MTV Nước sạch Gia Lâm", "TRAUQUY"),
    ("Công ty TNHH MTV Môi trường Đô thị Gia Lâm", "TRAUQUY"),
    ("Công ty TNHH MTV Thủy lợi Sông Đuống", "YENVIEN"),
    ("Công ty TNHH MTV Cây xanh Gia Lâm", "DUONGXA"),
    ("Công ty TNHH MTV Xe lửa Gia Lâm", "TTYENVIEN"),
    ("Công ty TNHH MTV Lương thực Đông Dư", "DONGDU"),
    ("Công ty Điện lực Gia Lâm", "TRAUQUY"),
    ("Bưu điện huyện Gia Lâm", "TRAUQUY"),
    ("Ngân hàng Nông nghiệp và Phát triển Nông thôn – Chi nhánh Gia Lâm", "TRAUQUY"),
    ("Xí nghiệp Toa xe Yên Viên", "TTYENVIEN"),
    ("Công ty TNHH MTV Vận tải Hàng hóa Yên Viên", "YENVIEN"),
    ("Công ty TNHH MTV Nông nghiệp Phù Đổng", "PHUDONG"),
    ("Công ty TNHH MTV Du lịch Làng nghề Bát Tràng", "BATTRANG"),
    ("Công ty TNHH MTV Quản lý chợ Gia Lâm", "NINHHIEP"),
)
"""State-owned enterprises (DNNN) with a CĐCS: (name, commune_id)."""

FIRM_FORMS: tuple[str, ...] = ("Công ty TNHH", "Công ty Cổ phần")
COOP_TRADES: tuple[tuple[str, float], ...] = (
    ("Dịch vụ Nông nghiệp", 0.45), ("Gốm sứ", 0.55), ("Vận tải", 0.10), ("Môi trường", 0.35),
    ("Mây tre đan", 0.70),
)
"""Line of business of cooperatives (hợp tác xã) and their usual share of women."""
FIRM_TRADES: tuple[tuple[str, float], ...] = (
    ("Thương mại và Dịch vụ", 0.50), ("Sản xuất và Thương mại", 0.45),
    ("Đầu tư và Xây dựng", 0.15), ("May mặc", 0.80), ("Dệt may", 0.75), ("Gốm sứ", 0.50),
    ("Cơ khí", 0.15), ("Cơ khí Chính xác", 0.20), ("Thực phẩm", 0.60), ("Bao bì", 0.45),
    ("Vận tải và Logistics", 0.20), ("Điện tử", 0.60), ("Nhựa", 0.40), ("Dược phẩm", 0.60),
    ("Vật liệu Xây dựng", 0.20), ("Kỹ thuật và Công nghệ", 0.30), ("Nội thất", 0.30),
    ("In và Quảng cáo", 0.45), ("Giày da", 0.70), ("Chế biến Nông sản", 0.55),
    ("Xuất nhập khẩu", 0.45), ("Dịch vụ Bảo vệ", 0.10),
)
"""Line of business and its usual share of women workers."""

FIRM_CORES: tuple[str, ...] = (
    "An Phát", "An Khánh", "Bảo Long", "Bình Minh", "Đại Phát", "Đại Việt", "Đông Á",
    "Đức Thành", "Gia Phát", "Hà Thành", "Hải Nam", "Hòa Bình", "Hoàng Anh", "Hoàng Long",
    "Hồng Hà", "Hưng Thịnh", "Kim Long", "Lộc Phát", "Mạnh Tiến", "Minh Anh", "Minh Khang",
    "Minh Phát", "Nam Việt", "Ngọc Linh", "Phú Cường", "Phúc An", "Phúc Hưng", "Phương Đông",
    "Quang Minh", "Sao Việt", "Sơn Hà", "Tân Á", "Tân Phát", "Thái Bình Dương", "Thành Công",
    "Thành Đạt", "Thiên Long", "Thịnh Vượng", "Toàn Cầu", "Trường Sơn", "Trường Thịnh",
    "Tuấn Hưng", "Việt Á", "Việt Hàn", "Việt Nhật", "Vĩnh Hưng", "Xuân Hòa", "Thăng Long",
    "Kinh Bắc", "Hưng Long", "Thuận Phát", "Quốc Thái", "Vạn Xuân", "Hồng Phúc", "Lạc Hồng",
    "Nhật Minh", "Trí Đức", "Đông Dương", "Hải Đăng", "Phú Gia",
)
FDI_CORES: tuple[str, ...] = (
    "Hanil", "Daewon", "Sungjin", "Tokai", "Yamato", "Kyowa", "Shinsei", "Fujiko", "Everwin",
    "Jinhua", "Hoshin", "Taeyang",
)
FDI_SUFFIXES: tuple[str, ...] = ("Việt Nam", "Vina", "Hà Nội")

def _distinct(rng: np.random.Generator, k: int, *parts: int) -> list[tuple[int, ...]]:
    """``k`` distinct index combinations drawn from the product of ``parts`` choices."""
    total = int(np.prod(parts))
    picks = rng.choice(total, k, replace=k > total)
    return list(zip(*(a.tolist() for a in np.unravel_index(picks, parts)), strict=True))


def firm_names(rng: np.random.Generator, n: int) -> tuple[list[str], npt.NDArray[Any]]:
    """``n`` distinct invented firm names and the usual share of women in their trade.

    About 90% companies ("Công ty TNHH/Cổ phần <trade> <name>"), 4% cooperatives and 6% with a
    foreign-sounding name (FDI-like); in random order.
    """
    companies, coops, fdi = rng.multinomial(n, [0.90, 0.04, 0.06])
    out = [(f"{FIRM_FORMS[f]} {FIRM_TRADES[t][0]} {FIRM_CORES[c]}", FIRM_TRADES[t][1])
           for f, t, c in _distinct(rng, companies, len(FIRM_FORMS), len(FIRM_TRADES),
                                    len(FIRM_CORES))]
    out += [(f"Hợp tác xã {COOP_TRADES[t][0]} {FIRM_CORES[c]}", COOP_TRADES[t][1])
            for t, c in _distinct(rng, coops, len(COOP_TRADES), len(FIRM_CORES))]
    out += [(f"Công ty TNHH {FDI_CORES[c]} {FDI_SUFFIXES[s]}", 0.6)
            for c, s in _distinct(rng, fdi, len(FDI_CORES), len(FDI_SUFFIXES))]
    order = rng.permutation(n)
    return [out[i][0] for i in order], np.array([out[i][1] for i in order])


BASE_SALARY: tuple[tuple[dt.date, float], ...] = (
    (dt.date(2019, 7, 1), 1_490_000), (dt.date(2023, 7, 1), 1_800_000),
    (dt.date(2024, 7, 1), 2_340_000),
)
"""Public-sector base salary (lương cơ sở); HCSN wages follow it."""


class Programme(NamedTuple):
    """How often and how big an activity programme is (per unit and half)."""

    p_hcsn: float
    p_enterprise: float
    halves: tuple[int, ...]
    extra_events: float
    participant_share: float
    per_participant: int
    per_event: int


PROGRAMMES: dict[str, Programme] = {
    "tet_sum_vay": Programme(0.25, 0.55, (1,), 0.2, 0.25, 500_000, 2_000_000),
    "mai_am_cong_doan": Programme(0.01, 0.015, (1, 2), 0.0, 0.0, 0, 60_000_000),
    "xe_dua_cong_nhan": Programme(0.0, 0.15, (1,), 0.5, 0.15, 350_000, 0),
    "thang_cong_nhan": Programme(0.3, 0.6, (1,), 1.0, 0.6, 50_000, 3_000_000),
    "thang_atvsld": Programme(0.2, 0.6, (1,), 0.8, 0.5, 0, 1_500_000),
    "thi_tho_gioi": Programme(0.0, 0.15, (2,), 0.2, 0.05, 1_000_000, 0),
    "sang_kien": Programme(0.08, 0.12, (1, 2), 1.5, 0.0, 0, 2_000_000),
    "tu_van_phap_luat": Programme(0.1, 0.2, (1, 2), 0.7, 0.15, 0, 500_000),
}
"""Activity programme of ``data_elements.yaml`` → how often it runs and its size."""
DEFAULT_PROGRAMME = Programme(0.05, 0.1, (1, 2), 0.5, 0.1, 0, 1_000_000)
"""Size of a programme added to ``data_elements.yaml`` that the demo does not know."""
