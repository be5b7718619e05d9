"""Citizen UI figures: the capture loop's cost per frame, a whole session's time, and the
voice: time from a step change to the start of its speech, and a session with the voice on.

Run: python bench/ui.py   (from the project root; prints figures and ratios)
The voice figures use the real espeak-ng (Debian package) and the real `aplay` writing to
ALSA's null device, since a bench machine may have no sound card: "start of speech" is the
moment the player process is started with the synthesised WAV (what `SpeakerState.started_at`
records), not the first sound at the loudspeaker, which adds the audio device's buffer.
Peer for the preview: Textual's own cost of painting is not measured here; the figure
that matters is how much of a frame's budget the preview conversion takes next to the
tracker, at the camera sizes a station uses.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

# The project root instead of bench/ itself: bench/queue.py would shadow the stdlib `queue`.
sys.path[0] = str(Path(__file__).resolve().parents[1])


from devices.audio.base import Speaker  # noqa: E402
from devices.audio.espeak import EspeakSpeaker  # noqa: E402
from devices.audio.settings import AudioSettings  # noqa: E402
from devices.camera.base import DocKind  # noqa: E402
from devices.camera.simulated import SimulatedCamera  # noqa: E402
from devices.camera.tracker import CaptureTracker  # noqa: E402
from devices.card.samples import RESIDENT  # noqa: E402
from devices.card.simulated import SimulatedCardReader  # noqa: E402
from devices.printer.simulated import SimulatedPrinter  # noqa: E402
from kiosk.domain.flow import Step  # noqa: E402
from kiosk.station import (  # noqa: E402
    STATION_SIZE,
    DailyReceiptNumbers,
    Station,
    StationInfo,
)
from kiosk.demo.catalogs import load_demo_catalog  # noqa: E402
from kiosk.demo.controls import DemoCards  # noqa: E402
from kiosk.bootstrap.technician import build_gate  # noqa: E402
from kiosk.health.supervisor import Supervisor, probers_for  # noqa: E402
from kiosk.technician.ops import TechnicianOps  # noqa: E402
from kiosk.technician.credentials import hash_pin  # noqa: E402
from kiosk.technician.settings import TechnicianSettings  # noqa: E402
from kiosk.ui.app import KioskApp  # noqa: E402
from kiosk.ui.screens.capture import fitted_cells  # noqa: E402
from offline_queue.audit import AuditTrail  # noqa: E402
from offline_queue.sealing import Sealer, generate_keypair  # noqa: E402
from offline_queue.outbox import Outbox  # noqa: E402

FRAMES = 20
SESSIONS = 5


def bench_capture_frame() -> None:
    print("capture loop, per frame (simulated A4 on a dark mat, preview 54 x 24 cells):")
    for width, height in ((960, 540), (1920, 1080)):
        camera = SimulatedCamera(width=width, height=height)
        camera.start()
        camera.place(DocKind.A4)
        tracker = CaptureTracker(DocKind.A4, steady_frames=10_000)  # never captures: steady state
        frame = camera.latest()
        update = tracker.update(frame)
        started = time.perf_counter()
        for _ in range(FRAMES):
            update = tracker.update(camera.latest())
        tracked = (time.perf_counter() - started) / FRAMES
        started = time.perf_counter()
        for _ in range(FRAMES):
            fitted_cells(frame.image, update.corners, 54, 24)
        cells = (time.perf_counter() - started) / FRAMES
        print(
            f"  {width}x{height}: tracker {tracked * 1000:6.1f} ms, preview cells {cells * 1000:5.1f} ms "
            f"(preview = {cells / tracked:.0%} of the tracker), at most {1 / (tracked + cells):4.1f} frames/s"
        )


class _TimedApp(KioskApp):
    """The station's app, noting when each step change happens (for the speech latency)."""

    CSS_PATH = str(Path(sys.modules[KioskApp.__module__].__file__ or "").with_name(str(KioskApp.CSS_PATH)))
    changed_at = 0.0

    def goto(self, step: Step) -> None:
        self.changed_at = time.monotonic()
        super().goto(step)


async def _speech_started(app: _TimedApp, voice: Speaker | None, pilot, latencies: list[float]) -> None:
    """Wait for the speech of the step just shown to start; note how long after the change."""
    if voice is None:
        return
    deadline = time.monotonic() + 5
    while (voice.state().started_at or 0.0) < app.changed_at:
        if time.monotonic() > deadline:
            raise RuntimeError(f"no speech started for {app.step}: {voice.state().last_error}")
        await pilot.pause(0.005)
    latencies.append(voice.state().started_at - app.changed_at)  # type: ignore[operator]


async def _one_session(tmp: Path, index: int, voice: Speaker | None = None, latencies: list[float] | None = None) -> float:
    """One TAX-CERT session by Pilot clicks; with `voice`, spoken, each step's speech waited for."""
    latencies = latencies if latencies is not None else []
    reader, printer, camera = SimulatedCardReader(), SimulatedPrinter(), SimulatedCamera(width=960, height=540)
    outbox = Outbox.open(tmp / f"q{index}.db", Sealer(generate_keypair()[1], "bench"))
    audit = AuditTrail(tmp / f"audit{index}.db")
    gate = build_gate(TechnicianSettings(pin_hash=hash_pin("246810")), audit, None)
    technician = TechnicianOps(
        gate=gate, supervisor=Supervisor(probers_for(reader, camera, printer)), audit=audit, outbox=outbox,
        card=reader, camera=camera, printer=printer, station_id="GZ-HZ-0001", region="440105", trusted_admin_keys={},
    )
    catalog = load_demo_catalog()
    station = Station(
        card=reader, camera=camera, printer=printer, outbox=outbox, catalog=lambda: catalog,
        info=StationInfo("GZ-HZ-0001", "bench", "bench", "12345", "https://x/s/"),
        technician=technician,
        next_receipt_number=DailyReceiptNumbers(outbox, "GZ-HZ-0001"),
        demo=DemoCards({"resident": RESIDENT}, reader.insert, reader.remove),
        voice=voice,
    )  # fmt: skip
    app = _TimedApp(station)
    try:
        async with app.run_test(size=STATION_SIZE) as pilot:
            app.session.voice = voice is not None
            started = time.perf_counter()
            await pilot.click("#lang-zh-Hans")
            while app.step is not Step.IDENTIFY:
                await pilot.pause(0.01)
            await _speech_started(app, voice, pilot, latencies)
            await pilot.click("#sample-resident")
            while app.step is not Step.CONFIRM:
                await pilot.pause(0.01)
            await _speech_started(app, voice, pilot, latencies)
            for selector, next_step in (
                ("#yes", Step.CHOOSE), ("#service-TAX-CERT", Step.FORM), ("#choice-year-0", None),
                ("#next", Step.REVIEW), ("#consent", None), ("#submit", None),
            ):  # fmt: skip
                await pilot.click(selector)
                await pilot.pause()
                while next_step is not None and app.step is not next_step:
                    await pilot.pause(0.01)
                if next_step is not None:
                    await _speech_started(app, voice, pilot, latencies)
            while not printer.printed:
                await pilot.pause(0.01)
            await _speech_started(app, voice, pilot, latencies)  # the done step's
            return time.perf_counter() - started
    finally:
        audit.close()
        outbox.close()


def bench_session() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        times = [asyncio.run(_one_session(Path(tmp), i)) for i in range(SESSIONS)]
    times.sort()
    print(f"whole session by Pilot clicks (TAX-CERT, enqueue + print), {SESSIONS} runs:")
    print(f"  median {times[len(times) // 2] * 1000:.0f} ms, best {times[0] * 1000:.0f} ms, worst {times[-1] * 1000:.0f} ms")


def bench_voice() -> None:
    """Speech latency per step change, and the session with the voice on next to without."""
    settings = AudioSettings(backend="espeak", player=["aplay", "-q", "-D", "null"])
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        quiet = sorted(asyncio.run(_one_session(Path(tmp), i)) for i in range(SESSIONS))
        spoken = []
        for i in range(SESSIONS):
            voice = EspeakSpeaker(settings)
            try:
                spoken.append(asyncio.run(_one_session(Path(tmp), SESSIONS + i, voice, latencies)))
            finally:
                voice.close()
    spoken.sort()
    latencies.sort()
    print(f"voice (espeak-ng zh-Hans, aplay to ALSA null): step change -> player started, {len(latencies)} changes:")
    print(
        f"  median {latencies[len(latencies) // 2] * 1000:.0f} ms, 90th percentile "
        f"{latencies[int(len(latencies) * 0.9)] * 1000:.0f} ms, worst {latencies[-1] * 1000:.0f} ms (target 300 ms)"
    )
    print("whole session with the voice on (elderly mode's voice; each step's speech waited for to start):")
    print(
        f"  median {spoken[len(spoken) // 2] * 1000:.0f} ms next to {quiet[len(quiet) // 2] * 1000:.0f} ms silent "
        f"({spoken[len(spoken) // 2] / quiet[len(quiet) // 2]:.2f}x)"
    )


if __name__ == "__main__":
    bench_capture_frame()
    bench_session()
    bench_voice()
