"""The console's pages (`/console/...`): server-rendered with Jinja2, autoescaped (every text
that came from a station is shown as text, never as markup), one small script of our own for
auto-refresh, no CDN.

Every page needs a session (else 303 to the login page). Forms (login, logout) carry a CSRF
token: the login form's is a cookie set with the form (double submit), a session's is kept
with the session; a POST whose token is missing or wrong, or whose Origin is another site,
is refused with 403. Responses forbid framing, caching and scripts from anywhere else.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from hub.console.config import ConsoleConfig
from hub.console.passwords import check_password
from hub.console.sessions import Session, Sessions, same
from hub.console.text import LANGUAGES, local_time, now_local, pick_language, utc_time, words
from hub.errors import HubError
from hub.fleet import ALERT_KINDS, STATES
from hub.routes.common import context, read_body

HERE = Path(__file__).parent
SESSION_COOKIE = "hub_console"
LOGIN_CSRF_COOKIE = "hub_console_login"
LANG_COOKIE = "hub_console_lang"
MAX_FORM_BYTES = 8 * 1024
#: Stations per overview page (a province's 5,000 in one table help nobody and cost seconds).
PAGE_SIZE = 100
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATIC = {"refresh.js": "text/javascript", "console.css": "text/css"}

router = APIRouter(prefix="/console", include_in_schema=False)


@dataclass
class Console:
    config: ConsoleConfig
    sessions: Sessions
    templates: Environment


def make_console(config: ConsoleConfig) -> Console:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    env.filters["local"] = local_time
    env.filters["utc"] = utc_time
    return Console(config, Sessions(config.session_idle_s, config.session_max_s), env)


def _console(request: Request) -> Console:
    console: Console | None = getattr(request.app.state, "console", None)
    if console is None:
        raise HubError(404, {"error": "not_found"})
    return console


def _lang(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                         request.headers.get("accept-language", ""))


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _finish(request: Request, response: Response) -> Response:
    response.headers.update(HEADERS)
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, path="/console", samesite="strict",
                            httponly=True, secure=_secure(request))
    return response


def _render(request: Request, console: Console, template: str, status: int = 200, **values: Any) -> Response:
    lang = _lang(request)
    html = console.templates.get_template(template).render(
        t=words(lang), lang=lang, languages=LANGUAGES, path=request.url.path, refresh_s=console.config.refresh_s,
        now_local=now_local(context(request).service.now()), **values,
    )
    return _finish(request, HTMLResponse(html, status_code=status))


def _session(request: Request, console: Console) -> Session | None:
    return console.sessions.get(request.cookies.get(SESSION_COOKIE))


def _to_login(request: Request) -> Response:
    return _finish(request, RedirectResponse("/console/login", status_code=303))


def _page(request: Request) -> tuple[Console, Session] | Response:
    """The console and the admin's session for a page, or the redirect to the login form."""
    console = _console(request)
    session = _session(request, console)
    return _to_login(request) if session is None else (console, session)


async def _form(request: Request) -> dict[str, str]:
    """A urlencoded form (small), first value of each field; 403 if posted from another site."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        parts = urlsplit(origin)
        if parts.netloc != request.headers.get("host", ""):
            raise HubError(403, {"error": "forbidden", "message": "cross-site form"})
    raw = await read_body(request, MAX_FORM_BYTES)
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=16)
    except (UnicodeDecodeError, ValueError):
        raise HubError(400, {"error": "malformed", "message": "not a form"}) from None
    return {k: v[0] for k, v in fields.items()}


def _refused(request: Request, console: Console) -> Response:
    return _render(request, console, "refused.html", status=403)


# -- login and logout ----------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request) -> Response:
    console = _console(request)
    token = secrets.token_urlsafe(24)
    response = _render(request, console, "login.html", csrf=token, error=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/console", samesite="strict", httponly=True,
                        secure=_secure(request))
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    console = _console(request)
    form = await _form(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not same(form.get("csrf", ""), cookie):
        return _refused(request, console)
    admin, password = form.get("name", "")[:64], form.get("password", "")[:256]
    error = None
    if console.sessions.locked_out(admin):
        error = "locked"
    else:
        stored = console.config.admins.get(admin)
        ok = await run_in_threadpool(check_password, password, stored or "scrypt$16384$8$1$00$00")
        if stored is None or not ok:
            console.sessions.failed(admin)
            error = "bad_login"
    if error is not None:
        token = secrets.token_urlsafe(24)
        response = _render(request, console, "login.html", status=401, csrf=token, error=error)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, path="/console", samesite="strict", httponly=True,
                            secure=_secure(request))
        return response
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(SESSION_COOKIE, console.sessions.start(admin), path="/console", samesite="strict",
                        httponly=True, secure=_secure(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/console")
    return _finish(request, response)


@router.post("/logout")
async def logout(request: Request) -> Response:
    page_of = _page(request)
    if isinstance(page_of, Response):
        return page_of
    console, session = page_of
    form = await _form(request)
    if not same(form.get("csrf", ""), session.csrf):
        return _refused(request, console)
    console.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/console")
    return _finish(request, response)


# -- pages ---------------------------------------------------------------------------------


@router.get("")
async def overview(request: Request, city: str = "", state: str = "", page: int = 1) -> Response:
    page_of = _page(request)
    if isinstance(page_of, Response):
        return page_of
    console, session = page_of
    fleet = await run_in_threadpool(context(request).service.fleet, console.config.rules)
    state = state if state in STATES else ""
    chosen = fleet.filtered(city, state)
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(max(1, page), pages)
    return _render(request, console, "overview.html", session=session, fleet=fleet, states=STATES,
                   alert_kinds=ALERT_KINDS, city=city, state=state, matching=len(chosen), page=page, pages=pages,
                   stations=chosen[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])


@router.get("/stations/{kiosk_id}")
async def station_page(request: Request, kiosk_id: str) -> Response:
    page_of = _page(request)
    if isinstance(page_of, Response):
        return page_of
    console, session = page_of
    try:
        detail = await run_in_threadpool(context(request).service.station_detail, kiosk_id, console.config.rules)
    except HubError as exc:
        if exc.status != 404:
            raise
        return _render(request, console, "missing.html", status=404, session=session, kiosk_id=kiosk_id)
    return _render(request, console, "station.html", session=session, **detail)


@router.get("/catalogs")
async def catalogs_page(request: Request) -> Response:
    page_of = _page(request)
    if isinstance(page_of, Response):
        return page_of
    console, session = page_of
    overview = await run_in_threadpool(context(request).service.catalog_overview, console.config.rules)
    return _render(request, console, "catalogs.html", session=session, **overview)


@router.get("/cases")
async def cases_page(request: Request) -> Response:
    page_of = _page(request)
    if isinstance(page_of, Response):
        return page_of
    console, session = page_of
    cases = await run_in_threadpool(context(request).service.cases, console.config.rules)
    statuses = sorted({s for counts in cases.values() for s in counts})
    return _render(request, console, "cases.html", session=session, cases=cases, statuses=statuses)


@router.get("/static/{name}")
async def static(request: Request, name: str) -> Response:
    _console(request)
    if name not in STATIC:
        raise HubError(404, {"error": "not_found"})
    body = (HERE / "static" / name).read_bytes()
    response = Response(body, media_type=STATIC[name])
    response.headers.update(HEADERS)
    response.headers["Cache-Control"] = "max-age=3600"
    return response
