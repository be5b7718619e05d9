"""The supervisor's prober for the face camera, on the simulated face camera (a real backend
object: its probe answers from its own state, unplugged or not)."""

from __future__ import annotations

from devices.face.simulated import SimulatedFaceCamera, load_portrait
from kiosk.health.supervisor import FACE_CAMERA, DeviceState, Supervisor, probers_for


def test_face_camera_is_probed_as_its_own_device_and_recovers():
    camera = SimulatedFaceCamera(load_portrait())
    camera.start()
    sup = Supervisor(probers_for(face_camera=camera), probe_timeout_s=1.0)
    sup.probe_once()
    assert sup.health(FACE_CAMERA).state is DeviceState.OK
    camera.unplug()
    sup.probe_once()
    health = sup.health(FACE_CAMERA)
    assert health.state is DeviceState.DOWN and "unplugged" in health.detail
    camera.replug()
    sup.probe_once()
    assert sup.health(FACE_CAMERA).state is DeviceState.OK


def test_no_face_camera_no_prober():
    assert FACE_CAMERA not in probers_for()
