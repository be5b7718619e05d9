"""The console's words in zh-Hans, zh-Hant and en, and its times: Asia/Shanghai shown, UTC on hover.

The language comes from `?lang=` (kept in a cookie), then the cookie, then Accept-Language;
zh-Hans by default.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hub.fleet import parse_time

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")

_WORDS: dict[str, tuple[str, str, str]] = {
    "title": ("站点总览", "站點總覽", "Fleet overview"),
    "console": ("自助终端管理台", "自助終端管理台", "Fleet console"),
    "login": ("登录", "登入", "Log in"),
    "logout": ("退出", "登出", "Log out"),
    "name": ("用户名", "用戶名", "Name"),
    "password": ("密码", "密碼", "Password"),
    "bad_login": ("用户名或密码错误", "用戶名或密碼錯誤", "Wrong name or password"),
    "locked": ("尝试次数过多，请稍后再试", "嘗試次數過多，請稍後再試", "Too many attempts: try again later"),
    "overview": ("总览", "總覽", "Overview"),
    "catalogs": ("服务目录", "服務目錄", "Catalogs"),
    "cases": ("办件", "辦件", "Cases"),
    "station": ("站点", "站點", "Station"),
    "city": ("城市", "城市", "City"),
    "state": ("状态", "狀態", "State"),
    "all": ("全部", "全部", "All"),
    "filter": ("筛选", "篩選", "Filter"),
    "last_seen": ("最后心跳", "最後心跳", "Last heartbeat"),
    "software": ("软件版本", "軟件版本", "Software"),
    "queue": ("待发送", "待發送", "Queue"),
    "oldest": ("最早待发送", "最早待發送", "Oldest pending"),
    "quarantined": ("隔离", "隔離", "Quarantined"),
    "alerts": ("告警", "告警", "Alerts"),
    "no_alerts": ("无告警", "無告警", "No alerts"),
    "devices": ("设备", "設備", "Devices"),
    "device": ("设备", "設備", "Device"),
    "detail": ("详情", "詳情", "Detail"),
    "issuer": ("发布地区", "發佈地區", "Issuer region"),
    "version": ("版本", "版本", "Version"),
    "published": ("发布时间", "發佈時間", "Published"),
    "stations": ("站点", "站點", "Stations"),
    "audit_head": ("审计链最新记录", "審計鏈最新記錄", "Last audit head"),
    "heads_kept": ("平台保存的记录数", "平台保存的記錄數", "Heads kept by the platform"),
    "help_requests": ("求助记录", "求助記錄", "Help requests"),
    "kind": ("类型", "類型", "Kind"),
    "step": ("办理步骤", "辦理步驟", "Session step"),
    "requested": ("求助时间", "求助時間", "Requested"),
    "region": ("归属地区", "歸屬地區", "Owning region"),
    "status": ("状态", "狀態", "Status"),
    "count": ("数量", "數量", "Count"),
    "none": ("无", "無", "None"),
    "local_time": ("北京时间", "北京時間", "Beijing time"),
    "ok": ("正常", "正常", "OK"),
    "degraded": ("降级", "降級", "Degraded"),
    "down": ("故障", "故障", "Down"),
    "silent": ("失联", "失聯", "Silent"),
    "silent_alert": ("失联", "失聯", "Silent"),
    "printer_out_alert": ("打印机缺纸或故障", "打印機缺紙或故障", "Printer out"),
    "backlog_alert": ("积压过久", "積壓過久", "Backlog too old"),
    "catalog_expired_alert": ("目录已过期", "目錄已過期", "Catalog expired"),
    "help_alert": ("市民求助", "市民求助", "Help requested"),
    "active": ("生效", "生效", "active"),
    "staged": ("待生效", "待生效", "staged"),
    "expired": ("已过期", "已過期", "expired"),
}


def words(lang: str) -> dict[str, str]:
    index = LANGUAGES.index(lang)
    return {key: texts[index] for key, texts in _WORDS.items()}


def pick_language(query: str | None, cookie: str | None, accept: str) -> str:
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice  # type: ignore[return-value]
    accept = accept.lower()
    if accept.startswith("en"):
        return "en"
    if any(tag in accept.split(",")[0] for tag in ("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return "zh-Hant"
    return "zh-Hans"


def local_time(utc_text: str) -> str:
    """`2026-11-23T09:00:00.000Z` as `2026-11-23 17:00:00` in Asia/Shanghai ('' if unreadable)."""
    try:
        return parse_time(utc_text).astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ""


def utc_time(utc_text: str) -> str:
    try:
        return parse_time(utc_text).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return ""


def now_local(now: datetime) -> str:
    return now.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S")
