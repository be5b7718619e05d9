"""The 256-byte base text a GA 467 reader returns (30 01), parsed and validated.

The text is UCS-2 little-endian, fields padded with spaces. Byte 248 (a UCS-2 character)
says which card it is:

| flag  | card                                                   | layout (offset/length)        |
|-------|--------------------------------------------------------|-------------------------------|
| blank | 居民身份证 resident ID card                             | name 0/30, sex 30/2, ethnicity |
|       |                                                        | 32/4, birth 36/16, address    |
|       |                                                        | 52/70, number 122/36, issuer  |
|       |                                                        | 158/30, from 188/16, to 204/16|
| 'J'   | 港澳台居民居住证 HK/Macao/Taiwan residence permit       | as above (ethnicity blank),   |
|       |                                                        | pass number 220/18, issue     |
|       |                                                        | count 238/4                   |
| 'I'   | 外国人永久居留身份证 (2017 edition), 15-char number     | Latin name 0/120, sex 120/2,  |
|       |                                                        | number 122/30, nationality    |
|       |                                                        | 152/6, Chinese name 158/30,   |
|       |                                                        | from 188/16, to 204/16, birth |
|       |                                                        | 220/16, version 236/4,        |
|       |                                                        | authority code 240/8          |
| 'Y'   | 外国人永久居留身份证 (2023 edition), 18-digit number    | Chinese name 0/30, sex 30/2,  |
|       |                                                        | renewals 32/4, birth 36/16,   |
|       |                                                        | Latin name 52/70 + 220/22,    |
|       |                                                        | number 122/36, from 188/16,   |
|       |                                                        | to 204/16, nationality 242/6  |

(The 'I' and 'Y' layouts are those published in reader vendors' SDK headers.) Dates are
YYYYMMDD; an end date of 长期 means long-term. Sex is coded 1 male, 2 female, 0 unknown,
9 unstated (GB/T 2261.1); the resident card's ethnicity is a GB 3304 two-digit code.

`parse_base_text` raises only `ProtocolError` (the block is not 256 bytes) and
`CardRejected` (the card's data is malformed, inconsistent or expired); its messages name
the field at fault, never its content.
"""

from __future__ import annotations

import datetime as dt

from devices.card import gb11643
from devices.card.base import DocumentKind, Identity
from devices.errors import CardRejected, ProtocolError

TEXT_LEN = 256
LONG_TERM = "长期"

ETHNICITIES = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统中国籍人士",
}  # fmt: skip
_ETHNICITY_CODES = {name: code for code, name in ETHNICITIES.items()}
_SEX = {"1": "M", "2": "F", "0": "", "9": ""}
_SEX_CODES = {"M": "1", "F": "2", "": "0"}
_HMT_REGIONS = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan

# Field maps: name -> (byte offset, byte length).
RESIDENT = {
    "name": (0, 30), "sex": (30, 2), "ethnicity": (32, 4), "birth": (36, 16),
    "address": (52, 70), "number": (122, 36), "issuer": (158, 30),
    "valid_from": (188, 16), "valid_to": (204, 16), "flag": (248, 2),
}  # fmt: skip
HMT = RESIDENT | {"pass_number": (220, 18), "issue_count": (238, 4)}
FOREIGNER_2017 = {
    "latin_name": (0, 120), "sex": (120, 2), "number": (122, 30), "nationality": (152, 6),
    "name": (158, 30), "valid_from": (188, 16), "valid_to": (204, 16), "birth": (220, 16),
    "version": (236, 4), "issuer": (240, 8), "flag": (248, 2),
}  # fmt: skip
FOREIGNER_2023 = {
    "name": (0, 30), "sex": (30, 2), "renewals": (32, 4), "birth": (36, 16),
    "latin_name": (52, 70), "number": (122, 36), "valid_from": (188, 16), "valid_to": (204, 16),
    "latin_name_more": (220, 22), "nationality": (242, 6), "flag": (248, 2),
}  # fmt: skip
LAYOUTS = {"": RESIDENT, "J": HMT, "I": FOREIGNER_2017, "Y": FOREIGNER_2023}
KINDS = {
    "": DocumentKind.RESIDENT_ID,
    "J": DocumentKind.HMT_RESIDENCE_PERMIT,
    "I": DocumentKind.FOREIGN_PERMANENT,
    "Y": DocumentKind.FOREIGN_PERMANENT,
}


def _field(text: bytes, layout: dict[str, tuple[int, int]], name: str, *, strip: bool = True) -> str:
    offset, length = layout[name]
    try:
        value = text[offset : offset + length].decode("utf-16-le")
    except UnicodeDecodeError:
        raise CardRejected(f"card field '{name}' is not UCS-2 text") from None
    return value.strip(" \x00") if strip else value


def _date(value: str, name: str) -> dt.date:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        raise CardRejected(f"card field '{name}' is not a YYYYMMDD date")
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise CardRejected(f"card field '{name}' is not a calendar date") from None


def card_flag(text: bytes) -> str:
    """The card-type flag at byte 248: '' (resident ID), 'J', 'I' or 'Y'."""
    if len(text) != TEXT_LEN:
        raise ProtocolError(f"base text must be {TEXT_LEN} bytes, got {len(text)}")
    flag = _field(text, RESIDENT, "flag")
    if flag not in LAYOUTS:
        raise CardRejected("unknown card type flag")
    return flag


def parse_base_text(
    text: bytes, photo: bytes = b"", *, today: dt.date | None = None, reject_expired: bool = True
) -> Identity:
    """Parse and validate a base text block into an Identity (photo kept as given)."""
    flag = card_flag(text)
    layout = LAYOUTS[flag]
    fields = {name: _field(text, layout, name) for name in layout}

    name = fields["name"] or fields.get("latin_name", "")
    if not name:
        raise CardRejected("card carries no name")
    if fields["sex"] not in _SEX:
        raise CardRejected("card field 'sex' has an unknown code")
    sex = _SEX[fields["sex"]]
    birth = _date(fields["birth"], "birth")
    valid_from = _date(fields["valid_from"], "valid_from")
    valid_to = None if fields["valid_to"] == LONG_TERM else _date(fields["valid_to"], "valid_to")

    number = fields["number"]
    if flag == "I":
        number = gb11643.validate_foreigner_2017(number)
        if number[7:13] != fields["birth"][2:]:
            raise CardRejected("ID number and birth date disagree")
        sex_digit = number[13]
    else:
        number = gb11643.validate(number)
        if gb11643.birth_date_of(number) != birth:
            raise CardRejected("ID number and birth date disagree")
        sex_digit = number[16]
        if flag == "J" and not number.startswith(_HMT_REGIONS):
            raise CardRejected("residence permit number has no Hong Kong/Macao/Taiwan region")
        if flag == "Y" and not number.startswith("9"):
            raise CardRejected("permanent residence number must start with 9")
        if flag == "" and number[0] in "89":
            raise CardRejected("resident ID number has a permit's region")
    if sex and sex != ("M" if int(sex_digit) % 2 else "F"):
        raise CardRejected("ID number and sex disagree")

    if birth > valid_from:
        raise CardRejected("card issued before its holder's birth")
    if valid_to is not None and valid_to < valid_from:
        raise CardRejected("card validity ends before it starts")
    today = today or dt.date.today()
    if reject_expired:
        if valid_from > today:
            raise CardRejected("card is not valid yet")
        if valid_to is not None and valid_to < today:
            raise CardRejected("card has expired")

    ethnicity = ""
    if flag == "":
        if fields["ethnicity"] not in ETHNICITIES:
            raise CardRejected("card field 'ethnicity' has an unknown code")
        ethnicity = ETHNICITIES[fields["ethnicity"]]
    latin_name = fields.get("latin_name", "")
    if flag == "Y" and fields["latin_name_more"]:
        # A name longer than 35 letters continues at 220; a space may sit at the seam.
        latin_name = _field(text, layout, "latin_name", strip=False) + fields["latin_name_more"]
    nationality = fields.get("nationality", "CHN")
    if flag in "IY" and not (len(nationality) == 3 and nationality.isascii() and nationality.isalpha()):
        raise CardRejected("card field 'nationality' is not a country code")

    return Identity(
        kind=KINDS[flag],
        name=name,
        id_number=number,
        birth_date=birth,
        sex=sex,
        nationality=nationality,
        ethnicity=ethnicity,
        latin_name=latin_name,
        address=fields.get("address", ""),
        issuer=fields.get("issuer", ""),
        valid_from=valid_from,
        valid_to=valid_to,
        photo=photo,
    )


def encode_base_text(identity: Identity, *, pass_number: str = "") -> bytes:
    """The inverse of `parse_base_text`, as a card would hold it.

    For the SAM simulator, tests and benchmarks: it lets them put a fictional identity on
    a simulated card. The layout follows the document kind ('I' for a 15-character
    foreigner's number, 'Y' for an 18-digit one).
    """
    if identity.kind == DocumentKind.RESIDENT_ID:
        flag = ""
    elif identity.kind == DocumentKind.HMT_RESIDENCE_PERMIT:
        flag = "J"
    elif identity.kind == DocumentKind.FOREIGN_PERMANENT:
        flag = "I" if len(identity.id_number) == 15 else "Y"
    else:
        raise ValueError("GA 467 cards are resident IDs, HMT permits and foreigners' cards")
    layout = LAYOUTS[flag]
    values = {
        "name": identity.name,
        "sex": _SEX_CODES[identity.sex],
        "ethnicity": _ETHNICITY_CODES.get(identity.ethnicity, ""),
        "birth": identity.birth_date.strftime("%Y%m%d"),
        "address": identity.address,
        "number": identity.id_number,
        "issuer": identity.issuer,
        "valid_from": identity.valid_from.strftime("%Y%m%d") if identity.valid_from else "",
        "valid_to": identity.valid_to.strftime("%Y%m%d") if identity.valid_to else LONG_TERM,
        "flag": flag,
        "pass_number": pass_number,
        "issue_count": "01",
        "latin_name": identity.latin_name[:35],
        "latin_name_more": identity.latin_name[35:],
        "nationality": identity.nationality,
        "version": "01",
        "renewals": "00",
    }
    if flag == "I":
        values["latin_name"] = identity.latin_name
    text = bytearray(" ".encode("utf-16-le") * (TEXT_LEN // 2))
    for name, (offset, length) in layout.items():
        raw = values[name].encode("utf-16-le")
        if len(raw) > length:
            raise ValueError(f"field '{name}' too long for the card")
        text[offset : offset + len(raw)] = raw
    return bytes(text)
