"""Simulated ASICs on loopback for the ASIC sentry's tests (127.0.0.0/8 only).

Each test gets its own /24 inside a /16 picked at random per session, so parallel runs (and
other suites using 127.0.0.1:4028) do not collide.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from minerfarm.asic.drivers.web import WebSession
from minerfarm.asic.simulator import SimulatedAsic, Simulator

_SECOND_OCTET = random.randint(100, 250)
_THIRD_OCTETS = itertools.count(1)


@pytest.fixture
def subnet() -> str:
    """A fresh ``127.R.N.0/24`` for this test."""
    return f"127.{_SECOND_OCTET}.{next(_THIRD_OCTETS)}.0/24"


SimulatorFactory = Callable[[list[SimulatedAsic]], Awaitable[Simulator]]


@pytest.fixture
async def simulate() -> AsyncIterator[SimulatorFactory]:
    started: list[Simulator] = []

    async def start(asics: list[SimulatedAsic]) -> Simulator:
        simulator = Simulator(asics)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        await simulator.stop()


@pytest.fixture
async def session() -> AsyncIterator[WebSession]:
    """One ASIC web session for the test, closed after it."""
    web = WebSession()
    yield web
    await web.aclose()
