"""Fictional sample documents for the simulated reader, the demo, tests and benchmarks.

Every person here is invented; the ID numbers are built with `make_id_number`, so they
pass the GB 11643 check, but they belong to nobody. Keys of `SAMPLES` are what
`card.simulated.sample` in config.toml and the demo's scripted inserts name.
"""

from __future__ import annotations

import datetime as dt

from devices.card.base import BadgeRead, DocumentKind, Identity, MrzKey
from devices.card.gb11643 import make_id_number
from devices.card.mrz import check_digit

# 居民身份证: a man in Guangzhou, Tianhe district (region 440106), card valid 20 years.
RESIDENT = Identity(
    kind=DocumentKind.RESIDENT_ID,
    name="张三",
    id_number=make_id_number("440106", "19850312", "123"),
    birth_date=dt.date(1985, 3, 12),
    sex="M",
    ethnicity="汉",
    address="广东省广州市天河区体育西路一百号",
    issuer="广州市公安局天河分局",
    valid_from=dt.date(2020, 5, 1),
    valid_to=dt.date(2040, 5, 1),
)

# 居民身份证 of an elderly woman: long-term validity (长期), a Zhuang ethnicity code.
RESIDENT_LONG_TERM = Identity(
    kind=DocumentKind.RESIDENT_ID,
    name="王秀英",
    id_number=make_id_number("440304", "19500708", "246"),
    birth_date=dt.date(1950, 7, 8),
    sex="F",
    ethnicity="壮",
    address="广东省深圳市福田区莲花路二百号莲花小区三栋一单元",
    issuer="深圳市公安局福田分局",
    valid_from=dt.date(2010, 9, 1),
    valid_to=None,
)

# 港澳台居民居住证 ('J'): a Hong Kong resident living in Guangzhou (region 810000).
HMT_PERMIT = Identity(
    kind=DocumentKind.HMT_RESIDENCE_PERMIT,
    name="陈大文",
    id_number=make_id_number("810000", "19900701", "017"),
    birth_date=dt.date(1990, 7, 1),
    sex="M",
    address="广东省广州市越秀区中山五路五十号",
    issuer="广州市公安局越秀分局",
    valid_from=dt.date(2023, 3, 15),
    valid_to=dt.date(2028, 3, 15),
)


def _foreigner_2017_number(alpha3: str, region4: str, birth_yymmdd: str, seq: str) -> str:
    body = alpha3 + region4 + birth_yymmdd + seq
    return body + check_digit(body)


# 外国人永久居留身份证, 2017 edition ('I'): 15-character number, English name first.
FOREIGNER_2017 = Identity(
    kind=DocumentKind.FOREIGN_PERMANENT,
    name="史密斯",
    latin_name="SMITH, JOHN",
    id_number=_foreigner_2017_number("USA", "4401", "800229", "1"),
    birth_date=dt.date(1980, 2, 29),
    sex="M",
    nationality="USA",
    issuer="1500",  # 受理机关代码 on this edition is a code, not a name
    valid_from=dt.date(2019, 6, 1),
    valid_to=dt.date(2029, 6, 1),
)

# 外国人永久居留身份证, 2023 edition ('Y'): GB 11643-style 18 digits, leading '9'.
FOREIGNER_2023 = Identity(
    kind=DocumentKind.FOREIGN_PERMANENT,
    name="玛丽",
    latin_name="MUELLER, MARIA ANNA",
    id_number=make_id_number("944276", "19920415", "002"),  # 9 + Guangdong 44 + DEU 276
    birth_date=dt.date(1992, 4, 15),
    sex="F",
    nationality="DEU",
    valid_from=dt.date(2024, 1, 10),
    valid_to=dt.date(2034, 1, 10),
)

# A passport read over PC/SC (ICAO 9303 TD3); BAC needs PASSPORT_MRZ.
PASSPORT = Identity(
    kind=DocumentKind.PASSPORT,
    name="LI SI",
    latin_name="LI SI",
    id_number="E12345678",
    birth_date=dt.date(1979, 11, 5),
    sex="M",
    issuer="CHN",
    valid_to=dt.date(2031, 6, 30),
)
PASSPORT_MRZ = MrzKey(document_number="E12345678", birth_yymmdd="791105", expiry_yymmdd="310630")

# A technician's contactless badge (7-byte NXP-style UID).
TECHNICIAN_BADGE = BadgeRead(uid="04A1B2C3D4E580")

SAMPLES: dict[str, Identity | BadgeRead] = {
    "resident": RESIDENT,
    "resident-long-term": RESIDENT_LONG_TERM,
    "hmt-permit": HMT_PERMIT,
    "foreigner-2017": FOREIGNER_2017,
    "foreigner-2023": FOREIGNER_2023,
    "passport": PASSPORT,
    "badge": TECHNICIAN_BADGE,
}
