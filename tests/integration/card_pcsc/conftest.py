"""Fixtures for the real PC/SC stack (pcscd + vpcd + the virtual eMRTD)."""

from __future__ import annotations

import pytest

from devices.card.base import MrzKey
from tests.integration.card_pcsc.stack import PcscStack, stack_or_skip


@pytest.fixture(scope="session")
def stack() -> PcscStack:
    """The one pcscd of this test session (fails loudly if pcscd/vpcd/root are missing;
    skips when a pcscd this session did not start holds the socket)."""
    return stack_or_skip()


@pytest.fixture
def key() -> MrzKey:
    """The fictional document's BAC data (see VirtualEmrtd's default)."""
    return MrzKey("KT0000001", "900101", "350101")


@pytest.fixture
def reader(stack):
    reader = stack.reader()
    yield reader
    reader.stop()
