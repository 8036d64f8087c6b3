"""schemathesis against ``/openapi.json``: no API input makes the commander answer 5xx or hang.

A real commander over HTTPS; the admin API is called with HTTP Basic, the sentry API with a
rig's Bearer token, so the inputs reach the handlers rather than stopping at the guard. Every
operation gets valid and invalid inputs (schemathesis' positive and negative modes); each
5xx or timed-out request is collected, and the test lists them all (method, path, query, body).
Bounded: ``MAX_EXAMPLES`` per operation and ``BUDGET_S`` in all.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support import PASSWORD, CommanderProcess

schemathesis = pytest.importorskip("schemathesis")
requests = pytest.importorskip("requests")
hypothesis = pytest.importorskip("hypothesis")

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 50  # per operation and generation mode
BUDGET_S = 80.0  # for all operations together; keeps the test under ~2 minutes on 2 cores
REQUEST_TIMEOUT_S = 10.0  # a request slower than this is a hang
SENTRY_PREFIX = "/api/v1/sentry/"


@dataclass
class Findings:
    deadline: float
    failures: dict[tuple[str, str, int | str], str] = field(default_factory=dict)
    calls: int = 0

    def add(self, case: Any, status: int | str, detail: str) -> None:
        key = (case.method, case.operation.path, status)
        if key not in self.failures:  # the first repro of each distinct failure
            self.failures[key] = (
                f"{case.method} {case.formatted_path} query={case.query!r} "
                f"body={_short(case.body)} -> {status} {detail[:200]}")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CommanderProcess, str]]:
    process = CommanderProcess(tmp_path_factory.mktemp("fuzz") / "data").start()
    _, token = process.create_rig("fuzz-rig")
    yield process, token
    process.stop()


def test_no_api_input_answers_5xx_or_hangs(target: tuple[CommanderProcess, str]) -> None:
    commander, token = target
    schema = schemathesis.openapi.from_url(f"{commander.url}/openapi.json",
                                           verify=str(commander.cert),
                                           auth=("admin", PASSWORD), timeout=10)
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    api = [op for op in operations if op.path.startswith("/api/")]
    assert any(op.path.startswith(SENTRY_PREFIX) for op in api), "no sentry API in the schema"
    # Sentry operations first: the admin API's fuzzing may delete the rig or replace its token.
    api.sort(key=lambda op: (not op.path.startswith(SENTRY_PREFIX), op.path, op.method))
    findings = Findings(deadline=time.monotonic() + BUDGET_S)

    for operation in api:
        auth: dict[str, Any] = (
            {"headers": {"Authorization": f"Bearer {token}"}}
            if operation.path.startswith(SENTRY_PREFIX) else {"auth": ("admin", PASSWORD)})
        # verify per call: requests lets REQUESTS_CA_BUNDLE win over a session's verify.
        fuzz(operation, commander.url, session, {**auth, "verify": str(commander.cert)},
             findings)

    assert findings.calls >= len(api), f"only {findings.calls} calls: raise BUDGET_S"
    assert not findings.failures, (
        f"{len(findings.failures)} distinct 5xx/hangs in {findings.calls} calls:\n"
        + "\n".join(findings.failures.values())
        + "\nexceptions in the commander's log:\n" + "\n".join(logged_errors(commander)))


def fuzz(operation: Any, base_url: str, session: Any, auth: dict[str, Any],
         findings: Findings) -> None:
    """Call ``operation`` with valid and invalid inputs, recording each 5xx and hang."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    strategy = (operation.as_strategy(GenerationMode.POSITIVE)
                | operation.as_strategy(GenerationMode.NEGATIVE))

    # derandomize: the same inputs every run, so a failure here is a failure on the next run.
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def call(case: Any) -> None:
        if time.monotonic() > findings.deadline:
            return
        findings.calls += 1
        try:
            response = case.call(base_url=base_url, session=session,
                                 timeout=REQUEST_TIMEOUT_S, **auth)
        except requests.Timeout:
            findings.add(case, "timeout", f"no answer within {REQUEST_TIMEOUT_S} s")
            return
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL,
                UnicodeError, ValueError):
            return  # the client cannot send this (e.g. a header with a newline)
        if response.status_code >= 500:
            generic = "internal_server_error" in response.text
            findings.add(case, response.status_code, "" if generic else response.text)

    call()


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception)\b.*$", re.MULTILINE)


def logged_errors(commander: CommanderProcess) -> list[str]:
    """Each distinct exception line the commander logged (what caused the 500s)."""
    found = _EXCEPTION_LINE.findall(commander.log.read_text(errors="replace"))
    return sorted({line[:300] for line in found})


def _short(body: Any) -> str:
    if body is None or type(body).__name__ == "NotSet":
        return "-"
    try:
        text = json.dumps(body, default=repr)
    except (TypeError, ValueError):
        text = repr(body)
    return text if len(text) <= 400 else text[:400] + "..."
