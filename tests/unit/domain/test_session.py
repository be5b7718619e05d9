from devices.card.samples import RESIDENT
from kiosk.domain.i18n_text import Lang
from kiosk.domain.session import CapturedImage, CitizenSession
from kiosk.demo.catalogs import load_demo_catalog


def _page(role_id: str = "id-card", page: int = 1) -> CapturedImage:
    return CapturedImage(role_id, page, "id1", bytearray(b"\xff\xd8jpeg-bytes"), 640, 400)


def test_wipe_zeroes_images_and_drops_everything():
    catalog = load_demo_catalog()
    session = CitizenSession(lang=Lang.EN)
    session.lang = Lang.EN
    session.identity = RESIDENT
    session.identity_confirmed = True
    session.choose_service(catalog.service("RP-APPLY"), catalog.version)
    session.form["phone"] = "13800138000"
    page = _page()
    buffer = page.jpeg
    session.add_page(page)
    session.consent = True

    session.wipe()

    assert buffer == bytearray(len(buffer)), "the image buffer itself is overwritten"
    assert session.identity is None and session.service is None
    assert session.form == {} and session.pages == {}
    assert not (session.identity_confirmed or session.form_done or session.consent)
    assert session.lang is Lang.ZH_HANS and not session.started


def test_wipe_keeps_language_when_asked():
    session = CitizenSession(default_lang=Lang.ZH_HANT)
    assert session.lang is Lang.ZH_HANT
    session.lang = Lang.EN
    session.wipe(keep_lang=True)
    assert session.lang is Lang.EN
    session.wipe()
    assert session.lang is Lang.ZH_HANT


def test_retake_zeroes_the_replaced_image():
    session = CitizenSession()
    first, second = _page(), _page()
    old = first.jpeg
    session.add_page(first)
    session.add_page(second)
    assert old == bytearray(len(old))
    assert session.pages["id-card-1"] is second


def test_choosing_another_service_drops_the_previous_work():
    catalog = load_demo_catalog()
    session = CitizenSession()
    session.choose_service(catalog.service("RP-APPLY"), 1)
    session.form["phone"] = "13800138000"
    session.add_page(_page())
    session.choose_service(catalog.service("RP-APPLY"), 1)  # same choice again: kept
    assert session.form and session.pages
    session.choose_service(catalog.service("TAX-CERT"), 1)
    assert not session.form and not session.pages


def test_repr_shows_no_personal_data():
    session = CitizenSession()
    session.identity = RESIDENT
    session.form["phone"] = "13800138000"
    text = repr(session) + repr(_page())
    assert RESIDENT.name not in text and RESIDENT.id_number not in text and "13800138000" not in text
