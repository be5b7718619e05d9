"""The receipt laid out as printer blocks: what it says, in which order and size.

Only content and order live here (bilingual labels, the receipt number large and on one
line, the QR code, the cut); the blocks are the printer's plain dataclasses
(`devices.printer.blocks`), and turning them into ESC/POS bytes or a picture is
`devices.printer.render` / `devices.printer.raster`. So the domain stays free of escpos,
PIL, qrcode and font files, and the receipt's wording is tested without rendering it.
"""

from __future__ import annotations

from typing import Literal

from devices.printer.blocks import NBSP, QR, Block, Cut, Rule, Text
from kiosk.domain.i18n_text import Lang
from kiosk.domain.receipt import Receipt, ReceiptStatus

LABELS: dict[str, dict[Lang, str]] = {
    "title": {Lang.ZH_HANS: "政务服务回执", Lang.ZH_HANT: "政務服務回執", Lang.EN: "Government Service Receipt"},
    "service": {Lang.ZH_HANS: "办理事项", Lang.ZH_HANT: "辦理事項", Lang.EN: "Service"},
    "number": {Lang.ZH_HANS: "回执编号", Lang.ZH_HANT: "回執編號", Lang.EN: "Receipt No."},
    "time": {Lang.ZH_HANS: "提交时间", Lang.ZH_HANT: "提交時間", Lang.EN: "Submitted"},
    "applicant": {Lang.ZH_HANS: "申请人", Lang.ZH_HANT: "申請人", Lang.EN: "Applicant"},
    "id": {Lang.ZH_HANS: "证件号码", Lang.ZH_HANT: "證件號碼", Lang.EN: "ID No."},
    "status": {Lang.ZH_HANS: "办理状态", Lang.ZH_HANT: "辦理狀態", Lang.EN: "Status"},
    "queued": {
        Lang.ZH_HANS: "已保存在本驿站，联网后自动提交至政务平台",
        Lang.ZH_HANT: "已保存在本驛站，聯網後自動提交至政務平台",
        Lang.EN: "Saved at this station; it is sent to the platform automatically",
    },
    "received": {Lang.ZH_HANS: "政务平台已接收", Lang.ZH_HANT: "政務平台已接收", Lang.EN: "Received by the platform"},
    "reference": {Lang.ZH_HANS: "受理编号", Lang.ZH_HANT: "受理編號", Lang.EN: "Reference"},
    "promise": {Lang.ZH_HANS: "办理时限", Lang.ZH_HANT: "辦理時限", Lang.EN: "Processing time"},
    "instant": {Lang.ZH_HANS: "即时办结", Lang.ZH_HANT: "即時辦結", Lang.EN: "Decided at once"},
    "days": {Lang.ZH_HANS: "{n}个工作日", Lang.ZH_HANT: "{n}個工作日", Lang.EN: "{n} working days"},
    "scan": {Lang.ZH_HANS: "扫码查询办理进度", Lang.ZH_HANT: "掃碼查詢辦理進度", Lang.EN: "Scan to follow your application"},
    "hotline": {Lang.ZH_HANS: "服务热线", Lang.ZH_HANT: "服務熱線", Lang.EN: "Hotline"},
    "keep": {Lang.ZH_HANS: "请妥善保管本回执", Lang.ZH_HANT: "請妥善保管本回執", Lang.EN: "Please keep this receipt"},
}


def _bi(key: str, lang: Lang, **values: object) -> tuple[str, str | None]:
    """The zh-Hans text and, when the session's language says something else, that text."""
    main = LABELS[key][Lang.ZH_HANS].format(**values)
    other = LABELS[key][lang].format(**values)
    return main, (other if other != main else None)


def _label(key: str, lang: Lang) -> str:
    main, other = _bi(key, lang)
    return f"{main} {other}" if other else main


def _sentence(key: str, lang: Lang, align: Literal["left", "center"] = "left", **values: object) -> list[Block]:
    main, other = _bi(key, lang, **values)
    blocks: list[Block] = [Text(main, align=align)]
    if other:
        blocks.append(Text(other, size="small", align=align))
    return blocks


def receipt_blocks(receipt: Receipt) -> list[Block]:
    """The whole receipt, top to bottom, ending with the cut."""
    lang = receipt.language
    title, title_other = _bi("title", lang)
    blocks: list[Block] = [Text(title, size="title", align="center", bold=True)]
    if title_other:
        blocks.append(Text(title_other, size="small", align="center"))
    blocks += [
        Text(receipt.station_name, align="center"),
        Text(receipt.station_address, size="small", align="center"),
        Rule(),
        Text(_label("service", lang), size="small"),
        Text(receipt.service_name.zh_hans, bold=True),
    ]
    if lang is not Lang.ZH_HANS and receipt.service_name.get(lang) != receipt.service_name.zh_hans:
        blocks.append(Text(receipt.service_name.get(lang), size="small"))
    blocks += [
        Text(_label("number", lang), size="small"),
        Text(receipt.receipt_number, size="large", bold=True, one_line=True),
        Text(f"{_label('time', lang)}: {receipt.local_time:%Y-%m-%d}{NBSP}{receipt.local_time:%H:%M}"),
    ]
    if receipt.masked_name:
        blocks.append(Text(f"{_label('applicant', lang)}: {receipt.masked_name}"))
    if receipt.masked_id_number:
        blocks.append(Text(f"{_label('id', lang)}: {receipt.masked_id_number}"))
    blocks += [Rule(), Text(_label("status", lang), size="small")]
    if receipt.status is ReceiptStatus.RECEIVED:
        blocks += _sentence("received", lang)
        blocks.append(Text(f"{_label('reference', lang)}: {receipt.platform_reference}", bold=True))
    else:
        blocks += _sentence("queued", lang)
    if receipt.promise is not None:
        blocks.append(Text(_label("promise", lang), size="small"))
        if receipt.promise.instant:
            blocks += _sentence("instant", lang)
        else:
            blocks += _sentence("days", lang, n=receipt.promise.working_days)
    blocks += [Rule(), QR(receipt.qr_url)]
    blocks += _sentence("scan", lang, align="center")
    blocks += [
        Text(f"{_label('hotline', lang)}: {receipt.hotline}", align="center", bold=True),
        *_sentence("keep", lang, align="center"),
        Cut(),
    ]
    return blocks
