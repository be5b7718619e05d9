"""uvicorn's HTTP protocol (httptools) with a header deadline and a header size cap.

uvicorn times out only idle keep-alive connections, and any byte received cancels that
timer: a client sending one header line every few seconds held its connection (and a file
descriptor) for ever, and a thousand of them made the hub unreachable. Here the request line
and all headers must arrive within `header_timeout_s` of the connection opening and of the
first byte of each request, and may total at most `max_header_bytes` (else 400 and the
connection closed). Bodies have their own timeouts (`hub.routes.common`).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class HeaderLimitExceeded(Exception):
    """Raised inside the parser's callback: httptools turns it into a parser error (400)."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """Configure by subclassing with the two class attributes (see `hub.server`)."""

    header_timeout_s: float = 10.0
    max_header_bytes: int = 16 * 1024

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm(self.header_timeout_s)

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            raise HeaderLimitExceeded

    def on_message_begin(self) -> None:
        # The first byte of a request: its headers are due within the deadline. (Between
        # requests, uvicorn's keep-alive timer closes an idle connection.)
        self._header_bytes = 0
        self._arm(self.header_timeout_s)
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
