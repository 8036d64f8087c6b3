"""No test sends a fixed calendar date.

Retention (7 days), rollups and charts judge a report by its age, so a test that posts
``"2026-11-23T10:00:00Z"`` passes for a week and then fails by the calendar (it did: the
kill -9 test "lost" 21,095 reports once the date aged past retention). Tests build timestamps
with ``tests.support.utc_ts(offset_s)``, relative to now. This check keeps it that way.
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# A calendar date as code would write it: 2026-11-23, optionally with a time after it.
DATE = re.compile(r"(?<![\w.])(19|20)\d\d-[01]\d-[0-3]\d(?!\d)")


def test_no_test_module_hard_codes_a_date() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if DATE.search(line):
                offenders.append(f"{path.relative_to(TESTS.parent)}:{number}: {line.strip()}")
    assert not offenders, (
        "tests must not hard-code dates (use tests.support.utc_ts):\n" + "\n".join(offenders))


def test_the_check_catches_a_fixed_date() -> None:
    assert DATE.search('report(1, ts="2026-11-23T10:00:00Z")')
    assert DATE.search("when = '2019-01-05'")
    assert not DATE.search('name = "rig-2026-11"')  # a name with digits is not a date
    assert not DATE.search("version 2.12.0, 10.0.0.21")
