"""Logging in and out of the dashboard, the rate limit, and CSRF."""

from __future__ import annotations

import re

import httpx

from tests.support import PASSWORD, CommanderProcess, browser_login, csrf_from


def from_address(commander: CommanderProcess, address: str) -> httpx.Client:
    """A client whose connections come from another loopback address (its own rate limit)."""
    transport = httpx.HTTPTransport(verify=commander.ssl_context(), local_address=address)
    return httpx.Client(base_url=commander.url, transport=transport, timeout=10)


def test_right_password_logs_in_and_shows_the_rigs(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.11") as browser:
        answer = browser_login(browser)
        assert answer.status_code == 302
        assert answer.headers["location"] == "/"
        page = browser.get("/")
        assert page.status_code == 200
        assert "Add a rig" in page.text


def test_wrong_password_is_refused(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.12") as browser:
        answer = browser_login(browser, "not the password")
        assert answer.status_code == 401
        assert "Wrong password" in answer.text
        assert browser.get("/").status_code == 302  # still sent to the login page


def test_repeated_failures_lock_the_address_out(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.13") as attacker:
        statuses = [browser_login(attacker, f"guess-{i}").status_code for i in range(7)]
        assert statuses[:5] == [401] * 5
        assert 429 in statuses[5:]
        locked = browser_login(attacker, PASSWORD)  # even the right password waits
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) >= 1
        shown = re.search(r"Try again in (\d+) s", locked.text)  # never "0 s"
        assert shown is not None and shown.group(1) == locked.headers["Retry-After"]
    with from_address(commander, "127.0.0.14") as someone_else:
        assert browser_login(someone_else).status_code == 302


def test_basic_auth_failures_count_too(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.15") as script:
        codes = [script.get("/api/v1/rigs", auth=("admin", f"x{i}")).status_code
                 for i in range(8)]
        assert codes[0] == 401
        assert codes[-1] == 429


def test_logout_ends_the_session_on_the_server(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.16") as browser:
        browser_login(browser)
        stolen = dict(browser.cookies)
        token = csrf_from(browser.get("/").text)
        assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
        assert browser.get("/").status_code == 302
    with from_address(commander, "127.0.0.17") as thief:
        thief.cookies.update(stolen)  # the old cookie no longer opens anything
        assert thief.get("/").status_code == 302
        assert thief.get("/api/v1/rigs").status_code == 401


def test_sessions_are_unlimited(commander: CommanderProcess) -> None:
    browsers = [from_address(commander, f"127.0.0.{20 + i}") for i in range(3)]
    try:
        for browser in browsers:
            browser_login(browser)
        assert all(b.get("/").status_code == 200 for b in browsers)
    finally:
        for browser in browsers:
            browser.close()


def test_form_without_csrf_token_is_refused(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.30") as browser:
        browser_login(browser)
        answer = browser.post("/rigs", data={"name": "csrf-victim", "kind": "cpu_gpu"})
        assert answer.status_code == 403
        wrong = browser.post("/rigs", data={"name": "csrf-victim", "csrf_token": "0" * 64})
        assert wrong.status_code == 403
        assert "csrf-victim" not in browser.get("/").text


def test_session_api_call_needs_the_csrf_header(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.31") as browser:
        browser_login(browser)
        refused = browser.post("/api/v1/rigs", json={"name": "via-session"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "csrf_failed"
        token = csrf_from(browser.get("/").text)
        allowed = browser.post("/api/v1/rigs", json={"name": "via-session"},
                               headers={"X-CSRF-Token": token})
        assert allowed.status_code == 201


def test_login_form_itself_needs_csrf(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.32") as browser:
        answer = browser.post("/login", data={"password": PASSWORD})
        assert answer.status_code == 403
        assert browser.get("/").status_code == 302


def test_login_does_not_redirect_to_another_site(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.33") as browser:
        token = csrf_from(browser.get("/login").text)
        answer = browser.post("/login?next=//evil.example/", data={"password": PASSWORD,
                                                                   "csrf_token": token})
        assert answer.headers["location"] == "/"


def test_cookies_are_secure_httponly_strict(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.0.34") as browser:
        answer = browser_login(browser)
        cookie = answer.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
