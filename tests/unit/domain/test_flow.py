from devices.card.samples import FOREIGNER_2023, HMT_PERMIT, RESIDENT
from kiosk.domain.flow import Step, devices_needed, missing_pages, next_step, page_slots, previous_step, service_options
from kiosk.domain.form import prefill
from kiosk.domain.session import CapturedImage, CitizenSession
from kiosk.demo.catalogs import load_demo_catalog

CATALOG = load_demo_catalog()


def _by_code(options):
    return {o.service.code: o for o in options}


def test_services_the_document_does_not_allow_are_disabled_with_a_reason():
    options = _by_code(service_options(CATALOG, HMT_PERMIT))
    assert options["SI-RECORD"].enabled
    assert options["RP-APPLY"].reason == "choose.reason.document"
    foreigner = _by_code(service_options(CATALOG, FOREIGNER_2023))
    assert foreigner["FOREIGNER-SI"].enabled and not foreigner["HKMO-ENDORSE"].enabled


def test_services_needing_a_device_that_is_down_are_disabled():
    options = _by_code(service_options(CATALOG, RESIDENT, unavailable={"camera"}))
    assert options["RP-APPLY"].reason == "choose.reason.device"  # needs the camera
    assert options["TAX-CERT"].enabled  # printer only


def test_a_document_service_needs_the_camera_even_when_the_catalog_forgets_to_say_so():
    """Bad input: a catalog whose document service lists no "camera" in `requires`."""
    forgetful = CATALOG.service("RP-APPLY").model_copy(update={"requires": ()})
    assert forgetful.documents
    catalog = CATALOG.model_copy(update={"services": (forgetful,)})
    [option] = service_options(catalog, RESIDENT, unavailable={"camera"})
    assert option.reason == "choose.reason.device"
    assert devices_needed(forgetful) == {"camera"}


def test_page_slots_expand_multi_page_documents_in_order():
    slots = page_slots(CATALOG.service("RP-APPLY"))
    assert [s.role for s in slots] == ["id-card-1", "id-card-2", "tenancy-1", "tenancy-2"]
    assert {s.kind for s in slots} == {"id1", "a4"}


def test_next_step_walks_the_whole_flow():
    session = CitizenSession()
    assert next_step(session) is Step.IDENTIFY
    session.identity = RESIDENT
    assert next_step(session) is Step.CONFIRM
    session.identity_confirmed = True
    assert next_step(session) is Step.CHOOSE
    service = CATALOG.service("HKMO-ENDORSE")
    session.choose_service(service, CATALOG.version)
    session.form.update(prefill(service, RESIDENT))
    session.form_done = True
    assert next_step(session) is Step.FORM, "an invalid form is not done"
    session.form |= {"destination": "mo", "kind": "tour1", "phone": "13800138000"}
    assert next_step(session) is Step.CAPTURE
    session.add_page(CapturedImage("permit", 1, "id1", bytearray(b"x"), 10, 10))
    assert missing_pages(session) == []
    assert next_step(session) is Step.REVIEW
    session.consent = True
    assert next_step(session) is Step.SUBMIT


def test_back_undoes_the_step_it_leaves():
    session = CitizenSession(identity=RESIDENT, identity_confirmed=True)
    session.choose_service(CATALOG.service("TAX-CERT"), 1)  # no documents to capture
    session.form_done = True
    assert previous_step(Step.REVIEW, session) is Step.FORM and not session.form_done
    assert previous_step(Step.CHOOSE, session) is Step.CONFIRM and not session.identity_confirmed
    assert previous_step(Step.IDENTIFY, session) is Step.ATTRACT


def test_a_service_for_foreigners_is_not_offered_to_a_chinese_passport_holder():
    """Finding 5: the catalog's excluded_nationalities keeps FOREIGNER-SI from a CHN passport."""
    from devices.card.samples import PASSPORT

    chinese = _by_code(service_options(CATALOG, PASSPORT))
    assert chinese["FOREIGNER-SI"].reason == "choose.reason.nationality"
    assert _by_code(service_options(CATALOG, FOREIGNER_2023))["FOREIGNER-SI"].enabled
