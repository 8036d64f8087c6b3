"""The web transport: an ASIC firmware's HTTP(S) JSON API, beside cgminer RPC.

One :class:`WebSession` (one ``httpx.AsyncClient`` on a pool-less transport,
:mod:`.oneshot`: a connection per request; one TLS context) is shared by every ASIC of a
poller; a :class:`WebTransport` is one ASIC's host, port, login and
auth state on it. How a firmware logs in is data (:class:`WebAuth`):

- ``none``: AxeOS/ESP-Miner, ePIC reads;
- ``basic`` / ``digest``: HTTP auth (``httpx.DigestAuth``, the Antminer and Elphapex CGI);
- ``braiins``: Braiins OS REST, ``POST /api/v1/auth/login`` -> ``token``, sent as the
  ``Authorization`` header; logged in before the first request, again after a 401;
- ``goldshell``: ``GET /user/login?...&cipher=false`` -> ``"JWT Token"``, sent as
  ``Bearer``; logged in before the first request (as pyasic does), again after a 401;
- ``cookie``: SealMiner, form ``POST /cgi-bin/login.php`` -> a session cookie;
- ``graphql``: Braiins OS before 26.04, ``POST /graphql`` with the ``auth.login``
  mutation -> a session cookie.

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
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Literal
from urllib.parse import quote

import httpx
import orjson

from ..errors import AsicAuthFailed, AsicError, AsicReplyInvalid, AsicUnreachable
from .oneshot import OneShotTransport
from .transport import Replies

MAX_REPLY_BYTES = 1 << 20  # the largest capture is ~30 kB (Braiins miner errors)
_SESSIONS = ("braiins", "goldshell", "cookie", "graphql")  # log in for a token or cookie
_COOKIES = ("cookie", "graphql")
Scheme = Literal["none", "basic", "digest", "braiins", "goldshell", "cookie", "graphql"]
SCHEMES: tuple[str, ...] = ("none", "basic", "digest", "braiins", "goldshell", "cookie",
                            "graphql")


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
    ``optional``: the firmware may lack it (older versions); not found is no error then.
    ``auth``: when this API logs in differently from the rest of the backend's."""

    name: str
    path: str
    method: Literal["GET", "POST"] = "GET"
    body: Any = None
    optional: bool = False
    auth: WebAuth | None = None


class WebSession:
    """The HTTP client of many ASICs: one ``httpx.AsyncClient`` on a
    :class:`~.oneshot.OneShotTransport` (no pool: a connection per request, closed after the
    reply) and one TLS context. Created on first use, closed by :meth:`aclose`.

    No keep-alive: ESP32 and CGI servers serve one connection at a time, and a poll every
    30 s would hold idle sockets open on thousands of devices. No pool, so no pool limit: the
    caller bounds how many ASICs are read at once (an identification holds up to six
    requests), and no pool bookkeeping (httpcore's scans its connections for every request,
    and costs ~1.6 ms of CPU per request over anyio: see :mod:`.oneshot`).
    """

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def client(self, host: str) -> httpx.AsyncClient:
        """The client for ``host`` (one for every host: nothing is kept per connection)."""
        if self._client is None:
            tls = ssl.create_default_context()
            tls.check_hostname = False  # self-signed ASIC certificates (module doc)
            tls.verify_mode = ssl.CERT_NONE
            # no client-wide cookie jar: a session cookie belongs to one WebTransport (one
            # ASIC, one login), which sends it itself
            jar = CookieJar(DefaultCookiePolicy(allowed_domains=[]))
            self._client = httpx.AsyncClient(transport=OneShotTransport(tls), trust_env=False,
                                             follow_redirects=False, cookies=jar)
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


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
        if scheme in _SESSIONS and self._token is None:
            await self._log_in()
        status, body = await self._send(request)
        if status == 401 and scheme in _SESSIONS:
            self._token = None
            await self._log_in()
            status, body = await self._send(request)
        return self._decode(request, status, body)

    async def requests(self, requests: Sequence[WebRequest]) -> Replies:
        """Every request at once; a failed one lands in ``errors`` (an optional one that
        is not found is left out); raises if nothing at all could be read. A firmware that
        needs a session logs in once first: if that fails, every request fails with it."""
        login: AsicError | None = None
        if self.auth.scheme in _SESSIONS and self._token is None:
            try:
                await self._log_in()
            except AsicError as exc:
                login = exc
        if login is not None:
            outcomes: list[Any] = [login] * len(requests)
        else:
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
            key = "Cookie" if scheme in _COOKIES else "Authorization"
            all_headers[key] = f"Bearer {self._token}" if scheme == "goldshell" else self._token
        with _translated(self.where, request.path, self.timeout):
            async with self.session.client(self.host).stream(
                    request.method, self.url(request.path), headers=all_headers,
                    json=request.body, content=data, auth=self._auth(),
                    timeout=httpx.Timeout(self.timeout)) as response:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_REPLY_BYTES:
                        raise AsicReplyInvalid(f"{self.where}{request.path}: reply larger "
                                               f"than {MAX_REPLY_BYTES} bytes")
                if self.auth.scheme in _COOKIES and "set-cookie" in response.headers:
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
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # orjson is strict (NaN, a BOM, big integers): the standard library is not
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
                path = "/api/v1/auth/login"
                status, raw = await self._send(WebRequest("login", path, "POST", body))
                key = "token"
            elif scheme == "goldshell":
                query = (f"?username={quote(login.username)}"
                         f"&password={quote(login.password)}&cipher=false")
                path = "/user/login"
                status, raw = await self._send(WebRequest("login", path + query))
                key = "JWT Token"
            else:  # cookie, graphql: the session comes back in Set-Cookie
                if scheme == "graphql":
                    mutation = (f"mutation{{auth{{login(username:{json.dumps(login.username)},"
                                f" password:{json.dumps(login.password)}){{__typename}}}}}}")
                    path = "/graphql"
                    status, _ = await self._send(WebRequest("login", path, "POST",
                                                            {"query": mutation}))
                else:
                    form = (f"username={quote(login.username)}"
                            f"&origin_pwd={quote(login.password)}")
                    path = "/cgi-bin/login.php"
                    status, _ = await self._send(
                        WebRequest("login", path, "POST"), data=form,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
                if self._token is None:
                    self._decode(WebRequest("login", path), 401 if status == 200 else status,
                                 b"")
                return
            reply = self._decode(WebRequest("login", path), status, raw)
            token = reply.get(key) if isinstance(reply, dict) else None
            if not isinstance(token, str) or not token:
                self._decode(WebRequest("login", path), 401, b"")
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
