"""eMRTD read through the real PC/SC stack: pcscd + vsmartcard vpcd + the virtual chip.

    python bench/card_emrtd.py [--reads 50] [--rounds 30]

Figures (target from the issue: eMRTD read p95 <= 300 ms, insert-to-message <= 150 ms):
- full eMRTD read: connect, SELECT applet, BAC (GET CHALLENGE + EXTERNAL AUTHENTICATE),
  EF.COM and DG1 under secure messaging, MRZ parsed and verified, card reset;
- the same with the chip answering in 61xx pieces (GET RESPONSE chaining);
- technician badge UID read;
- card insert -> listener event latency through the supervised monitor.
Needs root, pcscd and vsmartcard-vpcd (it starts its own pcscd; see tests/integration/card_pcsc).
`bench/card.py` calls `run()` for its eMRTD section.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

import queue  # noqa: E402  (after the line above: bench/queue.py would shadow it)

from smartcard import scard  # noqa: E402

from devices.card.base import CardEventKind, MrzKey  # noqa: E402
from tests.integration.card_pcsc.stack import get_stack  # noqa: E402
from tests.integration.card_pcsc.virtual_emrtd import VirtualBadge, VirtualEmrtd  # noqa: E402

KEY = MrzKey("KT0000001", "900101", "350101")


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _line(label: str, samples_s: list[float], target_ms: float | None = None) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    figures = {"n": len(ms), "p50_ms": statistics.median(ms), "p95_ms": _pct(ms, 95), "max_ms": max(ms)}
    verdict = ""
    if target_ms is not None:
        verdict = f"  target p95 <= {target_ms:.0f} ms: {figures['p95_ms'] / target_ms:.3f} of budget"
    print(
        f"  {label:<38} n={len(ms):<4} p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms"
        f"  max {figures['max_ms']:7.2f} ms{verdict}"
    )
    return figures


def _timed_reads(reader, card, reads: int, badge: bool = False) -> list[float]:
    stack = get_stack()
    out = []
    with stack.inserted(card):
        for _ in range(reads):
            started = time.perf_counter()
            reader.read_badge() if badge else reader.read_identity(KEY)
            out.append(time.perf_counter() - started)
    return out


def _raw_presence_waiter(reader_name: str, box: dict) -> threading.Thread:
    """A bare SCardGetStatusChange waiter on its own context: when pcscd itself reports the
    card. The monitor's overhead is its listener time minus this one."""
    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _, states = scard.SCardGetStatusChange(ctx, 0, [(reader_name, scard.SCARD_STATE_UNAWARE)])
    current = states[0][1] & ~scard.SCARD_STATE_CHANGED

    def wait() -> None:
        scard.SCardGetStatusChange(ctx, 5000, [(reader_name, current)])
        box["at"] = time.perf_counter()
        scard.SCardReleaseContext(ctx)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


def _insert_latency(rounds: int) -> tuple[list[float], list[float], int]:
    """Insert at a random moment (a hand does not follow pcscd's poll clock)."""
    stack = get_stack()
    reader = stack.reader()
    events: queue.Queue = queue.Queue()
    reader.start(lambda e: events.put((time.perf_counter(), e.kind)))
    rng = random.Random(7)
    latencies, overheads, missed = [], [], 0
    try:
        for _ in range(rounds):
            link = stack.link(VirtualEmrtd(key=KEY))
            time.sleep(rng.uniform(0.0, 0.5))
            box: dict = {}
            waiter = _raw_presence_waiter(stack.reader_name(0), box)
            started = time.perf_counter()
            link.insert()
            try:
                at, kind = events.get(timeout=3)
                assert kind is CardEventKind.INSERTED
                latencies.append(at - started)
                waiter.join(3)
                if "at" in box:
                    overheads.append(max(0.0, at - box["at"]))
            except queue.Empty:
                missed += 1
            link.remove()
            try:
                events.get(timeout=3)
            except queue.Empty:
                missed += 1
    finally:
        reader.stop()
    return latencies, overheads, missed


def run(reads: int = 50, rounds: int = 30) -> dict[str, dict[str, float]]:
    """Print the figures; return them (for bench/card.py and scripts)."""
    stack = get_stack()
    reader = stack.reader()
    print(f"eMRTD through pcscd + vpcd ({reads} reads, virtual chip, BAC + EF.COM + DG1)")
    results = {
        "emrtd_read": _line("read BAC+EF.COM+DG1", _timed_reads(reader, VirtualEmrtd(key=KEY), reads), 300),
        "emrtd_read_chained": _line(
            "same, 61xx chaining (32-byte pieces)",
            _timed_reads(reader, VirtualEmrtd(key=KEY, chain=32), reads),
            300,
        ),
        "badge_read": _line("badge UID (FF CA)", _timed_reads(reader, VirtualBadge(), reads, badge=True)),
    }
    latencies, overheads, missed = _insert_latency(rounds)
    results["insert_to_event"] = _line("insert -> listener event", latencies, 150)
    results["monitor_overhead"] = _line("  of which after pcscd reported it", overheads)
    print(f"  missed events: {missed} of {2 * rounds}")
    results["insert_to_event"]["missed"] = missed
    return results


def emrtd_section() -> dict[str, dict[str, float]]:
    return run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=50, help="reads per figure")
    parser.add_argument("--rounds", type=int, default=30, help="insert/remove rounds for the event latency")
    args = parser.parse_args()
    run(args.reads, args.rounds)


if __name__ == "__main__":
    main()
