"""One screen per citizen step; `SCREENS` maps each step to its screen class."""

from __future__ import annotations

from kiosk.domain.flow import Step
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.screens.capture import CaptureScreen
from kiosk.ui.screens.choose import ChooseScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.form import FormScreen
from kiosk.ui.screens.done import DoneScreen
from kiosk.ui.screens.face_check import FaceCheckScreen
from kiosk.ui.screens.face_consent import FaceConsentScreen
from kiosk.ui.screens.identify import IdentifyScreen
from kiosk.ui.screens.review import ReviewScreen
from kiosk.ui.screens.submit import SubmitScreen

SCREENS: dict[Step, type[KioskScreen]] = {
    Step.ATTRACT: AttractScreen,
    Step.IDENTIFY: IdentifyScreen,
    Step.CONFIRM: ConfirmScreen,
    Step.CHOOSE: ChooseScreen,
    Step.FACE_CONSENT: FaceConsentScreen,
    Step.FACE: FaceCheckScreen,
    Step.FORM: FormScreen,
    Step.CAPTURE: CaptureScreen,
    Step.REVIEW: ReviewScreen,
    Step.SUBMIT: SubmitScreen,
    Step.DONE: DoneScreen,
}
