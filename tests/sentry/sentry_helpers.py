"""Small helpers for the sentry tests."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def approx_tree(expected: Any) -> Any:
    """``expected`` with every float wrapped in ``pytest.approx`` (figures are computed in
    floating point: 2.107 kH/s * 1000 need not be exactly 2107.0)."""
    if isinstance(expected, dict):
        return {key: approx_tree(value) for key, value in expected.items()}
    if isinstance(expected, list):
        return [approx_tree(value) for value in expected]
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return pytest.approx(expected, rel=1e-12)
    return expected


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
