"""Web hardening against a real commander: redirects, static files, body encoding, websocket
origins and refusals, session-bound CSRF, security headers, pages without inline code."""

from __future__ import annotations

import base64
import os
import re
import socket

import httpx

from tests.commander.test_login import from_address
from tests.support import CommanderProcess, browser_login, csrf_from, report


def raw_websocket(commander: CommanderProcess, path: str,
                  headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of a websocket upgrade over TLS; 101 means the socket was opened."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    context = commander.ssl_context()
    with socket.create_connection(("127.0.0.1", commander.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        key = base64.b64encode(os.urandom(16)).decode()
        tls.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{commander.port}\r\n"
                     f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                     f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode())
        answer = tls.recv(65536)
        length = re.search(rb"content-length: (\d+)", answer, re.I)
        while length and len(answer.partition(b"\r\n\r\n")[2]) < int(length.group(1)):
            answer += tls.recv(65536)
        text = answer.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    return int(head.split()[1]), body


def cookie_header(client: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def test_login_does_not_redirect_through_a_backslash(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.2.1") as browser:
        for target in ("/%5Cevil.example/x", "/%5C%5Cevil.example", "/%09/evil.example",
                       "/\\evil.example"):
            token = csrf_from(browser.get("/login").text)
            answer = browser.post(f"/login?next={target}",
                                  data={"password": "correct horse battery staple",
                                        "csrf_token": token})
            assert answer.status_code == 302, target
            assert answer.headers["location"] == "/", target
            browser.cookies.clear()
        token = csrf_from(browser.get("/login").text)
        inside = browser.post("/login?next=/rigs/1%3Fx%3D1", data={
            "password": "correct horse battery staple", "csrf_token": token})
        assert inside.headers["location"] == "/rigs/1?x=1"  # same-site paths still work


def test_the_login_page_gets_its_stylesheet(commander: CommanderProcess) -> None:
    with commander.anonymous() as browser:
        page = browser.get("/login")
        sheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', page.text)
        assert sheet
        css = browser.get(sheet.group(1))
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert "body" in css.text
        assert browser.get("/static/pages/live.js").status_code == 200


def test_bodies_that_are_not_utf8_answer_400(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        answer = api.post("/api/v1/rigs", content=b'{"name": "r\xff\xfe"}',
                          headers={"Content-Type": "application/json"})
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_encoding"
        assert api.put("/api/v1/software/1", content=b"\xff",
                       headers={"Content-Type": "application/json"}).status_code == 400
    with from_address(commander, "127.0.2.2") as browser:
        browser_login(browser)
        token = csrf_from(browser.get("/").text)
        for body in (b"name=ab\xff\xfe&csrf_token=" + token.encode(),
                     b"name=ab%FF%FE&csrf_token=" + token.encode()):
            form = browser.post("/rigs", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            assert form.status_code == 400, body
            assert form.json()["error"]["code"] == "invalid_encoding"
        assert "ab\ufffd" not in browser.get("/").text  # nothing stored with U+FFFD
    assert "Traceback" not in commander.log.read_text()


def test_websockets_from_another_site_are_refused_cleanly(commander: CommanderProcess) -> None:
    before = len(commander.log.read_text())
    with from_address(commander, "127.0.2.3") as browser:
        browser_login(browser)
        cookie = cookie_header(browser)
    own = f"https://127.0.0.1:{commander.port}"
    for path in ("/live/index/cpu_gpu", "/live/rigs/1", "/rigs/1/miner-logs/ws"):
        status, body = raw_websocket(commander, path, {"Cookie": cookie,
                                                       "Origin": "https://evil.example"})
        assert status == 403, path
        assert "origin_refused" in body
        status, _ = raw_websocket(commander, path, {"Cookie": cookie, "Origin": own})
        assert status == 101, path
    other_port = f"https://127.0.0.1:{commander.port + 1}"
    status, _ = raw_websocket(commander, "/live/index/cpu_gpu",
                              {"Cookie": cookie, "Origin": other_port})
    assert status == 403  # another port is another origin
    assert "Traceback" not in commander.log.read_text()[before:]


def test_an_anonymous_websocket_gets_a_clean_401(commander: CommanderProcess) -> None:
    before = len(commander.log.read_text())
    status, body = raw_websocket(commander, "/live/index/cpu_gpu")
    assert status == 401
    assert '"unauthorized"' in body and "Traceback" not in body
    assert "Traceback" not in commander.log.read_text()[before:]


def test_csrf_tokens_belong_to_one_session(commander: CommanderProcess) -> None:
    with from_address(commander, "127.0.2.4") as browser:
        browser_login(browser)
        old_token = csrf_from(browser.get("/").text)
        browser.post("/logout", data={"csrf_token": old_token})
        browser_login(browser)  # same browser (same CSRF cookie), a new session
        refused = browser.post("/rigs", data={"name": "old-token-rig", "csrf_token": old_token})
        assert refused.status_code == 403
        fresh = csrf_from(browser.get("/").text)
        assert fresh != old_token
        assert browser.post("/rigs", data={"name": "new-token-rig",
                                           "csrf_token": fresh}).status_code == 200
    with from_address(commander, "127.0.2.5") as other:
        browser_login(other)
        other.cookies.set("mf_csrf", browser.cookies["mf_csrf"])  # even with that cookie
        answer = other.post("/rigs", data={"name": "borrowed-rig", "csrf_token": fresh})
        assert answer.status_code == 403
    with commander.admin() as api:
        names = [r["name"] for r in api.get("/api/v1/rigs").json()["rigs"]]
    assert "new-token-rig" in names
    assert "old-token-rig" not in names and "borrowed-rig" not in names


def _assert_security_headers(answer: httpx.Response) -> None:
    csp = answer.headers.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, answer.url
    assert "unsafe-inline" not in csp
    assert answer.headers.get("x-content-type-options") == "nosniff", answer.url
    assert answer.headers.get("x-frame-options") == "DENY", answer.url
    assert answer.headers.get("referrer-policy") == "no-referrer", answer.url


def test_every_kind_of_answer_has_security_headers(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("headers-rig")
    with commander.anonymous() as nobody:
        answers = [nobody.get("/login"), nobody.get("/"), nobody.get("/api/v1/rigs"),
                   nobody.get("/static/pages/minerfarm.css")]
    with commander.admin() as api:
        answers += [api.get("/api/v1/rigs"), api.get("/api/v1/no-such-thing"),
                    api.post("/api/v1/rigs", json={"name": ""})]
    with commander.sentry(token) as sentry:
        answers.append(sentry.post("/api/v1/sentry/reports", json={"reports": [report(1)]}))
        answers.append(sentry.post("/api/v1/sentry/reports", content=b"{",
                                   headers={"Content-Type": "application/json"}))
    with from_address(commander, "127.0.2.6") as browser:
        browser_login(browser)
        answers += [browser.get("/"), browser.get(f"/rigs/{rig_id}"), browser.get("/rigs/999999")]
        shown = browser.post(f"/rigs/{rig_id}/token",
                             data={"csrf_token": csrf_from(browser.get("/").text)})
    assert {a.status_code for a in answers} >= {200, 202, 302, 400, 401, 404, 422}
    for answer in [*answers, shown]:
        _assert_security_headers(answer)
    assert shown.status_code == 200 and "mf1." in shown.text  # the one-time token page
    assert shown.headers["cache-control"] == "no-store"
    assert answers[4].headers["cache-control"] == "no-store"  # API answers too
    assert "no-store" not in answers[3].headers.get("cache-control", "")  # static: cacheable


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)


def test_pages_carry_no_inline_script_or_style(commander: CommanderProcess) -> None:
    """The CSP refuses inline code: a page with some would lose it in the browser."""
    rig_id, _ = commander.create_rig("inline-rig")
    asic_id, _ = commander.create_rig("inline-asics", "asic")
    with from_address(commander, "127.0.2.7") as browser:
        paths = ["/login"]
        browser_login(browser)
        paths += ["/", f"/rigs/{rig_id}", f"/rigs/{rig_id}/reports", "/asics",
                  f"/asics/{asic_id}/x", "/playbooks", f"/rigs/{rig_id}/playbooks",
                  f"/rigs/{rig_id}/miner-logs", "/no-such-page"]
        for path in paths:
            page = browser.get(path)
            assert page.status_code in (200, 404), (path, page.status_code)
            assert not INLINE.findall(page.text), (path, INLINE.findall(page.text))


def test_jinja_in_a_catalog_download_url_or_sha256_is_refused(
        commander: CommanderProcess) -> None:
    software = {"name": "xmrig-jinja", "version": "6.22.1", "sha256": "a" * 64,
                "download_url": "https://example.invalid/xmrig.tar.gz",
                "executable_template": "xmrig -o {{ pool }}", "api_kind": "xmrig",
                "api_port": 18080}
    with commander.admin() as api:
        for field, value in (
                ("download_url", "https://x.invalid/{{lookup('pipe','id')}}.tar.gz"),
                ("download_url", "https://x.invalid/{%raw%}.tar.gz"),
                ("download_url", "https://x.invalid/{#c#}.tar.gz"),
                ("sha256", "{{ lookup('pipe', 'id') }}")):
            answer = api.post("/api/v1/software", json={**software, field: value})
            assert answer.status_code == 422, value
            error = answer.json()["error"]
            assert error["message"].startswith(f"{field}:"), error
            assert "Jinja" in error["message"]
        assert api.post("/api/v1/software", json=software).status_code == 201
