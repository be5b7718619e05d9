"""Card reader benchmarks: `python bench/card.py [--reads N] [--cycles N] [--poll S]`.

Figures, each against the target in issue 4:
- GA 467 read (find + select + read base information) over a pty SAM simulator, p50/p95;
- parse + validate of the 256-byte base text (target p95 <= 5 ms);
- card insert -> listener latency, simulated and GA 467 backends (target p95 <= 150 ms;
  the GA 467 figure is dominated by the polling interval, so it is run at the shipped
  default `poll_interval_s` and reported as a ratio of it);
- N scripted insert/remove cycles per backend: every event must arrive, in order (target:
  zero missed events);
- the eMRTD section (BAC + EF.COM + DG1 through pcscd + vpcd) from bench/card_emrtd.py,
  when that file exists (it belongs to the PC/SC backend).
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the repo root instead of bench/ (whose queue.py shadows the stdlib's)

import queue  # noqa: E402  (after the line above: bench/queue.py would shadow it)

from devices.card import samples  # noqa: E402
from devices.card.base import CardEvent, CardEventKind, CardReader  # noqa: E402
from devices.card.ga467 import Ga467CardReader  # noqa: E402
from devices.card.ga467_text import encode_base_text, parse_base_text  # noqa: E402
from devices.card.settings import Ga467Settings  # noqa: E402
from devices.card.simulated import SimulatedCardReader  # noqa: E402
from tests.integration.card.ga467_sam import SamSimulator  # noqa: E402

GA467_DOCUMENTS = [samples.RESIDENT, samples.RESIDENT_LONG_TERM, samples.HMT_PERMIT, samples.FOREIGNER_2017, samples.FOREIGNER_2023]
PARSE_TARGET_MS = 5.0
INSERT_TARGET_MS = 150.0
EVENT_TIMEOUT_S = 5.0


def percentiles(samples_ms: list[float]) -> tuple[float, float, float]:
    """p50, p95, max."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


def row(label: str, values_ms: list[float], target_ms: float | None = None) -> None:
    p50, p95, worst = percentiles(values_ms)
    line = f"  {label:<44} n={len(values_ms):<5} p50 {p50:8.3f} ms  p95 {p95:8.3f} ms  max {worst:8.3f} ms"
    if target_ms is not None:
        line += f"  p95/target {p95 / target_ms:6.3f} ({'ok' if p95 <= target_ms else 'MISSED'})"
    print(line)


def ga467_reads(reads: int) -> None:
    print("GA 467 read over a pty (find 20 01 + select 20 02 + read 30 01, 1,295-byte answer)")
    with SamSimulator() as sam:
        reader = Ga467CardReader(Ga467Settings(port=sam.port))
        timings = []
        for i in range(reads):
            identity = GA467_DOCUMENTS[i % len(GA467_DOCUMENTS)]
            sam.insert(identity)
            start = time.perf_counter()
            got = reader.read_identity()
            timings.append((time.perf_counter() - start) * 1000)
            assert got == identity
        reader.stop()
    row("full read, pty (no baud-rate delay)", timings)
    wire_ms = (10 + 15 + 10 + 19 + 10 + 1295) * 10 / 115200 * 1000  # 10 bits a byte
    print(f"  (the same bytes at 115200 baud add {wire_ms:.1f} ms on a real serial line)")


def parse_validate(iterations: int) -> None:
    print("Parse + validate the 256-byte base text")
    texts = [encode_base_text(identity) for identity in GA467_DOCUMENTS]
    photo = bytes(1024)
    timings = []
    for i in range(iterations):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        parse_base_text(text, photo)
        timings.append((time.perf_counter() - start) * 1000)
    row("parse_base_text", timings, PARSE_TARGET_MS)


def _wait_for(events: queue.Queue[CardEvent], kind: CardEventKind) -> float:
    event = events.get(timeout=EVENT_TIMEOUT_S)
    if event.kind != kind:
        raise AssertionError(f"expected {kind.value}, got {event.kind.value}")
    return time.perf_counter()


def insert_latency(
    label: str,
    reader: CardReader,
    insert: Callable[[], None],
    remove: Callable[[], None],
    rounds: int,
    phase_s: float,
) -> list[float]:
    """Insert -> INSERTED at the listener. A citizen's card arrives at a random moment, not
    just after a poll: each insert waits a random 0..phase_s first."""
    events: queue.Queue[CardEvent] = queue.Queue()
    reader.start(events.put)
    timings = []
    jitter = random.Random(467)
    try:
        for _ in range(rounds):
            time.sleep(jitter.uniform(0, phase_s))
            start = time.perf_counter()
            insert()
            timings.append((_wait_for(events, CardEventKind.INSERTED) - start) * 1000)
            remove()
            _wait_for(events, CardEventKind.REMOVED)
    finally:
        reader.stop()
    row(label, timings, INSERT_TARGET_MS)
    return timings


def cycles(label: str, reader: CardReader, insert: Callable[[], None], remove: Callable[[], None], count: int) -> None:
    events: queue.Queue[CardEvent] = queue.Queue()
    reader.start(events.put)
    missed = 0
    start = time.perf_counter()
    try:
        for _ in range(count):
            for action, kind in ((insert, CardEventKind.INSERTED), (remove, CardEventKind.REMOVED)):
                action()
                try:
                    _wait_for(events, kind)
                except (queue.Empty, AssertionError):
                    missed += 1
    finally:
        reader.stop()
    extra = events.qsize()
    elapsed = time.perf_counter() - start
    verdict = "ok" if missed == 0 and extra == 0 else "MISSED"
    print(
        f"  {label:<44} {count} cycles in {elapsed:6.2f} s ({2 * count / elapsed:7.0f} events/s), "
        f"missed {missed}, unexpected {extra} ({verdict})"
    )


def simulated_section(rounds: int, count: int) -> None:
    reader = SimulatedCardReader()
    insert_latency(
        "simulated: insert -> listener", reader, lambda: reader.insert(samples.RESIDENT), reader.remove, rounds, 0.0
    )
    reader = SimulatedCardReader()
    cycles("simulated: insert/remove", reader, lambda: reader.insert(samples.RESIDENT), reader.remove, count)


def ga467_section(rounds: int, count: int, poll_s: float) -> None:
    default_poll = Ga467Settings().poll_interval_s
    with SamSimulator() as sam:
        reader = Ga467CardReader(Ga467Settings(port=sam.port))
        timings = insert_latency(
            f"ga467: insert -> listener (poll {default_poll:g} s)",
            reader,
            lambda: sam.insert(samples.RESIDENT),
            sam.remove,
            rounds,
            default_poll,
        )
        print(f"  {'':<44} p50/poll interval {statistics.median(timings) / (default_poll * 1000):5.2f}")
        reader = Ga467CardReader(Ga467Settings(port=sam.port, poll_interval_s=poll_s))
        cycles(f"ga467: insert/remove (poll {poll_s:g} s)", reader, lambda: sam.insert(samples.RESIDENT), sam.remove, count)


def emrtd_section() -> None:
    """The PC/SC eMRTD figures: runs `run()` of bench/card_emrtd.py if that file exists."""
    path = Path(__file__).with_name("card_emrtd.py")
    if not path.exists():
        print("eMRTD (pcscd + vpcd): bench/card_emrtd.py not present, skipped")
        return
    spec = importlib.util.spec_from_file_location("bench_card_emrtd", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=300, help="GA 467 reads over the pty")
    parser.add_argument("--parses", type=int, default=20000, help="base-text parses")
    parser.add_argument("--rounds", type=int, default=100, help="insert-latency rounds per backend")
    parser.add_argument("--cycles", type=int, default=1000, help="insert/remove cycles per backend")
    parser.add_argument("--poll", type=float, default=0.005, help="GA 467 poll interval for the cycle run (s)")
    parser.add_argument("--skip-emrtd", action="store_true", help="leave out the PC/SC eMRTD section")
    args = parser.parse_args()

    ga467_reads(args.reads)
    parse_validate(args.parses)
    print("Card insert -> listener, and scripted insert/remove cycles")
    simulated_section(args.rounds, args.cycles)
    ga467_section(args.rounds, args.cycles, args.poll)
    if not args.skip_emrtd:
        emrtd_section()


if __name__ == "__main__":
    main()
