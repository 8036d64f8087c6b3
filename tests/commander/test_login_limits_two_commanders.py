"""Two commanders on PostgreSQL and NATS: admin-password guesses spread over both are limited
as if they all went to one, and the right password works again once the lockout is over."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.commander.test_postgres import database  # noqa: F401 - the fixture
from tests.commander.test_two_commanders import commander_pair
from tests.support import PASSWORD, CommanderProcess, browser_login, wait_for

pytestmark = pytest.mark.slow
FREE, LONGEST = 2, 4  # the second failure locks out 1 s, the third 2 s, the fourth 4 s


@pytest.fixture
def pair(tmp_path: Path, database: str) -> Iterator[tuple[CommanderProcess, CommanderProcess]]:  # noqa: F811
    with commander_pair(tmp_path, database, MINERFARM_LOGIN_ATTEMPTS=str(FREE),
                        MINERFARM_LOGIN_BACKOFF_MAX_S=str(LONGEST)) as both:
        yield both


def basic(client: httpx.Client, password: str) -> httpx.Response:
    return client.get("/api/v1/rigs", auth=("admin", password))


def test_guesses_spread_over_two_commanders_are_limited_as_on_one(
        pair: tuple[CommanderProcess, CommanderProcess]) -> None:
    a, b = pair
    with a.client() as on_a, b.client() as on_b:
        turns, counted, refused = [on_a, on_b], 0, 0
        while counted < 4:  # four wrong guesses in all, taking turns, each waiting it out
            answer = basic(turns[(counted + refused) % 2], f"guess-{counted}-{refused}")
            if answer.status_code == 401:
                counted += 1
                continue
            assert answer.status_code == 429, answer.text
            refused += 1
            time.sleep(int(answer.headers["Retry-After"]))
        assert refused >= 1  # the third and fourth guesses waited for a lockout
        # each commander saw two failures (1 s at most, if each counted alone); the four
        # together lock out 4 s, on both, and the right password waits too
        for client in (on_a, on_b):
            locked = basic(client, PASSWORD)
            assert locked.status_code == 429
            assert locked.json()["error"]["code"] == "too_many_attempts"
            assert int(locked.headers["Retry-After"]) >= LONGEST - 1
        assert browser_login(on_b).status_code == 429  # the login form too

        wait_for(lambda: basic(on_b, PASSWORD).status_code != 429, LONGEST + 10,
                 "the lockout to end")
        assert basic(on_b, PASSWORD).status_code == 200
        # the login on b cleared the count for both: two free guesses again on a
        assert [basic(on_a, f"again-{n}").status_code for n in range(2)] == [401, 401]
        assert basic(on_b, "again-3").status_code == 429  # and the second locked out b too
