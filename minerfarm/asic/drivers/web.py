"""The web transport: an ASIC firmware's HTTP(S) JSON API, beside cgminer RPC.

One :class:`WebSession` (one ``httpx.AsyncClient``: one connection pool, one TLS context) is
shared by every ASIC of a poller; a :class:`WebTransport` is one ASIC's host, port, login and
auth state on it. How a firmware logs in is data (:class:`WebAuth`):

- ``none``: AxeOS/ESP-Miner, ePIC reads;
- ``basic`` / ``digest``: HTTP auth (``httpx.DigestAuth``, the Antminer and Elphapex CGI);
- ``braiins``: Braiins OS REST, ``POST /api/v1/auth/login`` -> ``token``, sent as the
  ``Authorization`` header; logged in before the first request, again after a 401;
- ``goldshell``: ``GET /user/login?...&cipher=false`` -> ``"JWT Token"``, sent as
  ``Bearer``; logged in only once a request is refused with 401;
- ``cookie``: SealMiner, form ``POST /cgi-bin/login.php`` -> a session cookie.

The login is the ASIC's (or its subnet's) credentials from the config, else the vendor's
default (``WebAuth.default``, listed in the README). HTTPS devices are asked without
certificate verification: firmwares serve self-signed certificates nobody can pin.

httpx errors are translated once, here (:func:`_translated`), into :mod:`..errors`:
refused / timed out -> ``AsicUnreachable``; 401/403 -> ``AsicAuthFailed``; another status,
not HTTP, not JSON, over :data:`MAX_REPLY_BYTES` -> ``AsicReplyInvalid``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ..errors import AsicAuthFailed, AsicError, AsicReplyInvalid, AsicUnreachable
from .transport import Replies

MAX_REPLY_BYTES = 1 << 20  # the largest capture is ~30 kB (Braiins miner errors)
Scheme = Literal["none", "basic", "digest", "braiins", "goldshell", "cookie"]
SCHEMES: tuple[str, ...] = ("none", "basic", "digest", "braiins", "goldshell", "cookie")


@dataclass(frozen=True, slots=True)
class Login:
    username: str
    password: str

    def __repr__(self) -> str:  # never a password in a log line or traceback
        return f"Login({self.username!r}, ***)"


@dataclass(frozen=True, slots=True)
class WebAuth:
    """How a firmware's web API logs in, and the vendor's default login."""

    scheme: Scheme = "none"
    default: Login | None = None


NO_AUTH = WebAuth()
DIGEST_ROOT = WebAuth("digest", Login("root", "root"))  # Antminer stock, Elphapex CGI


@dataclass(frozen=True, slots=True)
class WebRequest:
    """One call: its name in :class:`Replies` ``web``, path, and JSON body if any.
    ``optional``: the firmware may lack it (older versions); not found is no error then."""

    name: str
    path: str
    method: Literal["GET", "POST"] = "GET"
    body: Any = None
    optional: bool = False


class WebSession:
    """One HTTP client for many ASICs; created on first use, closed by :meth:`aclose`."""

    def __init__(self, max_connections: int = 256) -> None:
        self.max_connections = max_connections
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # No keep-alive: ESP32 and CGI servers serve one connection at a time, and a
            # poll every 30 s would hold idle sockets open on thousands of devices.
            self._client = httpx.AsyncClient(
                verify=False,  # noqa: S501 (self-signed ASIC certificates; see the doc)
                trust_env=False, follow_redirects=False,
                limits=httpx.Limits(max_connections=self.max_connections,
                                    max_keepalive_connections=0))
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass(slots=True)
class WebTransport:
    """HTTP JSON to one ASIC. Keeps its auth state (digest challenge, token, cookie)."""

    host: str
    port: int
    session: WebSession
    auth: WebAuth = NO_AUTH
    login: Login | None = None
    timeout: float = 5.0
    https: bool = False
    _token: str | None = field(default=None, repr=False)
    _http_auth: httpx.Auth | None = field(default=None, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.https else 'http'}://{host}:{self.port}{path}"

    @property
    def credentials(self) -> Login | None:
        return self.login or self.auth.default

    async def call(self, request: WebRequest) -> Any:
        """One request's decoded JSON; raises an :class:`~..errors.AsicError`."""
        scheme = self.auth.scheme
        if scheme in ("braiins", "cookie") and self._token is None:
            await self._log_in()
        status, body = await self._send(request)
        if status == 401 and scheme in ("braiins", "goldshell", "cookie"):
            self._token = None
            await self._log_in()
            status, body = await self._send(request)
        return self._decode(request, status, body)

    async def requests(self, requests: Sequence[WebRequest]) -> Replies:
        """Every request at once; a failed one lands in ``errors`` (an optional one that
        is not found is left out); raises if nothing at all could be read."""
        outcomes = await asyncio.gather(*(self.call(r) for r in requests),
                                        return_exceptions=True)
        replies = Replies()
        failure: AsicError | None = None
        for request, outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, AsicReplyInvalid | AsicUnreachable) and request.optional:
                continue  # an older firmware without it, or no web server at all
            if isinstance(outcome, AsicError):
                replies.errors[request.name] = f"{request.name!r} failed: {outcome}"
                failure = failure or outcome
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                replies.web[request.name] = outcome
        if failure is not None and not replies.web and not isinstance(failure, AsicReplyInvalid):
            raise failure
        return replies

    async def _send(self, request: WebRequest, *, headers: dict[str, str] | None = None,
                    data: str | None = None) -> tuple[int, bytes]:
        all_headers = {"Accept": "application/json", **(headers or {})}
        if self._token is not None:
            scheme = self.auth.scheme
            key = "Cookie" if scheme == "cookie" else "Authorization"
            all_headers[key] = f"Bearer {self._token}" if scheme == "goldshell" else self._token
        with _translated(self.where, request.path, self.timeout):
            async with self.session.client.stream(
                    request.method, self.url(request.path), headers=all_headers,
                    json=request.body, content=data, auth=self._auth(),
                    timeout=httpx.Timeout(self.timeout)) as response:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_REPLY_BYTES:
                        raise AsicReplyInvalid(f"{self.where}{request.path}: reply larger "
                                               f"than {MAX_REPLY_BYTES} bytes")
                if self.auth.scheme == "cookie" and "set-cookie" in response.headers:
                    self._token = response.headers["set-cookie"].split(";", 1)[0]
                return response.status_code, body

    def _auth(self) -> httpx.Auth | None:
        if self._http_auth is None and self.auth.scheme in ("basic", "digest"):
            login = self.credentials or Login("root", "")
            kind = httpx.DigestAuth if self.auth.scheme == "digest" else httpx.BasicAuth
            self._http_auth = kind(login.username, login.password)  # keeps the challenge
        return self._http_auth

    def _decode(self, request: WebRequest, status: int, body: bytes) -> Any:
        where = f"{self.where}{request.path}"
        if status in (401, 403):
            login = self.credentials
            whose = ("the configured login" if self.login else "the vendor's default login"
                     if login else "no login")
            raise AsicAuthFailed(
                f"{where} refused {whose}{f' {login.username!r}' if login else ''} "
                f"(HTTP {status}): set this ASIC's credentials in asic-sentry.json "
                f"(asics[].credentials or subnet_credentials)")
        if not 200 <= status < 300:
            raise AsicReplyInvalid(f"{where} answered HTTP {status}")
        try:
            return json.loads(body)
        except ValueError:
            raise AsicReplyInvalid(f"{where} answered, but not with JSON") from None

    async def _log_in(self) -> None:
        async with self._lock:
            if self._token is not None:
                return  # another request logged in meanwhile
            login = self.credentials or Login("root", "")
            scheme = self.auth.scheme
            if scheme == "braiins":
                body = {"username": login.username, "password": login.password}
                status, raw = await self._send(WebRequest("login", "/api/v1/auth/login",
                                                          "POST", body))
                key = "token"
            elif scheme == "goldshell":
                path = (f"/user/login?username={quote(login.username)}"
                        f"&password={quote(login.password)}&cipher=false")
                status, raw = await self._send(WebRequest("login", path))
                key = "JWT Token"
            else:  # cookie: the session comes back in Set-Cookie
                form = f"username={quote(login.username)}&origin_pwd={quote(login.password)}"
                status, _ = await self._send(
                    WebRequest("login", "/cgi-bin/login.php", "POST"), data=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
                if self._token is None:
                    self._decode(WebRequest("login", "/cgi-bin/login.php"),
                                 401 if status == 200 else status, b"")
                return
            reply = self._decode(WebRequest("login", "(login)"), status, raw)
            token = reply.get(key) if isinstance(reply, dict) else None
            if not isinstance(token, str) or not token:
                self._decode(WebRequest("login", "(login)"), 401, b"")
            self._token = token


@contextmanager
def _translated(where: str, path: str, timeout: float) -> Iterator[None]:
    """httpx's errors as the ASIC sentry's, with what failed in words."""
    try:
        yield
    except httpx.ConnectTimeout:
        raise AsicUnreachable(f"{where}: HTTP connect timed out after {timeout:g}s") from None
    except httpx.ConnectError as exc:
        raise AsicUnreachable(f"{where}: nothing answers HTTP ({_reason(exc)})") from None
    except httpx.TimeoutException:
        raise AsicUnreachable(f"{where}{path}: no HTTP reply within {timeout:g}s") from None
    except (httpx.RemoteProtocolError, httpx.DecodingError, httpx.LocalProtocolError):
        raise AsicReplyInvalid(f"{where}{path}: answers, but not HTTP") from None
    except httpx.HTTPError as exc:
        raise AsicUnreachable(f"{where}{path}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.split("] ", 1)[-1]  # "[Errno 111] Connection refused" -> "Connection refused"
