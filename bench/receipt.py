"""Receipt printer benchmarks: `python bench/receipt.py [--renders N] [--status N]`.

Figures, each against the target in issue 6:
- receipt model -> ESC/POS bytes, GB18030 text mode and raster mode (CJK font, 58 and
  80 mm), first call (font loading) and steady state p50/p95; target <= 50 ms. Peer:
  python-escpos' own path for the same lines (`text()` with MagicEncode + native QR);
- status round trip (connect + DLE EOT 1/2/4) against the virtual printer on loopback,
  p50/p95; target <= 1 s;
- a dead printer detected (silent: accepts, never answers; refused: nothing listens),
  with the shipped default timeouts; target <= 2 s;
- one raster receipt sent to the virtual printer (status + job), p50.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

from escpos.printer import Dummy  # noqa: E402

from devices.printer.base import PrinterProfile, PrinterState  # noqa: E402
from devices.printer.escpos_backend import EscposPrinter  # noqa: E402
from devices.printer.settings import PrinterSettings  # noqa: E402
from kiosk.commands.receipt import sample_receipt  # noqa: E402
from kiosk.config import StationSection  # noqa: E402
from devices.printer.blocks import QR, Cut, Text  # noqa: E402
from devices.printer.raster import qr_module_size  # noqa: E402
from devices.printer.render import to_escpos  # noqa: E402
from kiosk.domain.receipt_layout import receipt_blocks  # noqa: E402
from kiosk.domain.i18n_text import Lang  # noqa: E402
from tests.support.virtual_printer import VirtualPrinter  # noqa: E402

RENDER_TARGET_S, STATUS_TARGET_S, DEAD_TARGET_S = 0.050, 1.0, 2.0


def timed(func: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def line(name: str, samples: list[float], target: float) -> None:
    p50, worst = statistics.median(samples), p95(samples)
    verdict = "ok" if worst <= target else "OVER TARGET"
    print(f"  {name:<44} p50 {p50 * 1000:8.2f} ms  p95 {worst * 1000:8.2f} ms  p95/target {worst / target:5.2f}  {verdict}")


def escpos_peer(receipt, profile: PrinterProfile) -> bytes:
    """The same lines through python-escpos' own text path (MagicEncode) and native QR."""
    printer = Dummy()
    for block in receipt_blocks(receipt):
        if isinstance(block, Text):
            printer.textln(block.text)
        elif isinstance(block, QR):
            printer.qr(block.data, native=True, size=qr_module_size(profile))
        elif isinstance(block, Cut):
            printer.cut()
        else:
            printer.textln("-" * profile.columns)
    return printer.output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    parser.add_argument("--status", type=int, default=50)
    args = parser.parse_args()
    receipt = sample_receipt(StationSection(), Lang.EN, None)

    def render(profile: PrinterProfile) -> bytes:
        return to_escpos(receipt_blocks(receipt), profile)

    print("receipt -> ESC/POS bytes (target <= 50 ms)")
    profiles = {
        "text GB18030 58 mm": PrinterProfile(gb18030=True),
        "raster CJK 58 mm": PrinterProfile(gb18030=False),
        "raster CJK 80 mm": PrinterProfile(width_dots=576, columns=48, gb18030=False),
    }
    for name, profile in profiles.items():
        first = timed(lambda p=profile: render(p), 1)[0]
        samples = timed(lambda p=profile: render(p), args.renders)
        size = len(render(profile))
        print(f"  {name}: first call {first * 1000:.1f} ms (font loading), {size} bytes")
        line(f"{name}, steady", samples, RENDER_TARGET_S)
    peer = timed(lambda: escpos_peer(receipt, profiles["text GB18030 58 mm"]), args.renders)
    ours = timed(lambda: render(profiles["text GB18030 58 mm"]), args.renders)
    line("peer: python-escpos text()+qr, same lines", peer, RENDER_TARGET_S)
    print(f"  ratio ours/peer (text mode, p50): {statistics.median(ours) / statistics.median(peer):.2f}")

    print("status and dead-printer detection against the virtual printer on loopback")
    defaults = PrinterSettings()
    with VirtualPrinter() as virtual:
        printer = EscposPrinter(PrinterSettings(backend="network", host=virtual.host, port=virtual.port))
        line("status round trip (connect + DLE EOT 1/2/4)", timed(printer.status, args.status), STATUS_TARGET_S)
        job = render(profiles["raster CJK 58 mm"])
        line(f"status + raster receipt ({len(job) // 1024} KiB) sent", timed(lambda: printer.print_bytes(job), 10), 8.0)
        virtual.set_state(PrinterState.OFFLINE)
        silent = timed(printer.status, 3)
        assert printer.status().state is PrinterState.OFFLINE
        line(f"silent printer -> offline (status timeout {defaults.status_timeout_s:g} s)", silent, DEAD_TARGET_S)
        virtual.refuse()
        line("refused connection -> offline", timed(printer.status, 5), DEAD_TARGET_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
