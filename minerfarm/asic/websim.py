"""The simulator's web side: captured web API replies over real HTTP/1.1 on real sockets.

Each path of a profile answers its capture's bytes (``application/json``), anything else
404. Auth is demanded as the firmware does (:class:`WebProfile` ``auth``): HTTP digest (MD5,
``qop=auth``, RFC 7616) or basic with the profile's login; Braiins OS REST's
``POST /api/v1/auth/login`` token; Goldshell's ``/user/login`` JWT (Bearer); SealMiner's
``/cgi-bin/login.php`` session cookie. One request per connection (``Connection: close``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

_HEAD_LIMIT = 16384
REALM = "antMiner Configuration"  # the realm stock Antminers send


@dataclass(frozen=True)
class WebProfile:
    """A firmware's web API: path (with its query) -> capture file, and its auth."""

    files: Mapping[str, str]
    auth: str = "none"  # none | basic | digest | braiins | goldshell | cookie
    login: tuple[str, str] = ("root", "root")
    port: int | None = 80  # None: on the RPC port (ePIC serves HTTP on 4028)


@dataclass
class WebState:
    """Per simulated ASIC: issued tokens, counted requests."""

    profile: WebProfile
    replies: dict[str, bytes]
    tokens: set[str] = field(default_factory=set)
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    requests: int = 0

    def respond(self, method: str, target: str, headers: Mapping[str, str],
                body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.requests += 1
        login = self._login(method, target, body)
        if login is not None:
            return login
        if not self._authorised(method, target, headers):
            challenge = {}
            if self.profile.auth == "digest":
                challenge["WWW-Authenticate"] = (f'Digest realm="{REALM}", nonce="{self.nonce}",'
                                                 f' qop="auth", algorithm=MD5')
            elif self.profile.auth == "basic":
                challenge["WWW-Authenticate"] = f'Basic realm="{REALM}"'
            return 401, challenge, b'{"error": "unauthorized"}'
        reply = self.replies.get(target)
        if reply is None:
            return 404, {}, b'{"error": "not found"}'
        return 200, {}, reply

    def _issue(self) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return token

    def _login(self, method: str, target: str, body: bytes
               ) -> tuple[int, dict[str, str], bytes] | None:
        auth, (user, password) = self.profile.auth, self.profile.login
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        if auth == "braiins" and method == "POST" and path == "/api/v1/auth/login":
            try:
                given = json.loads(body)
            except ValueError:
                given = {}
            if given == {"username": user, "password": password}:
                return 200, {}, json.dumps({"token": self._issue(), "timeout_s": 3600}).encode()
            return 401, {}, b'{"code": 16, "message": "Invalid credentials"}'
        if auth == "goldshell" and path == "/user/login":
            if query.get("username") == [user] and query.get("password") == [password]:
                return 200, {}, json.dumps({"JWT Token": self._issue()}).encode()
            return 401, {}, b'{"error": "login failed"}'
        if auth == "cookie" and method == "POST" and path == "/cgi-bin/login.php":
            form = parse_qs(body.decode("latin-1"))
            if form.get("username") == [user] and form.get("origin_pwd") == [password]:
                return 200, {"Set-Cookie": f"session={self._issue()}; Path=/"}, b'{"code": 0}'
            return 200, {}, b'{"code": 1, "msg": "login failed"}'
        return None

    def _authorised(self, method: str, target: str, headers: Mapping[str, str]) -> bool:
        auth, (user, password) = self.profile.auth, self.profile.login
        given = headers.get("authorization", "")
        if auth == "none":
            return True
        if auth == "basic":
            expected = base64.b64encode(f"{user}:{password}".encode()).decode()
            return given == f"Basic {expected}"
        if auth == "digest":
            return _digest_ok(given, method, user, password, self.nonce)
        if auth == "braiins":
            return given in self.tokens
        if auth == "goldshell":
            return given.removeprefix("Bearer ") in self.tokens
        cookie = headers.get("cookie", "").removeprefix("session=")
        return cookie in self.tokens


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (HTTP digest is MD5)


def _digest_ok(header: str, method: str, user: str, password: str, nonce: str) -> bool:
    if not header.startswith("Digest "):
        return False
    fields: dict[str, str] = {}
    for part in header[7:].split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip('"')
    if fields.get("username") != user or fields.get("nonce") != nonce:
        return False
    ha1 = _md5(f"{user}:{fields.get('realm', '')}:{password}")
    ha2 = _md5(f"{method}:{fields.get('uri', '')}")
    expected = _md5(f"{ha1}:{nonce}:{fields.get('nc', '')}:{fields.get('cnonce', '')}:"
                    f"{fields.get('qop', '')}:{ha2}")
    return secrets.compare_digest(expected, fields.get("response", ""))


_REASONS = {200: "OK", 401: "Unauthorized", 404: "Not Found", 400: "Bad Request"}


async def serve_http(state: WebState, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
    """One request, one answer, close."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > _HEAD_LIMIT:
        raise ValueError("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = [*lines[0].split(" "), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        if key:
            headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(min(length, 65536)) if length else b""
    status, extra, payload = state.respond(method, target, headers, body)
    response_headers = {"Content-Type": "application/json", "Content-Length": str(len(payload)),
                        "Connection": "close", **extra}
    writer.write(f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n".encode()
                 + "".join(f"{k}: {v}\r\n" for k, v in response_headers.items()).encode()
                 + b"\r\n" + payload)
    await writer.drain()
