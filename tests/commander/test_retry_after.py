"""The waits told to clients (``Retry-After``) and to people are whole seconds, rounded up."""

from __future__ import annotations

import pytest

from minerfarm.commander.errors import ApiError, retry_after_s


@pytest.mark.parametrize(("wait", "told"), [(0.0, 1), (0.01, 1), (0.4, 1), (1.0, 1),
                                            (1.2, 2), (59.5, 60), (3600.0, 3600)])
def test_a_wait_is_told_rounded_up_and_never_zero(wait: float, told: int) -> None:
    assert retry_after_s(wait) == told


def test_the_header_carries_it() -> None:
    error = ApiError(429, "too_many_attempts", "wait", retry_after=retry_after_s(0.3))
    assert error.headers["Retry-After"] == "1"
