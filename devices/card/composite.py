"""Several card readers behind the one `CardReader` Protocol (`[card] backends`).

A Greater Bay Area station reads resident ID cards and permits on a GA 467 reader and
passports and badges on a PC/SC reader, at once. This reader starts every configured one
and merges their events so that the station still sees ONE reader:

- The first card on any reader is the card: its INSERTED is passed on (carrying the name
  of the reader it lies on) and reads go to that reader. A card laid on another reader
  meanwhile is held back, not announced, until the first one leaves; then it becomes the
  card and its INSERTED is passed on.
- A reader that goes away degrades only what it reads: its READER_REMOVED / READER_ADDED
  are kept here (they would end a session running on the other reader) and change
  `capabilities`, the union of the readers that are up now. Only when the last reader
  goes does READER_REMOVED pass on; the first to come back passes READER_ADDED on.
- Without `start()` (the `card read` command) or before any card event, a read asks each
  reader in the configured order that can read the wanted kind: an empty or dead reader
  passes the turn on; a card that is there but wrong for the request is rejected.

Up or down is learnt from the readers' own events, from `probe()` (the supervisor calls it
on a timer) and from reads that find a reader gone. Nothing here blocks beyond the
readers' own bounded calls; `probe()` runs them side by side so the slowest reader bounds
it, not their sum.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from devices.card.base import (
    BadgeRead,
    Capability,
    CardEvent,
    CardEventKind,
    CardListener,
    CardReader,
    Identity,
    MrzKey,
)
from devices.card.events import deliver
from devices.errors import CardRejected, DeviceError, DeviceTimeout, DeviceUnavailable, NoCard

T = TypeVar("T")
_GONE = (DeviceUnavailable, DeviceTimeout)  # a reader that cannot be reached, not a card problem
_IDENTITY = Capability.RESIDENT_ID | Capability.EMRTD
PROBE_WAIT_S = 30.0  # beyond every reader's own bound: a probe still running then is a hang


@dataclass(frozen=True, slots=True)
class ReaderProbe:
    """One reader's answer to a probe: its name, whether it is up, a data-free detail."""

    reader: str
    up: bool
    detail: str


def out_of_service(reader: CardReader) -> Capability:
    """What `reader` would read with every part working but cannot now: only a composite
    reader is ever partly down (a single reader is up or down as a whole)."""
    return reader.out_of_service() if isinstance(reader, CompositeCardReader) else Capability.NONE


def describe(probes: Sequence[ReaderProbe]) -> str:
    """One line for every reader's probe, the down ones marked (a reader's own detail
    already names it)."""
    return "; ".join(p.detail if p.up else f"{p.reader}: down ({p.detail})" for p in probes)


class CompositeCardReader:
    """Implements `devices.card.base.CardReader` over several readers (see the module)."""

    def __init__(self, readers: Sequence[CardReader]) -> None:
        names = [reader.name for reader in readers]
        if not readers or len(set(names)) != len(names):
            raise ValueError("a composite reader needs one or more readers with distinct names")
        self.name = " + ".join(names)
        self.readers = tuple(readers)
        #: Everything the configured readers read together, whether up or not.
        self.declared = functools.reduce(lambda a, b: a | b, (r.capabilities for r in readers))
        self._lock = threading.RLock()  # event order and state; readers' threads call in
        self._up = {name: True for name in names}  # unknown counts as up, as in the supervisor
        self._cards: dict[str, CardEvent] = {}  # INSERTED per reader with a card, oldest first
        self._listener: CardListener | None = None

    # --- what works now --------------------------------------------------------------

    @property
    def capabilities(self) -> Capability:
        """The union of the readers that are up now."""
        with self._lock:
            return functools.reduce(
                lambda a, b: a | b,
                (r.capabilities for r in self.readers if self._up[r.name]),
                Capability.NONE,
            )

    def out_of_service(self) -> Capability:
        """What the station reads when every reader works, but cannot read now."""
        return self.declared & ~self.capabilities

    # --- events ------------------------------------------------------------------------

    def start(self, listener: CardListener) -> None:
        """Start every reader; one that will not start counts as down, the others run."""
        with self._lock:
            if self._listener is not None:
                raise RuntimeError("reader already started")
            self._listener = listener
            self._cards.clear()
        failures: list[DeviceError] = []
        for reader in self.readers:
            try:
                reader.start(functools.partial(self._on_event, reader.name))
            except DeviceError as exc:
                failures.append(exc)
                self._set_up(reader.name, False)
        if len(failures) == len(self.readers):
            raise failures[0]

    def stop(self) -> None:
        with self._lock:
            self._listener = None
            self._cards.clear()
        for reader in self.readers:
            reader.stop()

    def _on_event(self, name: str, event: CardEvent) -> None:
        with self._lock:
            if self._listener is None:
                return
            kind = event.kind
            if kind is CardEventKind.INSERTED:
                self._up[name] = True
                self._cards.pop(name, None)
                self._cards[name] = event
                if next(iter(self._cards)) == name:
                    self._pass_on(event)
            elif kind is CardEventKind.REMOVED:
                was_first = bool(self._cards) and next(iter(self._cards)) == name
                if self._cards.pop(name, None) is not None and was_first:
                    self._pass_on(event)
                    if self._cards:  # the held card is the card now
                        self._pass_on(next(iter(self._cards.values())))
            else:
                self._set_up(name, kind is CardEventKind.READER_ADDED, event)

    def _set_up(self, name: str, up: bool, event: CardEvent | None = None) -> None:
        """Record a reader's state; pass its event on when it is the last down / first up."""
        with self._lock:
            any_up_before = any(self._up.values())
            self._up[name] = up
            if event is not None and any(self._up.values()) != any_up_before:
                self._pass_on(event)

    def _pass_on(self, event: CardEvent) -> None:
        if self._listener is not None:
            deliver(self._listener, event)

    # --- operations ----------------------------------------------------------------------

    def card_present(self) -> bool:
        """Whether any reader holds a card; raises only when no reader answers."""
        return any(self._each(lambda reader: reader.card_present(), self.readers))

    def read_identity(self, mrz: MrzKey | None = None) -> Identity:
        return self._read(lambda reader: reader.read_identity(mrz), _IDENTITY, "an identity document")

    def read_badge(self) -> BadgeRead:
        return self._read(lambda reader: reader.read_badge(), Capability.BADGE_UID, "a technician badge")

    def probe(self) -> str:
        """Every reader's detail, '; '-joined; DeviceUnavailable when none is up."""
        probes = self.probe_each()
        if not any(p.up for p in probes):
            raise DeviceUnavailable(describe(probes))
        return describe(probes)

    def probe_each(self) -> list[ReaderProbe]:
        """Probe every reader side by side; each one's state follows its answer."""
        answers: dict[str, ReaderProbe] = {}

        def probe(reader: CardReader) -> None:
            try:
                answers[reader.name] = ReaderProbe(reader.name, True, reader.probe())
            except DeviceError as exc:
                answers[reader.name] = ReaderProbe(reader.name, False, f"{type(exc).__name__}: {exc}")

        threads = [
            threading.Thread(target=probe, args=(r,), name=f"probe-{r.name}", daemon=True) for r in self.readers
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + PROBE_WAIT_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        hung = ReaderProbe("", False, f"no answer within {PROBE_WAIT_S:g} s")
        probes = [answers.get(r.name) or replace(hung, reader=r.name) for r in self.readers]
        for answer in probes:
            self._set_up(answer.reader, answer.up)
        return probes

    # --- internals ---------------------------------------------------------------------

    def _read(self, op: Callable[[CardReader], T], wanted: Capability, what: str) -> T:
        """Read from the card's reader; without one known, ask each able reader in turn."""
        with self._lock:
            first = next(iter(self._cards), None)
        if first is not None:
            return op(self._reader(first))
        able = [r for r in self.readers if r.capabilities & wanted]
        for result in self._each(op, able, stop_at_first=True):
            return result
        others = [r for r in self.readers if not r.capabilities & wanted]
        if any(self._each(lambda reader: reader.card_present(), others, quiet=True)):
            raise CardRejected(f"the card on the reader is not {what}")
        raise NoCard("no card on any reader")

    def _each(
        self,
        op: Callable[[CardReader], T],
        readers: Sequence[CardReader],
        *,
        stop_at_first: bool = False,
        quiet: bool = False,
    ) -> list[T]:
        """`op` on each reader: empty and unreachable ones are skipped (the unreachable
        marked down); other errors propagate. Raises the first unreachable one's error
        when no reader answered at all, unless `quiet`."""
        results: list[T] = []
        gone: list[DeviceError] = []
        answered = False
        for reader in readers:
            try:
                results.append(op(reader))
            except NoCard:
                answered = True
                continue
            except _GONE as exc:
                gone.append(exc)
                self._set_up(reader.name, False)
                continue
            answered = True
            self._set_up(reader.name, True)
            if stop_at_first:
                break
        if gone and not answered and not quiet:
            raise gone[0]
        return results

    def _reader(self, name: str) -> CardReader:
        return next(r for r in self.readers if r.name == name)
